/**
 * The report's window and zone from the command line. `--since`/`--until` take an ISO 8601
 * date or time (read in `--tz` when it has no offset) or a span back from now (`30d`, `12h`,
 * `1h30m`, `P2W`). A date-only `--until` includes that day (or month, or year): `--since
 * 2026-10 --until 2026-10` is October.
 */
import { DateTime, IANAZone } from 'luxon';
import { parseDuration } from '../shared/duration.js';
import { NetmonitorError } from '../shared/errors.js';
import type { ReportWindow } from '../log/outages.js';

/** The zone to print in: an IANA name, or the machine's own zone. */
export function resolveZone(name: string | undefined): string {
  if (name === undefined || name === '') return DateTime.local().zoneName ?? 'UTC';
  if (!IANAZone.isValidZone(name)) {
    throw new NetmonitorError('EUSAGE', `--tz: ${JSON.stringify(name)} is not an IANA time zone (such as UTC, Europe/Berlin or America/Chicago)`);
  }
  return new IANAZone(name).name;
}

const DATE_ONLY = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const SPAN = /^(?:\d+(?:\.\d+)?(?:ms|w|d|h|m|s)\s*)+$|^P/i;

/** Parses one `--since`/`--until` value into ms since the epoch. */
export function parseTimeArgument(option: '--since' | '--until', text: string, zone: string, now: number): number {
  const value = text.trim();
  if (value.toLowerCase() === 'now') return now;
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly !== null || /^\d{4}-\d{2}-\d{2}[T ]/.test(value) || /^\d{4}-W\d{2}/.test(value)) {
    const parsed = DateTime.fromISO(value.replace(' ', 'T'), { zone });
    if (!parsed.isValid) throw new NetmonitorError('EUSAGE', `${option}: ${JSON.stringify(text)} is not a valid date or time (${parsed.invalidExplanation ?? parsed.invalidReason})`);
    if (option === '--until' && dateOnly !== null) {
      const [, , month, day] = dateOnly;
      return parsed.plus(day !== undefined ? { days: 1 } : month !== undefined ? { months: 1 } : { years: 1 }).toMillis();
    }
    return parsed.toMillis();
  }
  if (SPAN.test(value) && !/^\d+$/.test(value)) {
    try {
      return now - parseDuration(value, option);
    } catch {
      // Reported below with the forms this option accepts.
    }
  }
  throw new NetmonitorError(
    'EUSAGE',
    `${option}: ${JSON.stringify(text)} is neither an ISO 8601 date or time (2026-11-01, 2026-11-01T08:00, 2026-11-01T08:00Z) nor a span back from now (30d, 12h, 1h30m)`,
  );
}

export function parseWindow(options: { since?: string | undefined; until?: string | undefined }, zone: string, now: number): ReportWindow {
  const since = options.since === undefined ? null : parseTimeArgument('--since', options.since, zone, now);
  const until = options.until === undefined ? null : parseTimeArgument('--until', options.until, zone, now);
  if (since !== null && until !== null && since >= until) throw new NetmonitorError('EUSAGE', `--since (${options.since}) must be before --until (${options.until})`);
  if (since !== null && since >= now) throw new NetmonitorError('EUSAGE', `--since (${options.since}) is in the future`);
  return { since, until };
}
