/**
 * The PDF report, read back as a reader would see it: rendered by poppler's pdftoppm, its
 * words taken out by pdftotext, and its figures checked against the JSON report of the same
 * logs.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runReport, type ReportArgs } from '../../report/main.js';
import { tempDir } from '../helpers.js';
import { missingProgram } from '../systemPrograms.js';
import type { RecordOf } from '../../log/records.js';
import { at, firstUp, HOUR, iso, MINUTE, outage, serverRun, writeLog, writeServerLog } from './logFiles.js';

const T0 = at('2026-10-01T00:00:00.000Z');
const NOW = at('2026-11-20T00:00:00.000Z');
const DAY = 24 * HOUR;

const quality = (from: number, lost: number): RecordOf<'quality'> => ({
  type: 'quality', at: iso(from + HOUR), from: iso(from), expected: 120, heard: 120 - lost, lost, jitter_ms: 12, jitter_max_ms: 40,
});

function logSet(): { dir: string; config: string } {
  const dir = tempDir();
  const logs = join(dir, 'logs');
  writeServerLog(logs, serverRun(T0 - HOUR, NOW));
  writeLog(logs, 'home-gw', [
    ...firstUp(T0),
    ...outage(T0 + 5 * DAY, T0 + 5 * DAY + 2 * HOUR),
    quality(T0 + 10 * DAY, 6),
    quality(T0 + 10 * DAY + HOUR, 0),
    ...outage(T0 + 40 * DAY, T0 + 40 * DAY + 20 * MINUTE),
    { type: 'addr', at: iso(T0 + 41 * DAY), addr: '198.51.100.9', previous: '198.51.100.7' },
  ]);
  const config = join(dir, 'server.json');
  writeFileSync(config, JSON.stringify({ client_log_dir: 'logs', clients: { 'home-gw': { label: 'Jane Doe, 12 Elm St', account: '0012345', sla_percent: 99.9 } } }));
  return { dir, config };
}

async function pdfOf(args: ReportArgs, dir: string): Promise<string> {
  let bytes: Uint8Array = new Uint8Array();
  await runReport({ ...args, format: 'pdf' }, { now: NOW, writeBytes: (out) => (bytes = out) });
  const path = join(dir, 'report.pdf');
  writeFileSync(path, bytes);
  return path;
}

t.test('the pdf renders, and its figures are the json report\'s', { skip: missingProgram('pdftotext', 'pdftoppm') }, async (t) => {
  const { dir, config } = logSet();
  const args: ReportArgs = { config, tz: 'UTC', since: '2026-10-01', until: '2026-11-19', title: 'Outages at 12 Elm St' };
  const path = await pdfOf(args, dir);
  t.equal(readFileSync(path).subarray(0, 5).toString(), '%PDF-');
  execFileSync('pdftoppm', ['-r', '40', '-png', path, join(dir, 'page')]);
  t.ok(existsSync(join(dir, 'page-1.png')) && statSync(join(dir, 'page-1.png')).size > 1000, 'poppler renders the title page');
  t.ok(existsSync(join(dir, 'page-3.png')), 'a page per client and the method statement');
  const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
  let json = '';
  await runReport({ ...args, format: 'json' }, { now: NOW, write: (out) => (json = out) });
  const client = (JSON.parse(json) as { clients: { uptime_pct: number; outage_count: number; heartbeat_loss_pct: number; degraded_hours: number }[] }).clients[0]!;
  t.match(text, /Outages at 12 Elm St/);
  t.match(text, /Jane Doe, 12 Elm St, account 0012345/);
  t.match(text, new RegExp(`${client.uptime_pct.toFixed(3).replace('.', '\\.')} % up`), `uptime ${client.uptime_pct}`);
  t.match(text, new RegExp(`Outages \\(${client.outage_count}\\)`));
  t.match(text, new RegExp(`heartbeats lost while up: ${client.heartbeat_loss_pct.toFixed(2).replace('.', '\\.')} %`));
  t.match(text, new RegExp(`Degraded hours \\(${client.degraded_hours};`));
  t.match(text, /2026-10\s+99\.731 %\s+99\.9 %\s+\(below\)\s+2h 00m 00s\s+1/, 'October against the promised 99.9 %');
  t.match(text, /2026-11\s+99\.9\d\d %\s+99\.9 %\s+20m 00s\s+1/);
  t.match(text, /2026-10-06 00:00:00 \+00:00\s+2h 00m 00s\s+±1m 00s\s+network/, 'the outage table with ± and cause');
  t.match(text, /2026-11-11\s+1/, 'the address changes per day');
  t.match(text, /How these figures are measured/);
  t.match(text, /never\s+counted as the line's downtime/, 'the method statement says the monitor\'s own downtime is not counted');
});

t.test('the same logs give the same pdf, byte for byte', async (t) => {
  const { dir, config } = logSet();
  const a = readFileSync(await pdfOf({ config, tz: 'UTC' }, dir));
  const b = readFileSync(await pdfOf({ config, tz: 'UTC' }, dir));
  t.ok(a.equals(b));
});

t.test('a bad sla_percent is a configuration error naming the key', async (t) => {
  const { dir } = logSet();
  const config = join(dir, 'bad.json');
  writeFileSync(config, JSON.stringify({ client_log_dir: 'logs', clients: { 'home-gw': { sla_percent: 120 } } }));
  await t.rejects(runReport({ config, format: 'pdf' }, { now: NOW, writeBytes: () => undefined }), { code: 'ECONFIG', message: /clients\.home-gw\.sla_percent/ });
});

t.test('the html report carries the same months against the promise and the method statement, printable', async (t) => {
  const { config } = logSet();
  let html = '';
  await runReport({ config, tz: 'UTC', since: '2026-10-01', until: '2026-11-19', format: 'html' }, { now: NOW, write: (out) => (html = out) });
  t.match(html, /<td class="time">2026-10<\/td><td class="num">99\.731 %<\/td><td class="num">99\.9 % \(below\)<\/td>/);
  t.match(html, /<section class="method"><h2>How these figures are measured<\/h2>/);
  t.match(html, /@media print \{.*section \{ break-before: page; \}/);
});
