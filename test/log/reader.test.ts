import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeLine, type LogRecord, type ReadRecord } from '../../log/records.js';
import { readRecords, type ReadCounts } from '../../log/reader.js';
import { tempDir } from '../helpers.js';

const records: LogRecord[] = [1, 2, 3, 4].map((n) => ({ type: 'up', at: `2026-01-0${n}T00:00:00.000Z`, id: `up-${n}`, last_up: null, outage_s: null, first: n === 1, boot: n, interval: 30, addr: '192.0.2.1' }));

async function readAll(path: string): Promise<{ read: ReadRecord[]; counts: ReadCounts }> {
  const counts: ReadCounts = { records: 0, corrupt: 0 };
  const read: ReadRecord[] = [];
  for await (const record of readRecords(path, counts)) read.push(record);
  return { read, counts };
}

t.test('damaged lines are counted and skipped, and every good record around them is read in order', async (t) => {
  const [a, b, c, d] = records.map(encodeLine) as [string, string, string, string];
  const damaged = b.replace('"boot":2', '"boot":9');
  const torn = d.slice(0, 20);
  const path = join(tempDir(), 'gw.nmlog');
  writeFileSync(path, a + damaged + 'garbage\n' + c + torn);
  const { read, counts } = await readAll(path);
  t.same(read, [records[0], records[2]]);
  t.same(counts, { records: 2, corrupt: 3 });
});

t.test('blank lines are neither records nor corruption', async (t) => {
  const path = join(tempDir(), 'gw.nmlog');
  writeFileSync(path, '\n' + encodeLine(records[0]!) + '\n\n');
  const { read, counts } = await readAll(path);
  t.equal(read.length, 1);
  t.same(counts, { records: 1, corrupt: 0 });
});

t.test('a file with CRLF line ends reads like one with LF', async (t) => {
  const path = join(tempDir(), 'gw.nmlog');
  writeFileSync(path, records.map((r) => encodeLine(r).replace('\n', '\r\n')).join(''));
  const { read, counts } = await readAll(path);
  t.same(read, records);
  t.equal(counts.corrupt, 0);
});
