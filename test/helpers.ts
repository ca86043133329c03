/** Shared test helpers: fixtures on disk, temporary folders. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHmac } from 'node:crypto';
import { decodeLine, type LogRecord } from '../log/records.js';
import type { ClientConfig, ServerConfig } from '../server/config/server.js';
import type { HmacKeys } from '../server/intake/hmacSha256.js';

/** The repository root (tests run from build/test/...). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', name), 'utf8')) as T;
}

export function tempDir(prefix = 'netmonitor-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The `netmonitor` command of this checkout. */
export const cliPath = join(repoRoot, 'bin', 'netmonitor');

/** What `fn` throws (undefined when it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** A record as plain data: what a test looks at, or writes with fields left out (as a log from before a field existed has them). */
export type LooseRecord = { type: string; at: string } & Record<string, unknown>;

/** Records a test writes as they are, fields missing or not, to see how they read back. */
export const asWritten = (records: readonly LooseRecord[]): LogRecord[] => records as unknown as LogRecord[];

/** A netmonitor log's records as the server wrote them; [] when the file does not exist yet. */
export function readLog(path: string): LooseRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map(decodeLine).filter((r) => r !== null) as LooseRecord[];
}

/** Whether `client`'s key in `config` is `key` (the key table keeps no keys, only their HMAC states). */
export function hasKey(config: ServerConfig, client: ClientConfig, key: Buffer | string): boolean {
  if (client.keySlot === null) return false;
  const probe = Buffer.from('NM1 probe 1 1 PING - 30');
  const expected = createHmac('sha256', typeof key === 'string' ? Buffer.from(key, 'hex') : key).update(probe).digest();
  return hmacIs(config.keys, client.keySlot, probe, expected);
}

/** Whether the key in `slot` gives `expected` as the whole 32-byte HMAC of data[start, end). */
export function hmacIs(keys: HmacKeys, slot: number, data: Uint8Array, expected: Buffer, start = 0, end = data.length): boolean {
  return keys.hexPrefixMatches(slot, data, start, end, Buffer.from(expected.toString('hex'), 'latin1'), 0, 32);
}
