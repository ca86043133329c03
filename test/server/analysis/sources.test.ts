import t from 'tap';
import { appendFileSync, chmodSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileSource, JournalSource, SshSource } from '../../../server/analysis/config.js';
import { journalArgv, newRemoteLines, readSource } from '../../../server/analysis/sources.js';
import { AnalysisStateFile } from '../../../server/analysis/state.js';
import { tempDir } from '../../helpers.js';
import { sshdUnavailable, startSshd } from '../supervision/sshdPeer.js';

const COMMON = { everyMs: 60_000, include: [], exclude: [], maxLines: 3, timeoutMs: 10_000 };

t.test('a file is read from its cursor; the cursor survives a restart without reading a line twice', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'messages');
  writeFileSync(path, 'one\ntwo\nthree\nfour\nfive\nsix (still being writ');
  const source: FileSource = { ...COMMON, name: 'router', type: 'file', path };
  const stateFile = join(dir, '@log-analysis.json');
  const read = async (): Promise<string[]> => {
    // A new state object each time, as after a restart: only the file on disk carries the cursor.
    const state = new AnalysisStateFile(stateFile);
    const saved = await state.load();
    const result = await readSource(source, saved.cursors.router ?? null);
    saved.cursors.router = result.cursor;
    await state.save(saved);
    return result.lines;
  };
  t.same(await read(), ['three', 'four', 'five'], 'the first run reads the last max_lines whole lines');
  t.same(await read(), [], 'a line without its newline waits');
  appendFileSync(path, 'ten)\nseven\neight\nnine\nten\n');
  t.same(await read(), ['six (still being written)', 'seven', 'eight'], 'at most max_lines a run');
  t.same(await read(), ['nine', 'ten'], 'the rest next run, none twice');
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'after rotation\n');
  t.same(await read(), ['after rotation'], 'a new inode is read from its start');
  writeFileSync(path, '');
  t.same(await read(), [], 'a truncated file');
  writeFileSync(path, 'new after truncation\n');
  t.same(await read(), ['new after truncation'], 'a file shorter than the offset is read from its start');
});

t.test('the first run of a long file reads its last lines, from a line start', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'big.log');
  writeFileSync(path, Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n') + '\n');
  const { lines } = await readSource({ ...COMMON, maxLines: 10, name: 'big', type: 'file', path }, null);
  t.equal(lines.length, 10);
  t.ok(lines.every((l) => /^line \d+$/.test(l)), 'whole lines only');
  t.ok(Number(lines[0]!.split(' ')[1]) > 1900, `starts near the end (${lines[0]})`);
});

t.test('a missing file or a folder is a source error', async (t) => {
  const dir = tempDir();
  await t.rejects(readSource({ ...COMMON, name: 'x', type: 'file', path: join(dir, 'none') }, null), /cannot open .* \(ENOENT\)/);
  await t.rejects(readSource({ ...COMMON, name: 'x', type: 'file', path: dir }, null), /not a regular file/);
});

t.test('the journal is read by argv with a unit filter, and its cursor is kept', async (t) => {
  // A stand-in for journalctl: this machine has no journal to read (no journald runs in the
  // test container). It prints what journalctl --output=json prints, after the given cursor.
  const dir = tempDir();
  const fake = join(dir, 'journalctl');
  writeFileSync(fake, `#!${process.execPath}
const args = process.argv.slice(2);
require('fs').writeFileSync(${JSON.stringify(join(dir, 'argv'))}, JSON.stringify(args));
const after = (args.find((a) => a.startsWith('--after-cursor=')) || '').slice(15);
const entries = [1, 2, 3, 4, 5].map((n) => ({ __CURSOR: 's=abc;i=' + n, __REALTIME_TIMESTAMP: String(Date.UTC(2026, 11, 2, 2, 11, n) * 1000), SYSLOG_IDENTIFIER: 'pppd', MESSAGE: n === 2 ? [76, 67, 80] : 'No response to ' + n + ' echo-requests' }));
const start = after === '' ? 0 : entries.findIndex((e) => e.__CURSOR === after) + 1;
console.log('not json');
for (const e of entries.slice(start)) console.log(JSON.stringify(e));
`);
  chmodSync(fake, 0o755);
  const source: JournalSource = { ...COMMON, name: 'ppp', type: 'journal', unit: 'pppd.service' };
  t.same(journalArgv(source, null), ['journalctl', '--no-pager', '--output=json', '--quiet', '--unit=pppd.service', '--lines=3']);
  const first = await readSource(source, null, fake);
  t.same(first.lines, ['2026-12-02T02:11:01.000Z pppd: No response to 1 echo-requests', '2026-12-02T02:11:02.000Z pppd: LCP', '2026-12-02T02:11:03.000Z pppd: No response to 3 echo-requests']);
  t.same(first.times, [1, 2, 3].map((n) => Date.UTC(2026, 11, 2, 2, 11, n)));
  t.same(first.cursor, { type: 'journal', cursor: 's=abc;i=3' });
  const second = await readSource(source, first.cursor, fake);
  t.same(second.lines.map((l) => l.slice(-16)), ['to 4 echo-requests', 'to 5 echo-requests'].map((s) => s.slice(-16)));
  t.same(second.cursor, { type: 'journal', cursor: 's=abc;i=5' });
  const third = await readSource({ ...source, unit: null }, second.cursor, fake);
  t.same(third.lines, []);
  t.same(third.cursor, second.cursor, 'no new entries keep the cursor');
  await t.rejects(readSource(source, null, join(dir, 'missing')), /journalctl failed \(could not be started\)/);
  writeFileSync(fake, `#!${process.execPath}\nprocess.exit(1)\n`);
  await t.rejects(readSource(source, null, fake), /exit status 1/);
  writeFileSync(fake, `#!${process.execPath}\nsetTimeout(() => {}, 10000)\n`);
  await t.rejects(readSource({ ...source, timeoutMs: 200 }, null, fake), /no result within 200 ms/);
});

t.test('a remote command cursor keeps the hash of its last lines: only lines after them are new', async (t) => {
  const first = newRemoteLines(['a', 'b', 'c', 'd'], null, 10);
  t.same(first.lines, ['a', 'b', 'c', 'd']);
  const second = newRemoteLines(['c', 'd', 'x', 'x'], first.cursor, 10);
  t.same(second.lines, ['c', 'd', 'x', 'x'], 'the remembered tail is gone (the log rotated): all lines are new');
  const third = newRemoteLines(['c', 'd', 'x', 'x', 'x', 'y'], second.cursor, 10);
  t.same(third.lines, ['x', 'y'], 'a repeated line does not lose the place');
  const output = ['a', 'b', 'c', 'd', 'e'];
  const capped = newRemoteLines(output, null, 2);
  t.same(capped.lines, ['a', 'b'], 'at most max_lines');
  const next = newRemoteLines(output, capped.cursor, 2);
  t.same(next.lines, ['c', 'd'], 'the cursor of a capped run points after its last line, not the output\'s');
  t.same(newRemoteLines(output, next.cursor, 2).lines, ['e']);
  t.same(newRemoteLines([], null, 5), { lines: [], cursor: { type: 'ssh', tailHash: '', tailLines: 0 } });
});

t.test('a command over SSH on a real sshd: pinned host key, new lines only', { skip: sshdUnavailable() ?? false }, async (t) => {
  const dir = tempDir();
  const sshd = await startSshd(dir);
  t.teardown(() => sshd.stop());
  const log = join(dir, 'firewall.log');
  writeFileSync(log, 'DROP 1\nDROP 2\n');
  const source: SshSource = {
    ...COMMON, maxLines: 100, name: 'fw', type: 'ssh', host: '127.0.0.1', port: sshd.port, user: sshd.user,
    privateKey: sshd.clientKey, password: null, hostKeySha256: sshd.hostFingerprint, command: ['tail', '-n', '2000', log],
  };
  const first = await readSource(source, null);
  t.same(first.lines, ['DROP 1', 'DROP 2']);
  appendFileSync(log, 'sshd: Failed password for root from 203.0.113.9\n');
  const second = await readSource(source, first.cursor);
  t.same(second.lines, ['sshd: Failed password for root from 203.0.113.9']);
  await t.rejects(readSource({ ...source, hostKeySha256: 'SHA256:' + 'A'.repeat(43) }, null), /host key of 127\.0\.0\.1:\d+ is SHA256:.*not the pinned/);
  await t.rejects(readSource({ ...source, command: ['false'] }, null), /exit status 1/);
  await t.rejects(readSource({ ...source, privateKey: null, password: 'wrong' }, null), /did not accept the password/);
  await t.rejects(readSource({ ...source, command: ['sleep', '5'], timeoutMs: 1000 }, null), /no result/);
});
