/**
 * Gateway checks' results on the real server process: the real `netmonitor sensor` runs a
 * `command` check over real UDP on 127.0.0.1, its failure with an `alert` action becomes a
 * DOWN e-mail to a real SMTP server and a `<sensor>/<check>` client in the API and its own
 * log; hand-made CHECK datagrams (the sensor's own encoder) show a lost datagram repaired by
 * the repeat, the HTTP route, forged and replayed ones refused, and the per-sensor bound.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeCheck, type CheckReport } from '../../shared/nm1Check.js';
import { cliPath, readLog, tempDir } from '../helpers.js';
import { bearer, newToken, sha256Hex, startProcess } from './http/peer.js';
import { startSmtpPeer } from '../peers/smtp.js';
import { sleep, TestSensor } from '../peers/udp.js';

const until = async (what: string, test: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
};

async function setUp(t: { teardown(fn: () => unknown): void }, extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const key = randomBytes(32);
  const admin = newToken();
  const server = await startProcess(dir, {
    client_log_dir: join(dir, 'logs'), listen_address: '127.0.0.1', listen_port: 0, down_interval: 60,
    smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_limits: { storm_hold: 0 }, alert_address: 'me@example.net',
    http: { listen_address: '127.0.0.1', port: 0, admin_token_sha256: sha256Hex(admin) },
    clients: { 'home-gw': { key: key.toString('hex') } },
    ...extra,
  });
  t.teardown(() => server.kill9());
  const api = async (path: string): Promise<Record<string, unknown>> => (await (await fetch(`${server.base}${path}`, { headers: bearer(admin) })).json()) as Record<string, unknown>;
  return { dir, smtp, key, server, api, admin, config: JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8')) as Record<string, unknown> };
}

t.test('the real sensor\'s failing check with an alert action becomes a DOWN e-mail and a client <sensor>/<check> with its own log', async (t) => {
  const { dir, smtp, key, server, api } = await setUp(t);
  const flag = join(dir, 'wan-ok');
  writeFileSync(flag, '');
  const sensorConfig = join(dir, 'sensor.json');
  writeFileSync(sensorConfig, JSON.stringify({
    server: '127.0.0.1', port: server.udpPort, id: 'home-gw', key: key.toString('hex'), interval: 1, state_file: join(dir, 'sensor', 'state.json'),
    checks: [{ name: 'wan', type: 'command', command: ['test', '-e', flag], every: 1, on_failure: [{ type: 'alert' }], on_recovery: [{ type: 'alert' }] }],
  }));
  const sensor = spawn(process.execPath, [cliPath, 'sensor', '--config', sensorConfig], { stdio: 'ignore' });
  t.teardown(() => sensor.kill('SIGKILL'));
  await until('the check client', async () => ((await api('/api/v1/clients/home-gw%2Fwan')) as { state?: string }).state === 'up');
  t.equal(smtp.mails.length, 0, 'a check that passes from the start alerts nobody');
  rmSync(flag);
  const [down] = await smtp.waitFor(1, 15_000);
  t.equal(down!.subject, 'DOWN: home-gw/wan', 'the check\'s failure is an alert of its own client');
  writeFileSync(flag, '');
  const [, up] = await smtp.waitFor(2, 15_000);
  t.match(up!.subject, /^UP: home-gw\/wan after \d+s$/, 'and its recovery too');
  const client = await api('/api/v1/clients/home-gw%2Fwan');
  t.match(client, { id: 'home-gw/wan', kind: 'check', state: 'up', check_state: 'up' }, 'the API shows the check client');
  const log = readLog(join(dir, 'logs', 'home-gw+wan.nmlog'));
  t.match(log.find((r) => r.type === 'down'), { reason: /exit 1|exit status 1|failed/ }, 'its log holds the failure with the detail as the reason');
  t.ok(existsSync(join(dir, 'logs', 'home-gw.nmlog')), 'the sensor keeps its own log beside it');
  sensor.kill('SIGKILL');
  await sleep(200);
  const { code } = await server.stop();
  t.equal(code, 0);
});

t.test('a lost CHECK is repaired by the next repeat, over UDP and HTTP, and repeats never alert twice', async (t) => {
  const { dir, smtp, key, server, api } = await setUp(t);
  const sensor = new TestSensor('home-gw', key, server.udpPort);
  t.teardown(() => sensor.close());
  const check = (fields: Partial<CheckReport>): Buffer =>
    encodeCheck({ sensor: 'home-gw', boot: sensor.boot, seq: sensor.seq++, check: 'route', state: 'failed', notify: 'alert', age: 0, detail: 'default route missing', ...fields }, key);
  await sensor.send(sensor.heartbeat('BOOT'));
  await sensor.send(check({ state: 'ok', detail: 'default route via 192.0.2.1' }));
  await until('the check client up', async () => ((await api('/api/v1/clients/home-gw%2Froute')) as { state?: string }).state === 'up');
  check({}); // the failure's first datagram, lost on the way: never sent
  await sleep(300);
  t.equal(smtp.mails.length, 0, 'nothing heard of the failure yet');
  await sensor.send(check({ age: 40 })); // the repeat with the next heartbeat
  const [down] = await smtp.waitFor(1);
  t.equal(down!.subject, 'DOWN: home-gw/route', 'the repeat made the transition');
  const record = readLog(join(dir, 'logs', 'home-gw+route.nmlog')).find((r) => r.type === 'down')!;
  t.equal(record.reason, 'default route missing');
  // Over HTTP: the same acceptance and window; a repeat of the state changes nothing.
  const post = (body: Buffer) => fetch(`${server.base}/api/v1/nm1`, { method: 'POST', body: body.toString('latin1') });
  t.equal((await post(check({ age: 41 }))).status, 204, 'a repeat over HTTP is accepted');
  const replay = check({ age: 42 });
  t.equal((await post(replay)).status, 204);
  const again = await post(replay);
  t.equal(again.status, 403, 'the same datagram again is a replay');
  t.equal(await again.text(), 'replay');
  t.equal((await post(check({ state: 'ok', notify: 'log', detail: '-' }))).status, 204, 'the recovery over HTTP');
  await until('the recovery', async () => ((await api('/api/v1/clients/home-gw%2Froute')) as { check_state?: string }).check_state === 'up');
  await sleep(500);
  t.equal(smtp.mails.length, 1, 'one alert: repeats alert nobody, and a recovery without an alert action is only logged');
  const ups = readLog(join(dir, 'logs', 'home-gw+route.nmlog')).filter((r) => r.type === 'up');
  t.same(ups.at(-1)!.channels, [], 'the logged-only recovery names no channel, so no restart owes it');
  const { code } = await server.stop();
  t.equal(code, 0);
});

t.test('forged, replayed and over-limit CHECK datagrams are refused, make no client and never alert', async (t) => {
  const { smtp, key, server, api } = await setUp(t, { max_checks_per_sensor: 2 });
  const honest = new TestSensor('home-gw', key, server.udpPort);
  t.teardown(() => honest.close());
  const make = (k: Buffer, fields: Partial<CheckReport> = {}): Buffer =>
    encodeCheck({ sensor: 'home-gw', boot: 1, seq: honest.seq++, check: 'wan', state: 'failed', notify: 'alert', age: 0, detail: 'forged', ...fields }, k);
  await honest.send(honest.heartbeat('BOOT'));
  await honest.send(make(randomBytes(32))); // bad MAC
  await honest.send(encodeCheck({ sensor: 'stranger', boot: 1, seq: 1, check: 'wan', state: 'failed', notify: 'alert', age: 0, detail: 'x' }, key));
  const real = make(key, { state: 'ok', detail: 'fine' });
  await honest.send(real);
  await honest.send(real); // replayed
  await honest.send(Buffer.from(`${make(key).toString('latin1').slice(0, -32)}${'0'.repeat(32)}`)); // tampered
  for (const name of ['a', 'b', 'c', 'd']) await honest.send(make(key, { check: name, state: 'ok', detail: 'ok' }));
  await sleep(800);
  const list = (await api('/api/v1/clients')) as { clients: { id: string }[] };
  t.same(list.clients.map((c) => c.id).sort(), ['home-gw', 'home-gw/a', 'home-gw/wan'], 'only authentic checks made clients, two at most');
  t.match(await api('/api/v1/clients/home-gw%2Fwan'), { state: 'up' }, 'the forged failure changed nothing');
  const { code, output } = await server.stop();
  t.equal(code, 0);
  const stats = JSON.parse(/stats (\{.*\})/.exec(output)![1]!) as { refused: Record<string, number> };
  t.match(stats.refused, { 'bad-mac': 2, 'unknown-sensor': 1, replay: 1, 'check-limit': 3 }, 'each refusal counted by its reason');
  t.equal(smtp.mails.length, 0, 'and not one alert');
});

t.test('a kill -9 while a check is failing: after the restart its repeat is no second alert, and the report json lists the check client', async (t) => {
  const { dir, smtp, key, server, admin, config } = await setUp(t);
  let sensor = new TestSensor('home-gw', key, server.udpPort);
  const check = (fields: Partial<CheckReport>): Buffer =>
    encodeCheck({ sensor: 'home-gw', boot: sensor.boot, seq: sensor.seq++, check: 'route', state: 'failed', notify: 'alert', age: 0, detail: 'default route missing', ...fields }, key);
  await sensor.send(sensor.heartbeat('BOOT'));
  await sensor.send(check({}));
  await smtp.waitFor(1);
  await until('the delivery on record', () => readLog(join(dir, 'logs', 'home-gw+route.nmlog')).some((r) => r.type === 'delivered'));
  await server.kill9();
  sensor.close();
  const again = await startProcess(dir, config);
  t.teardown(() => again.kill9());
  sensor = Object.assign(new TestSensor('home-gw', key, again.udpPort), { seq: sensor.seq });
  t.teardown(() => sensor.close());
  const after = async (path: string): Promise<Record<string, unknown>> => (await (await fetch(`${again.base}${path}`, { headers: bearer(admin) })).json()) as Record<string, unknown>;
  t.match(await after('/api/v1/clients/home-gw%2Froute'), { kind: 'check', check_state: 'down' }, 'the check client is back from its log, still failing');
  await sensor.send(sensor.heartbeat('PING'));
  await sensor.send(check({ age: 30 }));
  await sleep(800);
  t.equal(smtp.mails.length, 1, 'the repeat after the restart is no second alert');
  t.match(await after('/api/v1/clients/home-gw%2Froute'), { state: 'down' }, 'with its sensor up, the check shows down');
  await again.stop();
  const report = spawnSync(process.execPath, [cliPath, 'report', '--log-dir', join(dir, 'logs'), '--format', 'json'], { encoding: 'utf8' });
  t.equal(report.status, 0, report.stderr);
  const json = JSON.parse(report.stdout) as { clients: { client: string }[]; check_failures: { client: string; detail: string; end: string | null }[] };
  t.same(json.clients.map((c) => c.client), ['home-gw'], 'the check is no connection: not among the clients whose outages count');
  t.match(json.check_failures, [{ client: 'home-gw/route', detail: 'default route missing', end: null }], 'it is listed as a check failure, still going on');
});
