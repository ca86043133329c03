/**
 * NM1, the heartbeat datagram (docs/protocol.md). Pure functions over bytes: `encode` for the
 * sensor, `scanDatagram` (shape, in place, allocating nothing) and `parseLegacy` for the
 * server. The server checks shape first, then whether the sensor is known, and only then
 * spends an HMAC on it (server/intake/acceptance.ts), so garbage is cheap.
 */
import { createHmac } from 'node:crypto';

export const MAX_DATAGRAM_BYTES = 256;
export const MAC_HEX_LENGTH = 32;
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER; // 2^53 - 1
export const MAX_INTERVAL_S = 86400;
/** Integer digits of the uptime field: 31,000 years. A longer one is malformed, not a huge number. */
export const MAX_UPTIME_DIGITS = 12;

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
  | 'rate-limited'
  // A PING/BOOT of the original netmonitor from an address that is not a legacy client.
  | 'legacy-unlisted'
  // An authentic CHECK for a new check of a sensor that has max_checks_per_sensor already.
  | 'check-limit';

const SENSOR_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function isSensorId(value: string): boolean {
  return SENSOR_ID.test(value);
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

/** Where a well-formed datagram's fields are; filled in place by scanDatagram. */
export interface Scan {
  /** The sensor id is bytes [4, sensorEnd). */
  sensorEnd: number;
  boot: number;
  seq: number;
  type: DatagramType;
  uptime: number | null;
  interval: number;
  /** The MAC covers bytes [0, signedEnd); its 32 hex digits start at signedEnd + 1. */
  signedEnd: number;
}

export function newScan(): Scan {
  return { sensorEnd: 0, boot: 0, seq: 0, type: 'PING', uptime: null, interval: 0, signedEnd: 0 };
}

const SPACE = 0x20;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const NM1_SPACE = [0x4e, 0x4d, 0x31, SPACE]; // "NM1 "
const BOOT = [0x42, 0x4f, 0x4f, 0x54];
const PING = [0x50, 0x49, 0x4e, 0x47];
const MAX_SENSOR_ID = 64;
const MAX_COUNTER_DIGITS = 16;

const isDigit = (byte: number): boolean => byte >= DIGIT_0 && byte <= DIGIT_9;
const isIdByte = (byte: number): boolean =>
  (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || isDigit(byte) || byte === DOT || byte === 0x5f || byte === 0x2d;
const isMacDigit = (byte: number): boolean => isDigit(byte) || (byte >= 0x61 && byte <= 0x66);

// The scanner keeps its position here between the field readers below; single-threaded.
let at = 0;

/** A canonical counter (no leading zeros, at most 16 digits, at most 2^53 - 1) followed by a space; -1 when not. */
function counterField(datagram: Buffer, end: number): number {
  const start = at;
  let value = 0;
  while (at < end && isDigit(datagram[at]!)) value = value * 10 + (datagram[at++]! - DIGIT_0);
  const digits = at - start;
  if (digits === 0 || digits > MAX_COUNTER_DIGITS || (digits > 1 && datagram[start] === DIGIT_0)) return -1;
  if (value > MAX_COUNTER || datagram[at] !== SPACE || at >= end) return -1;
  at++;
  return value;
}

function literal(datagram: Buffer, bytes: readonly number[]): boolean {
  for (let i = 0; i < bytes.length; i++) if (datagram[at + i] !== bytes[i]) return false;
  at += bytes.length;
  return true;
}

/**
 * `-`, or a canonical whole number of at most MAX_UPTIME_DIGITS digits with up to three
 * decimals, followed by a space; undefined when neither.
 */
function uptimeField(datagram: Buffer, end: number): number | null | undefined {
  if (datagram[at] === 0x2d) {
    at++;
    return datagram[at++] === SPACE && at <= end ? null : undefined;
  }
  const start = at;
  let whole = 0;
  while (at < end && isDigit(datagram[at]!)) whole = whole * 10 + (datagram[at++]! - DIGIT_0);
  const wholeDigits = at - start;
  if (wholeDigits === 0 || wholeDigits > MAX_UPTIME_DIGITS || (wholeDigits > 1 && datagram[start] === DIGIT_0)) return undefined;
  let thousandths = 0;
  if (datagram[at] === DOT && at < end) {
    at++;
    let decimals = 0;
    while (at < end && isDigit(datagram[at]!) && decimals < 3) {
      thousandths += (datagram[at++]! - DIGIT_0) * (decimals === 0 ? 100 : decimals === 1 ? 10 : 1);
      decimals++;
    }
    if (decimals === 0) return undefined;
  }
  if (datagram[at] !== SPACE || at >= end) return undefined;
  // Exact integer over 1000 (below 2^53 with 12 digits): one correctly rounded division, so
  // the same double as Number(text).
  const value = (whole * 1000 + thousandths) / 1000;
  at++;
  return value;
}

/**
 * Step 1 of acceptance, without allocating: length, ASCII and the form of every field, with
 * the fields' values and positions left in `scan`. Returns null for a well-formed datagram,
 * else why it is refused. Never throws. The tolerated trailing `\n` is not part of the line
 * (nor of the MAC input).
 */
export function scanDatagram(datagram: Buffer, scan: Scan): RefusalReason | null {
  let length = datagram.length;
  if (length > 0 && datagram[length - 1] === 0x0a) length -= 1;
  if (length > MAX_DATAGRAM_BYTES) return 'too-long';
  let control = false;
  for (let i = 0; i < length; i++) {
    const byte = datagram[i]!;
    if (byte > 0x7f) return 'not-ascii';
    if (byte < 0x20 || byte === 0x7f) control = true;
  }
  if (control) return 'malformed';
  // The MAC is the last 32 bytes, after a space; everything before is signed.
  const signedEnd = length - MAC_HEX_LENGTH - 1;
  if (signedEnd < 4 || datagram[signedEnd] !== SPACE) return 'malformed';
  for (let i = signedEnd + 1; i < length; i++) if (!isMacDigit(datagram[i]!)) return 'malformed';
  const end = signedEnd + 1; // each field below must end with a space before this
  at = 0;
  if (!literal(datagram, NM1_SPACE)) return 'malformed';
  while (at < end && isIdByte(datagram[at]!)) at++;
  const sensorEnd = at;
  if (sensorEnd === 4 || sensorEnd - 4 > MAX_SENSOR_ID || datagram[at] !== SPACE || at >= end) return 'malformed';
  at++;
  const boot = counterField(datagram, end);
  const seq = boot < 0 ? -1 : counterField(datagram, end);
  if (seq < 0) return 'malformed';
  let type: DatagramType;
  if (literal(datagram, BOOT)) type = 'BOOT';
  else if (literal(datagram, PING)) type = 'PING';
  else return 'malformed';
  if (datagram[at++] !== SPACE || at > end) return 'malformed';
  const uptime = uptimeField(datagram, end);
  if (uptime === undefined) return 'malformed';
  const interval = counterField(datagram, end);
  if (interval < 1 || interval > MAX_INTERVAL_S || at !== end) return 'malformed';
  scan.sensorEnd = sensorEnd;
  scan.boot = boot;
  scan.seq = seq;
  scan.type = type;
  scan.uptime = uptime;
  scan.interval = interval;
  scan.signedEnd = signedEnd;
  return null;
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
