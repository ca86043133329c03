/**
 * Heartbeat quality between outages, from a client's `quality` records (one per client per
 * hour, server/qualityPeriods.ts): loss over a window, its hours by loss, and the hours whose
 * loss passed the degraded threshold. Pure; the report and the API both use it.
 */
import type { Span } from './spans.js';

/** What one `quality` record says. */
export interface QualityPeriod {
  from: number;
  at: number;
  expected: number;
  lost: number;
  jitterMs: number | null;
  jitterMaxMs: number | null;
}

/** One clock hour (periods of a restart within it merged). */
export interface QualityHour {
  /** The hour's start, ms since the epoch (whole UTC hour). */
  start: number;
  expected: number;
  lost: number;
  lossPct: number;
  /** Mean jitter over the hour's heartbeats; null when none measured it. */
  jitterMs: number | null;
  degraded: boolean;
}

export interface QualitySummary {
  expected: number;
  lost: number;
  /** Over the window; null when no heartbeat numbering was counted (legacy, HTTP, old logs). */
  lossPct: number | null;
  jitterMs: number | null;
  /** Hours with more than `degradedLossPct` % lost. */
  degradedHours: number;
  /** Every counted hour in the window, oldest first. */
  hours: QualityHour[];
}

/** The default of `evidence.degraded_loss_pct`: an hour losing more than this share of its heartbeats is degraded. */
export const DEFAULT_DEGRADED_LOSS_PCT = 2;

const HOUR_MS = 3_600_000;

/** The one rule of a degraded period, for the report and the server's alert alike: more than `degradedLossPct` % of `expected` lost. */
export function isDegradedLoss(lost: number, expected: number, degradedLossPct: number): boolean {
  return expected > 0 && (100 * lost) / expected > degradedLossPct;
}

export function qualitySummary(periods: readonly QualityPeriod[], window: Span, degradedLossPct: number): QualitySummary {
  const byHour = new Map<number, { expected: number; lost: number; jitterWeight: number; jitterSum: number }>();
  for (const period of periods) {
    if (period.from < window.start || period.from >= window.end || period.expected <= 0) continue;
    const start = Math.floor(period.from / HOUR_MS) * HOUR_MS;
    const hour = byHour.get(start) ?? { expected: 0, lost: 0, jitterWeight: 0, jitterSum: 0 };
    hour.expected += period.expected;
    hour.lost += period.lost;
    if (period.jitterMs !== null) {
      hour.jitterWeight += period.expected;
      hour.jitterSum += period.jitterMs * period.expected;
    }
    byHour.set(start, hour);
  }
  const hours: QualityHour[] = [...byHour.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, hour]) => {
      const lossPct = (100 * hour.lost) / hour.expected;
      return { start, expected: hour.expected, lost: hour.lost, lossPct, jitterMs: hour.jitterWeight > 0 ? hour.jitterSum / hour.jitterWeight : null, degraded: isDegradedLoss(hour.lost, hour.expected, degradedLossPct) };
    });
  let expected = 0;
  let lost = 0;
  let jitterWeight = 0;
  let jitterSum = 0;
  for (const hour of hours) {
    expected += hour.expected;
    lost += hour.lost;
    if (hour.jitterMs !== null) {
      jitterWeight += hour.expected;
      jitterSum += hour.jitterMs * hour.expected;
    }
  }
  return {
    expected,
    lost,
    lossPct: expected > 0 ? (100 * lost) / expected : null,
    jitterMs: jitterWeight > 0 ? jitterSum / jitterWeight : null,
    degradedHours: hours.filter((hour) => hour.degraded).length,
    hours,
  };
}
