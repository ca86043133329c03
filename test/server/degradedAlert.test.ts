/**
 * `evidence.degraded_alert` end to end: the real server process, a sensor on loopback UDP that
 * skips every other seq, alerts to the mbox file. A clean stop closes the quality period, so
 * the test needs no whole hour; three runs show one alert per stretch across restarts.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLog, tempDir } from '../helpers.js';
import { startServer, writeConfig } from '../peers/serverProcess.js';
import { sleep, TestSensor } from '../peers/udp.js';

const subjects = (mbox: string): string[] => (existsSync(mbox) ? [...readFileSync(mbox, 'utf8').matchAll(/^Subject: (.*)$/gm)].map((m) => m[1]!) : []);

t.test('a degraded period alerts once, a restart inside the stretch does not alert again, and quality returning says so', async (t) => {
  const dir = tempDir();
  const mbox = join(dir, 'outbox.mbox');
  const key = randomBytes(32);
  const config = writeConfig(dir, {
    client_log_dir: join(dir, 'logs'), listen_port: 0, listen_address: '127.0.0.1', down_interval: 30, alert_outbox: mbox,
    evidence: { degraded_loss_pct: 2, degraded_alert: true }, clients: { 'home-gw': { key: key.toString('hex') } },
  });
  /** One run of the server: a boot's heartbeats, every `skip`-th seq left out (0: none), then a clean stop. */
  const run = async (boot: number, skip: number): Promise<void> => {
    const server = await startServer(config);
    t.teardown(() => server.kill9());
    const sensor = new TestSensor('home-gw', key, server.port, boot);
    t.teardown(() => sensor.close());
    for (let i = 0; i < 12; i++) {
      if (skip > 0 && i % skip === skip - 1) sensor.seq++;
      await sensor.ping(i === 0 ? 'BOOT' : 'PING');
      await sleep(60);
    }
    await sleep(200);
    const stopped = await server.stop();
    t.equal(stopped.code, 0, stopped.output);
  };
  // 12 heartbeats, 6 seqs skipped: 6 of 18 lost. Then 4 of 16; then none.
  await run(1, 2);
  t.same(subjects(mbox), ['DEGRADED: home-gw lost 33.33 % of heartbeats'], 'one alert for the degraded period');
  await run(2, 3);
  t.same(subjects(mbox), ['DEGRADED: home-gw lost 33.33 % of heartbeats'], 'still degraded after a restart: nothing more');
  await run(3, 0);
  t.same(subjects(mbox), ['DEGRADED: home-gw lost 33.33 % of heartbeats', 'QUALITY OK: home-gw']);
  const log = readLog(join(dir, 'logs', 'home-gw.nmlog'));
  t.same(log.filter((r) => r.type === 'quality').map((r) => r.lost), [6, 4, 0]);
  t.equal(log.filter((r) => r.type === 'delivered' && String(r.ref).startsWith('quality-home-gw-')).length, 2, 'each alert is recorded delivered');
});

t.test('without degraded_alert, a degraded period sends nothing', async (t) => {
  const dir = tempDir();
  const mbox = join(dir, 'outbox.mbox');
  const key = randomBytes(32);
  const config = writeConfig(dir, {
    client_log_dir: join(dir, 'logs'), listen_port: 0, listen_address: '127.0.0.1', down_interval: 30, alert_outbox: mbox,
    clients: { 'home-gw': { key: key.toString('hex') } },
  });
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  const sensor = new TestSensor('home-gw', key, server.port);
  t.teardown(() => sensor.close());
  for (let i = 0; i < 8; i++) {
    sensor.seq += i % 2;
    await sensor.ping(i === 0 ? 'BOOT' : 'PING');
    await sleep(60);
  }
  await sleep(200);
  t.equal((await server.stop()).code, 0);
  t.ok(readLog(join(dir, 'logs', 'home-gw.nmlog')).some((r) => r.type === 'quality' && Number(r.lost) > 0), 'the period was degraded');
  t.same(subjects(mbox), []);
});
