/**
 * The server's configuration, validated once at start and frozen. It accepts the original
 * netmonitor's keys unchanged and adds the ones below; docs/configuration.md is the reference.
 * Every error names the key and what is allowed (the CLI turns it into exit status 2).
 */
import { isIP } from 'node:net';
import { join, resolve, dirname } from 'node:path';
import { IANAZone } from 'luxon';
import {
  checkKnownKeys, deepFreeze, integerIn, isObject, oneOf, optionalString, readJsonConfig, readSecretFile, requiredString,
  type JsonObject,
} from '../../shared/configCheck.js';
import { labelsOfConfig, REPORT_CLIENT_KEYS, reportLabels } from './reportLabels.js';
import { evidenceOf, type EvidenceConfig } from './evidence.js';
import { parseDuration, parseDurationOrZero } from '../../shared/duration.js';
import { ConfigError } from '../../shared/errors.js';
import { HmacKeys } from '../intake/hmacSha256.js';
import { isSensorId, parseKey } from '../../shared/nm1.js';
import { clientIdProblem } from './clientId.js';
import { readClientsFile, SensorFleet } from './clientsFile.js';
import type { EventType } from '../core/events.js';
import { SOURCE_LIMIT_PER_SECOND } from '../intake/sourceLimiter.js';
import { DEFAULT_MAX_CHECKS_PER_SENSOR } from '../core/checkClients.js';
import { DEFAULT_LIMITS, type StormLimits } from '../alerts/storm.js';
import { CHANNEL_CLIENT_KEYS, CHANNEL_TOP_KEYS, validateChannels, type ChannelsConfig } from '../alerts/channels/config.js';
import { REMINDER_KEYS, validateReminders, type RemindersConfig } from '../alerts/reminders/config.js';
import { parseMaintenance, type RecurringWindow } from '../alerts/maintenance/windows.js';
import { HTTP_CLIENT_KEYS, HTTP_TOP_KEYS, isHttpClient, validateHttpClient, validateHttpSection, type HttpClientConfig, type HttpConfig } from './http.js';
import type { ClientConfig, ClientKind } from './client.js';
import { LOG_ANALYSIS_TOP_KEYS, validateLogAnalysis, type LogAnalysisConfig } from '../analysis/config.js';
import { CLIENT_SETTINGS_KEYS, validateClientSettings, type ClientSettingsConfig } from './clientSettings.js';
import {
  checkSupervisionTogether, isProbedClient, SUPERVISION_CLIENT_KEYS, SUPERVISION_TOP_KEYS, validateSupervisionClient, validateSupervisionSection,
  type SupervisionClientConfig, type SupervisionConfig,
} from './supervision.js';

export type { ClientConfig, ClientKind } from './client.js';

export type SmtpTls = 'starttls' | 'tls' | 'none';

export interface HookConfig {
  command: string[];
  events: EventType[];
  timeoutMs: number;
}

export interface SmtpConfig {
  host: string;
  port: number;
  tls: SmtpTls;
  username: string;
  /** Empty: no authentication. Never logged. */
  password: string;
  caFile: string | null;
}

export interface ServerConfig {
  listenAddress: string;
  listenPort: number;
  clientLogDir: string;
  downIntervalMs: number;
  /** Null: no SMTP server; alerts are appended to `outboxFile`. */
  smtp: SmtpConfig | null;
  outboxFile: string;
  alertAddresses: string[];
  alertFrom: string;
  alertTimezone: string;
  /** The clients of `clients`, in order. */
  clients: ClientConfig[];
  /** The sensors of `clients_file` (none without one); allClients() gives both. */
  fleet: SensorFleet;
  /** Every NM1 sensor's key, ready for checking MACs (never logged). */
  keys: HmacKeys;
  hooks: HookConfig[];
  /** Storm control: when alerts are summarised instead of sent one by one (server/alerts/storm.ts). */
  alertLimits: StormLimits;
  /** Datagrams per second accepted from one source address before the rest are dropped unread; 0: no limit. */
  sourceRateLimit: number;
  /** How many gateway checks' clients (`<sensor>/<check>`) one sensor may make. */
  maxChecksPerSensor: number;
  /** The HTTP listener; null when not configured. */
  http: HttpConfig | null;
  supervision: SupervisionConfig | null;
  /** The alert channels and which clients' alerts go to which (server/alerts/channels/config.ts). */
  channels: ChannelsConfig;
  /** How heartbeat loss between outages is judged (server/config/evidence.ts). */
  evidence: EvidenceConfig;
  /** `clients.<id>.group` by client, for the ISP-wide note of a storm of downs. */
  groups: ReadonlyMap<string, string>;
  /** Reminders while a client stays down (server/alerts/reminders/). */
  reminders: RemindersConfig;
  /** Log analysis (server/analysis/); null when not configured. */
  logAnalysis: LogAnalysisConfig | null;
  /** Recurring maintenance windows (server/alerts/maintenance/windows.ts). */
  maintenance: RecurringWindow[];
}

/** The top-level keys. */
export const SERVER_KEYS: readonly string[] = [
  'username', 'password', 'password_file', 'smtp_server', 'smtp_port', 'smtp_tls', 'smtp_ca_file', 'alert_address',
  'alert_from', 'alert_timezone', 'alert_outbox', 'client_log_dir', 'listen_port', 'listen_address', 'down_interval',
  'clients', 'clients_file', 'hooks', 'source_rate_limit', 'max_checks_per_sensor', 'alert_limits', 'evidence', 'maintenance', ...CHANNEL_TOP_KEYS, ...REMINDER_KEYS, ...HTTP_TOP_KEYS, ...SUPERVISION_TOP_KEYS, ...LOG_ANALYSIS_TOP_KEYS,
];
/** The keys of a `clients` entry. */
export const CLIENT_KEYS: readonly string[] = ['key', 'key_file', 'legacy', 'down_interval', ...CLIENT_SETTINGS_KEYS, ...CHANNEL_CLIENT_KEYS, ...REMINDER_KEYS, ...REPORT_CLIENT_KEYS, ...HTTP_CLIENT_KEYS, ...SUPERVISION_CLIENT_KEYS];
export const ALERT_LIMITS_KEYS: readonly string[] = ['storm_threshold', 'storm_window', 'flap_changes', 'flap_window', 'flap_quiet', 'hourly_cap', 'storm_hold'];
export const HOOK_KEYS: readonly string[] = ['command', 'events', 'timeout'];
const TLS_MODES: readonly SmtpTls[] = ['starttls', 'tls', 'none'];
const EVENT_TYPES: readonly EventType[] = ['down', 'up', 'boot'];
export const DEFAULT_DOWN_INTERVAL_MS = 180_000;

export interface Environment {
  [name: string]: string | undefined;
}

/**
 * A `*_file` setting: `%d/NAME` is NAME in systemd's credentials folder ($CREDENTIALS_DIRECTORY,
 * from LoadCredential=); other relative paths are relative to the configuration file.
 */
export function secretPath(value: string, key: string, configDir: string, env: Environment): string {
  if (value.startsWith('%d/')) {
    const credentials = env.CREDENTIALS_DIRECTORY;
    if (credentials === undefined) throw new ConfigError(key, 'uses %d/ but CREDENTIALS_DIRECTORY is not set (it is set by systemd LoadCredential=)');
    return join(credentials, value.slice(3));
  }
  return resolve(configDir, value);
}

function smtpPassword(raw: JsonObject, configDir: string, env: Environment): string {
  // Checked here rather than by optionalString, whose message would repeat the value.
  if (raw.password !== undefined && raw.password !== null && typeof raw.password !== 'string') {
    throw new ConfigError('password', 'must be a string (in quotes); its value is not shown here');
  }
  const inline = optionalString(raw, 'password');
  const file = optionalString(raw, 'password_file');
  if (inline !== undefined && inline !== '' && file !== undefined) throw new ConfigError('password_file', 'give either password or password_file, not both');
  if (file !== undefined) return readSecretFile(secretPath(file, 'password_file', configDir, env), 'password_file');
  if (inline !== undefined && inline !== '') return inline;
  if (env.NETMONITOR_SMTP_PASSWORD !== undefined) return env.NETMONITOR_SMTP_PASSWORD;
  if (env.CREDENTIALS_DIRECTORY !== undefined) {
    try {
      return readSecretFile(join(env.CREDENTIALS_DIRECTORY, 'smtp_password'), 'password');
    } catch {
      return '';
    }
  }
  return '';
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function addresses(raw: JsonObject, required: boolean): string[] {
  const value = raw.alert_address;
  if (value === undefined || value === null) {
    if (required) throw new ConfigError('alert_address', 'is required when smtp_server is set (an e-mail address or a list of them)');
    return [];
  }
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 && required) throw new ConfigError('alert_address', 'must name at least one address');
  return list.map((entry, index) => {
    const key = Array.isArray(value) ? `alert_address[${index}]` : 'alert_address';
    if (typeof entry !== 'string' || !/^[^\s@<>]+@[^\s@<>]+$/.test(entry)) {
      throw new ConfigError(key, `must be an e-mail address such as 5551234567@sms.example.net, not ${JSON.stringify(entry)}`);
    }
    return entry;
  });
}

function clientList(raw: JsonObject, defaultDownMs: number, configDir: string, env: Environment, keys: HmacKeys): ClientConfig[] {
  const value = raw.clients;
  if (value === undefined || value === null) return [];
  if (!isObject(value)) throw new ConfigError('clients', 'must be an object mapping a sensor id or a legacy IP address to its settings');
  // Each client is written out as one literal of the same shape: objects built by spreading
  // a common part get a hidden class each in V8, hundreds of bytes per client.
  const client = (id: string, kind: ClientKind, keySlot: number | null, downIntervalMs: number, settings: ClientSettingsConfig | null, http: HttpClientConfig | null, supervision: SupervisionClientConfig | null): ClientConfig => (
    { id, kind, legacy: kind === 'legacy', keySlot, downIntervalMs, settings, http, supervision }
  );
  return Object.entries(value).map(([id, settings]) => {
    const problem = clientIdProblem(id);
    if (problem !== null) throw new ConfigError('clients', problem);
    const key = `clients.${id}`;
    if (!isObject(settings)) throw new ConfigError(key, 'must be an object such as {"key": "<64 hex digits>"} or {"legacy": true}');
    checkKnownKeys(settings, CLIENT_KEYS, `${key}.`);
    reportLabels(settings, key);
    const downIntervalMs = settings.down_interval === undefined ? defaultDownMs : parseDuration(settings.down_interval, `${key}.down_interval`);
    const own = validateClientSettings(settings, key);
    const http = validateHttpClient(settings, key);
    const supervision = validateSupervisionClient(settings, key, configDir);
    if (settings.legacy !== undefined && typeof settings.legacy !== 'boolean') throw new ConfigError(`${key}.legacy`, 'must be true or false');
    if (settings.legacy === true) {
      if (isIP(id) === 0) throw new ConfigError(key, 'a legacy client is named by its IP address (such as 203.0.113.7)');
      if (settings.key !== undefined || settings.key_file !== undefined) throw new ConfigError(`${key}.key`, 'a legacy client has no key');
      return client(id, 'legacy', null, downIntervalMs, own, http, supervision);
    }
    if (!isSensorId(id)) throw new ConfigError(key, 'a client id is 1 to 64 of the characters A-Z a-z 0-9 . _ -');
    if (settings.key === undefined && settings.key_file === undefined) {
      if (isHttpClient(http)) return client(id, 'http', null, downIntervalMs, own, http, supervision);
      if (isProbedClient(supervision)) return client(id, 'probe', null, downIntervalMs, own, http, supervision);
    }
    const keyFile = optionalString(settings, 'key_file', `${key}.key_file`);
    const keyText = keyFile !== undefined ? readSecretFile(secretPath(keyFile, `${key}.key_file`, configDir, env), `${key}.key_file`).trim() : settings.key;
    const sensorKey = parseKey(keyText);
    if (sensorKey === null) {
      throw new ConfigError(keyFile !== undefined ? `${key}.key_file` : `${key}.key`, 'must be 64 hex digits (32 bytes; `netmonitor keygen` makes one)');
    }
    return client(id, 'nm1', keys.add(sensorKey), downIntervalMs, own, http, supervision);
  });
}

/** The sensors of `clients_file`, each id once over it and `clients`. */
function fleetOf(raw: JsonObject, clients: readonly ClientConfig[], defaultDownMs: number, configDir: string, env: Environment, keys: HmacKeys): SensorFleet {
  const file = optionalString(raw, 'clients_file');
  if (file === undefined) return new SensorFleet(keys.size);
  return readClientsFile(secretPath(file, 'clients_file', configDir, env), 'clients_file', keys, defaultDownMs, new Set(clients.map((c) => c.id)));
}

/** Every configured client: those of `clients`, then those of `clients_file`. */
export function* allClients(config: Pick<ServerConfig, 'clients' | 'fleet'>): Iterable<ClientConfig> {
  yield* config.clients;
  yield* config.fleet.configs();
}

function alertLimits(raw: JsonObject): StormLimits {
  const value = raw.alert_limits;
  if (value === undefined || value === null) return { ...DEFAULT_LIMITS };
  if (!isObject(value)) throw new ConfigError('alert_limits', 'must be an object such as {"hourly_cap": 20}');
  checkKnownKeys(value, ALERT_LIMITS_KEYS, 'alert_limits.');
  const duration = (key: string, fallback: number): number =>
    value[key] === undefined ? fallback : parseDuration(value[key], `alert_limits.${key}`);
  return {
    stormThreshold: integerIn(value, 'storm_threshold', 1, 1_000_000, DEFAULT_LIMITS.stormThreshold, 'alert_limits.storm_threshold'),
    stormWindowMs: duration('storm_window', DEFAULT_LIMITS.stormWindowMs),
    flapChanges: integerIn(value, 'flap_changes', 2, 1_000_000, DEFAULT_LIMITS.flapChanges, 'alert_limits.flap_changes'),
    flapWindowMs: duration('flap_window', DEFAULT_LIMITS.flapWindowMs),
    flapQuietMs: duration('flap_quiet', DEFAULT_LIMITS.flapQuietMs),
    hourlyCap: integerIn(value, 'hourly_cap', 1, 1_000_000, DEFAULT_LIMITS.hourlyCap, 'alert_limits.hourly_cap'),
    holdMs: stormHold(value.storm_hold),
  };
}

/** `storm_hold`: a duration up to an hour (every alert waits that long), or 0 to send at once. */
function stormHold(value: unknown): number {
  if (value === undefined) return DEFAULT_LIMITS.holdMs;
  const ms = parseDurationOrZero(value, 'alert_limits.storm_hold');
  if (ms > 3_600_000) throw new ConfigError('alert_limits.storm_hold', 'must be at most 1 hour: every alert waits that long');
  return ms;
}

function hookList(raw: JsonObject): HookConfig[] {
  const value = raw.hooks;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError('hooks', 'must be a list of {"command": [...], "events": [...], "timeout": ...}');
  return value.map((hook, index) => {
    const key = `hooks[${index}]`;
    if (!isObject(hook)) throw new ConfigError(key, 'must be an object with command, events and timeout');
    checkKnownKeys(hook, HOOK_KEYS, `${key}.`);
    const command = hook.command;
    if (!Array.isArray(command) || command.length === 0 || !command.every((a) => typeof a === 'string') || command[0] === '') {
      throw new ConfigError(`${key}.command`, 'must be a non-empty list of strings: the program and its arguments (no shell is used)');
    }
    const events = hook.events ?? EVENT_TYPES;
    if (!Array.isArray(events) || events.length === 0 || !events.every((e) => (EVENT_TYPES as readonly unknown[]).includes(e))) {
      throw new ConfigError(`${key}.events`, `must be a non-empty list of ${EVENT_TYPES.join(', ')}`);
    }
    const timeoutMs = hook.timeout === undefined ? 10_000 : parseDuration(hook.timeout, `${key}.timeout`);
    return { command: command as string[], events: events as EventType[], timeoutMs };
  });
}

/** Validates a parsed configuration object. `configPath` anchors relative paths. */
export function validateServerConfig(raw: JsonObject, configPath: string, env: Environment = process.env): ServerConfig {
  checkKnownKeys(raw, SERVER_KEYS);
  const configDir = dirname(resolve(configPath));
  const listenAddress = optionalString(raw, 'listen_address') ?? '0.0.0.0';
  if (isIP(listenAddress) === 0 && listenAddress !== 'localhost') {
    throw new ConfigError('listen_address', `must be an IP address such as 0.0.0.0, :: or 127.0.0.1, not ${JSON.stringify(listenAddress)}`);
  }
  const listenPort = integerIn(raw, 'listen_port', 0, 65535, 7777);
  const clientLogDir = resolve(configDir, requiredString(raw, 'client_log_dir'));
  const downIntervalMs = raw.down_interval === undefined ? DEFAULT_DOWN_INTERVAL_MS : parseDuration(raw.down_interval, 'down_interval');

  const smtpServer = optionalString(raw, 'smtp_server');
  let smtp: SmtpConfig | null = null;
  const username = optionalString(raw, 'username') ?? '';
  if (smtpServer !== undefined && smtpServer !== '') {
    const tls = oneOf(raw, 'smtp_tls', TLS_MODES, 'starttls');
    const password = smtpPassword(raw, configDir, env);
    if (password !== '' && username === '') throw new ConfigError('username', 'is required when a password is set (the SMTP login)');
    if (password !== '' && tls === 'none' && !isLoopbackHost(smtpServer)) {
      throw new ConfigError('smtp_tls', 'is "none", which would send the SMTP password unencrypted; use "starttls" or "tls"');
    }
    const caFile = optionalString(raw, 'smtp_ca_file');
    smtp = {
      host: smtpServer,
      port: integerIn(raw, 'smtp_port', 1, 65535, tls === 'tls' ? 465 : 587),
      tls,
      username,
      password,
      caFile: caFile === undefined ? null : resolve(configDir, caFile),
    };
  }
  const alertAddresses = addresses(raw, smtp !== null);
  const alertFrom = optionalString(raw, 'alert_from') ?? (username.includes('@') ? username : 'netmonitor@localhost');
  if (!alertFrom.includes('@')) throw new ConfigError('alert_from', 'must be an e-mail address (it defaults to username)');
  const alertTimezone = optionalString(raw, 'alert_timezone') ?? 'UTC';
  if (!IANAZone.isValidZone(alertTimezone)) throw new ConfigError('alert_timezone', `must be an IANA time zone such as UTC or America/Chicago, not ${JSON.stringify(alertTimezone)}`);
  const outbox = optionalString(raw, 'alert_outbox');
  const keys = new HmacKeys();
  const clients = clientList(raw, downIntervalMs, configDir, env, keys);

  const config: ServerConfig = {
    listenAddress,
    listenPort,
    clientLogDir,
    downIntervalMs,
    smtp,
    outboxFile: outbox !== undefined ? resolve(configDir, outbox) : join(clientLogDir, '@outbox.mbox'),
    alertAddresses: alertAddresses.length > 0 ? alertAddresses : ['alerts@localhost'],
    alertFrom,
    alertTimezone,
    clients,
    fleet: fleetOf(raw, clients, downIntervalMs, configDir, env, keys),
    keys,
    hooks: hookList(raw),
    evidence: evidenceOf(raw),
    groups: new Map([...labelsOfConfig(raw)].flatMap(([id, labels]) => (labels.group === null ? [] : [[id, labels.group] as const]))),
    alertLimits: alertLimits(raw),
    sourceRateLimit: integerIn(raw, 'source_rate_limit', 0, 10_000_000, SOURCE_LIMIT_PER_SECOND),
    maxChecksPerSensor: integerIn(raw, 'max_checks_per_sensor', 0, 1000, DEFAULT_MAX_CHECKS_PER_SENSOR),
    http: validateHttpSection(raw, (value, key) => secretPath(value, key, configDir, env)),
    supervision: validateSupervisionSection(raw, configDir),
    channels: validateChannels(raw, (value, key) => secretPath(value, key, configDir, env), env),
    reminders: validateReminders(raw),
    logAnalysis: validateLogAnalysis(raw, (value, key) => secretPath(value, key, configDir, env), env),
    maintenance: parseMaintenance(raw.maintenance, alertTimezone),
  };
  checkSupervisionTogether(config.supervision, config.clients);
  return deepFreeze(config);
}

export function loadServerConfig(path: string, env: Environment = process.env): ServerConfig {
  return validateServerConfig(readJsonConfig(path), path, env);
}
