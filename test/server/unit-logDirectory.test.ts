import t from 'tap';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeLine, type LogRecord } from '../../shared/logLine.js';
import { readRecords, type ReadCounts } from '../../shared/logReader.js';
import { LogDirectory } from '../../server/logDirectory.js';
import { tempDir } from '../helpers.js';

const rec = (n: number): LogRecord => ({ type: 'addr', at: new Date(1_800_000_000_000 + n).toISOString(), n });

async function readAll(path: string): Promise<{ read: LogRecord[]; counts: ReadCounts }> {
  const counts: ReadCounts = { records: 0, corrupt: 0 };
  const read: LogRecord[] = [];
  for await (const record of readRecords(path, counts)) read.push(record);
  return { read, counts };
}

t.test('appends started together land in the order they were started, per client', async (t) => {
  const logs = new LogDirectory(join(tempDir(), 'logs'));
  await logs.create();
  const appends: Promise<void>[] = [];
  for (let n = 0; n < 50; n++) {
    appends.push(logs.append('alpha', [rec(n)]));
    appends.push(logs.append('beta', [rec(1000 + n), rec(2000 + n)]));
  }
  await Promise.all(appends);
  const alpha = (await readAll(logs.pathOf('alpha'))).read.map((r) => r.n);
  const beta = (await readAll(logs.pathOf('beta'))).read.map((r) => r.n);
  t.same(alpha, Array.from({ length: 50 }, (_, n) => n));
  t.same(beta, Array.from({ length: 50 }, (_, n) => [1000 + n, 2000 + n]).flat());
});

t.test('one failed append does not stop the next append to the same client', async (t) => {
  const logs = new LogDirectory(join(tempDir(), 'logs'));
  await logs.create();
  // A record JSON cannot encode (a BigInt) makes the write throw.
  const failing = logs.append('gw', [{ type: 'x', at: 'y', big: 1n } as unknown as LogRecord]);
  const next = logs.append('gw', [rec(1)]);
  await t.rejects(failing);
  await next;
  t.same((await readAll(logs.pathOf('gw'))).read, [rec(1)]);
});

t.test('after a torn last line, the next record starts on a new line and every whole record reads back', async (t) => {
  const logs = new LogDirectory(join(tempDir(), 'logs'));
  await logs.create();
  await logs.append('gw', [rec(1), rec(2)]);
  // What a crash mid-write leaves: part of a line and no newline.
  appendFileSync(logs.pathOf('gw'), encodeLine(rec(3)).slice(0, 25));
  await logs.append('gw', [rec(4)]);
  const { read, counts } = await readAll(logs.pathOf('gw'));
  t.same(read, [rec(1), rec(2), rec(4)]);
  t.equal(counts.corrupt, 1, 'the torn line is counted');
  t.ok(readFileSync(logs.pathOf('gw'), 'utf8').endsWith('\n'));
});

t.test('a write error is reported with the ELOG code', async (t) => {
  const logs = new LogDirectory(join(tempDir(), 'missing', 'folder'));
  await t.rejects(logs.append('gw', [rec(1)]), { code: 'ELOG' });
});

t.test('clients() lists the client logs and not the server files', async (t) => {
  const logs = new LogDirectory(join(tempDir(), 'logs'));
  await logs.create();
  await logs.append('gw', [rec(1)]);
  await logs.append('203.0.113.7', [rec(1)]);
  await logs.append('@server', [rec(1)]);
  t.same((await logs.clients()).sort(), ['203.0.113.7', 'gw']);
});
