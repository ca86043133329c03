/**
 * Reminders through the real server process, a real SMTP server and an ntfy peer: while a
 * client stays down it is reminded of on each channel at doubling waits; a kill -9 neither
 * repeats a delivered reminder nor loses the schedule; the recovery ends them.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readLog, tempDir } from '../../../helpers.js';
import { NTFY_TOKEN, startProviderPeer } from '../../../peers/pushProviders.js';
import { startServer, writeConfig } from '../../../peers/serverProcess.js';
import { startSmtpPeer } from '../../../peers/smtp.js';
import { sleep, TestSensor } from '../../../peers/udp.js';

t.test('a client that stays down is reminded of on each channel, once per reminder across a kill -9, until it recovers', async (t) => {
  const smtp = await startSmtpPeer();
  const phone = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  t.teardown(() => Promise.all([smtp.close(), phone.close()]));
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  const key = randomBytes(32);
  const config = writeConfig(dir, {
    smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_address: 'me@example.net',
    client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', down_interval: 1,
    alert_limits: { storm_hold: 0 },
    remind_every: '2s', remind_max: '4s',
    clients: { 'home-gw': { key: key.toString('hex') }, 'never-reminded': { key: key.toString('hex'), remind_every: 0 } },
    channels: { phone: { type: 'ntfy', url: `${phone.url}/home`, token: NTFY_TOKEN } },
  });
  let server = await startServer(config);
  t.teardown(() => server.kill9());
  const log = () => readLog(join(logDir, 'home-gw.nmlog'));
  const first = new TestSensor('home-gw', key, server.port, 1);
  t.teardown(() => first.close());
  await first.ping('BOOT');
  const other = new TestSensor('never-reminded', key, server.port, 1);
  t.teardown(() => other.close());
  await other.ping('BOOT');

  // Down at ~1 s, reminders at ~3 s and ~7 s (waits 2 s, then 4 s).
  await smtp.waitFor(4, 20_000);
  const subjects = () => smtp.mails.map((m) => m.subject);
  t.match(subjects().filter((s) => s.includes('home-gw')), ['DOWN: home-gw', /^STILL DOWN: home-gw for \d+s$/]);
  for (let waited = 0; log().filter((r) => r.type === 'delivered' && /~r2$/.test(String(r.ref))).length < 2; waited += 50) {
    if (waited > 20_000) throw new Error('reminder 2 not delivered on both channels');
    await sleep(50);
  }
  const reminders = log().filter((r) => r.type === 'reminder');
  t.same(reminders.map((r) => r.n), [1, 2]);
  const gap = Date.parse(reminders[1]!.at) - Date.parse(reminders[0]!.at);
  t.ok(gap >= 3500 && gap < 6000, `the second wait is doubled (${gap} ms)`);
  t.same(reminders.map((r) => r.channels), [['email', 'phone'], ['email', 'phone']], 'each reminder names its channels');
  t.equal(phone.accepted.filter((r) => String(r.headers.tags).includes('hourglass')).length, 2, 'the phone got both reminders, as reminders');
  t.notOk(subjects().some((s) => s.startsWith('STILL DOWN: never-reminded')), 'remind_every 0 turns a client off');

  await server.kill9();
  const before = smtp.mails.filter((m) => m.subject.startsWith('STILL DOWN: home-gw')).length;
  server = await startServer(config);
  // Reminder 3 is due 4 s after reminder 2: from the log, not from the restart.
  for (let waited = 0; !log().some((r) => r.type === 'reminder' && r.n === 3); waited += 50) {
    if (waited > 20_000) throw new Error('no third reminder after the restart');
    await sleep(50);
  }
  const third = log().find((r) => r.type === 'reminder' && r.n === 3)!;
  t.ok(Date.parse(third.at) - Date.parse(reminders[1]!.at) >= 3500, 'the schedule survives the restart');
  const sensor = new TestSensor('home-gw', key, server.port, 2);
  t.teardown(() => sensor.close());
  await sensor.ping('BOOT');
  for (let waited = 0; !smtp.mails.some((m) => m.subject.startsWith('UP: home-gw')); waited += 50) {
    if (waited > 20_000) throw new Error('no recovery e-mail');
    await sleep(50);
  }
  const beat = setInterval(() => void sensor.ping('PING'), 300);
  t.teardown(() => clearInterval(beat));
  await sleep(6000);
  const reminderMails = smtp.mails.filter((m) => m.subject.startsWith('STILL DOWN: home-gw'));
  t.equal(before, 2, 'two reminders before the kill');
  t.equal(reminderMails.length, 3, 'no reminder repeated after the restart, and none after the recovery');
  t.equal(new Set(reminderMails.map((m) => m.messageId)).size, 3, 'each reminder its own message');
  t.equal(log().filter((r) => r.type === 'reminder').length, 3);
});
