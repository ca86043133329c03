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

export async function saveState(dir: string, sensors: Iterable<[string, SavedSensor]>): Promise<void> {
  // fromEntries defines own properties, so an id such as `__proto__` is saved like any other.
  const entries = Object.fromEntries([...sensors].map(([id, s]) => [id, [s.boot, s.seq, s.lastHeard]]));
  await writeFileAtomic(join(dir, STATE_FILE), JSON.stringify({ version: 1, saved: new Date().toISOString(), sensors: entries }));
}
