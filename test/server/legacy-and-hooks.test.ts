/**
 * The original sensor's datagrams from a configured legacy address, and an exec hook run by
 * the real server on each event, with the event in its environment.
 */
import t from 'tap';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, readLog } from '../helpers.js';
import { startServer, writeConfig } from '../peers/serverProcess.js';
import { startSmtpPeer } from '../peers/smtp.js';
import { sleep } from '../peers/udp.js';

t.test('the original sensor keeps working from a legacy address, and a hook sees every event', async (t) => {
  const dir = tempDir();
  // The server's environment carries an SMTP password; the hook must not inherit it.
  const smtp = await startSmtpPeer({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true, onAuth: (auth, _s, done) => done(null, { user: auth.username }) });
  t.teardown(() => smtp.close());
  const hookLog = join(dir, 'hook.log');
  const hook = join(dir, 'hook.mjs');
  writeFileSync(hook, `import { appendFileSync } from 'node:fs';
const e = process.env;
appendFileSync(process.argv[2], JSON.stringify({ event: e.NETMONITOR_EVENT, client: e.NETMONITOR_CLIENT, uptime: e.NETMONITOR_UPTIME_S, outage: e.NETMONITOR_OUTAGE_S, secret: e.NETMONITOR_SMTP_PASSWORD ?? null }) + '\\n');
`);
  const logDir = join(dir, 'logs');
  const config = writeConfig(dir, {
    username: 'mailbot@example.net', smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_limits: { storm_hold: 0 }, alert_address: 'me@example.net',
    client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', down_interval: 1,
    clients: { '127.0.0.1': { legacy: true } },
    hooks: [{ command: [process.execPath, hook, hookLog], events: ['down', 'up', 'boot'], timeout: '5s' }],
  });
  const server = await startServer(config, { NETMONITOR_SMTP_PASSWORD: 'not-for-hooks' });
  t.teardown(() => server.kill9());
  const socket = createSocket('udp4');
  t.teardown(() => socket.close());
  const send = (text: string) => new Promise<void>((resolve) => socket.send(Buffer.from(text), server.port, '127.0.0.1', () => resolve()));

  await send('BOOT2468.38 4849.55\n');
  await sleep(1600);
  await send('PING');
  await smtp.waitFor(2);
  t.same(smtp.mails.map((m) => m.subject.replace(/after .*/, 'after')), ['DOWN: 127.0.0.1', 'UP: 127.0.0.1 after'], 'a legacy client is named by its address');
  const records = readLog(join(logDir, '127.0.0.1.nmlog'));
  t.match(records.find((r) => r.type === 'boot'), { uptime: 2468.38, boot: null }, 'the BOOT uptime is recorded, unlike in the original');

  // Hooks run in their own processes; wait (bounded) for all four to have written.
  const lines = () => (existsSync(hookLog) ? readFileSync(hookLog, 'utf8').split('\n').filter(Boolean).length : 0);
  for (let waited = 0; lines() < 4 && waited < 10_000; waited += 100) await sleep(100);
  t.ok(existsSync(hookLog), 'the hook ran');
  const calls = readFileSync(hookLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string | null>);
  t.same(calls.map((c) => c.event).sort(), ['boot', 'down', 'up', 'up'], 'once per event: first seen, boot, down, up');
  t.equal(calls.find((c) => c.event === 'boot')?.uptime, '2468.38');
  t.same(calls.filter((c) => c.event === 'up').map((c) => c.outage === undefined), [true, false], 'only the recovery carries an outage length');
  t.ok(calls.every((c) => c.client === '127.0.0.1' && c.secret === null), "the hook sees the event but not the server's secrets");
});

t.test("an unchanged original config says at start that no client is configured, and an original sensor's PING names the entry to add", async (t) => {
  const dir = tempDir();
  const config = writeConfig(dir, {
    alert_address: 'me@example.net', client_log_dir: join(dir, 'logs'), listen_port: 0, listen_address: '127.0.0.1', down_interval: { minutes: 3 },
  });
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  await server.waitForOutput(/no client is configured/);
  const socket = createSocket('udp4');
  t.teardown(() => socket.close());
  await new Promise<void>((resolve) => socket.send(Buffer.from('PING'), server.port, '127.0.0.1', () => resolve()));
  const [line] = await server.waitForOutput(/refused datagram from 127\.0\.0\.1: legacy-unlisted.*/);
  t.match(line, '"127.0.0.1": {"legacy": true}', 'the exact entry to add');
  const { output } = await server.stop();
  t.equal(output.match(/no client is configured/g)?.length, 1, 'said once');
  t.match(output, /stats .*"legacy-unlisted":1/, 'counted under its own reason');
});
