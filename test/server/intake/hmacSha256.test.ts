import t from 'tap';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { HmacKeys } from '../../../server/intake/hmacSha256.js';
import { hmacIs } from '../../helpers.js';

const reference = (key: Uint8Array, message: Uint8Array): Buffer => createHmac('sha256', key).update(message).digest();

t.test('the HMAC equals node:crypto for any 32-byte key and any message up to 300 bytes', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (key, message) => {
      const keys = new HmacKeys();
      const slot = keys.add(key);
      return hmacIs(keys, slot, message, reference(key, message));
    }),
    { numRuns: 2000 },
  );
  t.pass('no counterexample');
});

t.test('every message length around the block boundaries hashes like node:crypto', async (t) => {
  const keys = new HmacKeys();
  const key = Buffer.alloc(32, 0x5a);
  const slot = keys.add(key);
  const mismatches: number[] = [];
  for (let length = 0; length <= 260; length++) {
    const message = Buffer.alloc(length, 0x41 + (length % 26));
    if (!hmacIs(keys, slot, message, reference(key, message))) mismatches.push(length);
  }
  t.same(mismatches, [], 'lengths where the two differ');
});

t.test('many keys keep their own states as the table grows', async (t) => {
  const keys = new HmacKeys();
  const all = Array.from({ length: 1000 }, (_, i) => Buffer.alloc(32, i % 256).fill(i >> 8, 0, 1));
  const slots = all.map((key) => keys.add(key));
  t.equal(keys.size, 1000);
  const message = Buffer.from('NM1 home-gw 1 2 PING 4160.97 30');
  const wrong = slots.filter((slot, i) => !hmacIs(keys, slot, message, reference(all[i]!, message)));
  t.same(wrong, []);
});

t.test('a part of a buffer is hashed, not the whole buffer', async (t) => {
  const keys = new HmacKeys();
  const key = Buffer.alloc(32, 7);
  const data = Buffer.from('xxNM1 home-gw 1 2 PING - 30yy');
  t.ok(hmacIs(keys, keys.add(key), data, reference(key, data.subarray(2, -2)), 2, data.length - 2));
});

t.test('hexPrefixMatches accepts the right 16-byte prefix in hex and refuses any one changed digit', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 223 }), fc.nat(31), fc.nat(15), (key, message, digit, change) => {
      const keys = new HmacKeys();
      const slot = keys.add(key);
      const hex = Buffer.from(reference(key, message).subarray(0, 16).toString('hex'), 'latin1');
      if (!keys.hexPrefixMatches(slot, message, 0, message.length, hex, 0, 16)) return false;
      const forged = Buffer.from(hex);
      const replacement = '0123456789abcdef'.charCodeAt(change);
      if (forged[digit] === replacement) return true;
      forged[digit] = replacement;
      return !keys.hexPrefixMatches(slot, message, 0, message.length, forged, 0, 16);
    }),
    { numRuns: 2000 },
  );
  t.pass('no counterexample');
});

t.test('a key of any other length than 32 bytes is refused rather than hashed wrongly', async (t) => {
  for (const length of [0, 16, 31, 33, 64]) t.throws(() => new HmacKeys().add(Buffer.alloc(length)), RangeError, `${length} bytes`);
});

t.test('room made in advance keeps the keys already added', async (t) => {
  const keys = new HmacKeys();
  const first = keys.add(Buffer.alloc(32, 1));
  keys.reserve(5000);
  const second = keys.add(Buffer.alloc(32, 2));
  const message = Buffer.from('NM1 home-gw 1 2 PING - 30');
  t.ok(hmacIs(keys, first, message, reference(Buffer.alloc(32, 1), message)));
  t.ok(hmacIs(keys, second, message, reference(Buffer.alloc(32, 2), message)));
});
