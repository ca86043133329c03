/**
 * The report states each log's integrity (its hash chain, log/chain.ts) in every format; and
 * end to end, the real server process writes, is killed with -9 mid-way and started again,
 * and `netmonitor report --format json` says the log is chained.
 */
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineOf, type LogRecord } from '../../log/records.js';
import { LogDirectory } from '../../server/store/logDirectory.js';
import { runReport } from '../../report/main.js';
import { cliPath, readLog, tempDir } from '../helpers.js';
import { startServer, writeConfig } from '../peers/serverProcess.js';
import { sleep, TestSensor } from '../peers/udp.js';
import { missingProgram } from '../systemPrograms.js';
import { at, firstUp, HOUR, jsonReport, outage, report, serverRun, writeLog, writeServerLog } from './logFiles.js';

const T0 = at('2026-11-01T00:00:00.000Z');
const NOW = at('2026-11-03T00:00:00.000Z');

interface IntegrityJson {
  client: string;
  log_integrity: string;
  broken_line: number | null;
  broken_reason: string | null;
  chained_from_line: number | null;
  chain_head: string | null;
}

/** Three clients: one written by the server (chained), one chained then edited, one old log. */
async function logSet(): Promise<string> {
  const dir = join(tempDir(), 'logs');
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  const records: LogRecord[] = [...firstUp(T0), ...outage(T0 + HOUR, T0 + 3 * HOUR), ...outage(T0 + 10 * HOUR, T0 + 11 * HOUR)];
  const logs = new LogDirectory(dir);
  for (const name of ['chained-gw', 'edited-gw']) await logs.append(name, records);
  writeLog(dir, 'old-gw', records);
  // The second outage made to look shorter: its up record moved an hour earlier, CRC recomputed.
  const path = logs.pathOf('edited-gw');
  const lines = readFileSync(path, 'utf8').split('\n').slice(0, -1);
  const real = new Date(T0 + 11 * HOUR).toISOString();
  const fake = new Date(T0 + 10 * HOUR + 60_000).toISOString();
  t.ok(lines[7]!.includes(`"at":"${real}"`));
  lines[7] = lineOf(lines[7]!.slice(9).replace(`"at":"${real}"`, `"at":"${fake}"`)).slice(0, -1);
  writeFileSync(path, lines.map((line) => line + '\n').join(''));
  return dir;
}

t.test('the json report gives each client its log_integrity, and the broken line of an edited log', async (t) => {
  const dir = await logSet();
  const clients = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients as unknown as IntegrityJson[];
  const byName = new Map(clients.map((client) => [client.client, client]));
  t.match(byName.get('chained-gw'), { log_integrity: 'chained', broken_line: null, chained_from_line: 1, chain_head: /^[0-9a-f]{64}$/ });
  t.match(byName.get('edited-gw'), { log_integrity: 'broken', broken_line: 8, chain_head: null });
  t.match(byName.get('old-gw'), { log_integrity: 'unchained', broken_line: null, chained_from_line: null, chain_head: null });
});

t.test('the text and html reports say unaltered since written, or name the first broken line', async (t) => {
  const dir = await logSet();
  const text = await report({ logDir: dir, tz: 'UTC' }, NOW);
  t.match(text, /log integrity: unaltered since written \(hash chain of chained-gw\.nmlog verified, head [0-9a-f]{64}\)/);
  t.match(text, /log integrity: BROKEN at line 8 of edited-gw\.nmlog/);
  t.match(text, /log integrity: not verifiable: old-gw\.nmlog was written before netmonitor chained its lines/);
  const html = await report({ logDir: dir, tz: 'UTC', format: 'html' }, NOW);
  t.match(html, /<li>log integrity: BROKEN at line 8 of edited-gw\.nmlog/);
  t.match(html, /SHA-256 hash chain/, 'the method statement says how');
});

t.test("the monitor's own log is verified too, and a broken one is said at the top of the text report", async (t) => {
  const dir = join(tempDir(), 'logs');
  await new LogDirectory(dir).create();
  await new LogDirectory(dir).append('@server', serverRun(T0 - HOUR, NOW));
  await new LogDirectory(dir).append('gw', firstUp(T0));
  const fine = await jsonReport({ logDir: dir, tz: 'UTC' }, NOW);
  t.match((fine as unknown as { monitor: object }).monitor, { log_integrity: 'chained', broken_line: null, chain_head: /^[0-9a-f]{64}$/ });
  t.notMatch(await report({ logDir: dir, tz: 'UTC' }, NOW), /monitor's own record: log integrity/);
  const path = join(dir, '@server.nmlog');
  const lines = readFileSync(path, 'utf8').split('\n').slice(0, -1);
  lines.splice(100, 1);
  writeFileSync(path, lines.map((line) => line + '\n').join(''));
  const broken = await jsonReport({ logDir: dir, tz: 'UTC' }, NOW);
  t.match((broken as unknown as { monitor: object }).monitor, { log_integrity: 'broken', broken_line: 101, chain_head: null });
  t.match(await report({ logDir: dir, tz: 'UTC' }, NOW), /the monitor's own record: log integrity: BROKEN at line 101 of @server\.nmlog/);
});

t.test('a client with only the original netmonitor\'s log has no chain to check: unchained in json, nothing said in text', async (t) => {
  const dir = join(tempDir(), 'logs');
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  writeFileSync(join(dir, '198.51.100.7.json'), JSON.stringify([{ state: 'down', last_up: T0 / 1000, now: T0 / 1000 + 300 }, { state: 'up', last_up: T0 / 1000, now: T0 / 1000 + 900 }]));
  const [client] = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients as unknown as IntegrityJson[];
  t.equal(client!.log_integrity, 'unchained');
  t.notMatch(await report({ logDir: dir, tz: 'UTC' }, NOW), /log integrity/);
});

t.test('a log chained after an upgrade says from which line on it can be verified', async (t) => {
  const dir = join(tempDir(), 'logs');
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  writeLog(dir, 'gw', firstUp(T0));
  await new LogDirectory(dir).append('gw', outage(T0 + HOUR, T0 + 2 * HOUR));
  const text = await report({ logDir: dir, tz: 'UTC' }, NOW);
  t.match(text, /log integrity: lines 3 to the end: unaltered since written .*; lines 1 to 2, written before the chain, cannot be verified/);
});

t.test('the pdf report states the broken line', { skip: missingProgram('pdftotext') }, async (t) => {
  const dir = await logSet();
  let bytes: Uint8Array = new Uint8Array();
  await runReport({ logDir: dir, tz: 'UTC', format: 'pdf' }, { now: NOW, writeBytes: (out) => (bytes = out) });
  const path = join(tempDir(), 'report.pdf');
  writeFileSync(path, bytes);
  const text = execFileSync('pdftotext', [path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  t.match(text, /log integrity: BROKEN at line 8 of edited-gw\.nmlog/);
  t.match(text, /log integrity: unaltered since written/);
});

t.test('the real server writes a chained log across a kill -9 that tore its last line, and the report says chained', async (t) => {
  const dir = tempDir();
  const key = randomBytes(32);
  const logDir = join(dir, 'logs');
  const config = writeConfig(dir, {
    client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', down_interval: 1,
    alert_outbox: join(dir, 'outbox.mbox'), clients: { 'home-gw': { key: key.toString('hex') } }, alert_limits: { storm_hold: 0 },
  });
  const until = async (condition: () => boolean): Promise<void> => {
    for (let waited = 0; !condition(); waited += 50) {
      if (waited > 15_000) throw new Error('condition not met in time');
      await sleep(50);
    }
  };
  const log = join(logDir, 'home-gw.nmlog');
  let server = await startServer(config);
  let sensor = new TestSensor('home-gw', key, server.port);
  await sensor.ping('BOOT');
  await until(() => readLog(log).some((r) => r.type === 'up'));
  await until(() => readLog(log).some((r) => r.type === 'down'));
  await server.kill9();
  sensor.close();
  // What a kill in the middle of a write leaves: part of a line, no newline.
  appendFileSync(log, '5f3a2b1c {"type":"up","at":"2026-');
  server = await startServer(config);
  t.teardown(() => server.kill9());
  sensor = new TestSensor('home-gw', key, server.port, 2);
  t.teardown(() => sensor.close());
  await sensor.ping('BOOT');
  await until(() => readLog(log).filter((r) => r.type === 'up').length === 2);
  const stopped = await server.stop();
  t.equal(stopped.code, 0, stopped.output);

  const result = spawnSync(process.execPath, [cliPath, 'report', '--log-dir', logDir, '--format', 'json', '--tz', 'UTC'], { encoding: 'utf8' });
  t.equal(result.status, 0, result.stderr);
  const [client] = (JSON.parse(result.stdout) as { clients: (IntegrityJson & { corrupt_lines: number; outage_count: number })[] }).clients;
  t.equal(client!.corrupt_lines, 1, 'the torn line is skipped');
  t.equal(client!.outage_count, 1);
  t.equal(client!.log_integrity, 'chained');
  t.equal(client!.chained_from_line, 1);
  t.equal(client!.broken_line, null);
});
