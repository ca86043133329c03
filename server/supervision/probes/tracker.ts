/**
 * The decision part of a probed client: consecutive failures against the threshold. Pure:
 * results go in, and out comes what the server should be told (a heartbeat, a failure, or
 * nothing). One success is enough to be up; `failureThreshold` failures in a row make it down.
 */
export type ProbeVerdict = { kind: 'heartbeat' } | { kind: 'failure'; reason: string } | { kind: 'none' };

export class ProbeTracker {
  private consecutiveFailures = 0;
  /** True once the threshold was reached and no success has come since. */
  private reportedDown = false;

  constructor(readonly failureThreshold: number) {}

  get failures(): number {
    return this.consecutiveFailures;
  }

  record(ok: boolean, error: string | null): ProbeVerdict {
    if (ok) {
      this.consecutiveFailures = 0;
      this.reportedDown = false;
      return { kind: 'heartbeat' };
    }
    this.consecutiveFailures++;
    if (this.consecutiveFailures < this.failureThreshold || this.reportedDown) return { kind: 'none' };
    this.reportedDown = true;
    return { kind: 'failure', reason: `${this.consecutiveFailures} probe(s) in a row failed: ${error ?? 'no answer'}` };
  }
}
