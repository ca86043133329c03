import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import type { RecordOf } from '../../log/records.js';
import { CSV_COLUMNS } from '../../report/csvFormat.js';
import { at, firstUp, HOUR, iso, report, serverRun, writeLog, writeServerLog } from './logFiles.js';

const T0 = at('2026-11-02T08:00:00.000Z');
const NOW = at('2026-11-04T08:00:00.000Z');

const quality = (from: number, expected: number, lost: number, jitter: number | null = 20): RecordOf<'quality'> => ({
  type: 'quality', at: iso(from + HOUR), from: iso(from), expected, heard: expected - lost, lost, jitter_ms: jitter, jitter_max_ms: jitter === null ? null : 2 * jitter,
});

interface ClientJson {
  client: string;
  heartbeat_loss_pct: number | null;
  degraded_hours: number;
  address_changes_per_day: { day: string; count: number }[];
  quality: { expected: number; lost: number; hours: { start: string; loss_pct: number; degraded: boolean }[]; days: { day: string; loss_pct: number }[] };
}

function logSet(): string {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  writeLog(dir, 'gw', [
    ...firstUp(T0),
    quality(T0, 120, 0),
    quality(T0 + HOUR, 120, 6),
    quality(T0 + 2 * HOUR, 120, 1),
    { type: 'addr', at: iso(T0 + 3 * HOUR), addr: '198.51.100.8', previous: '198.51.100.7' },
    { type: 'addr', at: iso(T0 + 4 * HOUR), addr: '198.51.100.9', previous: '198.51.100.8' },
    { type: 'addr', at: iso(T0 + 26 * HOUR), addr: '198.51.100.10', previous: '198.51.100.9' },
  ]);
  // A restart within the hour: two records of one hour are one hour.
  writeLog(dir, 'restarted', [...firstUp(T0), quality(T0, 60, 0), quality(T0 + HOUR / 2, 60, 3)]);
  writeLog(dir, 'legacy', firstUp(T0, { boot: null, interval: null }));
  return dir;
}

const byClient = (json: string): Map<string, ClientJson> => new Map((JSON.parse(json) as { clients: ClientJson[] }).clients.map((c) => [c.client, c]));

t.test('json gives each client its heartbeat loss over the window and its degraded hours', async (t) => {
  const clients = byClient(await report({ logDir: logSet(), tz: 'UTC', format: 'json' }, NOW));
  const gw = clients.get('gw')!;
  t.equal(gw.heartbeat_loss_pct, Math.round((7 / 360) * 100 * 10000) / 10000);
  t.equal(gw.degraded_hours, 1, 'only the hour losing 5 % passes the default 2 %');
  t.same(gw.quality.hours.map((hour) => hour.degraded), [false, true, false]);
  t.same(gw.quality.days, [{ day: '2026-11-02', expected: 360, lost: 7, loss_pct: 1.9444, degraded_hours: 1 }]);
  const restarted = clients.get('restarted')!;
  t.equal(restarted.quality.hours.length, 1, 'periods of one clock hour are merged');
  t.equal(restarted.heartbeat_loss_pct, 2.5);
  t.equal(restarted.degraded_hours, 1);
});

t.test('a client whose log counts no heartbeats (legacy, or a log from before quality records) has loss null', async (t) => {
  const clients = byClient(await report({ logDir: logSet(), tz: 'UTC', format: 'json' }, NOW));
  t.equal(clients.get('legacy')!.heartbeat_loss_pct, null);
  t.equal(clients.get('legacy')!.degraded_hours, 0);
});

t.test("the config's evidence.degraded_loss_pct sets which hours are degraded", async (t) => {
  const dir = logSet();
  const config = join(dir, 'server.json');
  writeFileSync(config, JSON.stringify({ client_log_dir: '.', evidence: { degraded_loss_pct: 0.5 } }));
  const clients = byClient(await report({ config, tz: 'UTC', format: 'json' }, NOW));
  t.equal(clients.get('gw')!.degraded_hours, 2, 'the hour losing 0.83 % is degraded too');
});

t.test('a bad evidence.degraded_loss_pct in the config is a configuration error naming the key', async (t) => {
  const dir = logSet();
  const config = join(dir, 'server.json');
  writeFileSync(config, JSON.stringify({ client_log_dir: '.', evidence: { degraded_loss_pct: 'two' } }));
  await t.rejects(report({ config, tz: 'UTC', format: 'json' }, NOW), { code: 'ECONFIG', message: /evidence\.degraded_loss_pct/ });
});

t.test('the address changes are counted per day in the zone', async (t) => {
  const clients = byClient(await report({ logDir: logSet(), tz: 'UTC', format: 'json' }, NOW));
  t.same(clients.get('gw')!.address_changes_per_day, [{ day: '2026-11-02', count: 2 }, { day: '2026-11-03', count: 1 }]);
  const text = await report({ logDir: logSet(), tz: 'UTC', clients: ['gw'] }, NOW);
  t.match(text, /per day: 2026-11-02 2, 2026-11-03 1/);
});

t.test('text and html name the loss and list the degraded hours; csv carries the loss on each row', async (t) => {
  const dir = logSet();
  const text = await report({ logDir: dir, tz: 'UTC', clients: ['gw'] }, NOW);
  t.match(text, /heartbeats lost while up: 1\.94 % \(7 of 360\), mean jitter 20 ms; 1 degraded hour \(more than 2 % lost\)/);
  t.match(text, /2026-11-02 09:00:00 \+00:00 {2}5\.00 % lost \(6 of 120\)/);
  const html = await report({ logDir: dir, tz: 'UTC', format: 'html', clients: ['gw'] }, NOW);
  t.match(html, /<th>degraded hour<\/th>/);
  t.match(html, /<td class="time">2026-11-02 09:00:00 \+00:00<\/td><td class="num">5\.00 % \(6\)<\/td>/);
  writeLog(dir, 'gw2', [...firstUp(T0), quality(T0, 100, 3), ...[{ type: 'down', at: iso(T0 + 2 * HOUR), id: 'd', last_up: iso(T0 + HOUR), down_interval_s: 180, interval: 60, boot: 1 } as RecordOf<'down'>]]);
  const rows = (await report({ logDir: dir, tz: 'UTC', format: 'csv', clients: ['gw2'] }, NOW)).trimEnd().split('\r\n');
  const cells = rows[1]!.split(',');
  t.equal(cells[CSV_COLUMNS.indexOf('client_heartbeat_loss_pct')], '3');
  t.equal(cells[CSV_COLUMNS.indexOf('client_degraded_hours')], '1');
});
