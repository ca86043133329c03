/**
 * A token bucket for log lines: a burst, then one line per refill period. Whatever it holds
 * back is counted, so the next line let through (or a summary) can say how many were not
 * logged; a flood can neither fill the disk with lines nor pass in silence.
 */
export class LogBudget {
  private tokens: number;
  private refilledAt: number;
  /** Lines held back since the last one let through. */
  suppressed = 0;

  constructor(
    now: number,
    private readonly burst: number,
    private readonly refillMs: number,
  ) {
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** Whether a line may be logged now; when not, it is counted in `suppressed`. */
  allow(now: number): boolean {
    const refill = Math.floor((now - this.refilledAt) / this.refillMs);
    if (refill > 0) {
      this.tokens = Math.min(this.burst, this.tokens + refill);
      this.refilledAt += refill * this.refillMs;
    }
    if (this.tokens === 0) {
      this.suppressed++;
      return false;
    }
    this.tokens--;
    return true;
  }

  /** How many were held back since the last call, and resets the count. */
  takeSuppressed(): number {
    const count = this.suppressed;
    this.suppressed = 0;
    return count;
  }
}
