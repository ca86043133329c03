/**
 * Quiet hours of the e-mail channel through the real server process and a real SMTP server:
 * the alerts of an outage during the window wait, a kill -9 in the window loses none, and
 * after the restart one digest goes out when the window ends, once; an urgent e-mail channel
 * gets the down at once.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { readLog, tempDir } from '../../../helpers.js';
import { startServer, writeConfig } from '../../../peers/serverProcess.js';
import { startSmtpPeer } from '../../../peers/smtp.js';
import { sleep, TestSensor } from '../../../peers/udp.js';

const clock = (ms: number): string => DateTime.fromMillis(ms, { zone: 'UTC' }).toFormat('HH:mm:ss');

function emailConfig(dir: string, smtpPort: number, key: Buffer, email: Record<string, unknown>): string {
  return writeConfig(dir, {
    smtp_server: '127.0.0.1', smtp_port: smtpPort, smtp_tls: 'none', alert_address: 'me@example.net',
    client_log_dir: join(dir, 'logs'), listen_port: 0, listen_address: '127.0.0.1', down_interval: 1,
    alert_limits: { storm_hold: 0 },
    clients: { 'home-gw': { key: key.toString('hex') } },
    channels: { email: { type: 'email', ...email } },
  });
}

t.test('e-mail alerts in quiet hours survive a kill -9 and go out as one digest, once, when the window ends', async (t) => {
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const dir = tempDir();
  const key = randomBytes(32);
  const ends = Date.now() + 16_000;
  const config = emailConfig(dir, smtp.port, key, { quiet_hours: { from: clock(Date.now() - 3_600_000), to: clock(ends), timezone: 'UTC' } });
  const first = await startServer(config);
  const sensor = new TestSensor('home-gw', key, first.port, 1);
  t.teardown(() => sensor.close());
  await sensor.ping('BOOT');
  await first.waitForOutput(/alert for home-gw \(down\) waits for the end of the e-mail channel's quiet hours/, 10_000);
  await sleep(500);
  t.equal(smtp.mails.length, 0, 'nothing is mailed during the window');
  await first.kill9();

  const second = await startServer(config);
  t.teardown(() => second.kill9());
  await second.waitForOutput(/waits for the end of the e-mail channel's quiet hours/, 10_000);
  t.equal(smtp.mails.length, 0, 'after the restart the alert waits again');
  const mails = await smtp.waitFor(1, ends - Date.now() + 10_000);
  t.ok(Date.now() >= ends - 1000, 'the digest comes when the window ends');
  t.equal(mails[0]!.subject, 'QUIET HOURS OVER: 1 change, 1 down');
  t.match(mails[0]!.body.trim(), /^home-gw down since \d\d:\d\d, still down\r?\nStill down: home-gw\.$/);
  t.match(mails[0]!.messageId, /summary-digest-[0-9a-f]{24}@netmonitor/);
  await sleep(2000);
  t.equal(smtp.mails.length, 1, 'one digest, not the alert again');
  const delivered = readLog(join(dir, 'logs', 'home-gw.nmlog')).filter((r) => r.type === 'delivered' && r.channel === 'email');
  t.same(delivered.map((r) => r.via), ['digest'], 'the down is marked delivered by the digest');

  // A further restart owes nothing: the digest is not sent twice.
  await second.kill9();
  const third = await startServer(config);
  t.teardown(() => third.kill9());
  await third.waitForOutput(/alerts go to/, 10_000);
  await sleep(2000);
  t.equal(smtp.mails.length, 1, 'a restart after the digest sends nothing again');
});

t.test('an urgent e-mail channel mails the down during quiet hours and keeps the recovery for the digest', async (t) => {
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const dir = tempDir();
  const key = randomBytes(32);
  const ends = Date.now() + 12_000;
  const config = emailConfig(dir, smtp.port, key, { quiet_hours: { from: clock(Date.now() - 3_600_000), to: clock(ends), timezone: 'UTC' }, urgent: true });
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  const first = new TestSensor('home-gw', key, server.port, 1);
  t.teardown(() => first.close());
  await first.ping('BOOT');
  await smtp.waitFor(1, 10_000);
  t.equal(smtp.mails[0]!.subject, 'DOWN: home-gw', 'the down is mailed at once');
  const second = new TestSensor('home-gw', key, server.port, 2);
  t.teardown(() => second.close());
  await second.ping('BOOT');
  const beat = setInterval(() => void second.ping('PING'), 300);
  t.teardown(() => clearInterval(beat));
  await server.waitForOutput(/alert for home-gw \(up\) waits for the end of the e-mail channel's quiet hours/, 10_000);
  t.equal(smtp.mails.length, 1, 'the recovery waits');
  await smtp.waitFor(2, ends - Date.now() + 10_000);
  t.equal(smtp.mails[1]!.subject, 'QUIET HOURS OVER: 1 change, 0 down');
  t.match(smtp.mails[1]!.body.trim(), /^home-gw up again at \d\d:\d\d after \d+s\r?\nNothing is down now\.$/);
});
