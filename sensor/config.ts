/**
 * The sensor's configuration: `server`, `port`, `id`, `key` (or `key_file`), `interval`,
 * `state_file`. Validated once and frozen; errors name the key.
 */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { checkKnownKeys, deepFreeze, integerIn, optionalString, readJsonConfig, readSecretFile, requiredString, type JsonObject } from '../shared/configCheck.js';
import { ConfigError } from '../shared/errors.js';
import { isSensorId, MAX_INTERVAL_S, parseKey } from '../shared/nm1.js';

/** The keys of the sensor's configuration. */
export const SENSOR_KEYS: readonly string[] = ['server', 'port', 'id', 'key', 'key_file', 'interval', 'state_file'];

export interface SensorConfig {
  server: string;
  port: number;
  id: string;
  key: Buffer;
  intervalS: number;
  stateFile: string;
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
  const server = requiredString(raw, 'server');
  const port = integerIn(raw, 'port', 1, 65535, undefined);
  const id = requiredString(raw, 'id');
  if (!isSensorId(id)) throw new ConfigError('id', 'must be 1 to 64 of the characters A-Z a-z 0-9 . _ -');
  const keyFile = optionalString(raw, 'key_file');
  const keyText = keyFile !== undefined ? readSecretFile(resolve(configDir, keyFile), 'key_file').trim() : raw.key;
  const key = parseKey(keyText);
  if (key === null) throw new ConfigError(keyFile !== undefined ? 'key_file' : 'key', 'must be 64 hex digits (`netmonitor keygen` makes one)');
  const intervalS = integerIn(raw, 'interval', 1, MAX_INTERVAL_S, 30);
  const stateFileSetting = optionalString(raw, 'state_file');
  const stateFile = stateFileSetting !== undefined ? resolve(configDir, stateFileSetting) : defaultStateFile(env, process.getuid?.() === 0);
  return deepFreeze({ server, port, id, key, intervalS, stateFile });
}

export function loadSensorConfig(path: string, env: NodeJS.ProcessEnv = process.env): SensorConfig {
  return validateSensorConfig(readJsonConfig(path), path, env);
}
