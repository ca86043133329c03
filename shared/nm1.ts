/**
 * NM1, the heartbeat datagram (docs/protocol.md). Pure functions over bytes: `encode` for the
 * sensor, `parseDatagram` + `verifyMac` for the server. The server checks shape first, then
 * whether the sensor is known, and only then spends an HMAC on it, so garbage is cheap.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAX_DATAGRAM_BYTES = 256;
export const MAC_HEX_LENGTH = 32;
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER; // 2^53 - 1
export const MAX_INTERVAL_S = 86400;

export type DatagramType = 'BOOT' | 'PING';

export interface Heartbeat {
  sensor: string;
  boot: number;
  seq: number;
  type: DatagramType;
  /** Host uptime in seconds when sent; null when the sensor could not tell (`-`). */
  uptime: number | null;
  /** The sensor's heartbeat interval in seconds. */
  interval: number;
}

export type RefusalReason =
  | 'too-long'
  | 'not-ascii'
  | 'malformed'
  | 'unknown-sensor'
  | 'bad-mac'
  | 'replay'
  | 'rate-limited';

export type ParseResult =
  | { ok: true; heartbeat: Heartbeat; signed: Buffer; mac: Buffer }
  | { ok: false; reason: RefusalReason };

const SENSOR_ID = /^[A-Za-z0-9._-]{1,64}$/;
const CANONICAL_INT = /^(?:0|[1-9][0-9]{0,15})$/;
const UPTIME = /^(?:0|[1-9][0-9]*)(?:\.[0-9]{1,3})?$/;
const MAC_HEX = /^[0-9a-f]{32}$/;

export function isSensorId(value: string): boolean {
  return SENSOR_ID.test(value);
}

function counter(text: string): number | null {
  if (!CANONICAL_INT.test(text)) return null;
  const value = Number(text);
  return value <= MAX_COUNTER ? value : null;
}

function formatUptime(uptime: number | null): string {
  if (uptime === null) return '-';
  // At most three fraction digits, and no trailing zeros that would be non-canonical noise.
  // toFixed rounds the exact binary value, so 4.35 goes out as "4.35"; flooring uptime * 1000
  // sent "4.349", since 4.35 * 1000 is 4349.999… in binary floating point.
  const fixed = uptime.toFixed(3);
  return fixed.replace(/\.?0+$/, '') || '0';
}

/** Builds the signed datagram a sensor sends. */
export function encode(heartbeat: Heartbeat, key: Buffer): Buffer {
  const body =
    `NM1 ${heartbeat.sensor} ${heartbeat.boot} ${heartbeat.seq} ${heartbeat.type} ` +
    `${formatUptime(heartbeat.uptime)} ${heartbeat.interval}`;
  const mac = computeMac(key, Buffer.from(body, 'ascii'));
  return Buffer.from(`${body} ${mac.toString('hex')}`, 'ascii');
}

export function computeMac(key: Buffer, signed: Buffer): Buffer {
  return createHmac('sha256', key).update(signed).digest().subarray(0, MAC_HEX_LENGTH / 2);
}

/**
 * Step 1 of acceptance: length, ASCII and the form of every field. Never throws.
 * The tolerated trailing `\n` is not part of the line (nor of the MAC input).
 */
export function parseDatagram(datagram: Buffer): ParseResult {
  let length = datagram.length;
  if (length > 0 && datagram[length - 1] === 0x0a) length -= 1;
  if (length > MAX_DATAGRAM_BYTES) return { ok: false, reason: 'too-long' };
  for (let i = 0; i < length; i++) if (datagram[i]! > 0x7f) return { ok: false, reason: 'not-ascii' };
  for (let i = 0; i < length; i++) {
    const byte = datagram[i]!;
    if (byte < 0x20 || byte === 0x7f) return { ok: false, reason: 'malformed' };
  }
  const line = datagram.toString('latin1', 0, length);
  const fields = line.split(' ');
  if (fields.length !== 8) return { ok: false, reason: 'malformed' };
  const [magic, sensor, bootText, seqText, type, uptimeText, intervalText, macText] = fields as [
    string, string, string, string, string, string, string, string,
  ];
  if (magic !== 'NM1' || !SENSOR_ID.test(sensor)) return { ok: false, reason: 'malformed' };
  const boot = counter(bootText);
  const seq = counter(seqText);
  const interval = counter(intervalText);
  if (boot === null || seq === null || interval === null) return { ok: false, reason: 'malformed' };
  if (interval < 1 || interval > MAX_INTERVAL_S) return { ok: false, reason: 'malformed' };
  if (type !== 'BOOT' && type !== 'PING') return { ok: false, reason: 'malformed' };
  let uptime: number | null = null;
  if (uptimeText !== '-') {
    if (!UPTIME.test(uptimeText)) return { ok: false, reason: 'malformed' };
    uptime = Number(uptimeText);
  }
  if (!MAC_HEX.test(macText)) return { ok: false, reason: 'malformed' };
  const signedLength = length - MAC_HEX_LENGTH - 1;
  return {
    ok: true,
    heartbeat: { sensor, boot, seq, type, uptime, interval },
    signed: datagram.subarray(0, signedLength),
    mac: Buffer.from(macText, 'hex'),
  };
}

/** Step 3 of acceptance: the MAC, compared in constant time. */
export function verifyMac(key: Buffer, signed: Buffer, mac: Buffer): boolean {
  const expected = computeMac(key, signed);
  return mac.length === expected.length && timingSafeEqual(mac, expected);
}

export type LegacyDatagram = { type: DatagramType; uptime: number | null };

const LEGACY_BOOT = /^BOOT([0-9]+(?:\.[0-9]+)?)?(?: [0-9]+(?:\.[0-9]+)?)?\n?$/;

/**
 * The original sensor's `PING` and `BOOT<contents of /proc/uptime>`. Only called for source
 * addresses configured as legacy clients; null when the bytes are neither form.
 */
export function parseLegacy(datagram: Buffer): LegacyDatagram | null {
  if (datagram.length > 64) return null;
  const text = datagram.toString('latin1');
  if (text === 'PING' || text === 'PING\n') return { type: 'PING', uptime: null };
  const boot = LEGACY_BOOT.exec(text);
  if (boot === null) return null;
  return { type: 'BOOT', uptime: boot[1] === undefined ? null : Number(boot[1]) };
}

/** Parses a key written as 64 hex digits; null when it is not. */
export function parseKey(hex: unknown): Buffer | null {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hex)) return null;
  return Buffer.from(hex, 'hex');
}
