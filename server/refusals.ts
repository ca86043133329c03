/**
 * Counts refused datagrams per reason, and lets a bounded number of log lines through, so a
 * flood of garbage can neither fill the disk with log lines nor hide in silence: what was not
 * logged is summarised in the next line that is.
 */
import type { RefusalReason } from '../shared/nm1.js';

export const LOG_BURST = 10;
export const LOG_REFILL_MS = 6000; // one line every 6 s on average once the burst is spent

export class Refusals {
  readonly counts: Partial<Record<RefusalReason, number>> = {};
  private tokens = LOG_BURST;
  private refilledAt: number;
  private suppressed = 0;

  constructor(now: number) {
    this.refilledAt = now;
  }

  /** Counts one refusal; returns the line to log, or null when the log budget is spent. */
  refuse(reason: RefusalReason, source: string, now: number): string | null {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    const refill = Math.floor((now - this.refilledAt) / LOG_REFILL_MS);
    if (refill > 0) {
      this.tokens = Math.min(LOG_BURST, this.tokens + refill);
      this.refilledAt += refill * LOG_REFILL_MS;
    }
    if (this.tokens === 0) {
      this.suppressed++;
      return null;
    }
    this.tokens--;
    const more = this.suppressed > 0 ? ` (${this.suppressed} more refused datagrams not logged)` : '';
    this.suppressed = 0;
    return `refused datagram from ${source}: ${reason}${more}`;
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}
