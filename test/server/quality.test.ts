/**
 * Heartbeat loss between outages through the whole server: the counts kept in the client
 * table, one `quality` record per client on each whole hour and at a clean stop, and the
 * report's figure from them.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { validateServerConfig } from '../../server/config/server.js';
import type { Mailer } from '../../server/alerts/mailer.js';
import { createServer } from '../../server/main.js';
import { encode } from '../../shared/nm1.js';
import { runReport } from '../../report/main.js';
import { readLog, tempDir } from '../helpers.js';
import { captureLogger } from '../peers/logger.js';
import { sleep, TestSensor } from '../peers/udp.js';

// In-memory mail: these tests are about counting heartbeats, not sending alerts.
const mailer: Mailer = { description: 'memory', send: async () => undefined, close: () => undefined };

function configIn(dir: string, key: Buffer) {
  return validateServerConfig(
    { client_log_dir: join(dir, 'logs'), listen_address: '127.0.0.1', listen_port: 0, down_interval: 120, source_rate_limit: 0, clients: { 'home-gw': { key: key.toString('hex') } } },
    join(dir, 'server.json'),
  );
}

t.test('each whole hour closes a quality period: one record per client with what its seqs say was lost', async (t) => {
  const key = randomBytes(32);
  const dir = tempDir();
  const clock = { mono: 1_000_000, wall: Date.parse('2026-11-25T06:30:00Z') };
  const server = createServer({ config: configIn(dir, key), logger: captureLogger().logger, clock: { now: () => ({ ...clock }) }, mailer });
  await server.start();
  // Every 30 s for 85 minutes; every 10th heartbeat is dropped on the way.
  for (let seq = 0; seq < 170; seq++) {
    if (seq % 10 !== 5) server.receive(encode({ sensor: 'home-gw', boot: 1, seq, type: 'PING', uptime: 1, interval: 30 }, key), '127.0.0.1');
    clock.mono += 30_000;
    clock.wall += 30_000;
    server.tick();
  }
  await server.logs.settle();
  let quality = readLog(join(dir, 'logs', 'home-gw.nmlog')).filter((record) => record.type === 'quality');
  t.equal(quality.length, 1, 'nothing is written per heartbeat, only when the hour ends');
  t.match(quality[0], { from: '2026-11-25T06:30:00.000Z', at: '2026-11-25T07:00:00.000Z', expected: 60, heard: 54, lost: 6, jitter_ms: 0 });
  await server.stop();
  quality = readLog(join(dir, 'logs', 'home-gw.nmlog')).filter((record) => record.type === 'quality');
  t.equal(quality.length, 2, 'a clean stop closes the open period');
  t.match(quality[1], { from: '2026-11-25T07:00:00.000Z', expected: 110, heard: 99, lost: 11 });
  t.match(server.stats(), { heartbeats_expected: 170, heartbeats_lost: 17 }, 'the stats (and /metrics) sum the closed periods');
});

t.test('a sensor dropping a known share of its heartbeats over real UDP shows that share in the report', async (t) => {
  const key = randomBytes(32);
  const dir = tempDir();
  const server = createServer({ config: configIn(dir, key), logger: captureLogger().logger, mailer });
  const { port } = await server.start();
  const sensor = new TestSensor('home-gw', key, port, 1, 30);
  t.teardown(() => sensor.close());
  for (let i = 0; i < 200; i++) {
    const datagram = sensor.heartbeat();
    // One in eight never leaves the sensor: 25 of 200.
    if (i % 8 !== 3) await sensor.send(datagram);
  }
  const deadline = Date.now() + 5000;
  while (server.stats().accepted < 175 && Date.now() < deadline) await sleep(10);
  t.equal(server.stats().accepted, 175);
  await server.stop();
  let text = '';
  await runReport({ logDir: join(dir, 'logs'), format: 'json', tz: 'UTC' }, { write: (out) => (text = out) });
  const [client] = (JSON.parse(text) as { clients: { heartbeat_loss_pct: number; degraded_hours: number; quality: { expected: number; lost: number } }[] }).clients;
  t.same(client!.quality, { ...client!.quality, expected: 200, lost: 25 });
  t.equal(client!.heartbeat_loss_pct, 12.5);
  t.ok(client!.degraded_hours >= 1, 'an hour losing 12.5 % is degraded');
});
