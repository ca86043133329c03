/**
 * Counts refused datagrams per reason, and lets a bounded number of log lines through, so a
 * flood of garbage can neither fill the disk with log lines nor hide in silence: what was not
 * logged is summarised in the next line that is.
 */
import type { RefusalReason } from '../../shared/nm1.js';
import { LogBudget } from '../core/logBudget.js';

export const LOG_BURST = 10;
export const LOG_REFILL_MS = 6000; // one line every 6 s on average once the burst is spent

export class Refusals {
  readonly counts: Partial<Record<RefusalReason, number>> = {};
  private readonly budget: LogBudget;

  constructor(now: number) {
    this.budget = new LogBudget(now, LOG_BURST, LOG_REFILL_MS);
  }

  /** Counts one refusal; returns the line to log, or null when the log budget is spent. */
  refuse(reason: RefusalReason, source: string, now: number): string | null {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    if (!this.budget.allow(now)) return null;
    const suppressed = this.budget.takeSuppressed();
    const more = suppressed > 0 ? ` (${suppressed} more refused datagrams not logged)` : '';
    return `refused datagram from ${source}: ${reason}${more}`;
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}
