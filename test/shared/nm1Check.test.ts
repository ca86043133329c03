/**
 * The CHECK datagram against its published vectors (test/fixtures/nm1-check-vectors.json,
 * docs/protocol.md "Check results"), and what a server from before the extension makes of it.
 */
import t from 'tap';
import { newScan, scanDatagram } from '../../shared/nm1.js';
import { encodeCheck, parseCheck, wireDetail, type CheckReport } from '../../shared/nm1Check.js';
import { fixture } from '../helpers.js';

interface Vectors {
  key: string;
  valid: { fields: CheckReport; datagram: string }[];
  malformed: { why: string; datagram: string }[];
}
const vectors = fixture<Vectors>('nm1-check-vectors.json');
const key = Buffer.from(vectors.key, 'hex');

t.test('each valid vector is what the sensor encodes, and parses back to its fields', async (t) => {
  for (const vector of vectors.valid) {
    t.equal(encodeCheck(vector.fields, key).toString('latin1'), vector.datagram, vector.fields.check);
    const parsed = parseCheck(Buffer.from(vector.datagram, 'latin1'));
    t.same(parsed?.report, vector.fields, `${vector.fields.check} parses back`);
    t.equal(parseCheck(Buffer.from(`${vector.datagram}\n`, 'latin1'))?.report.seq, vector.fields.seq, 'a final newline is tolerated');
  }
});

t.test('each malformed vector is refused by the parser', async (t) => {
  for (const vector of vectors.malformed) t.equal(parseCheck(Buffer.from(vector.datagram, 'utf8')), null, vector.why);
  t.equal(parseCheck(Buffer.from('NM1 home-gw 12 9 PING 1 30 0123456789abcdef0123456789abcdef')), null, 'a heartbeat is no CHECK');
  t.equal(parseCheck(Buffer.from('')), null, 'nothing is no CHECK');
});

t.test('a server from before the extension refuses every CHECK vector as malformed at the shape step', async (t) => {
  // scanDatagram is the unchanged heartbeat scanner: what an old server runs on every datagram.
  for (const vector of vectors.valid) t.equal(scanDatagram(Buffer.from(vector.datagram, 'latin1'), newScan()), 'malformed', vector.fields.check);
});

t.test('a detail is made printable ASCII and cut to fit 256 bytes', async (t) => {
  t.equal(wireDetail('rogue DHCP server 192.168.1.50 (aa:bb:…)', 100), 'rogue DHCP server 192.168.1.50 (aa:bb:?)');
  t.equal(wireDetail('  ', 10), '-', 'blank is -');
  t.equal(wireDetail('abcdefghij', 5), 'abcd~', 'cut with ~');
  const long = encodeCheck({ sensor: 'x'.repeat(64), boot: 2 ** 53 - 1, seq: 2 ** 53 - 1, check: 'c'.repeat(64), state: 'failed', notify: 'alert', age: 2 ** 53 - 1, detail: 'd'.repeat(400) }, key);
  t.equal(long.length, 256, 'the longest fields with a long detail make exactly 256 bytes');
  t.match(parseCheck(long)?.report.detail, /d~$/, 'and it parses, cut');
});
