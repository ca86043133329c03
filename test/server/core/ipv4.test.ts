import t from 'tap';
import fc from 'fast-check';
import { isIPv4 } from 'node:net';
import { formatIpv4, packIpv4 } from '../../../server/core/ipv4.js';

t.test('every dotted quad packs into a number that formats back to the same text', async (t) => {
  fc.assert(fc.property(fc.ipV4(), (address) => formatIpv4(packIpv4(address)) === address && packIpv4(address) >= 0));
  t.equal(packIpv4('255.255.255.255'), 0xffffffff, 'the highest address is unsigned');
  t.equal(packIpv4('0.0.0.0'), 0);
  t.equal(packIpv4('192.0.2.7'), (192 << 24 >>> 0) + (2 << 8) + 7);
});

t.test('anything that is not a canonical dotted quad is refused with -1', async (t) => {
  for (const text of ['', '1.2.3', '1.2.3.4.5', '1.2.3.256', '01.2.3.4', '1..3.4', '.1.2.3', '1.2.3.', '::1', '::ffff:1.2.3.4', 'localhost', '1.2.3.4 ', '1.2.3.-4']) {
    t.equal(packIpv4(text), -1, JSON.stringify(text));
  }
  fc.assert(fc.property(fc.oneof(fc.ipV6(), fc.string(), fc.ipV4Extended()), (text) => {
    const packed = packIpv4(text);
    // Whatever packs is a real IPv4 address and comes back exactly as it was written.
    return packed === -1 || (isIPv4(text) && formatIpv4(packed) === text);
  }));
});
