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
import { writeFileAtomic } from '../shared/atomicFile.js';

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

/** Sensors per part of the file: small enough that writing one never stalls the datagrams. */
const SAVE_PART = 2000;

/**
 * Writes the state file from `sensors`, which is read as the file is written (a part at a
 * time, with the event loop free between parts), so each entry is that sensor's state when
 * its part was written. That is all a restart needs: every saved window is one the sensor
 * really passed through, so nothing from after it can be refused and nothing before accepted.
 */
export async function saveState(dir: string, sensors: Iterable<readonly [string, SavedSensor]>): Promise<void> {
  await writeFileAtomic(join(dir, STATE_FILE), stateParts(sensors));
}

/** The file's text a part at a time; each entry is turned into text before the next is read. */
function* stateParts(sensors: Iterable<readonly [string, SavedSensor]>): Iterable<string> {
  yield `{"version":1,"saved":"${new Date().toISOString()}","sensors":{`;
  let part: string[] = [];
  let first = true;
  for (const [id, s] of sensors) {
    part.push(`${JSON.stringify(id)}:[${s.boot},${s.seq},${s.lastHeard}]`);
    if (part.length === SAVE_PART) {
      yield (first ? '' : ',') + part.join(',');
      first = false;
      part = [];
    }
  }
  yield (first || part.length === 0 ? '' : ',') + part.join(',') + '}}';
}
