import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nextBoot } from '../../sensor/bootCounter.js';
import { tempDir } from '../helpers.js';

t.test('the boot counter starts at 1 and goes up by one on every call', async (t) => {
  const file = join(tempDir(), 'sensor-state.json');
  t.same([await nextBoot(file), await nextBoot(file), await nextBoot(file)], [1, 2, 3]);
});

t.test('the counter is on disk when nextBoot returns, so a new process continues it', async (t) => {
  const file = join(tempDir(), 'sensor-state.json');
  await nextBoot(file);
  const boot = await nextBoot(file);
  t.same(JSON.parse(readFileSync(file, 'utf8')), { boot });
});

t.test('missing parent folders are created', async (t) => {
  const file = join(tempDir(), 'var', 'lib', 'netmonitor', 'sensor-state.json');
  t.equal(await nextBoot(file), 1);
  t.equal(await nextBoot(file), 2);
});

t.test('a damaged state file never makes the counter go backwards', async (t) => {
  for (const damage of ['', '{"boot": 4', 'null', '{"boot": "5"}', '{"boot": -1}', '\u0000\u0000\u0000']) {
    const file = join(tempDir(), 'sensor-state.json');
    writeFileSync(file, JSON.stringify({ boot: 41 }));
    const before = await nextBoot(file);
    writeFileSync(file, damage);
    const after = await nextBoot(file);
    t.ok(after > before, `${JSON.stringify(damage)}: ${after} > ${before}`);
    t.equal(await nextBoot(file), after + 1, 'and counts on from there');
  }
});
