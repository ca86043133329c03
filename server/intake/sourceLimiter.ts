/**
 * Per-source rate limiting, checked before any parsing or MAC work so a flood from one
 * address costs a Map lookup per datagram. A real sensor sends one datagram per interval (a
 * few at boot); anything faster than SOURCE_LIMIT per second from one address is dropped.
 *
 * Counts live in a map that is replaced every second, so memory stays bounded by the number
 * of distinct sources seen in one second, however many addresses a flood spoofs over time.
 */
export const SOURCE_LIMIT_PER_SECOND = 50;
const MAX_TRACKED_SOURCES = 200_000;

export class SourceLimiter {
  private counts = new Map<string, number>();
  private windowStart: number;

  constructor(now: number, private readonly limit = SOURCE_LIMIT_PER_SECOND) {
    this.windowStart = now;
  }

  /** False when `source` has used up its datagrams for the current second. */
  allow(source: string, now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.counts = new Map();
      this.windowStart = now;
    }
    const count = (this.counts.get(source) ?? 0) + 1;
    // Past the cap of tracked sources, new ones are not tracked (and so not limited) until
    // the next second: memory stays bounded, and a spoofing flood gets no more than that.
    if (count === 1 && this.counts.size >= MAX_TRACKED_SOURCES) return true;
    this.counts.set(source, count);
    return count <= this.limit;
  }
}
