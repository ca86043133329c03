import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DownEvent, UpEvent } from '../../../server/core/events.js';
import { sha256 } from '../../../server/http/auth.js';
import { LogDirectory } from '../../../server/store/logDirectory.js';
import { validateLibrenms, type LibrenmsConfig } from '../../../server/config/supervision.js';
import { parseAlertPayload } from '../../../server/supervision/librenms/payload.js';
import { librenmsAlertRoute } from '../../../server/supervision/librenms/route.js';
import { RecoverySchedule } from '../../../server/supervision/librenms/schedule.js';
import { LibrenmsSupervisor } from '../../../server/supervision/librenms/supervisor.js';
import type { ConfigError } from '../../../shared/errors.js';
import { tempDir, readLog } from '../../helpers.js';
import { captureLogger } from '../../peers/logger.js';
import { startLibrenmsPeer } from './librenmsPeer.js';
import { startInProcessServer } from './serverPeer.js';

const MIN = 60_000;

t.test('the recovery cycle waits the interval, then backs off up to the cap, and pauses when empty', async (t) => {
  const schedule = new RecoverySchedule(20 * MIN, 60 * MIN);
  t.equal(schedule.nextWake(), null, 'nothing supervised: paused');
  schedule.add(7, 0);
  t.same(schedule.due(20 * MIN - 1), []);
  t.same(schedule.due(20 * MIN), [7]);
  schedule.stillDown(7, 20 * MIN);
  t.equal(schedule.nextWake(), 60 * MIN, 'twice the interval after the first check found it down');
  schedule.stillDown(7, 60 * MIN);
  t.equal(schedule.nextWake(), 120 * MIN, 'capped');
  t.equal(schedule.apiFailed(7, 120 * MIN), 10_000, 'an API failure retries soon');
  t.equal(schedule.apiFailed(7, 120 * MIN), 20_000);
  schedule.remove(7);
  t.equal(schedule.nextWake(), null);
});

t.test('alert payloads carry device id, hostname and IP at the top level or under device', async (t) => {
  const parse = (v: unknown) => parseAlertPayload(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));
  t.same(parse({ device_id: 12, hostname: 'gw.lan', ip: '192.0.2.1' }), { ok: true, device: { deviceId: 12, hostname: 'gw.lan', ip: '192.0.2.1' } });
  t.same(parse({ title: 'x', device: { device_id: '12', hostname: 'gw.lan', ip: '192.0.2.1' } }), { ok: true, device: { deviceId: 12, hostname: 'gw.lan', ip: '192.0.2.1' } });
  t.match(parse('{'), { ok: false, error: /not JSON/ });
  t.match(parse([]), { ok: false });
  t.match(parse({ hostname: 'gw', ip: '192.0.2.1' }), { ok: false, error: /device_id/ });
  t.match(parse({ device_id: 1, hostname: 'gw; reboot', ip: '192.0.2.1' }), { ok: false, error: /hostname/ });
  t.match(parse({ device_id: 1, hostname: 'gw', ip: 'gw.lan' }), { ok: false, error: /ip/ });
  t.match(parse({ device_id: -1, hostname: 'gw', ip: '192.0.2.1' }), { ok: false });
});

t.test('librenms settings are checked and errors name the key', async (t) => {
  const key = (raw: unknown): string | undefined => {
    try {
      validateLibrenms(raw, '/etc');
    } catch (error) {
      return (error as ConfigError).key;
    }
    return undefined;
  };
  t.equal(key({ url: 'http://l' }), 'librenms.token');
  t.equal(key({ url: 'l', token: 't' }), 'librenms.url');
  t.equal(key({ url: 'http://l', token: 't', unsupervised_ip: 'x' }), 'librenms.unsupervised_ip');
  t.equal(key({ url: 'http://l', token: 't', recovery_interval: '1h', max_recovery_interval: '1m' }), 'librenms.max_recovery_interval');
  t.equal(key({ url: 'http://l', token: 't', poll_command: { type: 'http', url: 'http://x' } }), 'librenms.poll_command.type');
  t.match(validateLibrenms({ url: 'http://l/', token: 't' }, '/etc'), { url: 'http://l', unsupervisedIp: '127.0.0.50', recoveryIntervalMs: 20 * MIN, portIfName: 'Dialer 1', alertTokenSha256: null });
  t.equal(key({ url: 'http://l', token: 't', alert_token_sha256: 'the-token-itself' }), 'librenms.alert_token_sha256');
  t.same(validateLibrenms({ url: 'http://l', token: 't', alert_token_sha256: 'ab'.repeat(32) }, '/etc').alertTokenSha256, Buffer.from('ab'.repeat(32), 'hex'));
});

async function setup(t: { teardown(fn: () => unknown): void }, extra: Partial<LibrenmsConfig> = {}) {
  const peer = await startLibrenmsPeer();
  t.teardown(() => peer.close());
  peer.devices.set(12, { device_id: 12, hostname: 'gw.lan', ip: '192.0.2.1', overwrite_ip: null, ports: [{ port_id: 99, ifName: 'Dialer 1', ifOperStatus: 'down' }] });
  peer.devices.set(13, { device_id: 13, hostname: 'other.lan', ip: '192.0.2.9', overwrite_ip: null, ports: [{ port_id: 100, ifName: 'Dialer 1', ifOperStatus: 'up' }] });
  const dir = tempDir();
  const logs = new LogDirectory(dir);
  await logs.create();
  const now = { mono: 0, wall: Date.UTC(2024, 0, 1) };
  const alerts: (DownEvent | UpEvent)[] = [];
  const { logger, lines } = captureLogger();
  const config: LibrenmsConfig = { url: peer.url, token: peer.token, alertTokenSha256: null, unsupervisedIp: '127.0.0.50', recoveryIntervalMs: 20 * MIN, maxRecoveryIntervalMs: 60 * MIN, portIfName: 'Dialer 1', pollCommand: null, stateFile: null, timeoutMs: 2000, ...extra };
  const host = { logs, logger, clock: { now: () => ({ ...now }) }, outbox: { enqueue: (e: DownEvent | UpEvent) => alerts.push(e) } };
  const make = (): LibrenmsSupervisor => new LibrenmsSupervisor(host, config, join(dir, '@librenms.json'), new Map([['home-gw', 12]]));
  const supervisor = make();
  t.teardown(() => supervisor.stop());
  await supervisor.start();
  const advance = (ms: number): void => { now.mono += ms; now.wall += ms; };
  const records = (name: string) => readLog(join(dir, `${name}.nmlog`));
  return { peer, dir, supervisor, make, alerts, lines, advance, records, statePath: join(dir, '@librenms.json') };
}


const request = (body: unknown) => ({ method: 'POST', path: '/api/v1/librenms/alert', query: new URLSearchParams(), headers: {}, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), remoteAddress: '127.0.0.1' });

t.test('an alert forces the device down after saving its original IP, and a healthy port puts it back', async (t) => {
  const env = await setup(t);
  const route = librenmsAlertRoute(env.supervisor, null);
  const reply = await route.handle(request({ device: { device_id: 12, hostname: 'gw.lan', ip: '192.0.2.1' } }), {});
  t.match(reply, { status: 202, json: { status: 'ok', result: 'supervised' } });
  t.equal(env.peer.devices.get(12)!.overwrite_ip, '127.0.0.50');
  t.same(env.peer.requests.map((r) => `${r.method} ${r.path}`), ['PATCH /api/v0/devices/12', 'GET /api/v0/devices/12/discover']);
  t.same(JSON.parse(env.peer.requests[0]!.body), { field: 'overwrite_ip', data: '127.0.0.50' });
  t.ok(env.peer.requests.every((r) => r.token === env.peer.token), 'every call carries X-Auth-Token');
  t.match(JSON.parse(readFileSync(env.statePath, 'utf8')), { devices: [{ deviceId: 12, originalIp: '192.0.2.1', forced: true }] });
  t.match(await route.handle(request({ device_id: 12, hostname: 'gw.lan', ip: '192.0.2.1' }), {}), { status: 202, json: { result: 'already' } });

  env.advance(20 * MIN - 1);
  t.same([...(await env.supervisor.checkDue())], [], 'not before the recovery interval');
  env.advance(1);
  t.same([...(await env.supervisor.checkDue())], [[12, 'still-down']]);
  t.equal(env.peer.devices.get(12)!.overwrite_ip, '127.0.0.50', 'forced down again');
  t.ok(env.peer.requests.some((r) => r.path === '/api/v0/ports/search/ifName/Dialer 1?columns=port_id,device_id,ifName'), 'the port is found by ifName');

  env.peer.devices.get(12)!.ports[0]!.ifOperStatus = 'up';
  env.advance(40 * MIN);
  t.same([...(await env.supervisor.checkDue())], [[12, 'recovered']], 'checked again after twice the interval');
  t.equal(env.peer.devices.get(12)!.overwrite_ip, '192.0.2.1', 'the original IP is back');
  t.same(env.supervisor.supervised(), []);
  t.match(JSON.parse(readFileSync(env.statePath, 'utf8')), { devices: [] });
  t.match(env.alerts, [{ type: 'up', client: 'home-gw', outageMs: 60 * MIN }], 'one recovery alert, for the mapped client');
  t.same(env.records('home-gw').map((r) => r.phase), ['unsupervised', 'still-down', 'recovered']);
  t.equal(env.supervisor.schedule.nextWake(), null, 'the cycle pauses with nothing supervised');
  t.notOk(env.lines.join('\n').includes(env.peer.token), 'the token never reaches the log');
  t.match(env.lines.join('\n'), /X-Auth-Token: \[redacted\]/);
});

t.test('bad or incomplete alert payloads get 400 and change nothing', async (t) => {
  const env = await setup(t);
  const route = librenmsAlertRoute(env.supervisor, null);
  for (const body of ['not json', { hostname: 'gw', ip: '192.0.2.1' }, { device_id: 12, ip: '192.0.2.1' }, { device_id: 12, hostname: 'gw' }]) {
    t.match(await route.handle(request(body), {}), { status: 400, json: { status: 'error' } }, JSON.stringify(body));
  }
  t.same(env.peer.requests, []);
  t.same(env.supervisor.supervised(), []);
});

t.test('a netmonitor down event of a mapped client reads the device and forces it down', async (t) => {
  const env = await setup(t);
  env.peer.devices.get(12)!.overwrite_ip = '198.51.100.7';
  await env.supervisor.handle({ type: 'down', client: 'home-gw', at: 0, lastUp: null, downIntervalMs: 1, transitionId: 'd' });
  t.match(env.supervisor.supervised(), [{ deviceId: 12, originalIp: '198.51.100.7', client: 'home-gw', forced: true }], 'an existing overwrite_ip is what gets restored');
  await env.supervisor.handle({ type: 'down', client: 'unmapped', at: 0, lastUp: null, downIntervalMs: 1, transitionId: 'd2' });
  t.equal(env.supervisor.supervised().length, 1);
});

t.test('API failures are retried per device without stopping the others', async (t) => {
  const env = await setup(t);
  const route = librenmsAlertRoute(env.supervisor, null);
  await route.handle(request({ device_id: 12, hostname: 'gw.lan', ip: '192.0.2.1' }), {});
  await route.handle(request({ device_id: 13, hostname: 'other.lan', ip: '192.0.2.9' }), {});
  env.advance(20 * MIN);
  env.peer.failNext(1, '/devices/12');
  const results = await env.supervisor.checkDue();
  t.equal(results.get(12), 'api-error');
  t.equal(results.get(13), 'recovered', 'the other device went on');
  env.peer.devices.get(12)!.ports[0]!.ifOperStatus = 'up';
  env.advance(10_000);
  t.same([...(await env.supervisor.checkDue())], [[12, 'recovered']], 'retried 10 s later');
  t.match(env.records('librenms-other.lan').map((r) => r.phase), ['unsupervised', 'recovered'], 'an unmapped device has its own log');
});

t.test('a device whose force down failed is forced at the retry, and a restart keeps what is supervised', async (t) => {
  const env = await setup(t);
  env.peer.failNext(1);
  t.match(await librenmsAlertRoute(env.supervisor, null).handle(request({ device_id: 12, hostname: 'gw.lan', ip: '192.0.2.1' }), {}), { status: 202 });
  t.match(JSON.parse(readFileSync(env.statePath, 'utf8')), { devices: [{ deviceId: 12, originalIp: '192.0.2.1', forced: false }] }, 'the IP was saved before the failing call');
  await env.supervisor.stop();
  const again = env.make();
  await again.start();
  t.teardown(() => again.stop());
  t.same([...(await again.checkDue())], [[12, 'forced']], 'a device never forced is due at once after a restart');
  t.equal(env.peer.devices.get(12)!.overwrite_ip, '127.0.0.50');
});

t.test('the poll command runs with the device id and its failure is retried', async (t) => {
  const env = await setup(t, { pollCommand: { type: 'local', command: [process.execPath, '-e', 'console.log("polled " + process.argv[1]); process.exit(process.argv[1] === "12" ? 0 : 1)', 'ID'], timeoutMs: 5000 } });
  await librenmsAlertRoute(env.supervisor, null).handle(request({ device_id: 12, hostname: 'gw.lan', ip: '192.0.2.1' }), {});
  env.advance(20 * MIN);
  t.same([...(await env.supervisor.checkDue())], [[12, 'still-down']]);
  t.match(env.records('home-gw').find((r) => r.phase === 'poll'), { ok: true, output: 'polled 12' });
});

t.test('through the HTTP listener, an alert POST with the alert token reaches the supervisor, and one without it changes nothing', async (t) => {
  const peer = await startLibrenmsPeer();
  t.teardown(() => peer.close());
  peer.devices.set(5, { device_id: 5, hostname: 'gw', ip: '192.0.2.5', overwrite_ip: null, ports: [] });
  const alertToken = 'librenms-transport-token';
  const { server, lines } = await startInProcessServer({
    http: { listen_address: '127.0.0.1', port: 0, admin_token_sha256: null },
    librenms: { url: peer.url, token: peer.token, alert_token_sha256: sha256(alertToken).toString('hex') },
  });
  t.teardown(() => server.stop());
  const port = /http listening on 127\.0\.0\.1:(\d+)/.exec(lines.join('\n'))?.[1];
  t.ok(port, lines.join('\n'));
  const post = (body: string, token?: string) => fetch(`http://127.0.0.1:${port}/api/v1/librenms/alert`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }) },
    body,
  });
  const alert = JSON.stringify({ device_id: 5, hostname: 'gw', ip: '192.0.2.5' });
  t.equal((await post(alert)).status, 401, 'no token');
  t.equal((await post(alert, 'guess')).status, 401, 'a wrong token');
  t.equal(peer.devices.get(5)!.overwrite_ip, null, 'neither touched the device');
  t.same(peer.requests, [], 'nor called LibreNMS');
  t.equal((await post('{"device_id": 5}', alertToken)).status, 400);
  const ok = await post(alert, alertToken);
  t.equal(ok.status, 202);
  t.equal(peer.devices.get(5)!.overwrite_ip, '127.0.0.50');
  t.notOk(lines.join('\n').includes(alertToken), 'the token is never logged');
});

t.test('without an alert token configured, the alert route refuses every call and says which setting is missing', async (t) => {
  const peer = await startLibrenmsPeer();
  t.teardown(() => peer.close());
  peer.devices.set(5, { device_id: 5, hostname: 'gw', ip: '192.0.2.5', overwrite_ip: null, ports: [] });
  const { server, lines } = await startInProcessServer({ http: { listen_address: '127.0.0.1', port: 0, admin_token_sha256: null }, librenms: { url: peer.url, token: peer.token } });
  t.teardown(() => server.stop());
  t.match(lines.join('\n'), /LibreNMS alert route refuses every call until librenms\.alert_token_sha256 is set/);
  const port = /http listening on 127\.0\.0\.1:(\d+)/.exec(lines.join('\n'))![1];
  const reply = await fetch(`http://127.0.0.1:${port}/api/v1/librenms/alert`, { method: 'POST', headers: { Authorization: 'Bearer anything' }, body: JSON.stringify({ device_id: 5, hostname: 'gw', ip: '192.0.2.5' }) });
  t.equal(reply.status, 403);
  t.match(await reply.json(), { error: /librenms\.alert_token_sha256/ });
  t.equal(peer.devices.get(5)!.overwrite_ip, null);
});
