import t from 'tap';
import { loadState, saveState } from '../../server/stateFile.js';
import { tempDir } from '../helpers.js';

t.test('every sensor id round-trips through the state file, including __proto__ and constructor', async (t) => {
  const dir = tempDir();
  const ids = ['home-gw', '__proto__', 'constructor', 'toString'];
  await saveState(dir, ids.map((id, i) => [id, { boot: i + 1, seq: 10 * i, lastHeard: 1000 + i }]));
  const { sensors, problem } = await loadState(dir);
  t.equal(problem, null);
  t.same([...sensors.keys()].sort(), [...ids].sort());
  t.same(sensors.get('__proto__'), { boot: 2, seq: 10, lastHeard: 1001 }, 'its replay window survives a restart');
});
