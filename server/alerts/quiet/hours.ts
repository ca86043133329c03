/**
 * Quiet hours: a daily window of local time in which a channel's alerts wait (docs/alerts.md
 * #quiet-hours). Pure: every call takes the wall-clock time. The window is read in its own
 * time zone each day, so it follows daylight saving time; a window whose `from` is later
 * than its `to` runs over midnight.
 */
import { DateTime } from 'luxon';
import { isObject } from '../../../shared/configCheck.js';
import { ConfigError } from '../../../shared/errors.js';

export interface QuietHours {
  /** Seconds after local midnight. */
  from: number;
  to: number;
  timezone: string;
}

/** When a channel wants to be disturbed (server/alerts/quiet/). */
export interface ChannelAttention {
  quiet: QuietHours | null;
  /** Down alerts ignore the quiet hours. */
  urgent: boolean;
}

export const QUIET_HOURS_KEYS: readonly string[] = ['from', 'to', 'timezone'];

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

function secondsOf(value: unknown, key: string): number {
  const match = typeof value === 'string' ? CLOCK.exec(value) : null;
  if (match === null) throw new ConfigError(key, 'must be a time of day such as "22:00" (HH:MM, or HH:MM:SS)');
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3] ?? 0);
}

export function parseQuietHours(value: unknown, key: string, defaultZone: string): QuietHours {
  if (!isObject(value)) throw new ConfigError(key, 'must be an object such as {"from": "22:00", "to": "07:00", "timezone": "Europe/Berlin"}');
  for (const name of Object.keys(value)) if (!QUIET_HOURS_KEYS.includes(name)) throw new ConfigError(`${key}.${name}`, `unknown key; use ${QUIET_HOURS_KEYS.join(', ')}`);
  const from = secondsOf(value.from, `${key}.from`);
  const to = secondsOf(value.to, `${key}.to`);
  if (from === to) throw new ConfigError(`${key}.to`, 'must differ from "from": the window would be empty or the whole day');
  const timezone = value.timezone === undefined ? defaultZone : value.timezone;
  if (typeof timezone !== 'string' || !DateTime.local().setZone(timezone).isValid) throw new ConfigError(`${key}.timezone`, 'must be an IANA time zone such as "Europe/Berlin"');
  return { from, to, timezone };
}

/** When the quiet window that `now` is in ends (wall ms); null when `now` is not quiet. */
export function quietUntil(now: number, hours: QuietHours): number | null {
  const local = DateTime.fromMillis(now, { zone: hours.timezone });
  const midnight = local.startOf('day');
  const second = local.hour * 3600 + local.minute * 60 + local.second;
  // Set as local clock fields, not added as seconds: on a day with a DST change "07:00" is still 07:00.
  const at = (day: DateTime, s: number): number => day.set({ hour: Math.floor(s / 3600), minute: Math.floor(s / 60) % 60, second: s % 60 }).toMillis();
  if (hours.from < hours.to) return second >= hours.from && second < hours.to ? at(midnight, hours.to) : null;
  // Over midnight: quiet from `from` to the end of the day, and from midnight to `to`.
  if (second >= hours.from) return at(midnight.plus({ days: 1 }), hours.to);
  if (second < hours.to) return at(midnight, hours.to);
  return null;
}
