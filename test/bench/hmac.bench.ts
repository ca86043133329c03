/**
 * `npm run bench -- hmac`: the server's own HMAC-SHA-256 (server/intake/hmacSha256.ts)
 * against node:crypto's createHmac, checking the MAC of a real 70-byte NM1 datagram. That
 * file exists because createHmac was the largest single cost per datagram; this table is
 * the reason, measured. Both check the same datagrams with keys from a table of 10,000, and
 * both results are compared so that neither can be optimised away.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HmacKeys } from '../../server/intake/hmacSha256.js';
import { encode, MAC_HEX_LENGTH } from '../../shared/nm1.js';
import { msPerSyncCall, QUICK } from './timing.js';

const KEYS = 10_000;
const CALLS = QUICK ? 100_000 : 500_000;
const ROUNDS = QUICK ? 3 : 7;

export async function run(): Promise<void> {
  const keys = new HmacKeys();
  const raw: Buffer[] = [];
  for (let i = 0; i < KEYS; i++) {
    const key = randomBytes(32);
    raw.push(key);
    keys.add(key);
  }
  const datagrams = raw.slice(0, 1000).map((key, i) => encode({ sensor: `gw-${String(i).padStart(5, '0')}`, boot: 3, seq: 1000 + i, type: 'PING', uptime: 86_400, interval: 30 }, key));
  const signedEnd = datagrams[0]!.length - MAC_HEX_LENGTH - 1;
  let n = 0;
  let matched = 0;
  const ours = (): void => {
    const i = n++ % datagrams.length;
    const datagram = datagrams[i]!;
    if (keys.hexPrefixMatches(i, datagram, 0, signedEnd, datagram, signedEnd + 1, MAC_HEX_LENGTH / 2)) matched++;
  };
  const node = (): void => {
    const i = n++ % datagrams.length;
    const datagram = datagrams[i]!;
    const mac = createHmac('sha256', raw[i]!).update(datagram.subarray(0, signedEnd)).digest().subarray(0, MAC_HEX_LENGTH / 2);
    if (timingSafeEqual(mac, Buffer.from(datagram.toString('latin1', signedEnd + 1), 'hex'))) matched++;
  };
  const oursMs = msPerSyncCall(ours, CALLS, ROUNDS);
  const nodeMs = msPerSyncCall(node, CALLS, ROUNDS);
  if (matched !== n) throw new Error(`only ${matched} of ${n} MACs matched`);
  console.log(`${datagrams[0]!.length}-byte datagrams, ${KEYS} keys, median of ${ROUNDS} rounds of ${CALLS} checks${QUICK ? ' (quick mode)' : ''}`);
  console.log('\n| MAC check | ns/op | ratio |\n|---|---|---|');
  console.log(`| server/intake/hmacSha256.ts hexPrefixMatches | ${(oursMs * 1e6).toFixed(0)} | 1.00 |`);
  console.log(`| node:crypto createHmac + timingSafeEqual | ${(nodeMs * 1e6).toFixed(0)} | ${(nodeMs / oursMs).toFixed(2)} |`);
}
