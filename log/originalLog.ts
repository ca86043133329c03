/**
 * The original netmonitor's logs: `<address>.json`, one JSON array of
 * `{"state", "last_up", "now"}` entries, times in Unix seconds (floats). It rewrote the whole
 * file on every transition, not atomically, so a file may be cut short: what can still be
 * read is used and the rest counted as damaged.
 *
 * Outages are the ones the original's own report gave: from the `last_up` of a `down`
 * entry to the `last_up` of the next `up` entry (the first heartbeat after the silence).
 */
import { openLogFile } from './reader.js';
import { newHistory, type ClientHistory, type RawOutage } from './history.js';

export interface OriginalEntry {
  state: string;
  lastUp: number | null;
  now: number | null;
}

const seconds = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value * 1000 : null);

function entryOf(value: unknown): OriginalEntry | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { state, last_up: lastUp, now } = value as Record<string, unknown>;
  if (typeof state !== 'string') return null;
  return { state: state.toLowerCase(), lastUp: seconds(lastUp), now: seconds(now) };
}

/** The entries of a file's text, and how many could not be read. */
export function parseOriginalLog(text: string): { entries: OriginalEntry[]; corrupt: number } {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    whole = undefined;
  }
  const pieces: unknown[] = [];
  let corrupt = 0;
  if (Array.isArray(whole)) pieces.push(...whole);
  else {
    // Salvage a cut-short or damaged array: each entry is a flat object, read one by one.
    for (const match of text.matchAll(/\{[^{}]*\}?/g)) {
      try {
        pieces.push(JSON.parse(match[0]));
      } catch {
        corrupt++;
      }
    }
    if (pieces.length === 0 && corrupt === 0 && text.trim() !== '') corrupt++;
  }
  const entries: OriginalEntry[] = [];
  for (const piece of pieces) {
    const entry = entryOf(piece);
    if (entry === null) corrupt++;
    else entries.push(entry);
  }
  return { entries, corrupt };
}

/** Pure: the history the entries describe. */
export function originalHistory(client: string, entries: readonly OriginalEntry[], corrupt: number): ClientHistory {
  const history = newHistory(client, 'original');
  history.corrupt = corrupt;
  let open: RawOutage | null = null;
  for (const entry of entries) {
    history.records++;
    const seen = entry.lastUp ?? entry.now;
    if (seen !== null && (history.firstSeen === null || seen < history.firstSeen)) history.firstSeen = seen;
    if (entry.state === 'down' && entry.lastUp !== null) {
      // A later down replaces an earlier one: the original measured from the preceding down.
      open = { start: entry.lastUp, end: null, startBoot: null, endBoot: null, startIntervalS: null, endIntervalS: null, bootEvidence: null, endInferred: false, failure: null };
    } else if (entry.state === 'up' && open !== null && entry.lastUp !== null) {
      open.end = entry.lastUp;
      history.outages.push(open);
      open = null;
    }
  }
  if (open !== null) history.outages.push(open);
  return history;
}

export async function readOriginalLog(client: string, path: string): Promise<ClientHistory> {
  // Only a regular file (ENOTREG otherwise): a FIFO named like a log would hang readFile.
  const file = await openLogFile(path);
  let text: string;
  try {
    text = await file.readFile('utf8');
  } finally {
    await file.close().catch(() => undefined);
  }
  const { entries, corrupt } = parseOriginalLog(text);
  return originalHistory(client, entries, corrupt);
}
