/**
 * The server's saved state (`@state.json` in the log folder): per NM1 sensor the highest
 * (boot, seq) accepted and the last time it was heard. Saved every few seconds while
 * something changed and at shutdown, atomically (temporary file, fsync, rename, fsync of
 * the folder), so a crash leaves either the old or the new file, never a torn one.
 *
 * This bounds replays across restarts: after a clean stop nothing accepted before can be
 * accepted again; after a crash, only datagrams from the last save period before it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/atomicFile.js';

export const STATE_FILE = '@state.json';
export const STATE_SAVE_PERIOD_MS = 5000;

/** One client's saved state; boot and seq are null for clients without NM1 (legacy, HTTP, probed). */
export interface SavedSensor {
  boot: number | null;
  seq: number | null;
  lastHeard: number | null;
}

export async function loadState(dir: string): Promise<{ sensors: Map<string, SavedSensor>; problem: string | null }> {
  const sensors = new Map<string, SavedSensor>();
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { sensors, problem: code === 'ENOENT' ? null : `cannot read ${STATE_FILE}: ${code}` };
  }
  try {
    const parsed = JSON.parse(text) as { sensors?: Record<string, [unknown, unknown, unknown]> };
    for (const [id, entry] of Object.entries(parsed.sensors ?? {})) {
      if (!Array.isArray(entry)) continue;
      const [boot, seq, lastHeard] = entry;
      const counter = (value: unknown): number | null => (Number.isSafeInteger(value) ? (value as number) : null);
      sensors.set(id, { boot: counter(boot), seq: counter(seq), lastHeard: typeof lastHeard === 'number' ? lastHeard : null });
    }
    return { sensors, problem: null };
  } catch {
    return { sensors, problem: `${STATE_FILE} is damaged; replay windows start fresh from each sensor's next datagram` };
  }
}

/** Bytes per part of the file: small enough that writing one never stalls the datagrams. */
const PART_BYTES = 256 * 1024;
/** Room for one entry: a 64-character id, two 16-digit counters and a time, with punctuation. */
const MAX_ENTRY_BYTES = 1024;

/**
 * Writes the state file from `sensors`, which is read as the file is written (a part at a
 * time, with the event loop free between parts), so each entry is that sensor's state when
 * its part was written. That is all a restart needs: every saved window is one the sensor
 * really passed through, so nothing from after it can be refused and nothing before accepted.
 */
export async function saveState(dir: string, sensors: Iterable<readonly [string, SavedSensor]>): Promise<void> {
  await writeFileAtomic(join(dir, STATE_FILE), stateParts(sensors));
}

const SAFE_ID = /^[A-Za-z0-9._:-]*$/;

/** Writes a number as JSON at `at`; returns the new end. */
function putNumber(buffer: Buffer, at: number, value: number | null): number {
  if (value === null) return at + buffer.write('null', at, 'latin1');
  if (!Number.isSafeInteger(value) || value < 0) return at + buffer.write(JSON.stringify(value), at, 'latin1');
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let i = at + digits - 1; i >= at; i--) {
    buffer[i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  return at + digits;
}

/**
 * The file a part at a time, written straight into one reused buffer: with a million
 * sensors every five seconds, text built as strings would be tens of MB of garbage per save,
 * much of it living long enough (while the part is written) to reach the old generation.
 * Each entry is turned into bytes before the next is read; the buffer is refilled only after
 * writeFileAtomic has written the part before.
 */
function* stateParts(sensors: Iterable<readonly [string, SavedSensor]>): Iterable<Uint8Array> {
  const buffer = Buffer.allocUnsafe(PART_BYTES);
  let at = buffer.write(`{"version":1,"saved":"${new Date().toISOString()}","sensors":{`, 0, 'latin1');
  let first = true;
  for (const [id, s] of sensors) {
    if (at > PART_BYTES - MAX_ENTRY_BYTES) {
      yield buffer.subarray(0, at);
      at = 0;
    }
    if (!first) buffer[at++] = 0x2c; // ,
    first = false;
    // Client ids are sensor ids or IP addresses, which need no escaping in JSON; anything else
    // (never configured, but cheap to be sure of) goes through JSON.stringify.
    if (SAFE_ID.test(id) && id.length <= 64) {
      buffer[at++] = 0x22; // "
      at += buffer.write(id, at, 'latin1');
      buffer[at++] = 0x22;
    } else {
      at += buffer.write(JSON.stringify(id), at, 'latin1');
    }
    buffer[at++] = 0x3a; // :
    buffer[at++] = 0x5b; // [
    at = putNumber(buffer, at, s.boot);
    buffer[at++] = 0x2c;
    at = putNumber(buffer, at, s.seq);
    buffer[at++] = 0x2c;
    at = putNumber(buffer, at, s.lastHeard);
    buffer[at++] = 0x5d; // ]
  }
  at += buffer.write('}}', at, 'latin1');
  yield buffer.subarray(0, at);
}
