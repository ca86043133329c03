import t from 'tap';
import { loadState, saveState } from '../../../server/store/stateFile.js';
import { tempDir } from '../../helpers.js';

t.test('every sensor id round-trips through the state file, including __proto__ and constructor', async (t) => {
  const dir = tempDir();
  const ids = ['home-gw', '__proto__', 'constructor', 'toString'];
  await saveState(dir, ids.map((id, i) => [id, { boot: i + 1, seq: 10 * i, lastHeard: 1000 + i }]));
  const { sensors, problem } = await loadState(dir);
  t.equal(problem, null);
  t.same([...sensors.keys()].sort(), [...ids].sort());
  t.same(sensors.get('__proto__'), { boot: 2, seq: 10, lastHeard: 1001 }, 'its replay window survives a restart');
});

t.test('a state file written in parts reads back whole, whatever the count of sensors', async (t) => {
  for (const count of [0, 1, 1999, 2000, 2001, 4000, 6543]) {
    const dir = tempDir();
    const entries = Array.from({ length: count }, (_, i): [string, { boot: number | null; seq: number | null; lastHeard: number | null }] => [
      `sensor-${i}`,
      { boot: i % 3 === 0 ? null : i, seq: i % 3 === 0 ? null : 2 * i, lastHeard: i % 5 === 0 ? null : 1_700_000_000_000 + i },
    ]);
    await saveState(dir, entries);
    const { sensors, problem } = await loadState(dir);
    t.equal(problem, null, `${count} sensors: no problem reading`);
    t.same([...sensors.entries()], entries, `${count} sensors: every entry back as it was`);
  }
});

t.test('large counters, fractional times and unusual ids are written as valid JSON and read back exactly', async (t) => {
  const dir = tempDir();
  const entries: [string, { boot: number | null; seq: number | null; lastHeard: number | null }][] = [
    ['edge', { boot: Number.MAX_SAFE_INTEGER, seq: 0, lastHeard: 1_795_596_428_157.5 }],
    ['2001:db8::7', { boot: null, seq: null, lastHeard: 9 }],
    ['fe80::1%eth0', { boot: 1, seq: 10, lastHeard: null }],
  ];
  await saveState(dir, entries);
  const { sensors, problem } = await loadState(dir);
  t.equal(problem, null);
  t.same([...sensors.entries()], entries);
});
