/**
 * Maintenance windows (docs/alerts.md#maintenance): recurring ones from the configuration
 * (`maintenance`) and one-off ones made through the API, and which of them covers a client
 * at a given moment. Pure: every call takes the wall-clock time.
 *
 * A recurring window starts at its local time of day in its own time zone, so it follows
 * daylight saving time; its `duration` is elapsed time (a 1 h window across a clock change
 * is still one hour long). A start time that does not exist that day (inside the hour a
 * spring-forward skips) starts at the same distance after the change, as the clock reads it.
 */
import { DateTime, IANAZone } from 'luxon';
import { isObject, checkKnownKeys, optionalLine } from '../../../shared/configCheck.js';
import { ConfigError } from '../../../shared/errors.js';
import { parseDuration } from '../../../shared/duration.js';
import { iso } from '../../../log/records.js';

export interface RecurringWindow {
  /** Weekdays, 1 (Monday) to 7 (Sunday). */
  every: readonly number[];
  /** Seconds after local midnight. */
  from: number;
  durationMs: number;
  timezone: string;
  /** The clients it covers; null: every client. */
  clients: readonly string[] | null;
  reason: string | null;
}

export interface OneOffWindow {
  id: string;
  from: number;
  until: number;
  clients: readonly string[] | null;
  reason: string | null;
}

/** One occurrence of a window: a one-off window, or one day of a recurring one. */
export interface Occurrence {
  /** Stable: `maintenance[<index>]@<start>` for a recurring window, the API's id for a one-off. */
  id: string;
  from: number;
  until: number;
  clients: readonly string[] | null;
  reason: string | null;
  source: 'config' | 'api';
}

export const MAINTENANCE_KEYS: readonly string[] = ['every', 'from', 'duration', 'timezone', 'clients', 'reason'];
export const WEEKDAYS: readonly string[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
/** The longest window: longer than that is no maintenance but a client to take out of the configuration. */
export const MAX_WINDOW_MS = 7 * 86_400_000;
export const REASON_MAX_CHARS = 200;

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_MS = 86_400_000;

const FULL_DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

function weekday(value: unknown, key: string): number {
  const name = typeof value === 'string' ? value.toLowerCase() : '';
  const index = FULL_DAYS.findIndex((day) => name === day || name === day.slice(0, 3));
  if (index < 0) throw new ConfigError(key, `must be a weekday: ${WEEKDAYS.join(', ')} (or the full name)`);
  return index + 1;
}

/** `clients` of a window: a list of client ids, or absent for every client. */
export function windowClients(value: unknown, key: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || !value.every((id) => typeof id === 'string' && id !== '')) {
    throw new ConfigError(key, 'must be a non-empty list of client ids (leave it out for every client)');
  }
  return [...new Set(value as string[])];
}

/** `maintenance` of the configuration, checked once; each error names its key (`maintenance[0].from`). */
export function parseMaintenance(value: unknown, defaultZone: string): RecurringWindow[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError('maintenance', 'must be a list of windows such as [{"every": ["Sun"], "from": "03:00", "duration": "1h"}]');
  return value.map((entry: unknown, i) => {
    const key = `maintenance[${i}]`;
    if (!isObject(entry)) throw new ConfigError(key, 'must be an object such as {"every": ["Sun"], "from": "03:00", "duration": "1h"}');
    checkKnownKeys(entry, MAINTENANCE_KEYS, `${key}.`);
    const every = entry.every === 'daily' ? WEEKDAYS : entry.every;
    if (!Array.isArray(every) || every.length === 0) throw new ConfigError(`${key}.every`, `must be a non-empty list of weekdays such as ["Sun"] (${WEEKDAYS.join(', ')}), or "daily"`);
    const days = [...new Set(every.map((day: unknown, d) => weekday(day, `${key}.every[${d}]`)))].sort();
    const match = typeof entry.from === 'string' ? CLOCK.exec(entry.from) : null;
    if (match === null) throw new ConfigError(`${key}.from`, 'must be a time of day such as "03:00" (HH:MM, 24-hour clock)');
    const durationMs = parseDuration(entry.duration, `${key}.duration`);
    if (durationMs < 60_000 || durationMs > MAX_WINDOW_MS) throw new ConfigError(`${key}.duration`, 'must be from 1 minute to 7 days');
    const timezone = entry.timezone === undefined ? defaultZone : entry.timezone;
    if (typeof timezone !== 'string' || !IANAZone.isValidZone(timezone)) throw new ConfigError(`${key}.timezone`, 'must be an IANA time zone such as "Europe/Berlin"');
    return {
      every: days,
      from: Number(match[1]) * 3600 + Number(match[2]) * 60,
      durationMs,
      timezone,
      clients: windowClients(entry.clients, `${key}.clients`),
      reason: optionalLine(entry, 'reason', REASON_MAX_CHARS, `${key}.reason`) ?? null,
    };
  });
}

/** Each occurrence of `window` (number `index` of the configuration) that overlaps [start, end). */
function recurring(window: RecurringWindow, index: number, start: number, end: number): Occurrence[] {
  const found: Occurrence[] = [];
  // From the last local day whose window could still be running at `start`.
  let day = DateTime.fromMillis(start - window.durationMs, { zone: window.timezone }).startOf('day');
  for (; day.toMillis() < end; day = day.plus({ days: 1 })) {
    if (!window.every.includes(day.weekday)) continue;
    // Local clock fields, not seconds added to midnight: "03:00" is 03:00 on a day with a DST change too.
    const from = day.set({ hour: Math.floor(window.from / 3600), minute: Math.floor(window.from / 60) % 60 }).toMillis();
    const until = from + window.durationMs;
    if (until > start && from < end) found.push({ id: `maintenance[${index}]@${iso(from)}`, from, until, clients: window.clients, reason: window.reason, source: 'config' });
  }
  return found;
}

export function covers(occurrence: Occurrence, client: string): boolean {
  return occurrence.clients === null || occurrence.clients.includes(client);
}

/** Of `occurrences`, the one covering `client` that ends last; null: none. */
export function coveringOf(occurrences: readonly Occurrence[], client: string): Occurrence | null {
  let found: Occurrence | null = null;
  for (const occurrence of occurrences) if (covers(occurrence, client) && (found === null || occurrence.until > found.until)) found = occurrence;
  return found;
}

/** The windows of a server: the configured ones and the one-offs, asked about by time. */
export class MaintenanceSchedule {
  constructor(readonly recurring: readonly RecurringWindow[], readonly oneOffs: readonly OneOffWindow[] = []) {}

  /** Every occurrence overlapping [start, end), by start. */
  between(start: number, end: number): Occurrence[] {
    const found = this.recurring.flatMap((window, index) => recurring(window, index, start, end));
    for (const one of this.oneOffs) if (one.until > start && one.from < end) found.push({ ...one, source: 'api' });
    return found.sort((a, b) => a.from - b.from || a.id.localeCompare(b.id));
  }

  /** The occurrences running at `at`. */
  at(at: number): Occurrence[] {
    return this.between(at, at + 1);
  }

  /** The window `client` is in at `at` (the one that ends last when several overlap); null: none. */
  of(client: string, at: number): Occurrence | null {
    return coveringOf(this.at(at), client);
  }

  get empty(): boolean {
    return this.recurring.length === 0 && this.oneOffs.length === 0;
  }
}

/** How far ahead `GET /api/v1/maintenance` and the dashboard look for upcoming windows. */
export const UPCOMING_MS = 14 * DAY_MS;
