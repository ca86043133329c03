/**
 * The `log_analysis` section: where the logs come from (files, the journal, a command over
 * SSH), the OpenAI-compatible endpoint that reads them, and what of its findings alerts.
 * Validated once, at start, by server/config/server.ts; every error names the key and never
 * shows a secret. Every command is an argv list from this file: nothing read from a log or a
 * model's reply ever becomes part of one.
 */
import { isIP } from 'node:net';
import {
  checkKnownKeys, httpUrl, integerIn, isObject, oneOf, optionalString, readSecretFile, requiredString, type JsonObject,
} from '../../shared/configCheck.js';
import { parseDuration } from '../../shared/duration.js';
import { ConfigError } from '../../shared/errors.js';

export const LOG_ANALYSIS_TOP_KEYS: readonly string[] = ['log_analysis'];
export const LOG_ANALYSIS_KEYS: readonly string[] = [
  'endpoint', 'sources', 'min_alert_severity', 'daily_token_budget', 'quiet_period', 'redact_emails', 'redact_macs', 'state_file',
];
export const ENDPOINT_KEYS: readonly string[] = ['base_url', 'model', 'api_key_file', 'timeout', 'max_tokens'];
export const SOURCE_KEYS: readonly string[] = [
  'name', 'type', 'every', 'path', 'unit', 'host', 'port', 'user', 'key_file', 'password_file', 'host_key_sha256', 'command', 'include', 'exclude', 'max_lines', 'timeout',
];
/** The environment variable that may hold the endpoint's API key instead of api_key_file. */
export const API_KEY_ENV = 'NETMONITOR_LLM_API_KEY';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface EndpointConfig {
  /** Without a trailing slash; `/chat/completions` is appended. */
  baseUrl: string;
  model: string;
  /** Never logged; null: no Authorization header (a local Ollama). */
  apiKey: string | null;
  timeoutMs: number;
  maxTokens: number;
}

interface SourceCommon {
  name: string;
  everyMs: number;
  include: RegExp[];
  exclude: RegExp[];
  /** At most this many new lines are read per run; the rest wait for the next one. */
  maxLines: number;
  timeoutMs: number;
}

export interface FileSource extends SourceCommon {
  type: 'file';
  path: string;
}

export interface JournalSource extends SourceCommon {
  type: 'journal';
  /** Null: the whole journal. */
  unit: string | null;
}

export interface SshSource extends SourceCommon {
  type: 'ssh';
  host: string;
  port: number;
  user: string;
  /** One of privateKey / password is set. Never logged. */
  privateKey: string | null;
  password: string | null;
  /** `SHA256:<base64>` as `ssh-keygen -lf` prints it; the only host key accepted. */
  hostKeySha256: string;
  /** Arguments, quoted one by one for the remote shell. */
  command: string[];
}

export type LogSource = FileSource | JournalSource | SshSource;

export interface LogAnalysisConfig {
  /** Null: deterministic rules only, no model. */
  endpoint: EndpointConfig | null;
  sources: LogSource[];
  /** Findings at or above this severity go through the alert path. */
  minAlertSeverity: Severity;
  /** Tokens (prompt and completion, as the endpoint's `usage` says) per UTC day; 0: no limit. */
  dailyTokenBudget: number;
  /** A finding unseen this long alerts again when it returns. */
  quietPeriodMs: number;
  redactEmails: boolean;
  redactMacs: boolean;
  /** Null: `@log-analysis.json` in the client log folder. */
  stateFile: string | null;
}

type SecretPath = (value: string, key: string) => string;
type Env = Record<string, string | undefined>;

const duration = (object: JsonObject, key: string, fallback: number, path: string): number =>
  object[key] === undefined || object[key] === null ? fallback : parseDuration(object[key], path);

function flag(object: JsonObject, key: string, fallback: boolean, path: string): boolean {
  const value = object[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new ConfigError(path, 'must be true or false');
  return value;
}

function patterns(value: unknown, key: string): RegExp[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' && p !== '')) throw new ConfigError(key, 'must be a list of regular expressions (strings)');
  return value.map((pattern: string, i) => {
    try {
      return new RegExp(pattern, 'i');
    } catch {
      throw new ConfigError(`${key}[${i}]`, `is not a valid regular expression: ${JSON.stringify(pattern)}`);
    }
  });
}

function argv(value: unknown, key: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((a) => typeof a === 'string') || value[0] === '') {
    throw new ConfigError(key, 'must be a non-empty list of strings: the program and its arguments, such as ["logread"] or ["tail", "-n", "2000", "/var/log/firewall.log"]');
  }
  return value as string[];
}

function isLoopback(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

function endpoint(raw: unknown, secretPath: SecretPath, env: Env): EndpointConfig | null {
  if (raw === undefined || raw === null) return null;
  const key = 'log_analysis.endpoint';
  if (!isObject(raw)) throw new ConfigError(key, 'must be an object such as {"base_url": "http://127.0.0.1:11434/v1", "model": "llama3.1"}');
  checkKnownKeys(raw, ENDPOINT_KEYS, `${key}.`);
  const baseUrl = requiredString(raw, 'base_url', `${key}.base_url`);
  const url = httpUrl(baseUrl, `${key}.base_url`, 'http://127.0.0.1:11434/v1');
  const keyFile = optionalString(raw, 'api_key_file', `${key}.api_key_file`);
  const apiKey = keyFile !== undefined
    ? readSecretFile(secretPath(keyFile, `${key}.api_key_file`), `${key}.api_key_file`).trim()
    : (env[API_KEY_ENV] ?? '').trim();
  if (apiKey !== '' && url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new ConfigError(`${key}.base_url`, 'is http:// to another machine, which would send the API key and the logs unencrypted; use https://');
  }
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    model: requiredString(raw, 'model', `${key}.model`),
    apiKey: apiKey === '' ? null : apiKey,
    timeoutMs: duration(raw, 'timeout', 120_000, `${key}.timeout`),
    maxTokens: integerIn(raw, 'max_tokens', 64, 1_000_000, 2048, `${key}.max_tokens`),
  };
}

function source(raw: unknown, key: string, secretPath: SecretPath): LogSource {
  if (!isObject(raw)) throw new ConfigError(key, 'must be an object such as {"name": "router", "type": "file", "every": "30m", "path": "/var/log/messages"}');
  checkKnownKeys(raw, SOURCE_KEYS, `${key}.`);
  const name = requiredString(raw, 'name', `${key}.name`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new ConfigError(`${key}.name`, 'must be 1 to 64 of the characters A-Z a-z 0-9 . _ -');
  if (raw.type === undefined) throw new ConfigError(`${key}.type`, 'is required: "file", "journal" or "ssh"');
  const type = oneOf(raw, 'type', ['file', 'journal', 'ssh'] as const, 'file', `${key}.type`);
  const only = (allowed: string[]): void => {
    for (const k of ['path', 'unit', 'host', 'port', 'user', 'key_file', 'password_file', 'host_key_sha256', 'command']) {
      if (!allowed.includes(k) && raw[k] !== undefined) throw new ConfigError(`${key}.${k}`, `is not used by a "${type}" source`);
    }
  };
  const common: SourceCommon = {
    name,
    everyMs: duration(raw, 'every', 1_800_000, `${key}.every`),
    include: patterns(raw.include, `${key}.include`),
    exclude: patterns(raw.exclude, `${key}.exclude`),
    maxLines: integerIn(raw, 'max_lines', 1, 1_000_000, 5000, `${key}.max_lines`),
    timeoutMs: duration(raw, 'timeout', 30_000, `${key}.timeout`),
  };
  if (common.everyMs < 10_000) throw new ConfigError(`${key}.every`, 'must be at least 10 seconds');
  if (type === 'file') {
    only(['path']);
    return { ...common, type, path: secretPath(requiredString(raw, 'path', `${key}.path`), `${key}.path`) };
  }
  if (type === 'journal') {
    only(['unit']);
    const unit = optionalString(raw, 'unit', `${key}.unit`);
    if (unit !== undefined && !/^[A-Za-z0-9@._:\\-]{1,255}$/.test(unit)) throw new ConfigError(`${key}.unit`, 'must be a systemd unit name such as pppd.service');
    return { ...common, type, unit: unit ?? null };
  }
  only(['host', 'port', 'user', 'key_file', 'password_file', 'host_key_sha256', 'command']);
  const host = requiredString(raw, 'host', `${key}.host`);
  if (!/^[A-Za-z0-9.:_-]+$/.test(host) || host.startsWith('-')) throw new ConfigError(`${key}.host`, `must be a host name or an IP address, not ${JSON.stringify(host)}`);
  const keyFile = optionalString(raw, 'key_file', `${key}.key_file`);
  const passwordFile = optionalString(raw, 'password_file', `${key}.password_file`);
  if (keyFile === undefined && passwordFile === undefined) throw new ConfigError(`${key}.key_file`, 'an ssh source needs key_file or password_file');
  const fingerprint = requiredString(raw, 'host_key_sha256', `${key}.host_key_sha256`);
  if (!/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(fingerprint)) {
    throw new ConfigError(`${key}.host_key_sha256`, 'must be the host key fingerprint as `ssh-keygen -lf KEY.pub` prints it: SHA256: and 43 base64 characters');
  }
  return {
    ...common,
    type,
    host,
    port: integerIn(raw, 'port', 1, 65535, 22, `${key}.port`),
    user: requiredString(raw, 'user', `${key}.user`),
    privateKey: keyFile === undefined ? null : readSecretFile(secretPath(keyFile, `${key}.key_file`), `${key}.key_file`),
    password: passwordFile === undefined ? null : readSecretFile(secretPath(passwordFile, `${key}.password_file`), `${key}.password_file`),
    hostKeySha256: fingerprint.replace(/=$/, ''),
    command: argv(raw.command, `${key}.command`),
  };
}

/** The `log_analysis` section of the server config; null when there is none. */
export function validateLogAnalysis(config: JsonObject, secretPath: SecretPath, env: Env): LogAnalysisConfig | null {
  const raw = config.log_analysis;
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) throw new ConfigError('log_analysis', 'must be an object with "sources" (and usually "endpoint")');
  checkKnownKeys(raw, LOG_ANALYSIS_KEYS, 'log_analysis.');
  const list = raw.sources;
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError('log_analysis.sources', 'must be a non-empty list of sources');
  const sources = list.map((s, i) => source(s, `log_analysis.sources[${i}]`, secretPath));
  const seen = new Set<string>();
  sources.forEach((s, i) => {
    if (seen.has(s.name)) throw new ConfigError(`log_analysis.sources[${i}].name`, `${JSON.stringify(s.name)} is the name of an earlier source`);
    seen.add(s.name);
  });
  const stateFile = optionalString(raw, 'state_file', 'log_analysis.state_file');
  return {
    endpoint: endpoint(raw.endpoint, secretPath, env),
    sources,
    minAlertSeverity: oneOf(raw, 'min_alert_severity', SEVERITIES, 'high', 'log_analysis.min_alert_severity'),
    dailyTokenBudget: integerIn(raw, 'daily_token_budget', 0, 1_000_000_000, 200_000, 'log_analysis.daily_token_budget'),
    quietPeriodMs: duration(raw, 'quiet_period', 21_600_000, 'log_analysis.quiet_period'),
    redactEmails: flag(raw, 'redact_emails', true, 'log_analysis.redact_emails'),
    redactMacs: flag(raw, 'redact_macs', false, 'log_analysis.redact_macs'),
    stateFile: stateFile === undefined ? null : secretPath(stateFile, 'log_analysis.state_file'),
  };
}
