/**
 * The hash chain of a log, as the report verifies it: lines written by the server's own log
 * folder (server/store/logDirectory.ts), then changed by hand the way someone would who wants
 * the record to say something else, CRC recomputed.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { ChainCheck, genesis, link, splitChain, withChain } from '../../log/chain.js';
import { encodeLine, lineOf, type LogRecord } from '../../log/records.js';
import { readNmlog } from '../../log/nmlog.js';
import { LogDirectory } from '../../server/store/logDirectory.js';
import { repoRoot, tempDir } from '../helpers.js';

const at = (minute: number): string => new Date(Date.UTC(2026, 10, 25, 6, minute)).toISOString();
const down = (minute: number): LogRecord => ({ type: 'down', at: at(minute), id: `down-gw-${minute}`, last_up: at(minute - 3), down_interval_s: 180, interval: 60, boot: 1 });
const up = (minute: number, outageS: number): LogRecord => ({ type: 'up', at: at(minute), id: `up-gw-${minute}`, last_up: at(minute - outageS / 60), outage_s: outageS, first: false, boot: 1, interval: 60, addr: '192.0.2.7' });
/** Ten records: five outages of 20 minutes. */
const RECORDS: LogRecord[] = Array.from({ length: 5 }, (_, i) => [down(10 + 30 * i), up(30 + 30 * i, 1200)]).flat();

async function writtenLog(records: readonly LogRecord[] = RECORDS): Promise<{ path: string; lines: () => string[]; save: (lines: string[]) => void }> {
  const logs = new LogDirectory(join(tempDir(), 'logs'));
  await logs.create();
  for (const record of records) await logs.append('gw', [record]);
  const path = logs.pathOf('gw');
  return {
    path,
    lines: () => readFileSync(path, 'utf8').split('\n').slice(0, -1),
    save: (lines) => writeFileSync(path, lines.map((line) => line + '\n').join('')),
  };
}

const integrityOf = async (path: string) => (await readNmlog('gw', path)).integrity!;

/** The line with `from` replaced by `to` in its JSON and its CRC recomputed, as a careful hand would. */
const edited = (line: string, from: string, to: string): string => lineOf(line.slice(9).replace(from, to)).slice(0, -1);

t.test('a log the server wrote reads as chained from its first line, with the last chain value as its head', async (t) => {
  const log = await writtenLog();
  const integrity = await integrityOf(log.path);
  t.equal(integrity.integrity, 'chained');
  t.equal(integrity.chainedFrom, 1);
  t.equal(integrity.brokenLine, null);
  t.equal(integrity.head, splitChain(log.lines().at(-1)!.slice(9)).chain);
  const history = await readNmlog('gw', log.path);
  t.equal(history.outages.length, 5, 'the records read as before');
  t.equal(history.corrupt, 0);
});

t.test('a line edited by hand with its CRC recomputed is named as the first broken line', async (t) => {
  const log = await writtenLog();
  const lines = log.lines();
  t.ok(lines[5]!.includes('"outage_s":1200'));
  lines[5] = edited(lines[5]!, '"outage_s":1200', '"outage_s":60');
  log.save(lines);
  const history = await readNmlog('gw', log.path);
  t.equal(history.corrupt, 0, 'the CRC passes: only the chain can tell');
  t.equal(history.integrity!.integrity, 'broken');
  t.equal(history.integrity!.brokenLine, 6);
  t.match(history.integrity!.brokenReason, /does not follow the line before it/);
});

t.test('an edited line whose chain value is recomputed too breaks the line after it', async (t) => {
  const log = await writtenLog();
  const lines = log.lines();
  const { json } = splitChain(lines[3]!.slice(9).replace('"outage_s":1200', '"outage_s":60'));
  const prev = splitChain(lines[2]!.slice(9)).chain!;
  lines[3] = lineOf(withChain(json, link(prev, json))).slice(0, -1);
  log.save(lines);
  const integrity = await integrityOf(log.path);
  t.equal(integrity.integrity, 'broken');
  t.equal(integrity.brokenLine, 5, 'line 4 checks out by itself; line 5 no longer follows it');
});

t.test('a deleted line breaks the chain at the line that took its place', async (t) => {
  const log = await writtenLog();
  const lines = log.lines();
  lines.splice(4, 1);
  log.save(lines);
  const integrity = await integrityOf(log.path);
  t.equal(integrity.integrity, 'broken');
  t.equal(integrity.brokenLine, 5);
});

t.test('two lines swapped break the chain at the first of them', async (t) => {
  const log = await writtenLog();
  const lines = log.lines();
  [lines[6], lines[7]] = [lines[7]!, lines[6]!];
  log.save(lines);
  const integrity = await integrityOf(log.path);
  t.equal(integrity.integrity, 'broken');
  t.equal(integrity.brokenLine, 7);
});

t.test('an edited line whose CRC was not recomputed is damaged, and is named because the chain does not go on after it', async (t) => {
  const log = await writtenLog();
  const lines = log.lines();
  lines[2] = lines[2]!.replace('"interval":60', '"interval":61');
  log.save(lines);
  const history = await readNmlog('gw', log.path);
  t.equal(history.corrupt, 1);
  t.equal(history.integrity!.integrity, 'broken');
  t.equal(history.integrity!.brokenLine, 3);
  t.match(history.integrity!.brokenReason, /damaged/);
});

t.test('a line without a chain value added inside the chain breaks it there', async (t) => {
  const log = await writtenLog();
  const lines = log.lines();
  lines.splice(8, 0, encodeLine(down(200)).slice(0, -1));
  log.save(lines);
  const integrity = await integrityOf(log.path);
  t.equal(integrity.integrity, 'broken');
  t.equal(integrity.brokenLine, 9);
  t.match(integrity.brokenReason, /without a chain value/);
});

t.test('a chained line copied from another client\'s log does not fit: the genesis names the file', async (t) => {
  const log = await writtenLog();
  const lines = log.lines();
  const other = join(tempDir(), 'other.nmlog');
  writeFileSync(other, lines.map((line) => line + '\n').join(''));
  const integrity = (await readNmlog('other', other)).integrity!;
  t.equal(integrity.integrity, 'broken');
  t.equal(integrity.brokenLine, 1);
});

t.test('an old log without a chain reads as before and is unchained', async (t) => {
  const path = join(tempDir(), 'gw.nmlog');
  writeFileSync(path, RECORDS.map(encodeLine).join(''));
  const history = await readNmlog('gw', path);
  t.equal(history.outages.length, 5);
  t.same(history.integrity, { integrity: 'unchained', brokenLine: null, brokenReason: null, chainedFrom: null, head: null });
});

t.test('an old log the upgraded server appends to is chained from its first new line', async (t) => {
  const logs = new LogDirectory(join(tempDir(), 'logs'));
  await logs.create();
  writeFileSync(logs.pathOf('gw'), RECORDS.slice(0, 4).map(encodeLine).join(''));
  await logs.append('gw', RECORDS.slice(4));
  const history = await readNmlog('gw', logs.pathOf('gw'));
  t.equal(history.outages.length, 5);
  t.equal(history.integrity!.integrity, 'chained');
  t.equal(history.integrity!.chainedFrom, 5);
});

t.test('a torn last line, not yet followed by anything, leaves the chain whole', async (t) => {
  const log = await writtenLog();
  const lines = log.lines();
  writeFileSync(log.path, lines.map((line) => line + '\n').join('') + lines[0]!.slice(0, 30));
  const integrity = await integrityOf(log.path);
  t.equal(integrity.integrity, 'chained');
});

t.test('the genesis and a link are SHA-256 as docs/log-format.md gives them, and sha256sum agrees', async (t) => {
  t.equal(genesis('gw'), createHash('sha256').update('netmonitor log chain v1\ngw').digest('hex'));
  const sum = execFileSync('sha256sum', { input: 'netmonitor log chain v1\ngw' }).toString().slice(0, 64);
  t.equal(genesis('gw'), sum);
  const log = await writtenLog();
  const first = log.lines()[0]!;
  const { json, chain } = splitChain(first.slice(9));
  t.equal(chain, createHash('sha256').update(genesis('gw') + json).digest('hex'));
  t.equal(json, JSON.stringify(RECORDS[0]), 'what is hashed is the record as JSON, without its chain field');
});

t.test('splitChain leaves JSON that only looks chained alone', async (t) => {
  t.same(splitChain('{"type":"x","at":"y"}'), { json: '{"type":"x","at":"y"}', chain: null });
  const notHex = '{"type":"x","at":"y","chain":"' + 'z'.repeat(64) + '"}';
  t.same(splitChain(notHex), { json: notHex, chain: null });
  const notLast = '{"type":"x","chain":"' + 'a'.repeat(64) + '","at":"y"}';
  t.same(splitChain(notLast), { json: notLast, chain: null });
});

t.test('once broken, later lines do not change the verdict', async (t) => {
  const check = new ChainCheck('gw');
  const first = JSON.stringify(down(10));
  const chain = link(genesis('gw'), first);
  check.line(1, { json: first, chain });
  check.line(2, { json: JSON.stringify(up(30, 1200)), chain: 'f'.repeat(64) });
  check.line(3, null);
  check.line(4, { json: first, chain: null });
  t.same(check.result(), { integrity: 'broken', brokenLine: 2, brokenReason: 'does not follow the line before it: changed, or a line before it deleted, inserted or moved', chainedFrom: 1, head: null });
});

t.test('a damaged line followed by an unchained one inside the chain names the damaged line', async (t) => {
  const check = new ChainCheck('gw');
  const first = JSON.stringify(down(10));
  check.line(1, { json: first, chain: link(genesis('gw'), first) });
  check.line(2, null);
  check.line(3, { json: first, chain: null });
  t.equal(check.result().brokenLine, 2);
  t.match(check.result().brokenReason, /damaged/);
});

t.test('the example in docs/log-format.md is a whole chain of demo-gateway.nmlog', async (t) => {
  const page = readFileSync(join(repoRoot, 'docs', 'log-format.md'), 'utf8');
  const example = page.slice(page.indexOf('## Example'), page.indexOf('## The hash chain'));
  const lines = example.split('\n').filter((line) => line.startsWith('    ')).map((line) => line.slice(4));
  t.equal(lines.length, 3);
  const path = join(tempDir(), 'demo-gateway.nmlog');
  writeFileSync(path, lines.map((line) => line + '\n').join(''));
  const history = await readNmlog('demo-gateway', path);
  t.equal(history.corrupt, 0);
  t.equal(history.integrity!.integrity, 'chained');
});
