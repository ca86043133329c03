/**
 * When to heal a client: the attempts, the waits between them and when to give up. Pure:
 * every call takes the monotonic time; the runner does the work and reports back.
 *
 * 1. A down event arms the plan: the first attempt is due `after` later.
 * 2. An attempt runs the steps in order. Whether it "worked" is decided by the client, not
 *    by the steps' exit codes: the next attempt is due `wait(n)` after attempt n ends, and
 *    runs only if no up event came in between.
 * 3. When attempt `max_attempts` ended and the wait after it passed with the client still
 *    down, the plan gives up once: the runner sends one "manual intervention" alert.
 * 4. An up event resets everything, including a plan that gave up.
 */
import type { HealingConfig } from '../../config/supervision.js';

export type PlanPhase = 'idle' | 'waiting' | 'running' | 'gave-up';
export type PlanDue = { kind: 'attempt'; attempt: number } | { kind: 'give-up'; attempts: number } | { kind: 'none' };

export class HealingPlan {
  phase: PlanPhase = 'idle';
  /** Attempts started for the current outage. */
  attempts = 0;
  /** Monotonic time the next thing is due, while waiting. */
  dueAt = 0;
  /** Changes on every reset, so a runner can tell that its attempt belongs to a past outage. */
  generation = 0;

  constructor(readonly config: HealingConfig) {}

  /** The wait after attempt `n` (1-based): the configured wait, times backoff^(n-1), capped. */
  waitAfter(n: number): number {
    return Math.min(this.config.maxWaitMs, Math.round(this.config.waitBetweenAttemptsMs * this.config.backoff ** (n - 1)));
  }

  /** A down transition stamped `downAt` (monotonic). A plan already under way is left alone. */
  down(downAt: number): void {
    if (this.phase !== 'idle') return;
    this.phase = 'waiting';
    this.attempts = 0;
    this.dueAt = downAt + this.config.afterMs;
  }

  up(): void {
    this.phase = 'idle';
    this.attempts = 0;
    this.generation++;
  }

  /** What is due at `now`; starting an attempt moves the plan to `running`. */
  due(now: number): PlanDue {
    if (this.phase !== 'waiting' || now < this.dueAt) return { kind: 'none' };
    if (this.attempts >= this.config.maxAttempts) {
      this.phase = 'gave-up';
      return { kind: 'give-up', attempts: this.attempts };
    }
    this.attempts++;
    this.phase = 'running';
    return { kind: 'attempt', attempt: this.attempts };
  }

  /** The running attempt ended at `now` (whatever its steps said). */
  attemptEnded(now: number): void {
    if (this.phase !== 'running') return;
    this.phase = 'waiting';
    this.dueAt = now + this.waitAfter(this.attempts);
  }

  /** Puts back what a restart read from the log; `lastEndedAt` null means the attempt was cut short. */
  restore(state: { attempts: number; gaveUp: boolean; downAt: number; lastEndedAt: number | null }): void {
    this.attempts = state.attempts;
    if (state.gaveUp) this.phase = 'gave-up';
    else if (state.attempts === 0) {
      this.phase = 'waiting';
      this.dueAt = state.downAt + this.config.afterMs;
    } else if (state.lastEndedAt === null) {
      // Interrupted mid-attempt: resume it now (the runner skips its finished steps).
      this.phase = 'running';
    } else {
      this.phase = 'waiting';
      this.dueAt = state.lastEndedAt + this.waitAfter(state.attempts);
    }
  }
}
