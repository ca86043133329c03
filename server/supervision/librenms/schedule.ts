/**
 * When each supervised device is looked at again. Pure: monotonic times in, due devices out.
 *
 * A device forced down is checked `recovery_interval` later; each check that finds it still
 * down doubles the wait up to `max_recovery_interval`. A failed API call is retried sooner
 * (from 10 s, doubling, capped at the recovery interval), for that device alone. With no
 * device supervised, nextWake() is null and the cycle pauses until the next trigger.
 */
export const FIRST_API_RETRY_MS = 10_000;

interface Entry {
  dueAt: number;
  checksDown: number;
  apiFailures: number;
}

export class RecoverySchedule {
  private readonly entries = new Map<number, Entry>();

  constructor(readonly recoveryIntervalMs: number, readonly maxRecoveryIntervalMs: number) {}

  get size(): number {
    return this.entries.size;
  }

  has(deviceId: number): boolean {
    return this.entries.has(deviceId);
  }

  /** A device was forced down (or restored from the state file) at `now`. */
  add(deviceId: number, now: number, checksDown = 0): void {
    this.entries.set(deviceId, { dueAt: now + this.waitAfter(checksDown), checksDown, apiFailures: 0 });
  }

  remove(deviceId: number): void {
    this.entries.delete(deviceId);
  }

  waitAfter(checksDown: number): number {
    return Math.min(this.maxRecoveryIntervalMs, this.recoveryIntervalMs * 2 ** checksDown);
  }

  /** The devices due at `now`, earliest first. */
  due(now: number): number[] {
    return [...this.entries].filter(([, e]) => e.dueAt <= now).sort((a, b) => a[1].dueAt - b[1].dueAt).map(([id]) => id);
  }

  /** A check found the device still down: wait longer next time. */
  stillDown(deviceId: number, now: number): number {
    const entry = this.entries.get(deviceId);
    if (entry === undefined) return 0;
    entry.checksDown++;
    entry.apiFailures = 0;
    entry.dueAt = now + this.waitAfter(entry.checksDown);
    return entry.checksDown;
  }

  /** An API call for the device failed: retry it alone, sooner than a full interval. */
  apiFailed(deviceId: number, now: number): number {
    const entry = this.entries.get(deviceId);
    if (entry === undefined) return 0;
    entry.apiFailures++;
    const wait = Math.min(this.recoveryIntervalMs, FIRST_API_RETRY_MS * 2 ** (entry.apiFailures - 1));
    entry.dueAt = now + wait;
    return wait;
  }

  /** Monotonic time of the next due device; null pauses the cycle. */
  nextWake(): number | null {
    let next: number | null = null;
    for (const entry of this.entries.values()) if (next === null || entry.dueAt < next) next = entry.dueAt;
    return next;
  }
}
