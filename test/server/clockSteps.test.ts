/**
 * The whole server with an injected clock: the wall clock jumps an hour forward or back (an
 * NTP step, a VM resumed) while the monotonic clock runs on. Deadlines follow the monotonic
 * clock only, so no step causes or hides an alert.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { validateServerConfig } from '../../server/config/server.js';
import type { Mailer, OutgoingMail } from '../../server/alerts/mailer.js';
import { createServer } from '../../server/main.js';
import { encode } from '../../shared/nm1.js';
import { tempDir } from '../helpers.js';
import { captureLogger } from '../peers/logger.js';

const HOUR = 3_600_000;

async function harness() {
  const key = randomBytes(32);
  const dir = tempDir();
  const config = validateServerConfig(
    // No storm_hold: this test counts the seconds to the alert.
    { client_log_dir: join(dir, 'logs'), listen_address: '127.0.0.1', listen_port: 0, down_interval: 60, alert_limits: { storm_hold: 0 }, clients: { 'home-gw': { key: key.toString('hex') } } },
    join(dir, 'server.json'),
  );
  const clock = { mono: 1_000_000, wall: Date.parse('2026-11-25T06:00:00Z') };
  const sent: OutgoingMail[] = [];
  // In-memory mail: this test is about time, and the SMTP path has its own real-server tests.
  const mailer: Mailer = { description: 'memory', send: async (mail) => void sent.push(mail), close: () => undefined };
  const server = createServer({ config, logger: captureLogger().logger, clock: { now: () => ({ ...clock }) }, mailer });
  await server.start();
  let seq = 0;
  const beat = () => server.receive(encode({ sensor: 'home-gw', boot: 1, seq: seq++, type: 'PING', uptime: 1, interval: 30 }, key), '127.0.0.1');
  const advance = async (ms: number, wallStep = 0) => {
    clock.mono += ms;
    clock.wall += ms + wallStep;
    server.tick();
    await server.logs.settle();
    await new Promise((resolve) => setTimeout(resolve, 20));
  };
  return { server, beat, advance, sent };
}

t.test('a wall clock stepping an hour forward between heartbeats causes no alert', async (t) => {
  const { server, beat, advance, sent } = await harness();
  t.teardown(() => server.stop());
  beat();
  await advance(30_000, HOUR);
  beat();
  await advance(30_000);
  t.same(sent, [], 'no down alert');
  t.equal(server.clientState('home-gw')?.status, 'up');
});

t.test('a wall clock stepping an hour back during a silence does not hide the outage', async (t) => {
  const { server, beat, advance, sent } = await harness();
  t.teardown(() => server.stop());
  beat();
  await advance(30_000, -HOUR);
  await advance(31_000);
  t.equal(sent.length, 1, 'the down alert goes out after 60 s of real silence');
  t.equal(sent[0]?.subject, 'DOWN: home-gw');
});
