import t from 'tap';
import { appendFileSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { decodeLineParts, encodeLine, type LogRecord } from '../../../log/records.js';
import { ChainCheck } from '../../../log/chain.js';
import { readRecords, type ReadCounts } from '../../../log/reader.js';
import * as fs from 'node:fs';
import { LogDirectory, MAX_BATCH_FILES, type SyncFileOps } from '../../../server/store/logDirectory.js';
import { asWritten, tempDir, type LooseRecord } from '../../helpers.js';

/** A whole `addr` record numbered by an extra field `n` (extra fields are kept as written). */
const rec = (n: number): LogRecord => asWritten([{ type: 'addr', at: new Date(1_800_000_000_000 + n).toISOString(), addr: '192.0.2.2', previous: '192.0.2.1', n }])[0]!;

async function readAll(path: string): Promise<{ read: LooseRecord[]; counts: ReadCounts }> {
  const counts: ReadCounts = { records: 0, corrupt: 0 };
  const read: LooseRecord[] = [];
  for await (const record of readRecords(path, counts)) read.push(record as LooseRecord);
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

/** The real file operations, counting how often the log folder itself is opened (for its fsync) and the logs are. */
function countingOps(dir: string): { ops: SyncFileOps; folderOpens: () => number; fileOpens: () => number; failFolderOpens: (n: number) => void } {
  let opens = 0;
  let files = 0;
  let failures = 0;
  const ops: SyncFileOps = {
    ...fs,
    openSync: (path: fs.PathLike, ...rest: unknown[]) => {
      if (path === dir) {
        if (failures > 0) {
          failures--;
          throw Object.assign(new Error('too many open files'), { code: 'EMFILE' });
        }
        opens++;
      } else files++;
      return (fs.openSync as (...args: unknown[]) => number)(path, ...rest);
    },
  };
  return { ops, folderOpens: () => opens, fileOpens: () => files, failFolderOpens: (n) => (failures = n) };
}

t.test('a burst of new logs shares folder fsyncs, and every file and record is there', async (t) => {
  const dir = join(tempDir(), 'logs');
  const counter = countingOps(dir);
  const logs = new LogDirectory(dir, counter.ops);
  await logs.create();
  await Promise.all(Array.from({ length: 300 }, (_, n) => logs.append(`client-${n}`, [rec(n)])));
  t.ok(counter.folderOpens() >= 1, 'the folder was synced');
  t.ok(counter.folderOpens() < 100, `far fewer folder fsyncs than new files (${counter.folderOpens()} for 300)`);
  const missing = [];
  for (let n = 0; n < 300; n++) if ((await readAll(logs.pathOf(`client-${n}`))).read[0]?.n !== n) missing.push(n);
  t.same(missing, []);
});

t.test('appending to a log that already has records does not sync the folder again', async (t) => {
  const dir = join(tempDir(), 'logs');
  const counter = countingOps(dir);
  const logs = new LogDirectory(dir, counter.ops);
  await logs.create();
  await logs.append('gw', [rec(1)]);
  const afterCreate = counter.folderOpens();
  t.equal(afterCreate, 1, 'one folder fsync for the new file');
  await logs.append('gw', [rec(2)]);
  await logs.append('gw', [rec(3)]);
  t.equal(counter.folderOpens(), afterCreate, 'none for later records');
});

t.test('a folder that cannot be opened for its fsync (EMFILE) is synced on the next append instead', async (t) => {
  const dir = join(tempDir(), 'logs');
  const counter = countingOps(dir);
  const logs = new LogDirectory(dir, counter.ops);
  await logs.create();
  counter.failFolderOpens(1);
  await logs.append('new-client', [rec(1)]);
  t.equal(counter.folderOpens(), 0, 'the fsync could not happen, and the append still succeeded');
  await logs.append('old-client-record', [rec(2)]);
  t.equal(counter.folderOpens(), 1, 'the next append syncs the folder');
  await logs.append('old-client-record', [rec(3)]);
  t.equal(counter.folderOpens(), 1, 'and then no more');
});

t.test("appends made in one turn go out in one write, and those made while it is written in the next", async (t) => {
  const dir = join(tempDir(), 'logs');
  const counter = countingOps(dir);
  const logs = new LogDirectory(dir, counter.ops);
  await logs.create();
  const together = Array.from({ length: 10 }, (_, n) => logs.append('gw', [rec(n)]));
  t.equal(logs.pending, 1, 'one log waits to be written');
  await Promise.all(together);
  t.equal(counter.fileOpens(), 1, 'ten appends in one turn: one write');
  const first = logs.append('gw', [rec(10)]);
  await new Promise((resolve) => setImmediate(resolve));
  const later = Array.from({ length: 39 }, (_, n) => logs.append('gw', [rec(11 + n)]));
  await Promise.all([first, ...later]);
  t.equal(logs.pending, 0);
  t.equal(counter.fileOpens(), 3, 'then the next append alone, and the 39 that came while it was written');
  t.same((await readAll(logs.pathOf('gw'))).read.map((r) => r.n), Array.from({ length: 50 }, (_, n) => n));
});

t.test('a burst of transitions is written in batches of at most MAX_BATCH_FILES files', async (t) => {
  const dir = join(tempDir(), 'logs');
  let open = 0;
  let most = 0;
  const ops: SyncFileOps = {
    ...fs,
    openSync: (...args: Parameters<typeof fs.openSync>) => {
      const fd = fs.openSync(...args);
      most = Math.max(most, ++open);
      return fd;
    },
    closeSync: (fd) => {
      open--;
      fs.closeSync(fd);
    },
  };
  const logs = new LogDirectory(dir, ops);
  await logs.create();
  await Promise.all(Array.from({ length: 1000 }, (_, n) => logs.append(`client-${n}`, [rec(n)])));
  t.ok(most <= MAX_BATCH_FILES + 1, `at most ${MAX_BATCH_FILES} logs and the folder open at once (${most})`);
  t.ok(most > 1, 'the files of a batch are synced together');
  t.equal(open, 0, 'every file is closed again');
});

t.test("the writer runs on a thread of its own, started with the first append and ended by close()", async (t) => {
  const threads = (): number => fs.readdirSync('/proc/self/task').length;
  const logs = new LogDirectory(join(tempDir(), 'logs'));
  await logs.create();
  const before = threads();
  await Promise.all(Array.from({ length: 2000 }, (_, n) => logs.append(`client-${n}`, [rec(n)])));
  t.ok(threads() > before, `a thread was started for the writes (${before} threads before, ${threads()} after)`);
  const missing = [];
  for (let n = 0; n < 2000; n += 97) if ((await readAll(logs.pathOf(`client-${n}`))).read[0]?.n !== n) missing.push(n);
  t.same(missing, [], 'every record of the burst is on disk');
  await logs.close();
  t.equal(threads(), before, 'close() ends the thread');
  await logs.append('after-close', [rec(1)]);
  t.same((await readAll(logs.pathOf('after-close'))).read, [rec(1)], 'an append after close() starts the writer again');
  await logs.close();
});

t.test('settle waits for every append started before it, including ones queued behind others', async (t) => {
  const logs = new LogDirectory(join(tempDir(), 'logs'));
  await logs.create();
  for (let n = 0; n < 200; n++) void logs.append(`client-${n % 100}`, [rec(n)]);
  await logs.settle();
  t.equal(logs.pending, 0);
  const counts = await Promise.all(Array.from({ length: 100 }, async (_, c) => (await readAll(logs.pathOf(`client-${c}`))).read.length));
  t.ok(counts.every((count) => count === 2), 'both records of every client are on disk');
});

t.test('a symlink, a dangling symlink or a FIFO as a client log is refused with ELOG and nothing is written through it', async (t) => {
  const dir = tempDir();
  const logs = new LogDirectory(join(dir, 'logs'));
  await logs.create();
  writeFileSync(join(dir, 'target'), 'keep\n');
  symlinkSync(join(dir, 'target'), logs.pathOf('linked'));
  symlinkSync(join(dir, 'outside.nmlog'), logs.pathOf('dangling'));
  execFileSync('mkfifo', [logs.pathOf('fifo')]);
  for (const client of ['linked', 'dangling', 'fifo']) {
    await t.rejects(logs.append(client, [rec(1)]), { code: 'ELOG', message: /not a regular file/ }, client);
  }
  t.equal(readFileSync(join(dir, 'target'), 'utf8'), 'keep\n');
  t.notOk(existsSync(join(dir, 'outside.nmlog')), 'nothing was created outside the folder');
  t.equal(logs.backlog, 3, 'the records are kept in memory, as on a full disk');
});

/** The chain verdict of a log file, line by line as the report checks it. */
function chainOf(path: string, name: string): ReturnType<ChainCheck['result']> {
  const check = new ChainCheck(name);
  readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').forEach((line, n) => {
    const parts = decodeLineParts(line);
    check.line(n + 1, parts === null ? null : { json: parts.json, chain: parts.chain });
  });
  return check.result();
}

t.test('a log written before a restart is chained on from its last whole line, a long one included', async (t) => {
  const dir = join(tempDir(), 'logs');
  const before = new LogDirectory(dir, fs);
  await before.create();
  const long = { ...rec(1), note: 'x'.repeat(10_000) } as unknown as LogRecord;
  await before.append('gw', [rec(0), long]);
  const after = new LogDirectory(dir, fs);
  await after.append('gw', [rec(2)]);
  t.same((await readAll(after.pathOf('gw'))).read.map((r) => r.n), [0, 1, 2]);
  t.equal(chainOf(after.pathOf('gw'), 'gw').integrity, 'chained', 'the new line links to the line the earlier server wrote last');
});

t.test("a failed fsync of the folder fails the new log's append with EFSYNC", async (t) => {
  const dir = join(tempDir(), 'logs');
  const logs = new LogDirectory(dir, {
    ...fs,
    fsyncSync: () => {
      throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    },
  });
  await logs.create();
  await t.rejects(logs.append('gw', [rec(1)]), { code: 'EFSYNC', message: /could not make .*logs durable \(EIO\)/ });
});

t.test('a descriptor that will not close does not fail a durable append', async (t) => {
  const dir = join(tempDir(), 'logs');
  const logs = new LogDirectory(dir, {
    ...fs,
    closeSync: (fd) => {
      fs.closeSync(fd);
      throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    },
  });
  await logs.create();
  await logs.append('gw', [rec(1)]);
  t.same((await readAll(logs.pathOf('gw'))).read, [rec(1)]);
});
