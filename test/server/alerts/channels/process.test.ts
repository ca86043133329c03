/**
 * Channels through the real server process: kill -9 with deliveries pending on several
 * channels while their providers are down; after the restart, with the providers back, each
 * alert arrives once per channel, in order. And `netmonitor test-alert --channel`.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliPath, readLog, tempDir } from '../../../helpers.js';
import { DISCORD_ID, DISCORD_TOKEN, NTFY_TOKEN, startProviderPeer } from '../../../peers/pushProviders.js';
import { startServer, writeConfig } from '../../../peers/serverProcess.js';
import { sleep, TestSensor } from '../../../peers/udp.js';

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > timeoutMs) throw new Error('condition not met in time');
    await sleep(50);
  }
}

t.test('kill -9 with alerts pending on two push channels: each arrives once per channel, in order, after the restart', async (t) => {
  const phone = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  const chat = await startProviderPeer();
  t.teardown(() => Promise.all([phone.close(), chat.close()]));
  phone.down = true;
  chat.down = true;
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  const key = randomBytes(32);
  const mbox = join(dir, 'outbox.mbox');
  const config = writeConfig(dir, {
    client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', down_interval: 2, alert_outbox: mbox,
    clients: { 'home-gw': { key: key.toString('hex') } },
    alert_limits: { storm_threshold: 1000, flap_changes: 1000, hourly_cap: 1000, storm_hold: 0 },
    channels: {
      phone: { type: 'ntfy', url: `${phone.url}/home`, token_file: 'ntfy-token' },
      chat: { type: 'discord', webhook_url: `${chat.url}/api/webhooks/${DISCORD_ID}/${DISCORD_TOKEN}` },
    },
  });
  writeFileSync(join(dir, 'ntfy-token'), `${NTFY_TOKEN}\n`);
  let server = await startServer(config);
  t.teardown(() => server.kill9());
  t.match(server.output(), /alerts go to email: the file .*; phone: ntfy http:\/\/127\.0\.0\.1:\d+; chat: discord http:\/\/127\.0\.0\.1:\d+/);
  t.notMatch(server.output(), new RegExp(NTFY_TOKEN), 'no token in the log');
  const log = () => readLog(join(logDir, 'home-gw.nmlog'));
  const first = new TestSensor('home-gw', key, server.port, 1);
  t.teardown(() => first.close());
  await first.ping('BOOT');
  await until(() => log().some((r) => r.type === 'down'));
  const second = new TestSensor('home-gw', key, server.port, 2);
  t.teardown(() => second.close());
  await second.ping('BOOT');
  await until(() => log().some((r) => r.type === 'up' && r.first === false));
  await server.waitForOutput(/channel phone: .* not delivered, will retry/);
  await server.waitForOutput(/channel chat: .* not delivered, will retry/);
  await until(() => log().filter((r) => r.type === 'delivered' && r.channel === 'email').length === 2);
  const transitions = log().filter((r) => r.type === 'down' || (r.type === 'up' && r.first === false));
  t.same(transitions.map((r) => r.channels), [['email', 'phone', 'chat'], ['email', 'phone', 'chat']], 'each transition names its channels');
  await server.kill9();

  phone.down = false;
  chat.down = false;
  server = await startServer(config);
  // The sensor keeps beating, on a new boot, so the restart causes no new alert.
  const third = new TestSensor('home-gw', key, server.port, 3);
  t.teardown(() => third.close());
  const beat = setInterval(() => void third.ping('PING'), 300);
  t.teardown(() => clearInterval(beat));
  await third.ping('BOOT');
  await phone.waitFor(2);
  await chat.waitFor(2);
  await until(() => log().filter((r) => r.type === 'delivered').length === 6);
  await sleep(1000);
  t.equal(phone.accepted.length, 2);
  t.match(phone.accepted.map((r) => r.headers.title), [/^DOWN: home-gw$/, /^UP: home-gw after/], 'phone: down, then up, once each');
  t.equal(chat.accepted.length, 2);
  t.match(chat.accepted.map((r) => (r.fields as { content: string }).content), [/^DOWN: home\\-gw$/, /^UP: home\\-gw after/], 'chat: down, then up, once each');
  const mails = readFileSync(mbox, 'utf8').match(/^From netmonitor /gm) ?? [];
  t.equal(mails.length, 2, 'e-mail, delivered before the kill, is not sent again');
  const outcomes = log().filter((r) => r.type === 'delivered').map((r) => `${String(r.channel)} ${String(r.ref)}`).sort();
  t.same(outcomes, transitions.flatMap((r) => ['email', 'phone', 'chat'].map((c) => `${c} ${String(r.id)}`)).sort(), 'one delivered record per alert and channel');
  clearInterval(beat);
  const { code } = await server.stop();
  t.equal(code, 0);
});

const run = promisify(execFile);
const testAlert = (...args: string[]) =>
  run(process.execPath, [cliPath, 'test-alert', ...args]).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

t.test('test-alert sends through every channel, or the one named, and prints each result plainly', async (t) => {
  const peer = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  t.teardown(() => peer.close());
  const dir = tempDir();
  const config = writeConfig(dir, {
    client_log_dir: join(dir, 'logs'), alert_outbox: join(dir, 'out.mbox'),
    channels: { phone: { type: 'ntfy', url: `${peer.url}/home`, token: NTFY_TOKEN }, chat: { type: 'discord', webhook_url: `${peer.url}/api/webhooks/${DISCORD_ID}/wrong` } },
  });
  const all = await testAlert('--config', config);
  t.equal(all.code, 1, 'one channel failed');
  t.match(all.stdout, /^email: test alert sent through the file .*out\.mbox/m);
  t.match(all.stdout, /^phone: test alert sent through ntfy http:\/\/127\.0\.0\.1:\d+$/m);
  t.match(all.stdout, /^chat: test alert NOT sent through discord http:\/\/127\.0\.0\.1:\d+: HTTP 404: .*Unknown Webhook/m);
  t.match(all.stderr, /netmonitor: test alert NOT sent through chat/);
  t.notMatch(all.stdout + all.stderr, /wrong|tk_/, 'no secret printed');
  t.equal(peer.accepted[0]!.headers.title, 'TEST: netmonitor alerts reach you');
  const one = await testAlert('--config', config, '--channel', 'phone');
  t.equal(one.code, 0);
  t.equal(one.stdout.trim().split('\n').length, 1);
  t.equal(peer.accepted.length, 2);
  const unknown = await testAlert('--config', config, '--channel', 'pager');
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /--channel pager names no channel; the channels are email, phone, chat/);
  t.ok(existsSync(join(dir, 'out.mbox')));
});
