/**
 * NM1 acceptance as plain values, for tests: a datagram parsed into its fields and its MAC
 * checked with node:crypto. The server scans in place and checks MACs over its key table
 * (shared/nm1.ts scanDatagram, server/intake/hmacSha256.ts); tests use this form to read what
 * a sensor sent and to compare against the server's way.
 */
import { timingSafeEqual } from 'node:crypto';
import { computeMac, MAC_HEX_LENGTH, newScan, scanDatagram, type Heartbeat, type RefusalReason } from '../../shared/nm1.js';

export type ParseResult =
  | { ok: true; heartbeat: Heartbeat; signed: Buffer; mac: Buffer }
  | { ok: false; reason: RefusalReason };

/** Step 1 of acceptance as a value. */
export function parseDatagram(datagram: Buffer): ParseResult {
  const scan = newScan();
  const reason = scanDatagram(datagram, scan);
  if (reason !== null) return { ok: false, reason };
  const { sensorEnd, boot, seq, type, uptime, interval, signedEnd } = scan;
  return {
    ok: true,
    heartbeat: { sensor: datagram.toString('latin1', 4, sensorEnd), boot, seq, type, uptime, interval },
    signed: datagram.subarray(0, signedEnd),
    mac: Buffer.from(datagram.toString('latin1', signedEnd + 1, signedEnd + 1 + MAC_HEX_LENGTH), 'hex'),
  };
}

/** Step 3 of acceptance: the MAC, compared in constant time. */
export function verifyMac(key: Buffer, signed: Buffer, mac: Buffer): boolean {
  const expected = computeMac(key, signed);
  return mac.length === expected.length && timingSafeEqual(mac, expected);
}
