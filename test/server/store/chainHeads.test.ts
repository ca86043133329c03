/**
 * The server keeps each log's hash chain whole across restarts, torn last lines and failed
 * writes: a new LogDirectory (what a restarted server has) finds the chain's end in the file;
 * a disk that fills up mid-write is a real tiny tmpfs, mounted by the test as root.
 */
import t from 'tap';
import { appendFileSync, closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chainedLine, encodeLine, type LogRecord } from '../../../log/records.js';
import { genesis, splitChain } from '../../../log/chain.js';
import { readNmlog } from '../../../log/nmlog.js';
import { LogDirectory } from '../../../server/store/logDirectory.js';
import { ChainHeads, tailHead } from '../../../server/store/chainHeads.js';
import { asWritten, tempDir } from '../../helpers.js';

const rec = (n: number, extra: Record<string, unknown> = {}): LogRecord =>
  asWritten([{ type: 'addr', at: new Date(1_800_000_000_000 + n).toISOString(), addr: '192.0.2.2', previous: '192.0.2.1', n, ...extra }])[0]!;

async function folder(dir = join(tempDir(), 'logs')): Promise<LogDirectory> {
  const logs = new LogDirectory(dir);
  await logs.create();
  return logs;
}

const integrity = async (logs: LogDirectory, client = 'gw') => (await readNmlog(client, logs.pathOf(client))).integrity!;
const headOf = (path: string): string => splitChain(readFileSync(path, 'utf8').trimEnd().split('\n').at(-1)!.slice(9)).chain!;

t.test('a restarted server goes on with the chain where the last run left it', async (t) => {
  const first = await folder();
  await first.append('gw', [rec(1), rec(2)]);
  await first.append('gw', [rec(3)]);
  const restarted = new LogDirectory(first.dir);
  await restarted.append('gw', [rec(4)]);
  await restarted.append('gw', [rec(5)]);
  const result = await integrity(restarted);
  t.equal(result.integrity, 'chained');
  t.equal(result.chainedFrom, 1);
  t.equal(result.head, headOf(restarted.pathOf('gw')));
});

t.test('after a kill -9 tore the last line, the next run links to the last whole line and the chain stays whole', async (t) => {
  const first = await folder();
  await first.append('gw', [rec(1), rec(2)]);
  // What a kill mid-write leaves: part of a chained line and no newline.
  const torn = chainedLine(JSON.stringify(rec(3)), headOf(first.pathOf('gw'))).text;
  appendFileSync(first.pathOf('gw'), torn.slice(0, 60));
  const restarted = new LogDirectory(first.dir);
  await restarted.append('gw', [rec(4)]);
  const history = await readNmlog('gw', restarted.pathOf('gw'));
  t.equal(history.corrupt, 1, 'the torn line is counted as damaged');
  t.equal(history.integrity!.integrity, 'chained');
});

t.test('a write torn just before its newline leaves a whole line, and the next run chains after it', async (t) => {
  const first = await folder();
  await first.append('gw', [rec(1)]);
  const whole = chainedLine(JSON.stringify(rec(2)), headOf(first.pathOf('gw'))).text;
  appendFileSync(first.pathOf('gw'), whole.slice(0, -1));
  const restarted = new LogDirectory(first.dir);
  await restarted.append('gw', [rec(3)]);
  const history = await readNmlog('gw', restarted.pathOf('gw'));
  t.equal(history.corrupt, 0);
  t.equal(history.records, 3);
  t.equal(history.integrity!.integrity, 'chained');
});

t.test('the end of the chain is found behind lines longer than one read of the file\'s end', async (t) => {
  const first = await folder();
  await first.append('gw', [rec(1), rec(2, { note: 'x'.repeat(20_000) })]);
  // A torn line of 10 kB after it, too.
  appendFileSync(first.pathOf('gw'), 'y'.repeat(10_000));
  const restarted = new LogDirectory(first.dir);
  await restarted.append('gw', [rec(3)]);
  t.equal((await integrity(restarted)).integrity, 'chained');
});

t.test('a file that holds no readable line at all starts its chain at the genesis', async (t) => {
  const first = await folder();
  writeFileSync(first.pathOf('gw'), 'garbage\n' + 'z'.repeat(9000));
  await first.append('gw', [rec(1)]);
  const result = await integrity(first);
  t.equal(result.integrity, 'chained');
  t.equal(result.chainedFrom, 3, 'the server starts the torn second line\'s successor on a line of its own');
});

t.test('an old unchained log gets a chain from the genesis on the server\'s first write after the upgrade', async (t) => {
  const logs = await folder();
  writeFileSync(logs.pathOf('gw'), [rec(1), rec(2), rec(3)].map(encodeLine).join(''));
  await logs.append('gw', [rec(4), rec(5)]);
  const result = await integrity(logs);
  t.equal(result.integrity, 'chained');
  t.equal(result.chainedFrom, 4);
});

t.test('the server\'s own log is chained from its own genesis', async (t) => {
  const logs = await folder();
  await logs.append('@server', [{ type: 'alive', at: new Date(1_800_000_000_000).toISOString() }]);
  const line = readFileSync(logs.pathOf('@server'), 'utf8').trimEnd();
  t.equal(splitChain(line.slice(9)).chain, chainedLine(JSON.stringify({ type: 'alive', at: new Date(1_800_000_000_000).toISOString() }), genesis('@server')).chain);
});

t.test('a disk that fills up in the middle of a write leaves the chain whole once the records are written after all', async (t) => {
  const dir = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    t.plan(0, 'mounting a tmpfs needs root; a real full disk cannot be made otherwise');
    return;
  }
  t.teardown(() => execFileSync('umount', ['-l', dir]));
  const logs = await folder(join(dir, 'logs'));
  await logs.append('gw', [rec(1)]);
  // Fill the filesystem: what is left is the rest of the log's own last page.
  const filler = openSync(join(dir, 'filler'), 'w');
  try {
    for (;;) writeSync(filler, Buffer.alloc(1024, 1));
  } catch (error) {
    t.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    closeSync(filler);
  }
  const batch = Array.from({ length: 150 }, (_, i) => rec(10 + i));
  await t.rejects(logs.append('gw', batch), { code: 'ELOG' });
  const partial = readFileSync(logs.pathOf('gw'), 'utf8');
  t.ok(partial.split('\n').length > 2, 'part of the batch reached the disk before it filled');
  rmSync(join(dir, 'filler'));
  await logs.retryUnwritten();
  t.equal(logs.backlog, 0);
  const history = await readNmlog('gw', logs.pathOf('gw'));
  t.equal(history.integrity!.integrity, 'chained', 'the retry chains after the last whole line on disk, not after what it meant to write');
  t.ok(history.records >= 151);
});

t.test('chain heads keep 32 bytes per client in blocks and reuse the slots of forgotten ones', async (t) => {
  const heads = new ChainHeads();
  const hex = (n: number): string => n.toString(16).padStart(64, '0');
  for (let n = 0; n < 5000; n++) heads.set(`c${n}`, hex(n));
  t.equal(heads.size, 5000);
  t.equal(heads.get('c0'), hex(0));
  t.equal(heads.get('c4999'), hex(4999));
  heads.set('c4999', hex(1));
  t.equal(heads.get('c4999'), hex(1));
  heads.forget('c10');
  heads.forget('nobody');
  t.equal(heads.get('c10'), undefined);
  heads.set('new', hex(7));
  t.equal(heads.size, 5000);
  t.equal(heads.get('new'), hex(7));
  t.equal(heads.get('c11'), hex(11));
});

t.test('tailHead asks for more of the file until it holds a whole line, and decides by the last readable one', async (t) => {
  const line = encodeLine(rec(1));
  const chained = chainedLine(JSON.stringify(rec(2)), genesis('gw'));
  t.equal(tailHead('gw', Buffer.from(line.slice(5)), false), null, 'a piece of a line: read more');
  t.equal(tailHead('gw', Buffer.from(line), true), genesis('gw'), 'an unchained last line: the genesis');
  t.equal(tailHead('gw', Buffer.from(line.slice(3) + chained.text + 'torn'), false), chained.chain);
  t.equal(tailHead('gw', Buffer.from(''), true), genesis('gw'));
  t.equal(tailHead('gw', Buffer.from('\n\n'), true), genesis('gw'));
});
