/**
 * Maintenance in the report: the windows the server recorded are listed in every format,
 * their time is neither up nor down, an outage wholly inside one is listed as maintenance
 * and not counted, and one reaching past a window counts only its time outside it.
 */
import t from 'tap';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { buildReport } from '../../report/report.js';
import { formatPdf } from '../../report/pdfFormat.js';
import { at, firstUp, HOUR, iso, MINUTE, outage, report, serverRun, writeLog } from './logFiles.js';

const START = at('2026-11-01T00:00:00Z');
const NOW = START + 10 * HOUR;
// Window 1: 02:00–03:00 for gw; window 2: a one-off 06:00–08:00 for everyone, deleted at 07:00.
function logSet(): string {
  const dir = join(tempDir(), 'logs');
  writeLog(dir, '@server', [
    ...serverRun(START, NOW),
    { type: 'maintenance', at: iso(START + 2 * HOUR), id: 'maintenance[0]@2026-11-01T02:00:00.000Z', from: iso(START + 2 * HOUR), until: iso(START + 3 * HOUR), clients: ['gw'], reason: 'router update' },
    { type: 'maintenance', at: iso(START + 6 * HOUR), id: 'm-1', from: iso(START + 6 * HOUR), until: iso(START + 8 * HOUR) },
    { type: 'maintenance', at: iso(START + 7 * HOUR), id: 'm-1', from: iso(START + 6 * HOUR), until: iso(START + 7 * HOUR) },
  ]);
  writeLog(dir, 'gw', [
    ...firstUp(START),
    // Wholly inside window 1.
    ...outage(START + 2 * HOUR + 10 * MINUTE, START + 2 * HOUR + 40 * MINUTE),
    // From 06:30 to 07:30: half in the (shortened) window 2.
    ...outage(START + 6 * HOUR + 30 * MINUTE, START + 7 * HOUR + 30 * MINUTE),
  ]);
  writeLog(dir, 'other', [...firstUp(START), ...outage(START + 2 * HOUR + 10 * MINUTE, START + 2 * HOUR + 40 * MINUTE)]);
  return dir;
}

t.test('json: the windows are listed, their time is not observed, and only the time outside them counts as down', async (t) => {
  const document = JSON.parse(await report({ logDir: logSet(), tz: 'UTC', format: 'json' }, NOW)) as Record<string, any>;
  t.match(document.maintenance, [
    { id: 'maintenance[0]@2026-11-01T02:00:00.000Z', clients: ['gw'], reason: 'router update', duration_s: 3600 },
    { id: 'm-1', clients: null, reason: null, duration_s: 3600, end: '2026-11-01T07:00:00.000+00:00' },
  ], 'a deleted window is listed with its real end');
  const gw = document.clients.find((c: { client: string }) => c.client === 'gw');
  t.equal(gw.maintenance_s, 7200);
  t.equal(gw.observed_s, 8 * 3600, 'ten hours less two in maintenance');
  t.equal(gw.outage_count, 1, 'the outage inside a window is not counted');
  t.equal(gw.maintenance_outage_count, 1);
  t.match(gw.outages, [{ maintenance: true, maintenance_s: 1800 }, { maintenance: false, maintenance_s: 1800 }]);
  t.equal(gw.downtime_s, 1800, 'half of the second outage is outside maintenance');
  t.equal(gw.longest_outage_s, 3600, 'the longest counted outage');
  t.equal(gw.by_cause.network.count + gw.by_cause.power.count + gw.by_cause.unknown.count + gw.by_cause.monitor.count, 1);
  t.equal(gw.uptime_pct, Math.round(((8 * 3600 - 1800) / (8 * 3600)) * 100 * 10000) / 10000);
  const other = document.clients.find((c: { client: string }) => c.client === 'other');
  t.equal(other.outage_count, 1, 'window 1 does not cover other: its outage then counts');
  t.equal(other.maintenance_s, 3600, 'only the window over every client');
});

t.test('text, csv and html say maintenance; an old log set without windows reads as before', async (t) => {
  const dir = logSet();
  const text = await report({ logDir: dir, tz: 'UTC', clients: ['gw'] }, NOW);
  t.match(text, /Maintenance windows \(not counted as up or down\)/);
  t.match(text, /router update/);
  t.match(text, /1 outage, 30m 00s down/);
  t.match(text, /in maintenance for 2h 00m 00s of this time; that time is not counted as up or down \(1 outage in it, listed and not counted\)/);
  t.match(text, /in maintenance, not counted \(/);
  t.match(text, /30m 00s of it in maintenance, not counted/);
  const csv = await report({ logDir: dir, tz: 'UTC', format: 'csv', clients: ['gw'] }, NOW);
  const rows = csv.trim().split('\r\n');
  t.match(rows[0], /,maintenance,maintenance_s$/);
  t.match(rows[1], /,true,1800$/);
  t.match(rows[2], /,false,1800$/);
  const html = await report({ logDir: dir, tz: 'UTC', format: 'html', clients: ['gw'] }, NOW);
  t.match(html, /<h2>Maintenance windows<\/h2>/);
  t.match(html, /<td>router update<\/td>/);
  const built = await buildReport({ logDir: dir, folderKey: '--log-dir', clients: ['gw'], window: { since: null, until: null }, zone: 'UTC', now: NOW });
  const plain = await buildReport({ logDir: dir, folderKey: '--log-dir', clients: ['gw'], window: { since: START + 9 * HOUR, until: null }, zone: 'UTC', now: NOW });
  t.equal(plain.maintenance.length, 0, 'a window before the report\'s is not listed');
  const [pdf, without] = await Promise.all([formatPdf(built), formatPdf(plain)]);
  t.ok(pdf.length > without.length, 'the pdf gains a maintenance page');

  const old = join(tempDir(), 'logs');
  writeLog(old, '@server', serverRun(START, NOW));
  writeLog(old, 'gw', [...firstUp(START), ...outage(START + 2 * HOUR + 10 * MINUTE, START + 2 * HOUR + 40 * MINUTE)]);
  const before = JSON.parse(await report({ logDir: old, tz: 'UTC', format: 'json' }, NOW)) as Record<string, any>;
  t.same(before.maintenance, []);
  t.match(before.clients[0], { outage_count: 1, maintenance_s: 0, maintenance_outage_count: 0, observed_s: 10 * 3600 });
  t.notMatch(await report({ logDir: old, tz: 'UTC' }, NOW), /maintenance/i, 'the text says nothing of maintenance');
});
