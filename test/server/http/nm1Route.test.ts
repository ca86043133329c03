/**
 * `POST /api/v1/nm1` over real HTTP on 127.0.0.1 against a server in this process, with real
 * UDP datagrams on the same server for the cross-transport replays.
 */
import t from 'tap';
import { encode, type Heartbeat } from '../../../shared/nm1.js';
import { sleep, TestSensor } from '../../peers/udp.js';
import { startInProcess, type InProcess } from './peer.js';

const KEY = Buffer.from('ab'.repeat(32), 'hex');

function datagram(fields: Partial<Heartbeat> = {}, key = KEY): Buffer {
  return encode({ sensor: 'home-gw', boot: 1, seq: 0, type: 'BOOT', uptime: 12.5, interval: 30, ...fields }, key);
}

async function post(peer: InProcess, body: Buffer | string): Promise<{ status: number; text: string }> {
  const reply = await fetch(`${peer.base}/api/v1/nm1`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body) });
  return { status: reply.status, text: await reply.text() };
}

function udpPort(peer: InProcess): number {
  return Number(/listening on \S+:(\d+) \(udp\)/.exec(peer.lines.join('\n'))![1]);
}

t.test('an NM1 datagram posted over HTTP is accepted with 204, counted, and brings its client up', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  t.same(await post(peer, datagram()), { status: 204, text: '' });
  t.same(await post(peer, datagram({ seq: 1, type: 'PING' }).toString() + '\n'), { status: 204, text: '' }, 'a final newline is allowed, as over UDP');
  t.equal(peer.server.stats().accepted, 2, 'both are counted as accepted datagrams');
  t.equal(peer.server.clientState('home-gw')?.status, 'up');
  await peer.server.logs.settle();
  t.match(peer.lines.join('\n'), /home-gw is UP \(first heartbeat\)/);
});

t.test('every refusal reason is answered with its status and one word, and counted like a UDP refusal', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const accepted = datagram({ seq: 5 });
  t.equal((await post(peer, accepted)).status, 204);
  const cases: [string, Buffer | string, number, string][] = [
    ['garbage', 'hello', 400, 'malformed'],
    ['an empty body', '', 400, 'malformed'],
    ['a datagram over 256 bytes', `NM1 ${'x'.repeat(300)}`, 400, 'too-long'],
    ['a byte above 127', Buffer.from('NM1 home-gw 1 0 BOOT 1 30 \xe9', 'latin1'), 400, 'not-ascii'],
    ['a sensor id not in clients', encode({ sensor: 'stranger', boot: 1, seq: 0, type: 'BOOT', uptime: 1, interval: 30 }, KEY), 403, 'unknown-sensor'],
    ['a MAC made with another key', datagram({ seq: 6 }, Buffer.alloc(32, 7)), 403, 'bad-mac'],
    ['the accepted datagram again', accepted, 403, 'replay'],
    ['a lower boot counter', datagram({ boot: 0, seq: 9 }), 403, 'replay'],
  ];
  for (const [what, body, status, word] of cases) {
    t.same(await post(peer, body), { status, text: word }, `${what}: ${status} ${word}`);
  }
  t.same(peer.server.stats().refused, { malformed: 2, 'too-long': 1, 'not-ascii': 1, 'unknown-sensor': 1, 'bad-mac': 1, replay: 2 }, 'the same counters as the UDP path');
  t.equal(peer.server.stats().accepted, 1, 'nothing refused was accepted');
  t.match(peer.lines.join('\n'), /refused datagram from 127\.0\.0\.1 \(sensor home-gw\): bad-mac/, 'refusals are logged as UDP ones are');
});

t.test('a datagram accepted over UDP is a replay over HTTP, and one accepted over HTTP is a replay over UDP', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const udp = new TestSensor('home-gw', KEY, udpPort(peer), 3, 30);
  t.teardown(() => udp.close());
  const overUdp = udp.heartbeat('BOOT');
  await udp.send(overUdp);
  for (let i = 0; i < 50 && peer.server.stats().accepted < 1; i++) await sleep(20);
  t.equal(peer.server.stats().accepted, 1, 'the UDP datagram was accepted');
  t.same(await post(peer, overUdp), { status: 403, text: 'replay' }, 'the same datagram over HTTP is a replay');

  const overHttp = udp.heartbeat('PING');
  t.equal((await post(peer, overHttp)).status, 204, 'the next datagram over HTTP is accepted');
  await udp.send(overHttp);
  for (let i = 0; i < 50 && (peer.server.stats().refused.replay ?? 0) < 2; i++) await sleep(20);
  t.same(peer.server.stats().refused, { replay: 2 }, 'the same datagram over UDP is refused as a replay');
  t.equal(peer.server.stats().accepted, 2);
});

t.test('past the listener limit of failed authentications a source gets 429, even with a good datagram', async (t) => {
  const peer = await startInProcess({ http: { auth_failures_per_minute: 3 } });
  t.teardown(() => peer.stop());
  for (let seq = 0; seq < 3; seq++) t.equal((await post(peer, datagram({ seq }, Buffer.alloc(32, 1)))).status, 403, 'a bad MAC is refused');
  const blocked = await fetch(`${peer.base}/api/v1/nm1`, { method: 'POST', body: datagram({ seq: 10 }).toString() });
  t.equal(blocked.status, 429, 'the source is blocked for the rest of the minute');
  t.equal(blocked.headers.get('retry-after'), '60');
  t.equal(await blocked.text(), 'rate-limited');
  t.equal(peer.server.stats().accepted, 0, 'the blocked datagram never reached the intake');
});

t.test("past the server's source_rate_limit datagrams over HTTP get 429, counted as rate-limited", async (t) => {
  const peer = await startInProcess({ extra: { source_rate_limit: 2 } });
  t.teardown(() => peer.stop());
  const statuses: number[] = [];
  for (let seq = 0; seq < 4; seq++) statuses.push((await post(peer, datagram({ seq }))).status);
  t.same(statuses, [204, 204, 429, 429], 'two a second from one source, the same budget UDP datagrams use');
  t.equal(peer.server.stats().refused['rate-limited'], 2);
});

t.test('a body far larger than a datagram is refused with 413 unread', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  t.equal((await post(peer, 'NM1 '.repeat(1000))).status, 413);
  t.same(peer.server.stats().refused, {}, 'not counted as a datagram');
});
