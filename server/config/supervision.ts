/**
 * Configuration of supervision and healing (per-client `probe`, `healing`, `librenms`, and
 * the top-level `librenms` section). server/config/server.ts calls these validators once at start;
 * they throw ConfigError naming the key. Every command is an argv list from this file:
 * nothing from a datagram or an HTTP request ever becomes part of one.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { checkKnownKeys, httpUrl, integerIn, isObject, oneOf, optionalString, readSecretFile, requiredString, type JsonObject } from '../../shared/configCheck.js';
import { parseDuration } from '../../shared/duration.js';
import { ConfigError } from '../../shared/errors.js';
import { sha256Hex } from './http.js';

export const SUPERVISION_TOP_KEYS: readonly string[] = ['librenms'];
export const SUPERVISION_CLIENT_KEYS: readonly string[] = ['probe', 'healing', 'librenms'];
export const PROBE_KEYS: readonly string[] = ['type', 'host', 'port', 'interval', 'timeout', 'failure_threshold', 'stats_interval'];
export const LOCAL_STEP_KEYS: readonly string[] = ['type', 'command', 'timeout'];
export const SSH_STEP_KEYS: readonly string[] = ['type', 'host', 'port', 'username', 'private_key_file', 'password', 'password_file', 'host_key_sha256', 'command', 'timeout'];
export const HTTP_STEP_KEYS: readonly string[] = ['type', 'method', 'url', 'headers', 'body', 'timeout', 'expect_status'];
export const HEALING_KEYS: readonly string[] = ['after', 'max_attempts', 'wait_between_attempts', 'backoff', 'max_wait', 'steps'];
export const LIBRENMS_KEYS: readonly string[] = [
  'url', 'token', 'token_file', 'alert_token_sha256', 'unsupervised_ip', 'recovery_interval', 'max_recovery_interval', 'port_ifname', 'poll_command', 'state_file', 'timeout',
];
/** The keys of a client's `librenms` object. */
export const CLIENT_LIBRENMS_KEYS: readonly string[] = ['device_id'];

export interface ProbeConfig {
  type: 'icmp' | 'tcp';
  host: string;
  /** TCP only. */
  port: number | null;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  /** Round-trip times are summed up (min/avg/max) over this period into one log record. */
  statsIntervalMs: number;
}

export interface LocalStep {
  type: 'local';
  command: string[];
  timeoutMs: number;
}

export interface SshStep {
  type: 'ssh';
  host: string;
  port: number;
  username: string;
  /** One of privateKey / password is set. Never logged. */
  privateKey: string | null;
  password: string | null;
  /** `SHA256:<base64>` as `ssh-keygen -lf` prints it; the only host key accepted. */
  hostKeySha256: string;
  /** Arguments, quoted one by one for the remote shell (see docs/supervision.md). */
  command: string[];
  timeoutMs: number;
}

export interface HttpStep {
  type: 'http';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
  /** The step succeeded when the status is in this list (default: any 2xx). */
  expectStatus: number[] | null;
}

export type HealingStep = LocalStep | SshStep | HttpStep;

export interface HealingConfig {
  /** Healing starts this long after the down transition (0: at once). */
  afterMs: number;
  maxAttempts: number;
  waitBetweenAttemptsMs: number;
  /** Each further wait is the previous one times this factor, up to maxWaitMs. */
  backoff: number;
  maxWaitMs: number;
  steps: HealingStep[];
}

export interface SupervisionClientConfig {
  probe: ProbeConfig | null;
  healing: HealingConfig | null;
  /** The LibreNMS device this client stands for. */
  librenmsDeviceId: number | null;
}

export interface LibrenmsConfig {
  url: string;
  /** Never logged. */
  token: string;
  /** SHA-256 of the bearer token LibreNMS's alert transport sends; null: the alert route refuses every call. */
  alertTokenSha256: Buffer | null;
  unsupervisedIp: string;
  recoveryIntervalMs: number;
  maxRecoveryIntervalMs: number;
  portIfName: string;
  /** Run after the rediscovery and before the port is read; `ID` in an argument becomes the device id. */
  pollCommand: LocalStep | SshStep | null;
  /** Null: `@librenms.json` in the client log folder. */
  stateFile: string | null;
  timeoutMs: number;
}

export interface SupervisionConfig {
  librenms: LibrenmsConfig | null;
}

const duration = (object: JsonObject, key: string, fallback: number, path: string): number =>
  object[key] === undefined || object[key] === null ? fallback : parseDuration(object[key], path);

function argv(value: unknown, key: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((a) => typeof a === 'string') || value[0] === '') {
    throw new ConfigError(key, 'must be a non-empty list of strings: the program and its arguments (no shell is used)');
  }
  return value as string[];
}

function hostName(object: JsonObject, key: string, path: string): string {
  const host = requiredString(object, key, path);
  if (!/^[A-Za-z0-9.:_-]+$/.test(host)) throw new ConfigError(path, `must be a host name or an IP address, not ${JSON.stringify(host)}`);
  return host;
}

function secret(object: JsonObject, key: string, path: string, configDir: string): string | null {
  const value = object[key];
  if (value !== undefined && value !== null && typeof value !== 'string') throw new ConfigError(path, 'must be a string; its value is not shown here');
  const file = optionalString(object, `${key}_file`, `${path}_file`);
  if (value !== undefined && value !== null && file !== undefined) throw new ConfigError(`${path}_file`, `give either ${key} or ${key}_file, not both`);
  if (file !== undefined) return readSecretFile(resolve(configDir, file), `${path}_file`);
  return typeof value === 'string' && value !== '' ? value : null;
}

export function validateProbe(raw: unknown, key: string): ProbeConfig {
  if (!isObject(raw)) throw new ConfigError(key, 'must be an object such as {"type": "icmp", "host": "192.0.2.1", "interval": "30s", "timeout": "2s", "failure_threshold": 3}');
  checkKnownKeys(raw, PROBE_KEYS, `${key}.`);
  if (raw.type === undefined) throw new ConfigError(`${key}.type`, 'is required: "icmp" or "tcp"');
  const type = oneOf(raw, 'type', ['icmp', 'tcp'] as const, 'icmp', `${key}.type`);
  const host = hostName(raw, 'host', `${key}.host`);
  if (type === 'icmp' && host.startsWith('-')) throw new ConfigError(`${key}.host`, 'must not start with "-"');
  const port = type === 'tcp' ? integerIn(raw, 'port', 1, 65535, undefined, `${key}.port`) : null;
  if (type === 'icmp' && raw.port !== undefined && raw.port !== null) throw new ConfigError(`${key}.port`, 'is only for "tcp" probes');
  const intervalMs = duration(raw, 'interval', 30_000, `${key}.interval`);
  const timeoutMs = duration(raw, 'timeout', 2000, `${key}.timeout`);
  if (timeoutMs >= intervalMs) throw new ConfigError(`${key}.timeout`, 'must be shorter than the interval');
  if (type === 'icmp' && timeoutMs < 1000) throw new ConfigError(`${key}.timeout`, 'must be at least 1 second for "icmp" (ping waits in whole seconds)');
  return {
    type,
    host,
    port,
    intervalMs,
    timeoutMs,
    failureThreshold: integerIn(raw, 'failure_threshold', 1, 1000, 3, `${key}.failure_threshold`),
    statsIntervalMs: duration(raw, 'stats_interval', 300_000, `${key}.stats_interval`),
  };
}

function step(raw: unknown, key: string, configDir: string, allowed: readonly string[]): HealingStep {
  if (!isObject(raw)) throw new ConfigError(key, `must be an object with "type": ${allowed.map((a) => JSON.stringify(a)).join(' or ')}`);
  if (raw.type === undefined) throw new ConfigError(`${key}.type`, `is required: ${allowed.map((a) => JSON.stringify(a)).join(' or ')}`);
  const type = oneOf(raw, 'type', allowed, allowed[0]!, `${key}.type`);
  const timeoutMs = duration(raw, 'timeout', 30_000, `${key}.timeout`);
  if (type === 'local') {
    checkKnownKeys(raw, LOCAL_STEP_KEYS, `${key}.`);
    return { type, command: argv(raw.command, `${key}.command`), timeoutMs };
  }
  if (type === 'ssh') {
    checkKnownKeys(raw, SSH_STEP_KEYS, `${key}.`);
    const keyFile = optionalString(raw, 'private_key_file', `${key}.private_key_file`);
    const privateKey = keyFile === undefined ? null : readSecretFile(resolve(configDir, keyFile), `${key}.private_key_file`);
    const password = secret(raw, 'password', `${key}.password`, configDir);
    if (privateKey === null && password === null) throw new ConfigError(`${key}.private_key_file`, 'an SSH step needs private_key_file or password');
    const fingerprint = requiredString(raw, 'host_key_sha256', `${key}.host_key_sha256`);
    if (!/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(fingerprint)) {
      throw new ConfigError(`${key}.host_key_sha256`, 'must be the host key fingerprint as `ssh-keygen -lf KEY.pub` prints it: SHA256: and 43 base64 characters');
    }
    return {
      type,
      host: hostName(raw, 'host', `${key}.host`),
      port: integerIn(raw, 'port', 1, 65535, 22, `${key}.port`),
      username: requiredString(raw, 'username', `${key}.username`),
      privateKey,
      password,
      hostKeySha256: fingerprint.replace(/=$/, ''),
      command: argv(raw.command, `${key}.command`),
      timeoutMs,
    };
  }
  checkKnownKeys(raw, HTTP_STEP_KEYS, `${key}.`);
  const url = requiredString(raw, 'url', `${key}.url`);
  httpUrl(url, `${key}.url`, 'http://192.168.1.1/reboot');
  const headers = raw.headers ?? {};
  if (!isObject(headers) || !Object.values(headers).every((v) => typeof v === 'string')) throw new ConfigError(`${key}.headers`, 'must be an object of header names to strings');
  const body = raw.body === undefined || raw.body === null ? null : typeof raw.body === 'string' ? raw.body : JSON.stringify(raw.body);
  const expect = raw.expect_status;
  if (expect !== undefined && expect !== null && (!Array.isArray(expect) || expect.length === 0 || !expect.every((s) => Number.isInteger(s) && s >= 100 && s <= 599))) {
    throw new ConfigError(`${key}.expect_status`, 'must be a non-empty list of HTTP status codes such as [200, 204]');
  }
  return {
    type: 'http',
    method: oneOf(raw, 'method', ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const, 'POST', `${key}.method`),
    url,
    headers: headers as Record<string, string>,
    body,
    timeoutMs,
    expectStatus: (expect as number[] | undefined) ?? null,
  };
}

export function validateHealing(raw: unknown, key: string, configDir: string): HealingConfig {
  if (!isObject(raw)) throw new ConfigError(key, 'must be an object such as {"steps": [...], "max_attempts": 3}');
  checkKnownKeys(raw, HEALING_KEYS, `${key}.`);
  const steps = raw.steps;
  if (!Array.isArray(steps) || steps.length === 0) throw new ConfigError(`${key}.steps`, 'must be a non-empty list of steps (local, ssh or http)');
  const backoff = raw.backoff ?? 2;
  if (typeof backoff !== 'number' || !(backoff >= 1 && backoff <= 10)) throw new ConfigError(`${key}.backoff`, 'must be a number from 1 to 10 (1: always the same wait)');
  const wait = duration(raw, 'wait_between_attempts', 60_000, `${key}.wait_between_attempts`);
  const maxWait = duration(raw, 'max_wait', 3_600_000, `${key}.max_wait`);
  if (maxWait < wait) throw new ConfigError(`${key}.max_wait`, 'must not be shorter than wait_between_attempts');
  return {
    afterMs: raw.after === undefined || raw.after === null || raw.after === 0 ? 0 : parseDuration(raw.after, `${key}.after`),
    maxAttempts: integerIn(raw, 'max_attempts', 1, 100, 3, `${key}.max_attempts`),
    waitBetweenAttemptsMs: wait,
    backoff,
    maxWaitMs: maxWait,
    steps: steps.map((s, i) => step(s, `${key}.steps[${i}]`, configDir, ['local', 'ssh', 'http'])),
  };
}

export function validateLibrenms(raw: unknown, configDir: string): LibrenmsConfig {
  const key = 'librenms';
  if (!isObject(raw)) throw new ConfigError(key, 'must be an object such as {"url": "http://librenms.lan", "token_file": "librenms.token"}');
  checkKnownKeys(raw, LIBRENMS_KEYS, `${key}.`);
  const url = requiredString(raw, 'url', `${key}.url`);
  httpUrl(url, `${key}.url`, "LibreNMS's base URL, https://librenms.lan");
  const token = secret(raw, 'token', `${key}.token`, configDir);
  if (token === null) throw new ConfigError(`${key}.token`, 'is required (the API token, or token_file naming a file that holds it)');
  const unsupervisedIp = optionalString(raw, 'unsupervised_ip', `${key}.unsupervised_ip`) ?? '127.0.0.50';
  if (isIP(unsupervisedIp) === 0) throw new ConfigError(`${key}.unsupervised_ip`, `must be an IP address, not ${JSON.stringify(unsupervisedIp)}`);
  const recovery = duration(raw, 'recovery_interval', 1_200_000, `${key}.recovery_interval`);
  const maxRecovery = duration(raw, 'max_recovery_interval', 4 * 3_600_000, `${key}.max_recovery_interval`);
  if (maxRecovery < recovery) throw new ConfigError(`${key}.max_recovery_interval`, 'must not be shorter than recovery_interval');
  const stateFile = optionalString(raw, 'state_file', `${key}.state_file`);
  return {
    url: url.replace(/\/+$/, ''),
    token,
    alertTokenSha256: raw.alert_token_sha256 === undefined || raw.alert_token_sha256 === null ? null : sha256Hex(raw.alert_token_sha256, `${key}.alert_token_sha256`),
    unsupervisedIp,
    recoveryIntervalMs: recovery,
    maxRecoveryIntervalMs: maxRecovery,
    portIfName: optionalString(raw, 'port_ifname', `${key}.port_ifname`) ?? 'Dialer 1',
    pollCommand: raw.poll_command === undefined || raw.poll_command === null ? null : (step(raw.poll_command, `${key}.poll_command`, configDir, ['local', 'ssh']) as LocalStep | SshStep),
    stateFile: stateFile === undefined ? null : resolve(configDir, stateFile),
    timeoutMs: duration(raw, 'timeout', 10_000, `${key}.timeout`),
  };
}

export function validateSupervisionSection(raw: JsonObject, configDir: string): SupervisionConfig | null {
  if (raw.librenms === undefined || raw.librenms === null) return null;
  return { librenms: validateLibrenms(raw.librenms, configDir) };
}

export function validateSupervisionClient(settings: JsonObject, key: string, configDir: string): SupervisionClientConfig | null {
  const has = (name: string): boolean => settings[name] !== undefined && settings[name] !== null;
  if (!has('probe') && !has('healing') && !has('librenms')) return null;
  let librenmsDeviceId: number | null = null;
  if (has('librenms')) {
    const value = settings.librenms;
    if (!isObject(value)) throw new ConfigError(`${key}.librenms`, 'must be an object such as {"device_id": 12}');
    checkKnownKeys(value, CLIENT_LIBRENMS_KEYS, `${key}.librenms.`);
    librenmsDeviceId = integerIn(value, 'device_id', 1, 2 ** 31 - 1, undefined, `${key}.librenms.device_id`);
  }
  return {
    probe: has('probe') ? validateProbe(settings.probe, `${key}.probe`) : null,
    healing: has('healing') ? validateHealing(settings.healing, `${key}.healing`, configDir) : null,
    librenmsDeviceId,
  };
}

/** True when the client is probed by the server instead of sending heartbeats. */
export function isProbedClient(client: SupervisionClientConfig | null): boolean {
  return client !== null && client.probe !== null;
}

/** Checks that needs the whole configuration: a client's LibreNMS device needs the section. */
export function checkSupervisionTogether(section: SupervisionConfig | null, clients: readonly { id: string; supervision: SupervisionClientConfig | null }[]): void {
  for (const client of clients) {
    if (client.supervision?.librenmsDeviceId != null && section?.librenms == null) {
      throw new ConfigError(`clients.${client.id}.librenms`, 'needs the top-level librenms section (url and token)');
    }
  }
}
