/**
 * `evidence.degraded_alert`: one alert when a client's heartbeat quality period closes
 * degraded (more than `evidence.degraded_loss_pct` of its heartbeats lost while it was up),
 * and one recovery note when a later period closes under the threshold: at most one alert per
 * degraded stretch, however many hours it lasts (docs/alerts.md#degraded-hours).
 *
 * Pure: fed each closed period (server/qualityPeriods.ts), it says what to send. The stretch
 * a client is in is read back after a restart from its last `quality` record (resume), so a
 * restart in the middle of a stretch does not alert for it again. A period in which nothing
 * was expected (no heartbeats counted) changes nothing.
 */
import { isDegradedLoss } from '../../log/quality.js';
import { timeOf, type RecordOf } from '../../log/records.js';
import type { QualityEvent } from '../core/events.js';

export type DegradedAlert = 'degraded' | 'recovered';

/** One client's step: whether it is in a degraded stretch after `period`, and what to send. */
export function degradedStep(inStretch: boolean, period: { expected: number; lost: number }, thresholdPct: number): { inStretch: boolean; alert: DegradedAlert | null } {
  if (period.expected <= 0) return { inStretch, alert: null };
  const degraded = isDegradedLoss(period.lost, period.expected, thresholdPct);
  if (degraded === inStretch) return { inStretch, alert: null };
  return { inStretch: degraded, alert: degraded ? 'degraded' : 'recovered' };
}

/** The clients in a degraded stretch now (few: only those degraded are kept). */
export class DegradedStretches {
  private readonly degraded = new Set<string>();

  constructor(readonly thresholdPct: number) {}

  /** After a restart: the client's last logged period, as `expected` and `lost` (none: nothing). */
  resume(client: string, last: { expected: number; lost: number } | null): void {
    if (last !== null && degradedStep(false, last, this.thresholdPct).inStretch) this.degraded.add(client);
  }

  /** A closed period of `client`: what to send, if anything. */
  closed(client: string, period: { expected: number; lost: number }): DegradedAlert | null {
    const step = degradedStep(this.degraded.has(client), period, this.thresholdPct);
    if (step.inStretch) this.degraded.add(client);
    else this.degraded.delete(client);
    return step.alert;
  }

  has(client: string): boolean {
    return this.degraded.has(client);
  }
}

/** The outbox's event for a closed period's alert; its id is stable for the record it follows. */
export function qualityEvent(client: string, record: RecordOf<'quality'>, state: DegradedAlert, thresholdPct: number): QualityEvent {
  const at = timeOf(record.at)!;
  return { type: 'quality', client, at, from: timeOf(record.from) ?? at, state, expected: record.expected, lost: record.lost, thresholdPct, transitionId: `quality-${client}-${at}` };
}
