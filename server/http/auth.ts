/**
 * Bearer tokens: only their SHA-256 is configured, and a presented token is hashed and
 * compared in constant time, so neither the configuration nor the timing of a refusal tells
 * anything about a token. Failed attempts are counted per source address.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const NO_HASH = Buffer.alloc(32);

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The token of an `Authorization: Bearer …` header; null when there is none. */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const value = headers.authorization;
  if (typeof value !== 'string') return null;
  const match = /^Bearer[ ]+(\S{1,512})\s*$/i.exec(value);
  return match === null ? null : match[1]!;
}

/**
 * True when `token` hashes to `expected`. With no expected hash (an unknown client) the
 * same work is done against a hash nothing matches, so both refusals take the same time.
 */
export function tokenMatches(token: string | null, expected: Buffer | null): boolean {
  const presented = sha256(token ?? '');
  const equal = timingSafeEqual(presented, expected ?? NO_HASH);
  return equal && token !== null && expected !== null;
}

/**
 * Failed authentications per source address, in a map replaced every minute so memory is
 * bounded by the sources seen in one minute (and by a cap on top of that).
 */
export class AuthFailures {
  private counts = new Map<string, number>();
  private windowStart: number;
  /** Every failure since start, for /metrics. */
  total = 0;
  static readonly MAX_TRACKED = 100_000;

  constructor(private readonly perMinute: number, now: number) {
    this.windowStart = now;
  }

  private roll(now: number): void {
    if (now - this.windowStart >= 60_000) {
      this.counts = new Map();
      this.windowStart = now;
    }
  }

  /** True when `source` has used up its failures for this minute. */
  blocked(source: string, now: number): boolean {
    this.roll(now);
    return (this.counts.get(source) ?? 0) >= this.perMinute;
  }

  record(source: string, now: number): void {
    this.total++;
    this.roll(now);
    const count = this.counts.get(source) ?? 0;
    if (count === 0 && this.counts.size >= AuthFailures.MAX_TRACKED) return;
    this.counts.set(source, count + 1);
  }
}
