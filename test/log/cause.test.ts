import t from 'tap';
import { tempDir } from '../helpers.js';
import { at, firstUp, HOUR, iso, jsonReport, MINUTE, outage, serverRun, writeLog, writeServerLog } from '../report/logFiles.js';

const T0 = at('2026-11-02T08:00:00.000Z');
const NOW = at('2026-11-03T08:00:00.000Z');

t.test('an outage where the same boot went on is a network outage from the last heartbeat to the first after it', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  writeLog(dir, 'gw', [...firstUp(T0), ...outage(T0 + HOUR, T0 + HOUR + 30 * MINUTE)]);
  const [client] = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients;
  t.equal(client?.outages.length, 1);
  const o = client!.outages[0]!;
  t.equal(o.cause, 'network');
  t.equal(o.start, '2026-11-02T09:00:00.000+00:00', 'starts at the down record\'s last_up');
  t.equal(o.end, '2026-11-02T09:30:00.000+00:00', 'ends at the up record\'s at');
  t.equal(o.duration_s, 1800);
  t.equal(o.uncertainty_s, 60, 'the sensor interval carried in the records');
  t.equal(o.ongoing, false);
  t.equal(client!.downtime_s, 1800);
  // Observed from the first record (T0) to now: 24 h; 30 min down.
  t.equal(client!.observed_s, 24 * 3600);
  t.equal(client!.uptime_pct, Math.round((100 * (24 * 3600 - 1800)) / (24 * 3600) * 10000) / 10000);
  t.equal(client!.mean_time_between_outages_s, 24 * 3600 - 1800, 'up time over one outage');
});

t.test('a new boot whose uptime puts the host start inside the gap is a power outage, split into off and offline', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  const lastUp = T0 + HOUR;
  const end = lastUp + HOUR;
  writeLog(dir, 'gw', [
    ...firstUp(T0, { boot: 5 }),
    ...outage(lastUp, end, { boot: 5, endBoot: 6 }),
    // The host had been up 50 minutes when its BOOT arrived: it started 10 minutes into the gap.
    { type: 'boot', at: iso(end), boot: 6, uptime: 3000, interval: 60, addr: '198.51.100.7' },
  ]);
  const o = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients[0]!.outages[0]!;
  t.equal(o.cause, 'power');
  t.equal(o.sensor_off_s, 600, 'off from the last heartbeat to the host start');
  t.equal(o.offline_s, 3000, 'up but unable to get out from the host start to the first heartbeat');
  t.equal(o.duration_s, 3600);
});

t.test('a new boot whose BOOT was lost is still power, without the split', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  writeLog(dir, 'gw', [...firstUp(T0, { boot: 5 }), ...outage(T0 + HOUR, T0 + 2 * HOUR, { boot: 5, endBoot: 6 })]);
  const o = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients[0]!.outages[0]!;
  t.equal(o.cause, 'power');
  t.equal(o.sensor_off_s, null);
  t.equal(o.offline_s, null);
});

t.test('a sensor program that restarted while its host stayed up is not blamed on the connection', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  const end = T0 + 2 * HOUR;
  writeLog(dir, 'gw', [
    ...firstUp(T0, { boot: 5 }),
    ...outage(T0 + HOUR, end, { boot: 5, endBoot: 6 }),
    { type: 'boot', at: iso(end), boot: 6, uptime: 86_400, interval: 60, addr: '198.51.100.7' },
  ]);
  const o = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients[0]!.outages[0]!;
  t.equal(o.cause, 'unknown', 'the host was up a day, so it did not lose power in the gap');
});

t.test('an outage while the monitor itself was off is a monitor outage, and its off time is not downtime', async (t) => {
  const dir = tempDir();
  // The server crashed after its alive at T0+1h (no stop) and started again at T0+2h.
  writeServerLog(dir, [...serverRun(T0 - HOUR, T0 + HOUR), ...serverRun(T0 + 2 * HOUR, NOW)]);
  const lastUp = T0 + HOUR - 30_000;
  const end = T0 + 3 * HOUR;
  writeLog(dir, 'gw', [...firstUp(T0), ...outage(lastUp, end, { downIntervalS: 3600 + 30 + 180 })]);
  const report = await jsonReport({ logDir: dir, tz: 'UTC' }, NOW);
  const client = report.clients[0]!;
  const o = client.outages[0]!;
  t.equal(o.cause, 'monitor');
  t.equal(o.monitor_off_s, 3600, 'the server was off from its last alive to its next start');
  t.equal(o.duration_s, (end - lastUp) / 1000, 'the outage itself is reported whole');
  t.equal(client.downtime_s, (end - lastUp) / 1000 - 3600, 'only the watched part counts as downtime');
  t.equal(client.observed_s, 24 * 3600 - 3600, 'the hour the monitor was off is not observed time');
  t.same(report.monitor.off, [{ start: '2026-11-02T09:00:00.000+00:00', end: '2026-11-02T10:00:00.000+00:00', duration_s: 3600 }]);
});

t.test('a monitor that stopped cleanly is off until it starts again, and off until now after its last stop', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, [...serverRun(T0 - HOUR, T0, true), ...serverRun(T0 + HOUR, T0 + 5 * HOUR, true)]);
  writeLog(dir, 'gw', firstUp(T0 - HOUR));
  const report = await jsonReport({ logDir: dir, tz: 'UTC' }, T0 + 6 * HOUR);
  t.same(report.monitor.off.map((span) => [span.start, span.end]), [
    ['2026-11-02T08:00:00.000+00:00', '2026-11-02T09:00:00.000+00:00'],
    ['2026-11-02T13:00:00.000+00:00', '2026-11-02T14:00:00.000+00:00'],
  ]);
  t.equal(report.clients[0]!.observed_s, 5 * 3600, '7 h since the first record, 2 h of them unwatched');
});

t.test('a down with no up after it is ongoing: no end, lasting until now', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  const records = outage(T0 + HOUR, 0);
  writeLog(dir, 'gw', [...firstUp(T0), records[0]!, records[1]!]);
  const o = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients[0]!.outages[0]!;
  t.equal(o.ongoing, true);
  t.equal(o.end, null);
  t.equal(o.duration_s, (NOW - T0 - HOUR) / 1000);
  t.equal(o.cause, 'unknown', 'nothing has come back to tell yet');
});

t.test('a first up record is not the end of an outage', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  writeLog(dir, 'gw', firstUp(T0));
  const client = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients[0]!;
  t.equal(client.outages.length, 0);
  t.equal(client.uptime_pct, 100);
  t.equal(client.mean_time_between_outages_s, null, 'no outages, no mean time between them');
});

t.test('a legacy client with no BOOT to go by has unknown causes and no invented uncertainty', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  writeLog(dir, '203.0.113.9', [...firstUp(T0, { boot: null, interval: null }), ...outage(T0 + HOUR, T0 + 2 * HOUR, { boot: null, interval: null })]);
  const o = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients[0]!.outages[0]!;
  t.equal(o.cause, 'unknown');
  t.equal(o.uncertainty_s, null);
});

t.test('address changes in the window are listed with the previous address', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  writeLog(dir, 'gw', [
    ...firstUp(T0),
    ...outage(T0 + HOUR, T0 + 2 * HOUR, { addr: '198.51.100.99' }),
    { type: 'addr', at: iso(T0 + 2 * HOUR), addr: '198.51.100.99', previous: '198.51.100.7' },
  ]);
  const client = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients[0]!;
  t.same(client.address_changes, [{ at: '2026-11-02T10:00:00.000+00:00', addr: '198.51.100.99', previous: '198.51.100.7' }]);
});
