import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { encodeLine } from '../../log/records.js';
import { at, appendRaw, firstUp, HOUR, jsonReport, outage, report, serverRun, writeLog, writeServerLog } from './logFiles.js';

const T0 = at('2026-11-02T08:00:00.000Z');
const NOW = at('2026-11-03T08:00:00.000Z');

t.test('torn and damaged lines are skipped and counted, and the outages around them still found', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  const [down, delivered, up] = outage(T0 + HOUR, T0 + 2 * HOUR);
  const path = writeLog(dir, 'gw', [...firstUp(T0), down!]);
  const good = encodeLine(delivered!);
  appendRaw(path, good.slice(0, 30) + '\n'); // torn by a crash mid-write
  appendRaw(path, good.replace('email', 'emaik')); // a damaged byte: the checksum fails
  appendRaw(path, 'not a log line at all\n');
  appendRaw(path, encodeLine(up!));
  const client = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients[0]!;
  t.equal(client.corrupt_lines, 3);
  t.equal(client.outages.length, 1);
  t.equal(client.outages[0]!.duration_s, 3600);
  t.match(await report({ logDir: dir, tz: 'UTC' }, NOW), /skipped 3 damaged log lines/);
});

t.test('a lost up line ends the outage at the next heartbeat the log shows, and says so', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  const first = outage(T0 + HOUR, T0 + 2 * HOUR);
  const second = outage(T0 + 3 * HOUR, T0 + 4 * HOUR);
  writeLog(dir, 'gw', [...firstUp(T0), first[0]!, ...second]);
  const outages = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients[0]!.outages;
  t.equal(outages.length, 2);
  t.equal(outages[0]!.end, '2026-11-02T11:00:00.000+00:00', 'the second outage\'s last heartbeat');
  t.equal(outages[0]!.cause, 'unknown');
});

t.test('a damaged server log is counted and does not stop the report', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  appendRaw(join(dir, '@server.nmlog'), '0badc0de {"type":"alive"');
  writeLog(dir, 'gw', firstUp(T0));
  const json = await jsonReport({ logDir: dir, tz: 'UTC' }, NOW);
  t.equal(json.monitor.corrupt_lines, 1);
});

t.test('without a server log the report says, in words an ISP reader follows, that the monitor\'s own downtime is not known', async (t) => {
  const dir = tempDir();
  writeLog(dir, 'gw', firstUp(T0));
  const json = await jsonReport({ logDir: dir, tz: 'UTC' }, NOW);
  t.equal(json.monitor.log_found, false);
  const text = await report({ logDir: dir, tz: 'UTC' }, NOW);
  t.match(text, /the monitor's record of when it was running is missing/);
  t.notMatch(text, /^no @server\.nmlog/m, 'not the file name alone');
});

t.test('the server\'s other files and stray files are not clients', async (t) => {
  const dir = tempDir();
  writeLog(dir, 'gw', firstUp(T0));
  writeFileSync(join(dir, '@state.json'), '{}');
  writeFileSync(join(dir, '@outbox.mbox'), 'From x\n');
  writeFileSync(join(dir, 'notes.json'), '[]');
  const json = await jsonReport({ logDir: dir, tz: 'UTC' }, NOW);
  t.same(json.clients.map((c) => c.client), ['gw']);
});

t.test('naming clients reports only those, and an unknown one is a usage error', async (t) => {
  const dir = tempDir();
  writeLog(dir, 'a', firstUp(T0));
  writeLog(dir, 'b', firstUp(T0));
  const json = await jsonReport({ logDir: dir, tz: 'UTC', clients: ['b'] }, NOW);
  t.same(json.clients.map((c) => c.client), ['b']);
  await t.rejects(jsonReport({ logDir: dir, tz: 'UTC', clients: ['c'] }, NOW), { code: 'EUSAGE', message: /c/ });
});

t.test('a missing log folder is an error naming it', async (t) => {
  const dir = join(tempDir(), 'nowhere');
  await t.rejects(report({ logDir: dir }, NOW), { code: 'EUSAGE', message: new RegExp(`${dir}.*does not exist`) });
});
