/**
 * storm_hold through the real server process, a real SMTP server and an ntfy peer: clients
 * going silent together give each channel one message naming them; a kill -9 while an alert
 * waits loses nothing, and the restart sends it once; a bad storm_hold exits 2 naming it.
 */
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliPath, readLog, tempDir } from '../../helpers.js';
import { NTFY_TOKEN, startProviderPeer } from '../../peers/pushProviders.js';
import { startServer, writeConfig } from '../../peers/serverProcess.js';
import { startSmtpPeer } from '../../peers/smtp.js';
import { sleep, TestSensor } from '../../peers/udp.js';

const HOLD_S = 3;

async function setup(t: Test, names: string[]) {
  const smtp = await startSmtpPeer();
  const phone = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  t.teardown(() => Promise.all([smtp.close(), phone.close()]));
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  const keys = new Map(names.map((name) => [name, randomBytes(32)]));
  const config = writeConfig(dir, {
    smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_address: 'me@example.net',
    client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', down_interval: 2,
    clients: Object.fromEntries([...keys].map(([name, key]) => [name, { key: key.toString('hex') }])),
    alert_limits: { storm_hold: HOLD_S },
    channels: { phone: { type: 'ntfy', url: `${phone.url}/home`, token: NTFY_TOKEN } },
  });
  return { smtp, phone, logDir, keys, config };
}

t.test('six clients going silent together give one message per channel naming them all', async (t) => {
  const names = ['s0', 's1', 's2', 's3', 's4', 's5'];
  const { smtp, phone, logDir, keys, config } = await setup(t, names);
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  for (const name of names) {
    const sensor = new TestSensor(name, keys.get(name)!, server.port);
    await sensor.ping('BOOT');
    sensor.close();
  }
  const [mail] = await smtp.waitFor(1, 20_000);
  await phone.waitFor(1, 20_000);
  await sleep(2000);
  t.equal(smtp.mails.length, 1, 'one e-mail, not one per client');
  t.equal(mail!.subject, 'DOWN: 6 clients');
  const [, named] = /^6 clients DOWN since .*: (.*)\.$/.exec(mail!.body) ?? [];
  t.same(named?.split(', ').sort(), names, 'naming each of them (in the order they were declared down)');
  t.equal(phone.accepted.length, 1, 'one push message');
  t.equal(phone.accepted[0]!.headers.title, 'DOWN: 6 clients');
  for (const name of names) {
    const delivered = readLog(join(logDir, `${name}.nmlog`)).filter((r) => r.type === 'delivered');
    t.same(delivered.map((r) => [r.channel, r.via]).sort(), [['email', 'summary'], ['phone', 'summary']], `${name}: delivered on each channel, by the summary`);
  }
});

t.test('a kill -9 while a down alert waits loses nothing: the restart sends it once, on each channel', async (t) => {
  const { smtp, phone, logDir, keys, config } = await setup(t, ['home-gw']);
  let server = await startServer(config);
  t.teardown(() => server.kill9());
  const sensor = new TestSensor('home-gw', keys.get('home-gw')!, server.port);
  t.teardown(() => sensor.close());
  await sensor.ping('BOOT');
  const log = () => readLog(join(logDir, 'home-gw.nmlog'));
  for (let waited = 0; !log().some((r) => r.type === 'down'); waited += 50) {
    if (waited > 10_000) throw new Error('no down record');
    await sleep(50);
  }
  await server.kill9();
  t.equal(smtp.mails.length + phone.accepted.length, 0, 'killed during the hold: nothing sent yet');
  t.notOk(log().some((r) => r.type === 'delivered'), 'and nothing recorded delivered');

  server = await startServer(config);
  const started = Date.now();
  const [mail] = await smtp.waitFor(1, 20_000);
  await phone.waitFor(1, 20_000);
  t.ok(Date.now() - started >= (HOLD_S - 1) * 1000, 'the restarted alert waits the hold again');
  await sleep(2000);
  t.equal(mail!.subject, 'DOWN: home-gw', 'alone, it goes out as itself');
  t.equal(smtp.mails.length, 1);
  t.equal(phone.accepted.length, 1);
  t.same(log().filter((r) => r.type === 'delivered').map((r) => r.channel).sort(), ['email', 'phone']);
});

t.test('a storm_hold that is not a duration exits 2 naming the key', async (t) => {
  const dir = tempDir();
  const config = writeConfig(dir, {
    alert_outbox: join(dir, 'out.mbox'), client_log_dir: join(dir, 'logs'), listen_port: 0,
    clients: { 'home-gw': { key: 'ab'.repeat(32) } }, alert_limits: { storm_hold: '2 days' },
  });
  const error = await promisify(execFile)(process.execPath, [cliPath, 'server', '--config', config]).then(() => null, (e: { code: number; stderr: string }) => e);
  t.equal(error?.code, 2);
  t.match(error?.stderr, /alert_limits\.storm_hold/);
});
