/**
 * The clients file (`clients_file`): NM1 sensors one per line, for fleets too large to list
 * comfortably in the JSON configuration (docs/configuration.md).
 *
 *     # id        key (64 hex digits)                                              [down interval]
 *     home-gw     3f0c…e1                                                          5m
 *
 * Fields are separated by spaces or tabs; blank lines and lines starting with `#` are
 * skipped. The file is read as bytes, line by line, and each key goes into the key table,
 * so a million sensors cost no JSON document and keep no per-sensor key objects.
 * It holds keys: it is read like any secret file, and errors name the line and the field,
 * never a field's text (with the columns swapped, or a key pasted twice, any field may be
 * a key).
 */
import { readFileSync } from 'node:fs';
import { parseDuration } from '../../shared/duration.js';
import { ConfigError } from '../../shared/errors.js';
import type { HmacKeys } from '../intake/hmacSha256.js';
import { isSensorId, parseKey } from '../../shared/nm1.js';
import type { ClientConfig } from './client.js';
import { clientIdProblem } from './clientId.js';
import { noteSecretFile } from '../../shared/secretFiles.js';

/**
 * The sensors of a clients file, kept compactly: an id and a down interval each, their keys
 * in consecutive slots of the key table. A ClientConfig is made only when one is asked for.
 */
export class SensorFleet {
  private readonly ids: string[] = [];
  /** Down intervals other than the default, by index (most sensors have none). */
  private readonly intervals = new Map<number, number>();

  constructor(readonly firstSlot = 0, private readonly defaultDownMs = 0) {}

  get size(): number {
    return this.ids.length;
  }

  add(id: string, keySlot: number, downIntervalMs: number): void {
    if (keySlot !== this.firstSlot + this.ids.length) throw new Error('fleet keys must take consecutive slots');
    if (downIntervalMs !== this.defaultDownMs) this.intervals.set(this.ids.length, downIntervalMs);
    this.ids.push(id);
  }

  /** The configuration of the sensor whose key is in `keySlot`; undefined for other slots. */
  configAt(keySlot: number): ClientConfig | undefined {
    const index = keySlot - this.firstSlot;
    const id = this.ids[index];
    if (id === undefined) return undefined;
    return { id, kind: 'nm1', legacy: false, keySlot, downIntervalMs: this.intervals.get(index) ?? this.defaultDownMs, settings: null, http: null, supervision: null };
  }

  /** Every sensor's configuration, made as it is read. */
  *configs(): Iterable<ClientConfig> {
    for (let index = 0; index < this.ids.length; index++) yield this.configAt(this.firstSlot + index)!;
  }
}

/** The third field as a down interval; its text is never shown (a key pasted twice lands here). */
function intervalOf(text: string, where: string): number {
  try {
    return parseDuration(text, where);
  } catch {
    throw new ConfigError(where, 'the down interval (third field) must be a duration such as 5m or 90s; it is not shown here');
  }
}

const isBlank = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x09 || byte === 0x0d;

/**
 * Reads the clients file at `path` (`key` names the setting in errors), adding each key to
 * `keys`. `taken` holds the ids configured elsewhere; a repeated id is an error.
 */
export function readClientsFile(path: string, key: string, keys: HmacKeys, defaultDownMs: number, taken: ReadonlySet<string>): SensorFleet {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ConfigError(key, `cannot read the file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  noteSecretFile(path, key);
  const fleet = new SensorFleet(keys.size, defaultDownMs);
  let lines = 1;
  for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, at + 1)) lines++;
  keys.reserve(lines);
  /** The line each id is on, for a repeated one. */
  const seen = new Map<string, number>();
  let line = 0;
  for (let start = 0; start < bytes.length; ) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    line++;
    const where = `${key} line ${line}`;
    // Fields of this line, as [start, end) pairs.
    const fields: number[] = [];
    for (let i = start; i < end; ) {
      while (i < end && isBlank(bytes[i])) i++;
      if (i === end) break;
      const from = i;
      while (i < end && !isBlank(bytes[i])) i++;
      fields.push(from, i);
    }
    start = end + 1;
    if (fields.length === 0 || bytes[fields[0]!] === 0x23) continue; // blank or # comment
    if (fields.length < 4 || fields.length > 6) {
      throw new ConfigError(where, 'must be "<sensor id> <key: 64 hex digits>" and optionally a down interval, separated by spaces');
    }
    // A fresh copy (latin1 decoding makes one), never a slice that would keep the whole file alive.
    const id = bytes.toString('latin1', fields[0], fields[1]);
    if (!isSensorId(id)) throw new ConfigError(where, 'the sensor id (first field) must be 1 to 64 of the characters A-Z a-z 0-9 . _ -');
    const problem = clientIdProblem(id);
    if (problem !== null) throw new ConfigError(where, problem);
    const earlier = seen.get(id);
    if (earlier !== undefined) throw new ConfigError(where, `the sensor id (first field) is also on line ${earlier}`);
    if (taken.has(id)) throw new ConfigError(where, 'the sensor id (first field) is also configured in clients');
    seen.set(id, line);
    const sensorKey = parseKey(bytes.toString('latin1', fields[2], fields[3]));
    if (sensorKey === null) throw new ConfigError(where, 'the key (second field) must be 64 hex digits (32 bytes; `netmonitor keygen` makes one); it is not shown here');
    const downIntervalMs = fields.length === 6 ? intervalOf(bytes.toString('latin1', fields[4], fields[5]), where) : defaultDownMs;
    fleet.add(id, keys.add(sensorKey), downIntervalMs);
  }
  return fleet;
}
