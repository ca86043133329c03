/**
 * A client's `grace` and business-hours `schedule`: core settings of any client (UDP, HTTP or
 * probed), validated with the rest of the server configuration. The same validators check
 * the saved changes in @settings.json and the body of PATCH /api/v1/clients/{id}, so the file,
 * the saved changes and the API accept exactly the same forms.
 */
import { IANAZone } from 'luxon';
import { checkKnownKeys, isObject, type JsonObject } from '../../shared/configCheck.js';
import { parseDuration } from '../../shared/duration.js';
import { ConfigError } from '../../shared/errors.js';
import { ALWAYS, parseTimeOfDay, WEEKDAYS, type Schedule, type Weekday } from '../core/schedule.js';

/** Per-client keys this module reads (`down_interval` is read with the client itself). */
export const CLIENT_SETTINGS_KEYS: readonly string[] = ['grace', 'schedule'];
/** The keys of a client's `schedule` object. */
export const SCHEDULE_KEYS: readonly string[] = ['days', 'start', 'end', 'timezone'];

export interface ClientSettingsConfig {
  /** Null: the client's down interval. */
  graceMs: number | null;
  schedule: Schedule;
}

/**
 * A client's `schedule`: "always", or business hours
 * `{"days": ["mon", …], "start": "08:00", "end": "18:00", "timezone": "Europe/Berlin"}`
 * (end at or before start: the window runs overnight into the next day).
 */
export function validateSchedule(value: unknown, key: string): Schedule {
  if (value === undefined || value === null || value === 'always') return ALWAYS;
  if (!isObject(value)) throw new ConfigError(key, 'must be "always" or {"days": ["mon", ...], "start": "08:00", "end": "18:00", "timezone": "Europe/Berlin"}');
  checkKnownKeys(value, SCHEDULE_KEYS, `${key}.`);
  const days = value.days ?? ['mon', 'tue', 'wed', 'thu', 'fri'];
  if (!Array.isArray(days) || days.length === 0 || !days.every((d) => (WEEKDAYS as readonly unknown[]).includes(d))) {
    throw new ConfigError(`${key}.days`, `must be a non-empty list of ${WEEKDAYS.join(', ')}`);
  }
  const time = (name: 'start' | 'end'): number => {
    const text = value[name];
    const minute = typeof text === 'string' ? parseTimeOfDay(text) : null;
    if (minute === null) throw new ConfigError(`${key}.${name}`, `must be a time of day as HH:MM (24 h), not ${JSON.stringify(text)}`);
    return minute;
  };
  const startMinute = time('start');
  const endMinute = time('end');
  const zone = value.timezone;
  if (typeof zone !== 'string' || !IANAZone.isValidZone(zone)) {
    throw new ConfigError(`${key}.timezone`, `must be an IANA time zone such as Europe/Berlin or America/Chicago, not ${JSON.stringify(zone)}`);
  }
  return { kind: 'hours', days: [...new Set(days as Weekday[])], startMinute, endMinute, zone: new IANAZone(zone).name };
}

/** A client's `grace` (a duration, or 0 for none); null when not set. */
export function validateGrace(value: unknown, key: string): number | null {
  if (value === undefined || value === null) return null;
  if (value === 0 || value === '0') return 0;
  return parseDuration(value, key);
}

/** A client's grace and schedule; null when the client sets neither. */
export function validateClientSettings(settings: JsonObject, key: string): ClientSettingsConfig | null {
  if (CLIENT_SETTINGS_KEYS.every((name) => settings[name] === undefined)) return null;
  return { graceMs: validateGrace(settings.grace, `${key}.grace`), schedule: validateSchedule(settings.schedule, `${key}.schedule`) };
}
