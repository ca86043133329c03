/**
 * The `channels`, `alert_channels` and per-client `channels` keys (docs/alerts.md). Each channel
 * is an object with a `type`, or, for the native types, one Apprise-style URL string
 * (`"phone": "ntfys://ntfy.sh/my-topic"`). Secrets (tokens, passwords, webhook URLs) may be
 * given inline, as `<key>_file` (a path, or `%d/NAME` for systemd credentials), or in the
 * environment as NETMONITOR_CHANNEL_<NAME>_<KEY>. Errors name the key; they never repeat a
 * secret, and show a URL only as its scheme and host.
 */
import { checkKnownKeys, httpUrl as checkHttpUrl, isObject, optionalString, readSecretFile, type JsonObject } from '../../../shared/configCheck.js';
import { parseDuration } from '../../../shared/duration.js';
import { ConfigError } from '../../../shared/errors.js';
import { DEFAULT_TIMEOUT_MS } from './http.js';
import { urlOrigin } from '../../../shared/redact.js';
import { parseQuietHours, type ChannelAttention } from '../quiet/hours.js';
import type { AppriseConfig } from './apprise.js';
import type { DiscordConfig } from './discord.js';
import type { NtfyConfig } from './ntfy.js';
import type { PushoverConfig } from './pushover.js';
import type { SlackConfig } from './slack.js';
import type { TelegramConfig } from './telegram.js';
import type { WebhookConfig } from './webhook.js';

export const EMAIL = 'email';
export const CHANNEL_TOP_KEYS: readonly string[] = ['channels', 'alert_channels'];
export const CHANNEL_CLIENT_KEYS: readonly string[] = ['channels'];

export type PushChannelConfig = (NtfyConfig | TelegramConfig | DiscordConfig | SlackConfig | PushoverConfig | WebhookConfig | AppriseConfig) & {
  name: string;
  /** Safe to log: type, scheme and host. */
  description: string;
};

export interface ChannelsConfig {
  /** Whether the e-mail channel (the SMTP/mbox keys) exists. */
  email: boolean;
  push: PushChannelConfig[];
  /** `alert_channels`, or every channel. */
  defaultRoute: string[];
  /** Per-client `channels`, for the clients that have them. */
  clientRoutes: Record<string, string[]>;
  /** `quiet_hours` and `urgent` of the channels given as objects (the e-mail channel too, as `email`). */
  attention: Record<string, ChannelAttention>;
}

export type { ChannelAttention };

export const ATTENTION_KEYS = ['quiet_hours', 'urgent'];

function attentionOf(settings: JsonObject, prefix: string, defaultZone: string): ChannelAttention {
  const quiet = settings.quiet_hours === undefined || settings.quiet_hours === null ? null : parseQuietHours(settings.quiet_hours, `${prefix}quiet_hours`, defaultZone);
  if (settings.urgent !== undefined && typeof settings.urgent !== 'boolean') throw new ConfigError(`${prefix}urgent`, 'must be true or false');
  return { quiet, urgent: settings.urgent === true };
}

export type SecretPath = (value: string, key: string) => string;

const TYPES = ['email', 'ntfy', 'telegram', 'discord', 'slack', 'pushover', 'webhook', 'apprise'] as const;
const NAME = /^[A-Za-z0-9_-]{1,40}$/;

interface Reader {
  obj: JsonObject;
  prefix: string;
  envPrefix: string;
  secretPath: SecretPath;
  env: Record<string, string | undefined>;
}

/** A secret: inline, `<key>_file`, or NETMONITOR_CHANNEL_<NAME>_<KEY>. Its value never appears in an error. */
function secret(r: Reader, key: string, required: true): string;
function secret(r: Reader, key: string, required: false): string | null;
function secret(r: Reader, key: string, required: boolean): string | null {
  const inline = r.obj[key];
  if (inline !== undefined && inline !== null && (typeof inline !== 'string' || inline === '')) throw new ConfigError(r.prefix + key, 'must be a non-empty string (in quotes); its value is not shown here');
  const file = optionalString(r.obj, `${key}_file`, `${r.prefix}${key}_file`);
  if (typeof inline === 'string' && file !== undefined) throw new ConfigError(`${r.prefix}${key}_file`, `give either ${key} or ${key}_file, not both`);
  if (file !== undefined) {
    const value = readSecretFile(r.secretPath(file, `${r.prefix}${key}_file`), `${r.prefix}${key}_file`).trim();
    if (value === '') throw new ConfigError(`${r.prefix}${key}_file`, 'names an empty file');
    return value;
  }
  if (typeof inline === 'string') return inline;
  const fromEnv = r.env[`${r.envPrefix}${key.toUpperCase()}`];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (required) throw new ConfigError(r.prefix + key, `is required (or ${key}_file, or the environment variable ${r.envPrefix}${key.toUpperCase()})`);
  return null;
}

/** `value` if it is an http:// or https:// URL; a ConfigError naming `key` otherwise. */
function httpUrl(value: string, key: string): string {
  checkHttpUrl(value, key);
  return value;
}

function timeoutOf(r: Reader): number {
  return r.obj.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(r.obj.timeout, `${r.prefix}timeout`);
}

function stringMap(value: unknown, key: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) throw new ConfigError(key, 'must be an object of header names to strings');
  for (const name of Object.keys(value)) if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new ConfigError(`${key}.${name}`, 'is not a valid header name');
  return value as Record<string, string>;
}

function fromObject(name: string, r: Reader): PushChannelConfig {
  const type = r.obj.type;
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) throw new ConfigError(`${r.prefix}type`, `must be one of ${TYPES.join(', ')}`);
  const known = (keys: string[]): void => checkKnownKeys(r.obj, ['type', 'timeout', ...ATTENTION_KEYS, ...keys], r.prefix);
  const timeoutMs = timeoutOf(r);
  switch (type) {
    case 'ntfy': {
      known(['url', 'url_file', 'token', 'token_file', 'username', 'password', 'password_file', 'click']);
      const url = httpUrl(secret(r, 'url', true), `${r.prefix}url`);
      const token = secret(r, 'token', false);
      const username = optionalString(r.obj, 'username', `${r.prefix}username`) ?? null;
      const password = secret(r, 'password', false);
      if (token !== null && username !== null) throw new ConfigError(`${r.prefix}username`, 'give either token or username and password, not both');
      if (password !== null && username === null) throw new ConfigError(`${r.prefix}username`, 'is required with a password');
      const click = optionalString(r.obj, 'click', `${r.prefix}click`) ?? null;
      return { name, type, url, token, username, password, click, timeoutMs, description: `ntfy ${urlOrigin(url)}` };
    }
    case 'telegram': {
      known(['bot_token', 'bot_token_file', 'chat_id', 'api_url']);
      const chat = r.obj.chat_id;
      if (!(typeof chat === 'string' && chat !== '') && !(typeof chat === 'number' && Number.isInteger(chat))) throw new ConfigError(`${r.prefix}chat_id`, 'is required: a chat id (a number such as -1001234567890, or "@channelname")');
      const apiUrl = httpUrl(optionalString(r.obj, 'api_url', `${r.prefix}api_url`) ?? 'https://api.telegram.org', `${r.prefix}api_url`);
      return { name, type, botToken: secret(r, 'bot_token', true), chatId: String(chat), apiUrl, timeoutMs, description: `telegram ${urlOrigin(apiUrl)}` };
    }
    case 'discord':
    case 'slack': {
      known(['webhook_url', 'webhook_url_file']);
      const webhookUrl = httpUrl(secret(r, 'webhook_url', true), `${r.prefix}webhook_url`);
      return { name, type, webhookUrl, timeoutMs, description: `${type} ${urlOrigin(webhookUrl)}` };
    }
    case 'pushover': {
      known(['app_token', 'app_token_file', 'user_key', 'user_key_file', 'api_url']);
      const apiUrl = httpUrl(optionalString(r.obj, 'api_url', `${r.prefix}api_url`) ?? 'https://api.pushover.net', `${r.prefix}api_url`);
      return { name, type, appToken: secret(r, 'app_token', true), userKey: secret(r, 'user_key', true), apiUrl, timeoutMs, description: `pushover ${urlOrigin(apiUrl)}` };
    }
    case 'webhook': {
      known(['url', 'url_file', 'method', 'headers', 'body']);
      const url = httpUrl(secret(r, 'url', true), `${r.prefix}url`);
      const method = r.obj.method ?? 'POST';
      if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') throw new ConfigError(`${r.prefix}method`, 'must be "POST", "PUT" or "PATCH"');
      return { name, type, url, method, headers: stringMap(r.obj.headers, `${r.prefix}headers`), body: r.obj.body ?? null, timeoutMs, description: `webhook ${urlOrigin(url)}` };
    }
    case 'apprise': {
      known(['urls', 'urls_file', 'command']);
      let urls: string[];
      const file = optionalString(r.obj, 'urls_file', `${r.prefix}urls_file`);
      if (file !== undefined) {
        if (r.obj.urls !== undefined) throw new ConfigError(`${r.prefix}urls_file`, 'give either urls or urls_file, not both');
        urls = readSecretFile(r.secretPath(file, `${r.prefix}urls_file`), `${r.prefix}urls_file`).split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
      } else {
        const value = r.obj.urls;
        if (!Array.isArray(value) || !value.every((u) => typeof u === 'string')) throw new ConfigError(`${r.prefix}urls`, 'is required: a list of Apprise URLs (or urls_file, one per line)');
        urls = value as string[];
      }
      if (urls.length === 0) throw new ConfigError(`${r.prefix}urls`, 'must name at least one Apprise URL');
      for (const [index, url] of urls.entries()) {
        if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(url)) throw new ConfigError(`${r.prefix}urls[${index}]`, 'is not an Apprise URL (scheme://…); its value is not shown here');
      }
      const command = optionalString(r.obj, 'command', `${r.prefix}command`) ?? 'apprise';
      return { name, type, urls, command, timeoutMs, description: `apprise (${urls.map((u) => u.replace(/:\/\/.*$/s, '://')).join(', ')})` };
    }
  }
  throw new ConfigError(`${r.prefix}type`, '"email" is the e-mail channel: it takes only quiet_hours and urgent and is set by smtp_server and alert_address');
}

/** One Apprise-style URL for a native type; the same object form, or an error naming only its scheme. */
export function fromUrl(name: string, text: string, key: string): PushChannelConfig {
  const scheme = /^([a-z]+):\/\//.exec(text)?.[1];
  const rest = text.slice((scheme?.length ?? 0) + 3);
  const timeoutMs = DEFAULT_TIMEOUT_MS;
  const bad = (what: string): ConfigError => new ConfigError(key, `${what}; the value is not shown here (see docs/alerts.md for each form)`);
  const [path, query = ''] = rest.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  switch (scheme) {
    case 'ntfy':
    case 'ntfys': {
      // ntfy://topic (ntfy.sh), ntfy://[user:password@]host[:port]/topic (http), ntfys://… (https).
      const match = /^(?:([^:@/]+)(?::([^@/]*))?@)?([^/]+)(?:\/([^/]+))?\/?$/.exec(path);
      if (match === null) throw bad('must be ntfy://TOPIC, ntfy://HOST/TOPIC or ntfys://HOST/TOPIC');
      const [, user, password, host, topic] = match;
      const url = topic === undefined ? `https://ntfy.sh/${host}` : `${scheme === 'ntfys' ? 'https' : 'http'}://${host}/${topic}`;
      const token = params.get('token') ?? params.get('auth');
      return { name, type: 'ntfy', url, token, username: user === undefined ? null : decodeURIComponent(user), password: password === undefined ? null : decodeURIComponent(password), click: null, timeoutMs, description: `ntfy ${urlOrigin(url)}` };
    }
    case 'tgram': {
      const match = /^(?:bot)?(\d+:[A-Za-z0-9_-]+)\/([^/]+)\/?$/.exec(path);
      if (match === null) throw bad('must be tgram://BOT_TOKEN/CHAT_ID');
      return { name, type: 'telegram', botToken: match[1]!, chatId: decodeURIComponent(match[2]!), apiUrl: 'https://api.telegram.org', timeoutMs, description: 'telegram https://api.telegram.org' };
    }
    case 'discord': {
      const match = /^(?:[^@/]+@)?(\d+)\/([A-Za-z0-9_-]+)\/?$/.exec(path);
      if (match === null) throw bad('must be discord://WEBHOOK_ID/WEBHOOK_TOKEN');
      return { name, type: 'discord', webhookUrl: `https://discord.com/api/webhooks/${match[1]}/${match[2]}`, timeoutMs, description: 'discord https://discord.com' };
    }
    case 'slack': {
      const match = /^(?:[^@/]+@)?([A-Za-z0-9]+)\/([A-Za-z0-9]+)\/([A-Za-z0-9]+)\/?$/.exec(path);
      if (match === null) throw bad('must be slack://TOKEN_A/TOKEN_B/TOKEN_C (the three parts of the webhook URL)');
      return { name, type: 'slack', webhookUrl: `https://hooks.slack.com/services/${match[1]}/${match[2]}/${match[3]}`, timeoutMs, description: 'slack https://hooks.slack.com' };
    }
    case 'pover': {
      const match = /^([A-Za-z0-9]+)@([A-Za-z0-9]+)\/?$/.exec(path);
      if (match === null) throw bad('must be pover://USER_KEY@APP_TOKEN');
      return { name, type: 'pushover', userKey: match[1]!, appToken: match[2]!, apiUrl: 'https://api.pushover.net', timeoutMs, description: 'pushover https://api.pushover.net' };
    }
    case 'json':
    case 'jsons': {
      if (!/^[^/\s]+(\/\S*)?$/.test(path)) throw bad(`must be ${scheme}://HOST[:PORT]/PATH`);
      const url = `${scheme === 'jsons' ? 'https' : 'http'}://${rest}`;
      // Apprise's JSON payload, so an endpoint written for apprise's json:// works unchanged.
      const body = { version: '1.0', title: '{title}', message: '{text}', type: '{event}' };
      return { name, type: 'webhook', url: httpUrl(url, key), method: 'POST', headers: {}, body, timeoutMs, description: `webhook ${urlOrigin(url)}` };
    }
  }
  throw bad(`must be an object with a "type", or a URL of the form ntfy://, ntfys://, tgram://, discord://, slack://, pover://, json:// or jsons://${scheme === undefined ? '' : ` (not ${scheme}://)`}`);
}

function routeList(value: unknown, key: string, names: ReadonlySet<string>): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new ConfigError(key, `must be a list of channel names (${[...names].join(', ')})`);
  for (const [index, channel] of (value as string[]).entries()) {
    if (!names.has(channel)) throw new ConfigError(`${key}[${index}]`, `names no channel; the channels are ${[...names].join(', ') || 'none'}`);
  }
  return [...new Set(value as string[])];
}

/**
 * The channels and routes. Without a `channels` key everything is as before: one channel,
 * e-mail, for every client. With it, `email` exists when the SMTP/mbox keys are set (or
 * when it is listed as `{"type": "email"}`).
 */
export function validateChannels(raw: JsonObject, secretPath: SecretPath, env: Record<string, string | undefined>): ChannelsConfig {
  const value = raw.channels;
  const emailKeys = ['smtp_server', 'alert_address', 'alert_outbox'].some((key) => raw[key] !== undefined && raw[key] !== null);
  let email = value === undefined || value === null || emailKeys;
  const push: PushChannelConfig[] = [];
  const attention: Record<string, ChannelAttention> = {};
  const defaultZone = typeof raw.alert_timezone === 'string' ? raw.alert_timezone : 'UTC';
  if (value !== undefined && value !== null) {
    if (!isObject(value)) throw new ConfigError('channels', 'must be an object mapping a channel name to its settings or URL, such as {"phone": "ntfys://ntfy.sh/my-topic"}');
    for (const [name, settings] of Object.entries(value)) {
      const key = `channels.${name}`;
      if (name.startsWith('_')) continue;
      if (!NAME.test(name)) throw new ConfigError(key, 'a channel name is 1 to 40 of the characters A-Z a-z 0-9 _ -');
      if (isObject(settings) && settings.type === 'email') {
        if (name !== EMAIL) throw new ConfigError(key, 'the e-mail channel is named "email"');
        checkKnownKeys(settings, ['type', ...ATTENTION_KEYS], `${key}.`);
        attention[EMAIL] = attentionOf(settings, `${key}.`, defaultZone);
        email = true;
        continue;
      }
      if (name === EMAIL) throw new ConfigError(key, 'the name "email" is kept for the e-mail channel ({"type": "email"})');
      const envPrefix = `NETMONITOR_CHANNEL_${name.toUpperCase().replace(/-/g, '_')}_`;
      if (typeof settings === 'string') push.push(fromUrl(name, settings, key));
      else if (isObject(settings)) {
        push.push(fromObject(name, { obj: settings, prefix: `${key}.`, envPrefix, secretPath, env }));
        attention[name] = attentionOf(settings, `${key}.`, defaultZone);
      }
      else throw new ConfigError(key, 'must be an object with a "type", or a channel URL string');
    }
  }
  const names = new Set([...(email ? [EMAIL] : []), ...push.map((c) => c.name)]);
  const defaultRoute = raw.alert_channels === undefined || raw.alert_channels === null ? [...names] : routeList(raw.alert_channels, 'alert_channels', names);
  const clientRoutes: Record<string, string[]> = {};
  if (isObject(raw.clients)) {
    for (const [id, settings] of Object.entries(raw.clients)) {
      if (isObject(settings) && settings.channels !== undefined) clientRoutes[id] = routeList(settings.channels, `clients.${id}.channels`, names);
    }
  }
  return { email, push, defaultRoute, clientRoutes, attention };
}

/** The channels a client's alerts go to. */
export function routeOf(config: ChannelsConfig, client: string): readonly string[] {
  return config.clientRoutes[client] ?? config.defaultRoute;
}
