/**
 * Durations as people write them in configuration (`{"minutes": 3}`, `180`, `"3m"`,
 * `"1h30m"`, `"PT3M"`) and as people read them in alerts and reports (`2h 02m 05s`).
 * ISO 8601 durations are read by luxon. The sensor never imports this file, so it never
 * loads luxon (test/sensor/main.test.ts checks).
 */
import { Duration } from 'luxon';
import { ConfigError } from './errors.js';
import { shown } from './redact.js';

const TIMEDELTA_UNITS_MS: Record<string, number> = {
  weeks: 604_800_000,
  days: 86_400_000,
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1000,
  milliseconds: 1,
  microseconds: 0.001,
};

const SHORT_UNITS_MS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const SHORT_FORM = /^(?:\d+(?:\.\d+)?(?:ms|w|d|h|m|s)\s*)+$/;
const SHORT_PART = /(\d+(?:\.\d+)?)(ms|w|d|h|m|s)/g;

/**
 * An ISO 8601 duration (`PT3M`, `P1DT2H`, `P2W`, in any case) in ms; null when it is not one.
 * Years and months have no fixed length, so they are refused, as are signs and an empty `P`/`PT`.
 */
function isoDurationMs(text: string): number | null {
  if (!/^P/i.test(text) || /T$/i.test(text)) return null;
  const duration = Duration.fromISO(text.toUpperCase());
  if (!duration.isValid) return null;
  const parts = Object.entries(duration.toObject());
  if (parts.length === 0 || parts.some(([unit, amount]) => unit === 'years' || unit === 'months' || amount < 0)) return null;
  return duration.toMillis();
}

const ALLOWED =
  'a number of seconds, a string such as "90s", "3m", "1h30m" or "PT3M", or an object of ' +
  `timedelta units (${Object.keys(TIMEDELTA_UNITS_MS).join(', ')})`;

/**
 * The longest duration any setting takes (a down interval, a grace, a window, a timeout):
 * 366 days. Longer ones are mistakes, and would put deadlines past what dates can show.
 * Values restored from logs and changed over HTTP are held to the same bound.
 */
export const MAX_DURATION_MS = 366 * 86_400_000;

/** Parses a configured duration into milliseconds; `key` names the setting in errors. */
export function parseDuration(value: unknown, key: string): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value * 1000;
  } else if (typeof value === 'string') {
    const text = value.trim();
    const iso = isoDurationMs(text);
    if (/^\d+(?:\.\d+)?$/.test(text)) ms = Number(text) * 1000;
    else if (SHORT_FORM.test(text)) {
      ms = 0;
      for (const [, amount, unit] of text.matchAll(SHORT_PART)) ms += Number(amount) * SHORT_UNITS_MS[unit!]!;
    } else if (iso !== null) ms = iso;
    else throw new ConfigError(key, `${shown(key, value)} is not a duration; use ${ALLOWED}`);
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    ms = 0;
    for (const [unit, amount] of Object.entries(value)) {
      const unitMs = TIMEDELTA_UNITS_MS[unit];
      if (unitMs === undefined) throw new ConfigError(`${key}.${unit}`, `unknown unit; use ${Object.keys(TIMEDELTA_UNITS_MS).join(', ')}`);
      if (typeof amount !== 'number' || !Number.isFinite(amount)) throw new ConfigError(`${key}.${unit}`, 'must be a number');
      ms += amount * unitMs;
    }
  } else {
    throw new ConfigError(key, `must be ${ALLOWED}`);
  }
  // Checked after rounding: 0.4 ms is returned as 0, and a zero interval must never pass.
  const rounded = Math.round(ms);
  if (!Number.isFinite(rounded) || rounded <= 0) throw new ConfigError(key, `must be at least one millisecond (${ALLOWED})`);
  if (rounded > MAX_DURATION_MS) throw new ConfigError(key, 'must be at most 366 days');
  return rounded;
}

/** A duration, or 0 (`0`, `"0"`, `"0s"`) where zero means "off". */
export function parseDurationOrZero(value: unknown, key: string): number {
  if (value === 0 || (typeof value === 'string' && /^0+(?:\.0*)?s?$/.test(value.trim()))) return 0;
  return parseDuration(value, key);
}

/** `2h 02m 05s`, `3m 26s`, `45s`, `3d 04h 00m 00s`; sub-second lengths round to whole seconds. */
export function formatDuration(ms: number): string {
  let seconds = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(seconds / 86400);
  seconds -= days * 86400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (days > 0) return `${days}d ${pad(hours)}h ${pad(minutes)}m ${pad(seconds)}s`;
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(seconds)}s`;
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`;
  return `${seconds}s`;
}
