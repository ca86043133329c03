/**
 * Per-client settings changed over HTTP (`down_interval`, `grace`, `schedule`), kept in
 * `@settings.json` in the log folder so they survive a restart. Written atomically
 * (temporary file, fsync, rename, fsync of the folder): a crash leaves the old or the new
 * file, never a torn one. On start, each entry is checked with the configuration's own
 * validators; a bad entry is reported and skipped, never fatal. The server reads the file
 * at start whether or not HTTP is configured; PATCH over HTTP is what writes it.
 */
import { join } from 'node:path';
import { readKeptJson } from './keptJson.js';
import { isObject, type JsonObject } from '../../shared/configCheck.js';
import { parseDuration } from '../../shared/duration.js';
import { writeFileAtomic } from '../../shared/atomicFile.js';
import { scheduleJson } from '../core/schedule.js';
import type { SettingsOverride } from '../core/settings.js';
import { validateGrace, validateSchedule } from '../config/clientSettings.js';

export const SETTINGS_FILE = '@settings.json';


/** The keys of a saved entry and of a PATCH body. */
export const OVERRIDE_KEYS = ['down_interval', 'grace', 'schedule'] as const;

/** Checks a PATCH body or a saved entry; throws ConfigError naming the key. */
export function parseOverride(raw: JsonObject, prefix: string): SettingsOverride {
  const override: SettingsOverride = {};
  if (raw.down_interval !== undefined) override.downIntervalMs = parseDuration(raw.down_interval, `${prefix}down_interval`);
  if (raw.grace !== undefined) override.graceMs = validateGrace(raw.grace, `${prefix}grace`);
  if (raw.schedule !== undefined) override.schedule = validateSchedule(raw.schedule, `${prefix}schedule`);
  return override;
}

export function overrideJson(override: SettingsOverride): JsonObject {
  const json: JsonObject = {};
  if (override.downIntervalMs !== undefined) json.down_interval = override.downIntervalMs / 1000;
  if (override.graceMs !== undefined) json.grace = override.graceMs === null ? null : override.graceMs / 1000;
  if (override.schedule !== undefined) json.schedule = scheduleJson(override.schedule);
  return json;
}

/** The saved changes in `dir`; each problem (an unreadable file, a bad entry) goes to `warn` and is skipped. */
export async function loadSettings(dir: string, warn: (problem: string) => void): Promise<Map<string, SettingsOverride>> {
  const overrides = new Map<string, SettingsOverride>();
  const parsed = await readKeptJson(dir, SETTINGS_FILE, 'using the configured settings', warn);
  const clients = isObject(parsed) && isObject(parsed.clients) ? parsed.clients : {};
  for (const [id, entry] of Object.entries(clients)) {
    try {
      if (!isObject(entry)) throw new Error('not an object');
      overrides.set(id, parseOverride(entry, `${SETTINGS_FILE}: ${id}.`));
    } catch (error) {
      warn(`${SETTINGS_FILE}: skipping ${id}: ${(error as Error).message}`);
    }
  }
  return overrides;
}

export async function saveSettings(dir: string, overrides: ReadonlyMap<string, SettingsOverride>): Promise<void> {
  const clients: JsonObject = {};
  for (const [id, override] of overrides) clients[id] = overrideJson(override);
  await writeFileAtomic(join(dir, SETTINGS_FILE), JSON.stringify({ version: 1, saved: new Date().toISOString(), clients }, null, 2) + '\n');
}
