/**
 * kill -9 in the middle of a burst: 400 known sensors, all down, boot again at once; the
 * server is killed while their BOOTs arrive and their recoveries are being written, then
 * restarted, and the sensors repeat their BOOT (as a sensor does). No recovery that reached
 * the log before the kill is logged again or lost, every sensor's recovery is on record
 * once, and every recovery alert is recorded delivered once. Real server processes, a real
 * SMTP server, real UDP on loopback.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeLine } from '../../log/records.js';
import { readLog, tempDir, type LooseRecord } from '../helpers.js';
import { startServer, writeConfig } from '../peers/serverProcess.js';
import { startSmtpPeer } from '../peers/smtp.js';
import { sleep, TestSensor } from '../peers/udp.js';

const SENSORS = 400;
const key = (i: number): Buffer => createHash('sha256').update(`burst-${i}`).digest();
const id = (i: number): string => `gw-${i}`;

t.test('kill -9 during a burst of recoveries loses no logged transition and records each alert delivered once', async (t) => {
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  for (let i = 0; i < SENSORS; i++) {
    writeFileSync(join(logDir, `${id(i)}.nmlog`),
      encodeLine({ type: 'up', at: hourAgo, id: `up-${i}`, last_up: null, outage_s: null, first: true, boot: 1, interval: 30, addr: '127.0.0.1' }) +
      encodeLine({ type: 'down', at: hourAgo, id: `down-${i}`, last_up: hourAgo, down_interval_s: 60, interval: 30, boot: 1 }) +
      encodeLine({ type: 'delivered', at: hourAgo, ref: `down-${i}`, channel: 'email' }));
  }
  const config = writeConfig(dir, {
    smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_address: 'me@example.net',
    client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', down_interval: 600, source_rate_limit: 0,
    clients: Object.fromEntries(Array.from({ length: SENSORS }, (_, i) => [id(i), { key: key(i).toString('hex') }])),
    alert_limits: { storm_hold: 1 },
  });
  const logOf = (i: number): LooseRecord[] => readLog(join(logDir, `${id(i)}.nmlog`));
  const recoveries = (i: number): LooseRecord[] => logOf(i).filter((r) => r.type === 'up' && r.first === false);

  let server = await startServer(config);
  const sensors = Array.from({ length: SENSORS }, (_, i) => new TestSensor(id(i), key(i), server.port, 2));
  t.teardown(() => sensors.forEach((sensor) => sensor.close()));
  // The burst, and the kill while its records are being written.
  for (const sensor of sensors) void sensor.ping('BOOT');
  await server.waitForOutput(/is UP after/, 10_000).catch(() => undefined);
  await server.kill9();
  const before = Array.from({ length: SENSORS }, (_, i) => recoveries(i).map((r) => r.id));
  const loggedBefore = before.filter((ids) => ids.length > 0).length;

  server = await startServer(config);
  t.teardown(() => server.kill9());
  // The sensors repeat their BOOT (the same boot, the next seq), to the new server.
  const again = sensors.map((sensor, i) => Object.assign(new TestSensor(id(i), key(i), server.port, 2), { seq: sensor.seq }));
  t.teardown(() => again.forEach((sensor) => sensor.close()));
  for (const sensor of again) await sensor.ping('BOOT');
  const allDelivered = (): boolean => Array.from({ length: SENSORS }, (_, i) => i).every((i) => {
    const log = logOf(i);
    const up = log.find((r) => r.type === 'up' && r.first === false);
    return up !== undefined && log.some((r) => r.type === 'delivered' && r.ref === up.id);
  });
  for (let waited = 0; !allDelivered() && waited < 60_000; waited += 250) await sleep(250);
  const { code } = await server.stop();
  t.equal(code, 0, 'the restarted server stops cleanly');

  t.ok(loggedBefore < SENSORS, `the kill landed inside the burst (${loggedBefore} of ${SENSORS} recoveries on disk before it)`);
  const after = Array.from({ length: SENSORS }, (_, i) => recoveries(i));
  t.same(after.map((ups) => ups.length).filter((n) => n !== 1), [], 'every sensor has exactly one recovery on record');
  t.same(before.flatMap((ids, i) => ids.filter((upId) => after[i]![0]!.id !== upId)), [], 'each recovery logged before the kill is the one on record after it');
  const deliveries = after.map((ups, i) => logOf(i).filter((r) => r.type === 'delivered' && r.ref === ups[0]!.id).length);
  t.same(deliveries.filter((n) => n !== 1), [], 'each recovery alert is recorded delivered exactly once, so no restart sends it again');
  // A summary's subject counts its clients (`UP: 400 clients`); a lone alert names one.
  const alerted = smtp.mails.reduce((sum, mail) => sum + Number(/^UP: (\d+) clients$/.exec(mail.subject)?.[1] ?? (mail.subject.startsWith('UP: gw-') ? 1 : 0)), 0);
  t.ok(alerted >= SENSORS, `every recovery was alerted (${alerted} in ${smtp.mails.length} message(s): ${smtp.mails.map((mail) => mail.subject).join('; ')})`);
  // A kill between the SMTP server's acceptance and the delivered record's fsync repeats
  // that one message after the restart, with the same Message-ID: at most one such repeat.
  const ids = smtp.mails.map((mail) => mail.messageId);
  t.ok(ids.length - new Set(ids).size <= 1, `no message sent twice but the one in the acceptance-to-record gap (${smtp.mails.length} messages)`);
  t.ok(smtp.mails.length < SENSORS / 10, `storm control summarised the recoveries (${smtp.mails.length} messages for ${SENSORS})`);
});
