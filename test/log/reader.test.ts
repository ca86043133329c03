import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeLine, type LogRecord, type ReadRecord } from '../../log/records.js';
import { MAX_LINE_BYTES, readRecords, type ReadCounts } from '../../log/reader.js';
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

t.test('a line longer than MAX_LINE_BYTES is skipped and counted once, and the records around it are read', async (t) => {
  const path = join(tempDir(), 'gw.nmlog');
  // Twice the maximum, in one line with no newline inside, between two good records.
  writeFileSync(path, encodeLine(records[0]!) + 'x'.repeat(2 * MAX_LINE_BYTES) + '\n' + encodeLine(records[1]!) + 'y'.repeat(MAX_LINE_BYTES + 1));
  const { read, counts } = await readAll(path);
  t.same(read, [records[0], records[1]]);
  t.same(counts, { records: 2, corrupt: 2 }, 'the long line and the long torn tail');
});

t.test('a line of exactly MAX_LINE_BYTES is still read', async (t) => {
  const path = join(tempDir(), 'gw.nmlog');
  const line = encodeLine(records[0]!);
  writeFileSync(path, ' '.repeat(MAX_LINE_BYTES - line.length + 1) + line);
  t.same((await readAll(path)).counts, { records: 0, corrupt: 1 }, 'padding makes it damaged, but it was read as one line');
  writeFileSync(path, line.replace('\n', '\r\n') + line);
  t.same((await readAll(path)).counts, { records: 2, corrupt: 0 }, 'a CRLF line ending is accepted');
});

t.test('a folder, a FIFO or a symlink in place of a log is refused with ENOTREG at once', async (t) => {
  const dir = tempDir();
  mkdirSync(join(dir, 'folder.nmlog'));
  execFileSync('mkfifo', [join(dir, 'fifo.nmlog')]);
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling.nmlog'));
  writeFileSync(join(dir, 'real.nmlog'), encodeLine(records[0]!));
  symlinkSync(join(dir, 'real.nmlog'), join(dir, 'link.nmlog'));
  for (const name of ['folder', 'fifo', 'dangling', 'link']) {
    await t.rejects(readAll(join(dir, `${name}.nmlog`)), { code: 'ENOTREG' }, name);
  }
});
