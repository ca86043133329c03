import t from 'tap';
import { readLog } from '../../helpers.js';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { validateServerConfig } from '../../../server/config/server.js';
import { validateProbe } from '../../../server/config/supervision.js';
import { icmpProbe, parsePingTime, pingArguments, tcpProbe } from '../../../server/supervision/probes/probe.js';
import { RttStats, samplesToCsv } from '../../../server/supervision/probes/rttStats.js';
import { ProbeTracker } from '../../../server/supervision/probes/tracker.js';
import { ConfigError } from '../../../shared/errors.js';
import { createNamespace, namespacesUnavailable } from './netns.js';
import { missingProgram } from '../../systemPrograms.js';
import { startInProcessServer, until } from './serverPeer.js';

t.test('failures below the threshold change nothing, the threshold reports one failure, one success is up', async (t) => {
  const tracker = new ProbeTracker(3);
  t.same(tracker.record(false, 'timeout'), { kind: 'none' });
  t.same(tracker.record(false, 'timeout'), { kind: 'none' });
  t.match(tracker.record(false, 'timeout'), { kind: 'failure', reason: /3 probe\(s\) in a row failed: timeout/ });
  t.same(tracker.record(false, 'timeout'), { kind: 'none' }, 'a down client is not reported down again');
  t.same(tracker.record(true, null), { kind: 'heartbeat' });
  t.equal(tracker.failures, 0, 'a success resets the count');
  t.same(tracker.record(false, 'x'), { kind: 'none' }, 'the count starts over after a success');
});

t.test('round-trip times are summed up per stats interval, losses counted apart', async (t) => {
  const stats = new RttStats(60_000);
  t.equal(stats.add({ at: 0, client: 'gw', ok: true, rttMs: 2 }), null);
  t.equal(stats.add({ at: 20_000, client: 'gw', ok: false, rttMs: null }), null);
  t.equal(stats.add({ at: 40_000, client: 'gw', ok: true, rttMs: 4 }), null);
  const closed = stats.add({ at: 60_000, client: 'gw', ok: true, rttMs: 10 });
  t.same(closed, { from: 0, to: 60_000, count: 3, lost: 1, minMs: 2, avgMs: 3, maxMs: 4 });
  t.same(stats.flush(70_000), { from: 60_000, to: 70_000, count: 1, lost: 0, minMs: 10, avgMs: 10, maxMs: 10 }, 'the sample that closed a period opens the next');
  t.equal(stats.flush(80_000), null, 'an empty period has no summary');
});

t.test('a period with only losses has no times', async (t) => {
  const stats = new RttStats(1000);
  stats.add({ at: 0, client: 'gw', ok: false, rttMs: null });
  t.same(stats.flush(500), { from: 0, to: 500, count: 1, lost: 1, minMs: null, avgMs: null, maxMs: null });
});

t.test('the CSV export has one line per probe with the documented columns', async (t) => {
  const csv = samplesToCsv([
    { at: Date.UTC(2024, 0, 1), client: 'gw', ok: true, rttMs: 1.5 },
    { at: Date.UTC(2024, 0, 1, 0, 0, 30), client: 'a,b', ok: false, rttMs: null },
  ]);
  t.equal(csv, 'timestamp,client,status,response_time_ms\r\n2024-01-01T00:00:00.000Z,gw,up,1.5\r\n2024-01-01T00:00:30.000Z,"a,b",down,\r\n');
});

t.test('the ring of samples keeps only the newest', async (t) => {
  const stats = new RttStats(1000, 3);
  for (let i = 0; i < 5; i++) stats.add({ at: i, client: 'gw', ok: true, rttMs: i });
  t.same(stats.recent().map((s) => s.rttMs), [2, 3, 4]);
});

t.test('ping gets an argv with -- before the host and a whole-second deadline', async (t) => {
  t.same(pingArguments('127.0.0.1', 1500), ['-4', '-n', '-c', '1', '-W', '2', '-w', '2', '--', '127.0.0.1']);
  t.equal(pingArguments('::1', 1000)[0], '-6');
  t.equal(parsePingTime('64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.037 ms'), 0.037);
  t.equal(parsePingTime('no reply'), null);
});

t.test('probe settings are checked and errors name the key', async (t) => {
  const code = (raw: unknown): string | undefined => {
    try {
      validateProbe(raw, 'clients.gw.probe');
    } catch (error) {
      return error instanceof ConfigError ? error.key : 'other';
    }
    return undefined;
  };
  t.equal(code({ type: 'udp', host: 'x' }), 'clients.gw.probe.type');
  t.equal(code({ host: 'x' }), 'clients.gw.probe.type');
  t.equal(code({ type: 'tcp', host: 'x' }), 'clients.gw.probe.port', 'tcp needs a port');
  t.equal(code({ type: 'icmp', host: 'a b' }), 'clients.gw.probe.host');
  t.equal(code({ type: 'icmp', host: '-f' }), 'clients.gw.probe.host', 'a host cannot pass as an option of ping');
  t.equal(code({ type: 'icmp', host: 'x', interval: 1, timeout: 2 }), 'clients.gw.probe.timeout');
  t.equal(code({ type: 'icmp', host: 'x', failure_threshold: 0 }), 'clients.gw.probe.failure_threshold');
  t.equal(code({ type: 'icmp', host: 'x', count: 3 }), 'clients.gw.probe.count');
  t.match(validateProbe({ type: 'tcp', host: '127.0.0.1', port: 22 }, 'p'), { intervalMs: 30_000, timeoutMs: 2000, failureThreshold: 3 });
});

t.test('a client with a probe and no key is a probed client', async (t) => {
  const config = validateServerConfig({ client_log_dir: '/tmp/x', clients: { gw: { probe: { type: 'icmp', host: '127.0.0.1' } } } }, '/tmp/s.json', {});
  t.equal(config.clients[0]!.kind, 'probe');
});

t.test('a TCP probe connects to a listening loopback port and fails on a closed one', async (t) => {
  const listener = createServer((socket) => socket.destroy());
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const { port } = listener.address() as AddressInfo;
  const ok = await tcpProbe('127.0.0.1', port, 1000);
  t.match(ok, { ok: true, error: null });
  t.ok(ok.rttMs !== null && ok.rttMs >= 0, 'with a round-trip time');
  await new Promise<void>((r) => listener.close(() => r()));
  t.match(await tcpProbe('127.0.0.1', port, 1000), { ok: false, rttMs: null, error: 'ECONNREFUSED' });
});

t.test('an ICMP probe of loopback answers with a time from the system ping', { skip: missingProgram('ping') }, async (t) => {
  const result = await icmpProbe('127.0.0.1', 1000);
  t.ok(result.ok, `ping works without a shell (${result.error})`);
  t.type(result.rttMs, 'number');
});

t.test('a missing ping program is named in the error', async (t) => {
  t.match(await icmpProbe('127.0.0.1', 1000, 'netmonitor-no-such-ping'), { ok: false, error: /not installed/ });
});

t.test('a probed TCP client goes down after the threshold and up on the next success, with its times logged', async (t) => {
  const listener = createServer((socket) => socket.destroy());
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const { port } = listener.address() as AddressInfo;
  const { server, logDir } = await startInProcessServer({
    clients: { web: { probe: { type: 'tcp', host: '127.0.0.1', port, interval: 0.2, timeout: 0.15, failure_threshold: 2, stats_interval: 0.5 } } },
  });
  t.teardown(() => server.stop());
  await until(() => server.clientState('web')?.status === 'up', 5000, 'up');
  await new Promise<void>((r) => listener.close(() => r()));
  await until(() => server.clientState('web')?.status === 'down', 5000, 'down');
  await new Promise<void>((r) => listener.listen(port, '127.0.0.1', r));
  t.teardown(() => listener.close());
  await until(() => server.clientState('web')?.status === 'up', 5000, 'up again');
  const route = server.routes.match('GET', '/api/v1/probes.csv');
  t.ok(route.route !== null, 'the CSV export is a route');
  if (route.route !== null) {
    const reply = await route.route.handle({ method: 'GET', path: '/api/v1/probes.csv', query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0), remoteAddress: '127.0.0.1' }, {});
    t.match(String(reply.text), /^timestamp,client,status,response_time_ms\r\n.*,web,up,[\d.]+\r\n/s);
    t.match(String(reply.text), /,web,down,\r\n/);
  }
  await server.stop();
  const records = readLog(join(logDir, 'web.nmlog'));
  t.match(records.find((r) => r.type === 'down'), { reason: /probe of 127\.0\.0\.1: 2 probe\(s\) in a row failed: ECONNREFUSED/ });
  t.ok(records.some((r) => r.type === 'rtt' && typeof r.count === 'number'), 'round-trip summaries are in the log');
});

const noNamespaces = namespacesUnavailable();
t.test('an ICMP probe sees a namespace that the test made go down and come back', { skip: missingProgram('ping', 'ip') || (noNamespaces ?? false) }, async (t) => {
  const ns = createNamespace();
  t.teardown(() => ns.remove());
  t.ok((await icmpProbe(ns.inside, 1000)).ok, 'the namespace answers');
  const { server } = await startInProcessServer({
    clients: { gw: { probe: { type: 'icmp', host: ns.inside, interval: 1.2, timeout: 1, failure_threshold: 2 } } },
  });
  t.teardown(() => server.stop());
  await until(() => server.clientState('gw')?.status === 'up', 5000, 'up');
  ns.setLink(false);
  await until(() => server.clientState('gw')?.status === 'down', 10_000, 'down');
  t.pass('two lost echoes in a row made it down');
  ns.setLink(true);
  await until(() => server.clientState('gw')?.status === 'up', 10_000, 'up again');
  t.pass('one answer made it up');
});
