import t from 'tap';
import { encode, parseLegacy, type Heartbeat } from '../../shared/nm1.js';
import { parseDatagram, verifyMac } from '../peers/nm1Reference.js';
import { acceptDatagram, ClientDirectory } from '../../server/intake/acceptance.js';
import { acceptSequence, newWindow, type ReplayWindow } from '../../server/intake/replay.js';
import { HmacKeys } from '../../server/intake/hmacSha256.js';
import { fixture } from '../helpers.js';

interface Vectors {
  keys: Record<string, string>;
  valid: { datagram_hex: string; fields: Heartbeat }[];
  invalid: { datagram_hex: string; reason: string }[];
  replay: { name: string; steps: { boot: number; seq: number; accept: boolean }[] }[];
}
const vectors = fixture<Vectors>('nm1-vectors.json');

function directory(): ClientDirectory {
  const keys = new HmacKeys();
  const directory = new ClientDirectory(keys);
  for (const [id, hex] of Object.entries(vectors.keys)) directory.add(id, 60_000, keys.add(Buffer.from(hex, 'hex')));
  return directory;
}

t.test('every valid vector is parsed to its fields and its MAC verifies', async (t) => {
  for (const vector of vectors.valid) {
    const bytes = Buffer.from(vector.datagram_hex, 'hex');
    const parsed = parseDatagram(bytes);
    t.ok(parsed.ok, `parses ${bytes.toString('latin1').trim()}`);
    if (!parsed.ok) continue;
    t.same(parsed.heartbeat, vector.fields, 'fields match');
    const key = Buffer.from(vectors.keys[vector.fields.sensor]!, 'hex');
    t.ok(verifyMac(key, parsed.signed, parsed.mac), 'mac verifies');
    const verdict = acceptDatagram(directory(), bytes, '192.0.2.1');
    t.ok(verdict.ok, 'accepted by a server that knows the sensor');
  }
});

t.test('encode reproduces every valid vector byte for byte (without the optional newline)', async (t) => {
  for (const vector of vectors.valid) {
    const key = Buffer.from(vectors.keys[vector.fields.sensor]!, 'hex');
    const expected = Buffer.from(vector.datagram_hex, 'hex').toString('latin1').replace(/\n$/, '');
    t.equal(encode(vector.fields, key).toString('latin1'), expected);
  }
});

t.test('every invalid vector is refused for the reason the reference gives', async (t) => {
  for (const vector of vectors.invalid) {
    const datagram = Buffer.from(vector.datagram_hex, 'hex');
    const verdict = acceptDatagram(directory(), datagram, '192.0.2.1');
    // A malformed NM1 datagram that is an original sensor's PING/BOOT gets the server's finer
    // reason, since 192.0.2.1 is no legacy client.
    const expected = vector.reason === 'malformed' && parseLegacy(datagram) !== null ? 'legacy-unlisted' : vector.reason;
    t.same(verdict, { ok: false, reason: expected }, `vector ${vector.datagram_hex.slice(0, 40)}…`);
  }
});

t.test('the replay window agrees with every replay vector', async (t) => {
  for (const scenario of vectors.replay) {
    let window: ReplayWindow | null = null;
    const results = scenario.steps.map(({ boot, seq }) => {
      if (window === null) {
        window = newWindow(boot, seq);
        return true;
      }
      return acceptSequence(window, boot, seq);
    });
    t.same(results, scenario.steps.map((s) => s.accept), scenario.name);
  }
});
