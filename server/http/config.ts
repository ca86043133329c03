/**
 * Configuration of the HTTP side (the `http` section, `self_check_url`, and per-client HTTP
 * settings such as `token_sha256`, `grace` and `schedule`). server/config.ts calls these
 * validators once at start; they throw ConfigError naming the key.
 */
import type { JsonObject } from '../../shared/configCheck.js';

/** Top-level keys this module reads. */
export const HTTP_TOP_KEYS: readonly string[] = [];
/** Per-client keys this module reads. */
export const HTTP_CLIENT_KEYS: readonly string[] = [];

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface HttpConfig {}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface HttpClientConfig {}

export function validateHttpSection(_raw: JsonObject): HttpConfig | null {
  return null;
}

export function validateHttpClient(_settings: JsonObject, _key: string): HttpClientConfig | null {
  return null;
}

/** True when the client sends its heartbeats over HTTP (it has a token). */
export function isHttpClient(_client: HttpClientConfig | null): boolean {
  return false;
}
