/**
 * One-off maintenance windows made through the API (`POST /api/v1/maintenance`), kept in
 * `@maintenance.json` in the log folder so they survive a restart. Written atomically and
 * without following a link planted in its place (shared/atomicFile.ts): a crash leaves the
 * old list or the new one. On start each entry is checked with the API's own parser; a bad
 * one is reported and skipped, never fatal. Windows over for a day are dropped when the
 * file is next written: the server log keeps the record of each one that ran.
 */
import { join } from 'node:path';
import { readKeptJson } from './keptJson.js';
import { DateTime } from 'luxon';
import { checkKnownKeys, isObject, optionalLine, type JsonObject } from '../../shared/configCheck.js';
import { ConfigError } from '../../shared/errors.js';
import { parseDuration } from '../../shared/duration.js';
import { writeFileAtomic } from '../../shared/atomicFile.js';
import { iso } from '../../log/records.js';
import { REASON_MAX_CHARS, windowClients, type OneOffWindow } from '../alerts/maintenance/windows.js';

export const MAINTENANCE_FILE = '@maintenance.json';
/** The keys of a POST body. */
export const ONE_OFF_KEYS: readonly string[] = ['from', 'until', 'duration', 'clients', 'reason'];
/** The longest one-off window. */
export const MAX_ONE_OFF_MS = 31 * 86_400_000;
const KEPT_AFTER_END_MS = 86_400_000;

function instant(value: unknown, key: string, zone: string): number {
  const parsed = typeof value === 'string' ? DateTime.fromISO(value, { zone }) : null;
  if (parsed === null || !parsed.isValid) throw new ConfigError(key, 'must be an ISO 8601 time such as "2026-03-29T02:00:00+02:00" (without an offset: in the alert time zone)');
  return parsed.toMillis();
}

/**
 * A one-off window as a POST body (or a saved entry) gives it: `from` (default: now), and
 * `until` (a time, or a duration after `from`) or `duration`. Throws ConfigError naming the key.
 */
export function parseOneOff(raw: JsonObject, id: string, zone: string, now: number, prefix = ''): OneOffWindow {
  checkKnownKeys(raw, [...ONE_OFF_KEYS, 'id'], prefix);
  const from = raw.from === undefined ? now : instant(raw.from, `${prefix}from`, zone);
  if ((raw.until === undefined) === (raw.duration === undefined)) throw new ConfigError(`${prefix}until`, 'give either until (a time, or a duration after from) or duration');
  let until: number;
  if (raw.duration !== undefined) until = from + parseDuration(raw.duration, `${prefix}duration`);
  else if (typeof raw.until === 'string' && DateTime.fromISO(raw.until, { zone }).isValid) until = instant(raw.until, `${prefix}until`, zone);
  else until = from + parseDuration(raw.until, `${prefix}until`);
  if (until <= from) throw new ConfigError(`${prefix}until`, 'must be after from');
  if (until - from > MAX_ONE_OFF_MS) throw new ConfigError(`${prefix}until`, 'must be at most 31 days after from');
  const reason = optionalLine(raw, 'reason', REASON_MAX_CHARS, `${prefix}reason`) ?? null;
  return { id, from, until, clients: windowClients(raw.clients, `${prefix}clients`), reason };
}

export function oneOffJson(window: OneOffWindow): JsonObject {
  return { id: window.id, from: iso(window.from), until: iso(window.until), ...(window.clients === null ? {} : { clients: window.clients }), ...(window.reason === null ? {} : { reason: window.reason }) };
}

/** The saved one-off windows in `dir`; each problem goes to `warn` and is skipped. */
export async function loadMaintenance(dir: string, warn: (problem: string) => void): Promise<OneOffWindow[]> {
  const parsed = await readKeptJson(dir, MAINTENANCE_FILE, 'no one-off maintenance windows', warn);
  const entries = isObject(parsed) && Array.isArray(parsed.windows) ? (parsed.windows as unknown[]) : [];
  const windows: OneOffWindow[] = [];
  for (const [i, entry] of entries.entries()) {
    try {
      if (!isObject(entry) || typeof entry.id !== 'string' || entry.from === undefined) throw new Error('not a window with an id and a start');
      windows.push(parseOneOff(entry, entry.id, 'UTC', 0, `${MAINTENANCE_FILE}: windows[${i}].`));
    } catch (error) {
      warn(`${MAINTENANCE_FILE}: skipping windows[${i}]: ${(error as Error).message}`);
    }
  }
  return windows;
}

/** Saves the windows not over for a day yet. */
export async function saveMaintenance(dir: string, windows: readonly OneOffWindow[], now: number): Promise<void> {
  const kept = windows.filter((window) => window.until > now - KEPT_AFTER_END_MS);
  await writeFileAtomic(join(dir, MAINTENANCE_FILE), JSON.stringify({ version: 1, saved: iso(now), windows: kept.map(oneOffJson) }, null, 2) + '\n');
}
