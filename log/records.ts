/**
 * Every record netmonitor writes, and the line format of its logs (docs/log-format.md):
 *
 *     <crc32 of the JSON, 8 lowercase hex digits> <one JSON object>\n
 *
 * The checksum makes each line self-checking: a line torn by a crash mid-write, or damaged
 * later, fails it and is skipped (and counted) on read instead of being misread.
 *
 * FIELDS is the one list of record types and their fields: the written types (LogRecord)
 * and the read ones (ReadRecord) are derived from it, and decodeLine() checks a line
 * against it, so no reader checks a field's type by hand. A line that passes the checksum:
 *  - without a string `type` and `at` is not a record (counted as damaged);
 *  - of a type (or `healing`/`librenms` phase) not listed here is an UnknownRecord: it counts
 *    as a record and its `at` as a time the client was logged, and no reader acts on it
 *    (a newer version's record, read by an older one);
 *  - with a listed field missing or of the wrong type reads that field as null and the rest
 *    of the record as written: every reader treated such a field as absent before the union
 *    existed, and logs written before a field was added must read as they always did.
 */
import { crc32 } from 'node:zlib';
import { link, splitChain, withChain } from './chain.js';

/** What a field holds. `?`: the field is left out when it does not apply. */
type Kind = 'string' | 'number' | 'boolean' | 'string|null' | 'number|null' | 'string?' | 'strings?';

/** The fields of each record type; `healing` and `librenms` records have one entry per `phase`. */
export const FIELDS = {
  up: { id: 'string', channels: 'strings?', last_up: 'string|null', outage_s: 'number|null', first: 'boolean', boot: 'number|null', interval: 'number|null', addr: 'string' },
  down: { id: 'string', channels: 'strings?', last_up: 'string|null', down_interval_s: 'number', interval: 'number|null', boot: 'number|null', reason: 'string?' },
  boot: { boot: 'number|null', uptime: 'number|null', interval: 'number|null', addr: 'string' },
  addr: { addr: 'string', previous: 'string' },
  reminder: { id: 'string', down: 'string', n: 'number', last_up: 'string|null', channels: 'strings?' },
  ack: { down: 'string', by: 'string' },
  delivered: { ref: 'string', channel: 'string', via: 'string?' },
  undeliverable: { ref: 'string', channel: 'string', error: 'string' },
  withheld: { ref: 'string', channel: 'string', why: 'string' },
  quality: { from: 'string', expected: 'number', heard: 'number', lost: 'number', jitter_ms: 'number|null', jitter_max_ms: 'number|null' },
  rtt: { from: 'string', count: 'number', lost: 'number', min_ms: 'number|null', avg_ms: 'number|null', max_ms: 'number|null' },
  'healing/attempt': { down: 'string', attempt: 'number', of: 'number' },
  'healing/step': {
    down: 'string', attempt: 'number', step: 'number', kind: 'string', what: 'string', ok: 'boolean', code: 'string', status: 'number|null', output: 'string', error: 'string?',
  },
  'healing/attempt-end': { down: 'string', attempt: 'number' },
  'healing/gave-up': { down: 'string', attempts: 'number' },
  'healing/reset': { down: 'string|null', attempts: 'number' },
  'librenms/unsupervised': { device_id: 'number', hostname: 'string', ip: 'string', original_ip: 'string' },
  'librenms/poll': { device_id: 'number', hostname: 'string', ok: 'boolean', code: 'string', status: 'number|null', output: 'string' },
  'librenms/still-down': { device_id: 'number', hostname: 'string', port_id: 'number', if_oper_status: 'string', next_check_s: 'number' },
  'librenms/recovered': { device_id: 'number', hostname: 'string', port_id: 'number', if_oper_status: 'string', restored_ip: 'string' },
  'librenms/api-error': { device_id: 'number', hostname: 'string', error: 'string', retry_s: 'number' },
  maintenance: { id: 'string', from: 'string', until: 'string', clients: 'strings?', reason: 'string?' },
  start: { pid: 'number', version: 'string' },
  alive: {},
  stop: {},
} as const satisfies Record<string, Record<string, Kind>>;

type Name = keyof typeof FIELDS;
type ValueOf<K> = K extends 'string' | 'string?' ? string : K extends 'strings?' ? string[] : K extends 'number' ? number : K extends 'boolean' ? boolean : K extends 'string|null' ? string | null : number | null;
type Head<N> = N extends `${infer T}/${infer P}` ? { type: T; at: string; phase: P } : { type: N; at: string };
type Fields<F> = { -readonly [K in keyof F as F[K] extends `${string}?` ? never : K]: ValueOf<F[K]> } & { -readonly [K in keyof F as F[K] extends `${string}?` ? K : never]?: ValueOf<F[K]> };
/** As read: any field may be null (missing or of the wrong type on disk). */
type Lenient<F> = { -readonly [K in keyof F as F[K] extends `${string}?` ? never : K]: ValueOf<F[K]> | null } & { -readonly [K in keyof F as F[K] extends `${string}?` ? K : never]?: ValueOf<F[K]> | null };

type Written<N extends Name> = Head<N> & Fields<(typeof FIELDS)[N]>;
type Read<N extends Name> = Head<N> & Lenient<(typeof FIELDS)[N]>;
type Each<T> = { [N in Name]: T extends 'written' ? Written<N> : Read<N> }[Name];

/** A record as netmonitor writes it. */
export type LogRecord = Each<'written'>;
export type RecordType = LogRecord['type'];
/** One member of the union, by type: `RecordOf<'up'>`. */
export type RecordOf<T extends RecordType> = Extract<LogRecord, { type: T }>;

/** A record of a type (or phase) this version does not know; `name` is the type it gave. */
export interface UnknownRecord {
  type: 'unknown';
  at: string;
  name: string;
}

/** A record as a log gives it back. */
export type ReadRecord = Each<'read'> | UnknownRecord;
export type ReadRecordOf<T extends ReadRecord['type']> = Extract<ReadRecord, { type: T }>;

/** A line holding `json` as it is: its CRC, the JSON, a newline. */
export function lineOf(json: string): string {
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** An unchained line, as logs were written before the hash chain (tests and tools write these). */
export function encodeLine(record: LogRecord): string {
  return lineOf(JSON.stringify(record));
}

/** The line of a record's JSON chained after `prev` (log/chain.ts), and its chain value. */
export function chainedLine(json: string, prev: string): { text: string; chain: string } {
  const chain = link(prev, json);
  return { text: lineOf(withChain(json, chain)), chain };
}

/** A readable line: its record, the record's JSON without the chain field, and its chain value (null: unchained). */
export interface DecodedLine {
  record: ReadRecord;
  json: string;
  chain: string | null;
}

/** The record a line holds, or null when the line is torn, damaged or not a record. */
export function decodeLine(line: string): ReadRecord | null {
  return decodeLineParts(line)?.record ?? null;
}

/** decodeLine(), with what the chain check needs; the `chain` field is not part of the record. */
export function decodeLineParts(line: string): DecodedLine | null {
  if (line.length < 11 || line[8] !== ' ') return null;
  const text = line.endsWith('\r') ? line.slice(9, -1) : line.slice(9);
  const checksum = Number.parseInt(line.slice(0, 8), 16);
  if (!/^[0-9a-f]{8}$/.test(line.slice(0, 8)) || crc32(text) !== checksum) return null;
  const { json, chain } = splitChain(text);
  let record: unknown;
  try {
    record = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return null;
  const read = checked(record as Record<string, unknown>);
  return read === null ? null : { record: read, json, chain };
}

const hasPhases = (type: string): boolean => type === 'healing' || type === 'librenms';
/** FIELDS as lists, made once: checking a record walks its list and allocates nothing per field. */
const CHECKS: ReadonlyMap<string, ReadonlyArray<readonly [string, Kind]>> = new Map(Object.entries(FIELDS).map(([name, fields]) => [name, Object.entries(fields)]));

/** The typed record of a parsed line, its bad fields set to null in place (see the module comment). */
function checked(record: Record<string, unknown>): ReadRecord | null {
  const { type, at, phase } = record;
  if (typeof type !== 'string' || typeof at !== 'string') return null;
  const name = hasPhases(type) ? `${type}/${typeof phase === 'string' ? phase : ''}` : type;
  const fields = CHECKS.get(name);
  if (fields === undefined) return { type: 'unknown', at, name: type };
  for (let i = 0; i < fields.length; i++) {
    const [key, kind] = fields[i]!;
    const value = record[key];
    if (value === undefined && (kind === 'string?' || kind === 'strings?')) continue;
    if (!fits(value, kind)) record[key] = null;
  }
  return record as ReadRecord;
}

function fits(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'string':
    case 'string?':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string|null':
      return value === null || typeof value === 'string';
    case 'number|null':
      return value === null || typeof value === 'number';
    case 'strings?':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
  }
}

/** A record's time field (`at`, `last_up`, `from`) in ms since the epoch; null when absent or not a time. */
export function timeOf(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const ms = Date.parse(value);
  // A time before 1970 or past year 9999 is nonsense with a valid checksum: read as unknown.
  return Number.isNaN(ms) || ms < 0 || ms > LAST_TIME_MS ? null : ms;
}

/** The last instant a record's time may name (docs/log-format.md). */
export const LAST_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The ISO 8601 UTC form every record's times are written in. */
export function iso(ms: number): string {
  // Formatted by hand (toISOString was a tenth of the server's time in a burst of BOOTs:
  // two records a datagram, each with one or two times; `npm run bench -- isoTime`).
  // Anything outside years 1970 to 9999, or not a whole millisecond, goes to toISOString.
  if (!(ms >= 0 && ms <= LAST_TIME_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  const msOfDay = ms - days * DAY_MS;
  const seconds = Math.floor(msOfDay / 1000);
  const milli = msOfDay - seconds * 1000;
  return `${dayPrefix(days)}${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));

/** `YYYY-MM-DDT` of the day `days` after 1970-01-01 (the proleptic Gregorian calendar's civil date of a day number). */
function dayPrefix(days: number): string {
  const z = days + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T`;
}
