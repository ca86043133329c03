/**
 * What the sensor tells the server of its gateway checks (docs/checks.md, "Results on the
 * server"): each check's current state, sent at once when it changes and repeated with every
 * heartbeat, so a lost CHECK datagram (UDP, or a POST that failed) is repaired one interval
 * later, and a check that failed never stays "ok" on the server. The server records only the
 * transitions the states make, so repeats never alert twice. Pure: the clock is passed in.
 */
import type { CheckNotify, CheckReport, CheckState } from '../shared/nm1Check.js';
import type { CheckStatus } from './checks/result.js';

/** A check's report without the sensor's numbering (its id, boot and seq are the sender's). */
export type CheckPayload = Omit<CheckReport, 'sensor' | 'boot' | 'seq'>;

interface Current {
  state: CheckState;
  notify: CheckNotify;
  /** When the check entered this state (ms, the clock given). */
  since: number;
  detail: string;
}

export class CheckReports {
  private readonly current = new Map<string, Current>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * A check's run: returns whether its state changed (send it now). A check that cannot be
   * judged (`unavailable`) keeps the state it had, or is not reported until it has one.
   * `alertOn` says whether the check's `on_failure` / `on_recovery` hold an `alert` action.
   */
  update(name: string, status: CheckStatus, detail: string, alertOn: { failure: boolean; recovery: boolean }): boolean {
    if (status === 'unavailable') return false;
    const notify: CheckNotify = (status === 'failed' ? alertOn.failure : alertOn.recovery) ? 'alert' : 'log';
    const previous = this.current.get(name);
    if (previous !== undefined && previous.state === status) {
      previous.detail = detail;
      return false;
    }
    this.current.set(name, { state: status, notify, since: this.now(), detail });
    return true;
  }

  /** The report of one check now; undefined before its first judged run. */
  payload(name: string): CheckPayload | undefined {
    const current = this.current.get(name);
    if (current === undefined) return undefined;
    const age = Math.max(0, Math.floor((this.now() - current.since) / 1000));
    return { check: name, state: current.state, notify: current.notify, age, detail: current.detail };
  }

  /** Every reported check's report now, to repeat with a heartbeat. */
  all(): CheckPayload[] {
    return [...this.current.keys()].map((name) => this.payload(name)!);
  }
}
