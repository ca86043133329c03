/**
 * Configuration of the HTTP side (the `http` section, `self_check_url`, and a client's
 * `token_sha256`). server/config/server.ts calls these validators once at start; they throw
 * ConfigError naming the key. A client's grace and schedule are core settings
 * (server/config/clientSettings.ts).
 */
import { isIP } from 'node:net';
import { checkKnownKeys, httpUrl, integerIn, isObject, optionalString, type JsonObject } from '../../shared/configCheck.js';
import { parseDuration } from '../../shared/duration.js';
import { ConfigError } from '../../shared/errors.js';
import { readTlsPairForConfig, type TlsFilesConfig } from '../http/tlsFiles.js';

/** Top-level keys this module reads. */
export const HTTP_TOP_KEYS: readonly string[] = ['http', 'self_check_url', 'self_check_interval'];
/** Per-client keys this module reads. */
export const HTTP_CLIENT_KEYS: readonly string[] = ['token_sha256'];

export const HTTP_SECTION_KEYS: readonly string[] = ['listen_address', 'port', 'admin_token_sha256', 'require_token_for_reads', 'auth_failures_per_minute', 'tls_cert_file', 'tls_key_file', 'public_url'];
export const DEFAULT_HTTP_PORT = 8080;
export const DEFAULT_SELF_CHECK_MS = 60_000;

/** What this module runs: null when neither the listener nor the self-check is configured. */
export interface HttpConfig {
  /** The HTTP listener (the `http` section); null: off. */
  listener: HttpListenerConfig | null;
  selfCheck: SelfCheckConfig | null;
}

export interface HttpListenerConfig {
  listenAddress: string;
  port: number;
  /** SHA-256 of the admin bearer token; null: no writes over HTTP at all. */
  adminTokenSha256: Buffer | null;
  /** When true, every read (API, metrics) needs the admin token too. */
  requireTokenForReads: boolean;
  /** Failed authentications per source address and minute before that address gets 429. */
  authFailuresPerMinute: number;
  /** HTTPS with this certificate and key; null: plain HTTP (for loopback or behind a proxy). */
  tls: TlsFilesConfig | null;
  /** Where a phone reaches this listener, for the acknowledgement links in alerts; null: no links. */
  publicUrl: string | null;
}

/** Turns a `*_file` setting into a path (relative to the configuration, or systemd's `%d/`). */
export type FilePath = (value: string, key: string) => string;

/** The monitor's own dead-man's switch, read from the top level. */
export interface SelfCheckConfig {
  url: string;
  intervalMs: number;
}

export interface HttpClientConfig {
  /** SHA-256 of the client's bearer token. */
  tokenSha256: Buffer;
}

export function sha256Hex(value: unknown, key: string): Buffer {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value)) {
    // The value is not repeated: someone may have pasted the token itself here.
    throw new ConfigError(key, 'must be the SHA-256 of the token as 64 hex digits (`netmonitor keygen --http CLIENT`, or `--librenms` for the LibreNMS alert token, prints it); its value is not shown here');
  }
  return Buffer.from(value, 'hex');
}

/** The `http` section and the self-check; null when neither is configured. */
export function validateHttpSection(raw: JsonObject, filePath: FilePath): HttpConfig | null {
  const listener = validateListener(raw, filePath);
  const selfCheck = validateSelfCheck(raw);
  return listener === null && selfCheck === null ? null : { listener, selfCheck };
}

function validateListener(raw: JsonObject, filePath: FilePath): HttpListenerConfig | null {
  const section = raw.http;
  if (section === undefined || section === null) return null;
  if (!isObject(section)) throw new ConfigError('http', 'must be an object such as {"listen_address": "127.0.0.1", "port": 8080}');
  checkKnownKeys(section, HTTP_SECTION_KEYS, 'http.');
  const listenAddress = optionalString(section, 'listen_address', 'http.listen_address') ?? '127.0.0.1';
  if (isIP(listenAddress) === 0 && listenAddress !== 'localhost') {
    throw new ConfigError('http.listen_address', `must be an IP address such as 127.0.0.1 or ::1, not ${JSON.stringify(listenAddress)}`);
  }
  const requireTokenForReads = section.require_token_for_reads ?? false;
  if (typeof requireTokenForReads !== 'boolean') throw new ConfigError('http.require_token_for_reads', 'must be true or false');
  const adminTokenSha256 = section.admin_token_sha256 === undefined || section.admin_token_sha256 === null
    ? null
    : sha256Hex(section.admin_token_sha256, 'http.admin_token_sha256');
  if (requireTokenForReads && adminTokenSha256 === null) throw new ConfigError('http.require_token_for_reads', 'needs http.admin_token_sha256');
  return {
    listenAddress,
    port: integerIn(section, 'port', 0, 65535, DEFAULT_HTTP_PORT, 'http.port'),
    adminTokenSha256,
    requireTokenForReads,
    authFailuresPerMinute: integerIn(section, 'auth_failures_per_minute', 1, 1_000_000, 20, 'http.auth_failures_per_minute'),
    tls: validateTls(section, filePath),
    publicUrl: publicUrl(section),
  };
}

function publicUrl(section: JsonObject): string | null {
  const value = optionalString(section, 'public_url', 'http.public_url');
  if (value === undefined) return null;
  const url = httpUrl(value, 'http.public_url');
  if (url.search !== '' || url.hash !== '') throw new ConfigError('http.public_url', 'must have no query or fragment: the links add their own');
  return value.replace(/\/+$/, '');
}

function validateTls(section: JsonObject, filePath: FilePath): TlsFilesConfig | null {
  const cert = optionalString(section, 'tls_cert_file', 'http.tls_cert_file');
  const key = optionalString(section, 'tls_key_file', 'http.tls_key_file');
  if (cert === undefined && key === undefined) return null;
  if (cert === undefined) throw new ConfigError('http.tls_cert_file', 'is needed with http.tls_key_file (the certificate chain, PEM)');
  if (key === undefined) throw new ConfigError('http.tls_key_file', 'is needed with http.tls_cert_file (the private key, PEM)');
  const files = { certFile: filePath(cert, 'http.tls_cert_file'), keyFile: filePath(key, 'http.tls_key_file') };
  readTlsPairForConfig(files);
  return files;
}

/** `self_check_url` and `self_check_interval`, or null when there is no URL. */
export function validateSelfCheck(raw: JsonObject): SelfCheckConfig | null {
  const url = optionalString(raw, 'self_check_url');
  if (url === undefined || url === '') {
    if (raw.self_check_interval !== undefined) throw new ConfigError('self_check_interval', 'needs self_check_url');
    return null;
  }
  httpUrl(url, 'self_check_url', 'https://hc.example.net/ping/UUID');
  const intervalMs = raw.self_check_interval === undefined ? DEFAULT_SELF_CHECK_MS : parseDuration(raw.self_check_interval, 'self_check_interval');
  return { url, intervalMs };
}

/** Per-client settings of this module; null when the client has no token. */
export function validateHttpClient(settings: JsonObject, key: string): HttpClientConfig | null {
  if (settings.token_sha256 === undefined) return null;
  return { tokenSha256: sha256Hex(settings.token_sha256, `${key}.token_sha256`) };
}

/** True when the client sends its heartbeats over HTTP (it has a token). */
export function isHttpClient(client: HttpClientConfig | null): boolean {
  return client !== null;
}
