/**
 * Small checks for configuration files. Each one names the offending key and what is allowed,
 * so that a config error reads as one clear sentence and the CLI can exit with status 2.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { jsonErrorPlace, shown } from './redact.js';
import { noteSecretFile } from './secretFiles.js';

export type JsonObject = Record<string, unknown>;

export function readJsonConfig(path: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('--config', `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Never V8's message: it quotes the text around the error, which may be a secret.
    throw new ConfigError('--config', `${path} is not valid JSON (at ${jsonErrorPlace(text)})`);
  }
  if (!isObject(value)) throw new ConfigError('--config', `${path} must hold a JSON object`);
  return value;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses keys nobody reads (usually typos); keys starting with `_` are free-form comments. */
export function checkKnownKeys(object: JsonObject, known: readonly string[], prefix = ''): void {
  for (const key of Object.keys(object)) {
    if (key.startsWith('_') || known.includes(key)) continue;
    throw new ConfigError(prefix + key, `unknown key; known keys are ${known.join(', ')}`);
  }
}

export function optionalString(object: JsonObject, key: string, path = key): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ConfigError(path, `must be a string, not ${shown(path, value)}`);
  return value;
}

/** A line for people (a subscriber's name, an account number): 1 to `maxChars` printable characters. */
export function optionalLine(object: JsonObject, key: string, maxChars: number, path = key): string | undefined {
  const value = optionalString(object, key, path);
  if (value === undefined) return undefined;
  if (value.trim() === '' || value.length > maxChars || /[\x00-\x1f\x7f]/.test(value)) {
    throw new ConfigError(path, `must be one line of 1 to ${maxChars} characters`);
  }
  return value;
}

/**
 * `value` as an absolute http:// or https:// URL; a ConfigError naming `key` otherwise. The
 * value is never shown: a URL can carry a token in its path, query or login.
 */
export function httpUrl(value: string, key: string, example = 'https://monitor.example.net'): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(key, `must be an http:// or https:// URL such as ${example} (the value is not shown: it may hold a secret)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(key, 'must start with http:// or https://');
  return url;
}

export function requiredString(object: JsonObject, key: string, path = key): string {
  const value = optionalString(object, key, path);
  if (value === undefined || value === '') throw new ConfigError(path, 'is required (a non-empty string)');
  return value;
}

export function integerIn(object: JsonObject, key: string, min: number, max: number, fallback: number | undefined, path = key): number {
  const value = object[key];
  if (value === undefined || value === null) {
    if (fallback === undefined) throw new ConfigError(path, `is required (a whole number from ${min} to ${max})`);
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(path, `must be a whole number from ${min} to ${max}, not ${shown(path, value)}`);
  }
  return value;
}

export function oneOf<T extends string>(object: JsonObject, key: string, allowed: readonly T[], fallback: T, path = key): T {
  const value = object[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(path, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, not ${shown(path, value)}`);
  }
  return value as T;
}

/** Reads a secret from a file named in the configuration; the file's content never appears in errors. */
export function readSecretFile(path: string, key: string): string {
  try {
    const text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    noteSecretFile(path, key);
    return text;
  } catch (error) {
    throw new ConfigError(key, `cannot read the file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Freezes plain objects and arrays, all the way down. Instances of classes (Buffers, the key
 * table) keep their own rules.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== Array.prototype && prototype !== null) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
