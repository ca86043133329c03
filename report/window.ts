/**
 * A report's window and zone, as the CLI (`--since`, `--until`, `--tz`) and the HTTP API
 * (`?since=`, `?until=`) take them. Each end is an ISO 8601 date or time (read in the zone
 * when it has no offset) or a span back from now (`30d`, `12h`, `1h30m`, `P2W`). A date-only
 * end of the window includes that day (or month, or year): since 2026-10 until 2026-10 is
 * October. Errors name the parameter by the name the caller gives, so the CLI says `--since`
 * and the API says `since`.
 */
import { DateTime, IANAZone } from 'luxon';
import { parseDuration } from '../shared/duration.js';
import { NetmonitorError } from '../shared/errors.js';
import type { ReportWindow } from '../log/outages.js';

/** The end of the window a value gives, and the name of the parameter that gave it. */
export interface WindowEnd {
  end: 'since' | 'until';
  name: string;
}

/** The names of the two parameters, for the errors. */
export interface WindowNames {
  since: string;
  until: string;
}

/** The zone to print in: an IANA name, or the machine's own zone. `parameter` names it in errors. */
export function resolveZone(name: string | undefined, parameter: string): string {
  if (name === undefined || name === '') return DateTime.local().zoneName ?? 'UTC';
  if (!IANAZone.isValidZone(name)) {
    throw new NetmonitorError('EUSAGE', `${parameter}: ${JSON.stringify(name)} is not an IANA time zone (such as UTC, Europe/Berlin or America/Chicago)`);
  }
  return new IANAZone(name).name;
}

const DATE_ONLY = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const SPAN = /^(?:\d+(?:\.\d+)?(?:ms|w|d|h|m|s)\s*)+$|^P/i;

/** Parses one end of the window into ms since the epoch. */
export function parseTimeArgument({ end, name }: WindowEnd, text: string, zone: string, now: number): number {
  const value = text.trim();
  if (value.toLowerCase() === 'now') return now;
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly !== null || /^\d{4}-\d{2}-\d{2}[T ]/.test(value) || /^\d{4}-W\d{2}/.test(value)) {
    const parsed = DateTime.fromISO(value.replace(' ', 'T'), { zone });
    if (!parsed.isValid) throw new NetmonitorError('EUSAGE', `${name}: ${JSON.stringify(text)} is not a valid date or time (${parsed.invalidExplanation ?? parsed.invalidReason})`);
    if (end === 'until' && dateOnly !== null) {
      const [, , month, day] = dateOnly;
      return parsed.plus(day !== undefined ? { days: 1 } : month !== undefined ? { months: 1 } : { years: 1 }).toMillis();
    }
    return parsed.toMillis();
  }
  if (SPAN.test(value) && !/^\d+$/.test(value)) {
    try {
      return now - parseDuration(value, name);
    } catch {
      // Reported below with the forms this parameter accepts.
    }
  }
  throw new NetmonitorError(
    'EUSAGE',
    `${name}: ${JSON.stringify(text)} is neither an ISO 8601 date or time (2026-11-01, 2026-11-01T08:00, 2026-11-01T08:00Z) nor a span back from now (30d, 12h, 1h30m)`,
  );
}

export function parseWindow(options: { since?: string | undefined; until?: string | undefined }, names: WindowNames, zone: string, now: number): ReportWindow {
  const since = options.since === undefined ? null : parseTimeArgument({ end: 'since', name: names.since }, options.since, zone, now);
  const until = options.until === undefined ? null : parseTimeArgument({ end: 'until', name: names.until }, options.until, zone, now);
  if (since !== null && until !== null && since >= until) throw new NetmonitorError('EUSAGE', `${names.since} (${options.since}) must be before ${names.until} (${options.until})`);
  if (since !== null && since >= now) throw new NetmonitorError('EUSAGE', `${names.since} (${options.since}) is in the future`);
  return { since, until };
}
