/**
 * Quiet hours through the real server process with two ntfy peers and a real SMTP server:
 * a quiet channel gets nothing during its window and then one digest; an urgent one gets
 * the down at once and its recovery in the digest; e-mail, without quiet hours, gets both.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { readLog, tempDir } from '../../../helpers.js';
import { NTFY_TOKEN, startProviderPeer } from '../../../peers/pushProviders.js';
import { startServer, writeConfig } from '../../../peers/serverProcess.js';
import { startSmtpPeer } from '../../../peers/smtp.js';
import { sleep, TestSensor } from '../../../peers/udp.js';

const clock = (ms: number): string => DateTime.fromMillis(ms, { zone: 'UTC' }).toFormat('HH:mm:ss');

t.test('quiet hours defer a channel\'s alerts to one digest at the window\'s end; an urgent channel still gets the down at once', async (t) => {
  const smtp = await startSmtpPeer();
  const phone = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  const pager = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  t.teardown(() => Promise.all([smtp.close(), phone.close(), pager.close()]));
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  const key = randomBytes(32);
  const ends = Date.now() + 14_000;
  const window = { from: clock(Date.now() - 3_600_000), to: clock(ends), timezone: 'UTC' };
  const config = writeConfig(dir, {
    smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_address: 'me@example.net',
    client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', down_interval: 1,
    alert_limits: { storm_hold: 0 },
    clients: { 'home-gw': { key: key.toString('hex') } },
    channels: {
      phone: { type: 'ntfy', url: `${phone.url}/home`, token: NTFY_TOKEN, quiet_hours: window },
      pager: { type: 'ntfy', url: `${pager.url}/home`, token: NTFY_TOKEN, quiet_hours: window, urgent: true },
    },
  });
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  const first = new TestSensor('home-gw', key, server.port, 1);
  t.teardown(() => first.close());
  await first.ping('BOOT');
  await pager.waitFor(1, 10_000);
  t.equal(pager.accepted[0]!.headers.title, 'DOWN: home-gw', 'the urgent channel gets the down during quiet hours');
  const second = new TestSensor('home-gw', key, server.port, 2);
  t.teardown(() => second.close());
  await second.ping('BOOT');
  // It stays up: beating on, it causes no second outage.
  const beat = setInterval(() => void second.ping('PING'), 300);
  t.teardown(() => clearInterval(beat));
  await smtp.waitFor(2, 10_000);
  t.match(smtp.mails.map((m) => m.subject), ['DOWN: home-gw', /^UP: home-gw after/], 'e-mail has no quiet hours');
  await sleep(1000);
  t.equal(phone.requests.length, 0, 'nothing reaches the quiet channel during its window');
  t.equal(pager.accepted.length, 1, 'the urgent channel waits with the recovery');

  await phone.waitFor(1, ends - Date.now() + 10_000);
  await pager.waitFor(2, 10_000);
  t.ok(Date.now() >= ends - 1000, 'the digest comes when the window ends');
  const digest = phone.accepted[0]!;
  t.equal(digest.headers.title, 'QUIET HOURS OVER: 1 change, 0 down');
  t.match(digest.body, /^home-gw down \d\d:\d\d\u2013\d\d:\d\d \(\d+s\)\nNothing is down now\.$/);
  t.equal(pager.accepted[1]!.headers.title, 'QUIET HOURS OVER: 1 change, 0 down');
  t.match(pager.accepted[1]!.body, /^home-gw up again at \d\d:\d\d after \d+s\n/);
  await sleep(1500);
  t.equal(phone.accepted.length, 1, 'one digest, not the alerts again');
  const delivered = readLog(join(logDir, 'home-gw.nmlog')).filter((r) => r.type === 'delivered' && r.channel === 'phone');
  t.same(delivered.map((r) => r.via), ['digest', 'digest'], 'both alerts are marked delivered by the digest');
});
