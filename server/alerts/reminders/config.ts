/**
 * `remind_every` and `remind_max`, at the top level and per client (docs/configuration.md):
 * which clients are reminded of while down, and how often.
 */
import { isObject, type JsonObject } from '../../../shared/configCheck.js';
import { ConfigError } from '../../../shared/errors.js';
import { parseDuration, parseDurationOrZero } from '../../../shared/duration.js';
import type { ReminderPolicy } from './schedule.js';

export const REMINDER_KEYS: readonly string[] = ['remind_every', 'remind_max'];
export const DEFAULT_REMIND_MAX_MS = 24 * 3_600_000;

export interface RemindersConfig {
  /** The top level's policy; null: no reminders unless a client asks. */
  defaults: ReminderPolicy | null;
  /** Clients of `clients` that set either key: their own policy, or null for `remind_every: 0`. */
  clients: Record<string, ReminderPolicy | null>;
}

function policy(settings: JsonObject, prefix: string, inherited: ReminderPolicy | null): ReminderPolicy | null {
  const every = settings.remind_every === undefined ? (inherited?.everyMs ?? 0) : parseDurationOrZero(settings.remind_every, `${prefix}remind_every`);
  const maxMs = settings.remind_max === undefined ? (inherited?.maxMs ?? DEFAULT_REMIND_MAX_MS) : parseDuration(settings.remind_max, `${prefix}remind_max`);
  if (every === 0) return null;
  if (every < 1000) throw new ConfigError(`${prefix}remind_every`, 'must be at least 1 second (or 0: no reminders)');
  return { everyMs: every, maxMs: Math.max(maxMs, every) };
}

export function validateReminders(raw: JsonObject): RemindersConfig {
  const defaults = policy(raw, '', null);
  const clients: Record<string, ReminderPolicy | null> = {};
  if (isObject(raw.clients)) {
    for (const [id, settings] of Object.entries(raw.clients)) {
      if (isObject(settings) && REMINDER_KEYS.some((key) => settings[key] !== undefined)) clients[id] = policy(settings, `clients.${id}.`, defaults);
    }
  }
  return { defaults, clients };
}

/** The reminders of one client; null: none. */
export function reminderPolicyOf(config: RemindersConfig, client: string): ReminderPolicy | null {
  return client in config.clients ? config.clients[client]! : config.defaults;
}
