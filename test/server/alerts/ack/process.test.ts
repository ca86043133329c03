/**
 * Acknowledgement through the real server process with an ntfy peer: the down alert carries
 * an ntfy action button with the signed link; calling it, as the ntfy app does, ends the
 * reminders of that outage, and the recovery is still sent. The admin API does the same.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readLog, tempDir } from '../../../helpers.js';
import { NTFY_TOKEN, startProviderPeer } from '../../../peers/pushProviders.js';
import { sleep, TestSensor } from '../../../peers/udp.js';
import { freePort } from '../../supervision/sshdPeer.js';
import { bearer, newToken, sha256Hex, startProcess } from '../../http/peer.js';

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > timeoutMs) throw new Error(`${what}: not in time`);
    await sleep(50);
  }
}

t.test('the ntfy button and the admin API acknowledge an outage: its reminders stop, its recovery still comes', async (t) => {
  const phone = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  t.teardown(() => phone.close());
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  const key = randomBytes(32);
  const port = await freePort();
  const admin = newToken();
  const server = await startProcess(dir, {
    client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', down_interval: 1, alert_outbox: join(dir, 'out.mbox'),
    alert_limits: { storm_hold: 0 }, remind_every: '2s',
    http: { listen_address: '127.0.0.1', port, admin_token_sha256: sha256Hex(admin), public_url: `http://127.0.0.1:${port}` },
    clients: { 'home-gw': { key: key.toString('hex') }, cabin: { key: key.toString('hex') } },
    channels: { phone: { type: 'ntfy', url: `${phone.url}/home`, token: NTFY_TOKEN } },
  });
  t.teardown(() => server.kill9());
  const log = (client: string) => readLog(join(logDir, `${client}.nmlog`));
  const notDown = await fetch(`${server.base}/api/v1/clients/home-gw/ack`, { method: 'POST', headers: bearer(admin) });
  t.equal(notDown.status, 409, 'nothing to acknowledge while it is up');
  const sensor = new TestSensor('home-gw', key, server.udpPort, 1);
  t.teardown(() => sensor.close());
  await sensor.ping('BOOT');
  const cabin = new TestSensor('cabin', key, server.udpPort, 1);
  t.teardown(() => cabin.close());
  await cabin.ping('BOOT');

  await until(() => phone.accepted.some((r) => r.headers.title === 'DOWN: home-gw'), 'the down alert');
  const alert = phone.accepted.find((r) => r.headers.title === 'DOWN: home-gw')!;
  const [, url] = /^http, Acknowledge, (\S+), method=POST, clear=true$/.exec(String(alert.headers.actions)) ?? [];
  t.ok(url, `an ntfy action button: ${String(alert.headers.actions)}`);
  const forged = new URL(url!);
  forged.searchParams.set('c', 'cabin');
  t.equal((await fetch(forged, { method: 'POST' })).status, 403, 'the link acknowledges its own client only');
  const clicked = await fetch(url!, { method: 'POST' });
  t.equal(clicked.status, 200);
  t.match(await clicked.json(), { client: 'home-gw', acknowledged: true, already: false });
  const acks = log('home-gw').filter((r) => r.type === 'ack');
  t.match(acks, [{ by: 'link', down: log('home-gw').find((r) => r.type === 'down')!.id }], 'an ack record names the outage');

  // cabin booted after home-gw: its down may come a moment after home-gw's alert.
  await until(() => log('cabin').some((r) => r.type === 'down'), "cabin's down");
  const api = await fetch(`${server.base}/api/v1/clients/cabin/ack`, { method: 'POST', headers: bearer(admin) });
  t.equal(api.status, 200);
  t.equal((await fetch(`${server.base}/api/v1/clients/cabin/ack`, { method: 'POST' })).status, 401, 'the API needs the admin token');
  const remindersThen = log('home-gw').filter((r) => r.type === 'reminder').length + log('cabin').filter((r) => r.type === 'reminder').length;
  await sleep(5000);
  t.equal(log('home-gw').filter((r) => r.type === 'reminder').length + log('cabin').filter((r) => r.type === 'reminder').length, remindersThen, 'no reminder after the acknowledgement');

  const back = new TestSensor('home-gw', key, server.udpPort, 2);
  t.teardown(() => back.close());
  await back.ping('BOOT');
  await until(() => phone.accepted.some((r) => /^UP: home-gw/.test(String(r.headers.title))), 'the recovery');
  t.pass('the acknowledgement never hides the recovery');
});
