/**
 * Configuration of supervision and healing (per-client `probe`, `healing`, `librenms`, and
 * the top-level `librenms` section). server/config.ts calls these validators once at start;
 * they throw ConfigError naming the key.
 */
import type { JsonObject } from '../../shared/configCheck.js';

export const SUPERVISION_TOP_KEYS: readonly string[] = [];
export const SUPERVISION_CLIENT_KEYS: readonly string[] = [];

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SupervisionConfig {}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SupervisionClientConfig {}

export function validateSupervisionSection(_raw: JsonObject, _configDir: string): SupervisionConfig | null {
  return null;
}

export function validateSupervisionClient(_settings: JsonObject, _key: string, _configDir: string): SupervisionClientConfig | null {
  return null;
}

/** True when the client is probed by the server instead of sending heartbeats. */
export function isProbedClient(_client: SupervisionClientConfig | null): boolean {
  return false;
}
