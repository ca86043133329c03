import t from 'tap';
import { acceptDatagram, ClientDirectory, normalizeAddress } from '../../../server/intake/acceptance.js';
import type { ClientState } from '../../../server/core/monitor.js';
import { HmacKeys } from '../../../server/intake/hmacSha256.js';
import type { ReplayWindows } from '../../../server/intake/replay.js';
import { encode, type Heartbeat } from '../../../shared/nm1.js';

const KEY = Buffer.alloc(32, 0x11);
const OTHER_KEY = Buffer.alloc(32, 0x22);
const LEGACY_ADDRESS = '203.0.113.7';

function setUp(): { directory: ClientDirectory; gw: ClientState; legacy: ClientState } {
  const keys = new HmacKeys();
  const directory = new ClientDirectory(keys);
  const gw = directory.add('home-gw', 180_000, keys.add(KEY));
  const legacy = directory.add(LEGACY_ADDRESS, 180_000, -1, true);
  return { directory, gw, legacy };
}

const beat = (fields: Partial<Heartbeat> = {}): Heartbeat => ({ sensor: 'home-gw', boot: 3, seq: 0, type: 'BOOT', uptime: 12.5, interval: 30, ...fields });
/**
 * A sensor's whole replay window, seen bits included. The directory keeps its windows to itself
 * (the server only saves boot and highest seq); this test reads them to check that nothing changed.
 */
const windowOf = (directory: ClientDirectory, client: ClientState) =>
  client.keySlot < 0 ? null : (directory as unknown as { windows: ReplayWindows }).windows.get(client.keySlot);
/** A client's state and replay window, for checking that nothing changed. */
const snapshotIn = (directory: ClientDirectory) => (client: ClientState): string =>
  JSON.stringify({
    status: client.status, lastHeard: client.lastHeard, addr: client.addr, boot: client.boot, sensorInterval: client.sensorInterval,
    lastUpBeforeOutage: client.lastUpBeforeOutage, window: windowOf(directory, client),
  });

t.test('a legacy PING from a configured legacy address is accepted and named by that address', async (t) => {
  const { directory, legacy } = setUp();
  const verdict = acceptDatagram(directory, Buffer.from('PING'), LEGACY_ADDRESS);
  t.match(verdict, { ok: true, beat: { type: 'PING', boot: null, interval: null, addr: LEGACY_ADDRESS } });
  t.equal(verdict.ok && verdict.client, legacy);
  t.equal(legacy.id, LEGACY_ADDRESS);
});

t.test("a legacy BOOT with /proc/uptime's contents is accepted with the uptime from a legacy address", async (t) => {
  const { directory } = setUp();
  t.match(acceptDatagram(directory, Buffer.from('BOOT2468.38 4849.55\n'), LEGACY_ADDRESS), { ok: true, beat: { type: 'BOOT', uptime: 2468.38 } });
});

t.test('legacy datagrams from any other address are refused as legacy-unlisted, with or without legacy clients', async (t) => {
  const { directory } = setUp();
  const none = new ClientDirectory(new HmacKeys());
  for (const text of ['PING', 'PING\n', 'BOOT2468.38 4849.55\n']) {
    t.same(acceptDatagram(directory, Buffer.from(text), '203.0.113.8'), { ok: false, reason: 'legacy-unlisted' }, JSON.stringify(text));
    t.same(acceptDatagram(none, Buffer.from(text), '203.0.113.8'), { ok: false, reason: 'legacy-unlisted' }, `${JSON.stringify(text)}, no legacy client`);
  }
  t.match(acceptDatagram(none, Buffer.from('PONG'), '203.0.113.8'), { ok: false, reason: 'malformed' }, 'other junk is still malformed');
  t.match(acceptDatagram(none, Buffer.alloc(300, 0x41), '203.0.113.8'), { ok: false, reason: 'too-long' });
});

t.test('garbage from a legacy address is refused as malformed', async (t) => {
  const { directory } = setUp();
  t.same(acceptDatagram(directory, Buffer.from('HELLO'), LEGACY_ADDRESS), { ok: false, reason: 'malformed' });
});

t.test('an NM1 datagram from a known sensor is accepted with its fields', async (t) => {
  const { directory, gw } = setUp();
  const verdict = acceptDatagram(directory, encode(beat(), KEY), '192.0.2.1');
  t.match(verdict, { ok: true, beat: { type: 'BOOT', boot: 3, uptime: 12.5, interval: 30, addr: '192.0.2.1' } });
  t.equal(verdict.ok && verdict.client.row, gw.row, 'the state of the sensor that sent it');
});

t.test('a datagram from an unknown sensor is refused and changes no client', async (t) => {
  const { directory, gw, legacy } = setUp();
  const snapshot = snapshotIn(directory);
  const before = [snapshot(gw), snapshot(legacy)];
  t.same(acceptDatagram(directory, encode(beat({ sensor: 'stranger' }), KEY), '192.0.2.1'), { ok: false, reason: 'unknown-sensor' });
  t.same([snapshot(gw), snapshot(legacy)], before);
});

t.test('a datagram with a bad MAC is refused and changes no client state, not even the replay window', async (t) => {
  const { directory, gw } = setUp();
  const snapshot = snapshotIn(directory);
  const before = snapshot(gw);
  const forged = encode(beat({ boot: 99, seq: 5 }), OTHER_KEY);
  t.same(acceptDatagram(directory, forged, '192.0.2.1'), { ok: false, reason: 'bad-mac' });
  t.equal(snapshot(gw), before, 'untouched before any real datagram');
  t.ok(acceptDatagram(directory, encode(beat({ boot: 3, seq: 0 }), KEY), '192.0.2.1').ok, 'the real sensor is still accepted at a lower boot');
  const afterReal = snapshot(gw);
  t.same(acceptDatagram(directory, forged, '192.0.2.1'), { ok: false, reason: 'bad-mac' });
  t.equal(snapshot(gw), afterReal, 'untouched after');
});

t.test('a datagram whose signed part was changed fails the MAC', async (t) => {
  const { directory } = setUp();
  const tampered = Buffer.from(encode(beat({ seq: 1 }), KEY).toString('latin1').replace(' 1 BOOT ', ' 2 BOOT '), 'latin1');
  t.same(acceptDatagram(directory, tampered, '192.0.2.1'), { ok: false, reason: 'bad-mac' });
});

t.test('a replayed datagram is refused with replay', async (t) => {
  const { directory } = setUp();
  const datagram = encode(beat({ seq: 4 }), KEY);
  t.ok(acceptDatagram(directory, datagram, '192.0.2.1').ok);
  t.same(acceptDatagram(directory, datagram, '198.51.100.1'), { ok: false, reason: 'replay' });
});

t.test('a datagram from an older boot is refused with replay', async (t) => {
  const { directory } = setUp();
  t.ok(acceptDatagram(directory, encode(beat({ boot: 5, seq: 0 }), KEY), '192.0.2.1').ok);
  t.same(acceptDatagram(directory, encode(beat({ boot: 4, seq: 100 }), KEY), '192.0.2.1'), { ok: false, reason: 'replay' });
});

t.test('an IPv4-mapped IPv6 source address is unwrapped, other addresses are kept', async (t) => {
  t.equal(normalizeAddress('::ffff:203.0.113.7'), '203.0.113.7');
  t.equal(normalizeAddress('2001:db8::1'), '2001:db8::1');
  t.equal(normalizeAddress('::ffff:1'), '::ffff:1');
  t.equal(normalizeAddress('192.0.2.1'), '192.0.2.1');
});
