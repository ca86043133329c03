/**
 * The sensor's configuration: `server`, `port`, `id`, `key` (or `key_file`), `interval`,
 * `state_file`, `transport`, `http_url` and `checks` (sensor/checks/config.ts). Validated once and frozen; errors name the key.
 * The Node sensor and the shell sensor (`netmonitor sensor-script`) read the same file.
 */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { checkKnownKeys, deepFreeze, httpUrl, integerIn, oneOf, optionalString, readJsonConfig, readSecretFile, requiredString, type JsonObject } from '../shared/configCheck.js';
import { ConfigError } from '../shared/errors.js';
import { isSensorId, MAX_INTERVAL_S, parseKey } from '../shared/nm1.js';
import { validateChecks, type CheckConfig } from './checks/config.js';

/** How heartbeats travel: NM1 over UDP, NM1 over HTTP(S) (`POST /api/v1/nm1`), or the first that works. */
export type Transport = 'udp' | 'http' | 'auto';
export const TRANSPORTS: readonly Transport[] = ['udp', 'http', 'auto'];

/** The keys of the sensor's configuration. */
export const SENSOR_KEYS: readonly string[] = ['server', 'port', 'id', 'key', 'key_file', 'interval', 'state_file', 'transport', 'http_url', 'checks'];

export interface SensorConfig {
  server: string;
  port: number;
  id: string;
  key: Buffer;
  /** The file the key was read from (resolved), or null when it came from `key`. */
  keyFile: string | null;
  intervalS: number;
  stateFile: string;
  /** Whether `state_file` was set (the shell sensor has a default of its own for a gateway). */
  stateFileSet: boolean;
  transport: Transport;
  /** Where NM1 over HTTP is posted: `http_url` + `/api/v1/nm1`; null without `http_url`. */
  nm1Url: string | null;
  /** The gateway checks (docs/checks.md); empty when there are none. */
  checks: readonly CheckConfig[];
}

/** The NM1 endpoint under the server's HTTP address; a ConfigError naming `http_url` when it is not one. */
export function nm1UrlOf(address: string): string {
  const url = httpUrl(address, 'http_url', 'https://monitor.example.net:8443');
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new ConfigError('http_url', 'must be a plain address: no user, password, query or fragment');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/api/v1/nm1`;
}

/** Where the boot counter lives when `state_file` is not set. */
export function defaultStateFile(env: NodeJS.ProcessEnv, isRoot: boolean): string {
  // systemd's StateDirectory= sets STATE_DIRECTORY; otherwise the usual places.
  const base = env.STATE_DIRECTORY?.split(':')[0]
    ?? (isRoot ? '/var/lib/netmonitor' : join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'netmonitor'));
  return join(base, 'sensor-state.json');
}

export function validateSensorConfig(raw: JsonObject, configPath: string, env: NodeJS.ProcessEnv = process.env): SensorConfig {
  checkKnownKeys(raw, SENSOR_KEYS);
  const configDir = dirname(resolve(configPath));
  const transport = oneOf(raw, 'transport', TRANSPORTS, 'udp');
  const httpUrl = optionalString(raw, 'http_url');
  if (httpUrl === undefined && transport !== 'udp') throw new ConfigError('http_url', `is required with "transport": "${transport}" (the server's HTTP address)`);
  const nm1Url = httpUrl === undefined ? null : nm1UrlOf(httpUrl);
  const server = requiredString(raw, 'server');
  // Over HTTP alone the UDP port is never used.
  const port = integerIn(raw, 'port', 1, 65535, transport === 'http' ? 7777 : undefined);
  const id = requiredString(raw, 'id');
  if (!isSensorId(id)) throw new ConfigError('id', 'must be 1 to 64 of the characters A-Z a-z 0-9 . _ -');
  const keyFile = optionalString(raw, 'key_file');
  const keyPath = keyFile === undefined ? null : resolve(configDir, keyFile);
  const keyText = keyPath !== null ? readSecretFile(keyPath, 'key_file').trim() : raw.key;
  const key = parseKey(keyText);
  if (key === null) throw new ConfigError(keyFile !== undefined ? 'key_file' : 'key', 'must be 64 hex digits (`netmonitor keygen` makes one)');
  const intervalS = integerIn(raw, 'interval', 1, MAX_INTERVAL_S, 30);
  const checks = validateChecks(raw.checks);
  const stateFileSetting = optionalString(raw, 'state_file');
  const stateFile = stateFileSetting !== undefined ? resolve(configDir, stateFileSetting) : defaultStateFile(env, process.getuid?.() === 0);
  return deepFreeze({ server, port, id, key, keyFile: keyPath, intervalS, stateFile, stateFileSet: stateFileSetting !== undefined, transport, nm1Url, checks });
}

export function loadSensorConfig(path: string, env: NodeJS.ProcessEnv = process.env): SensorConfig {
  return validateSensorConfig(readJsonConfig(path), path, env);
}
