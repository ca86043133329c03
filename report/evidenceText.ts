/**
 * The evidence between outages, in words and per-day counts shared by the formats: heartbeat
 * loss and degraded hours (log/quality.ts), and the public address changes per day.
 */
import { DateTime } from 'luxon';
import type { ClientReport } from '../log/outages.js';
import type { QualitySummary } from '../log/quality.js';
import type { Correlation } from '../log/correlation.js';
import type { ChainResult } from '../log/chain.js';
import { readableIn } from './timeText.js';

/** `2026-11-25`: the day `ms` falls on in `zone`. */
export const dayIn = (ms: number, zone: string): string => DateTime.fromMillis(ms, { zone }).toISODate()!;

/** A loss share as JSON gives it: 4 decimals, null when unknown. */
export const lossPctJson = (pct: number | null): number | null => (pct === null ? null : Math.round(pct * 10000) / 10000);

/** How many address changes fell on each day (in `zone`), oldest first; days without one are left out. */
export function addressChangesPerDay(client: ClientReport, zone: string): { day: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const change of client.addressChanges) {
    const day = dayIn(change.at, zone);
    counts.set(day, (counts.get(day) ?? 0) + 1);
  }
  return [...counts].map(([day, count]) => ({ day, count }));
}

/** Each day's heartbeat loss (in `zone`), oldest first, from the counted hours. */
export function lossPerDay(quality: QualitySummary, zone: string): { day: string; expected: number; lost: number; lossPct: number; degradedHours: number }[] {
  const days = new Map<string, { expected: number; lost: number; degradedHours: number }>();
  for (const hour of quality.hours) {
    const day = dayIn(hour.start, zone);
    const total = days.get(day) ?? { expected: 0, lost: 0, degradedHours: 0 };
    total.expected += hour.expected;
    total.lost += hour.lost;
    if (hour.degraded) total.degradedHours++;
    days.set(day, total);
  }
  return [...days].map(([day, total]) => ({ day, ...total, lossPct: (100 * total.lost) / total.expected }));
}

const pctText = (pct: number): string => `${pct.toFixed(2)} %`;

/** One line on the heartbeats between outages; null when the log counted none (legacy, HTTP, old logs). */
export function qualityLine(quality: QualitySummary, degradedLossPct: number): string | null {
  if (quality.lossPct === null) return null;
  const jitter = quality.jitterMs === null ? '' : `, mean jitter ${Math.round(quality.jitterMs)} ms`;
  const hours = quality.degradedHours;
  return (
    `heartbeats lost while up: ${pctText(quality.lossPct)} (${quality.lost} of ${quality.expected})${jitter}; ` +
    `${hours} degraded hour${hours === 1 ? '' : 's'} (more than ${degradedLossPct} % lost)`
  );
}

/** The degraded hours, for the formats' lists: start and loss. */
export function degradedHours(quality: QualitySummary): { start: number; lossPct: number; lost: number; expected: number }[] {
  return quality.hours.filter((hour) => hour.degraded).map(({ start, lossPct, lost, expected }) => ({ start, lossPct, lost, expected }));
}

export { pctText };

/** `ISP-wide: 4 of 5 clients of group comcast-denver down at 2026-11-25 02:13:04 -07:00`, or the monitor's uplink. */
export function correlationText(correlation: Correlation, zone: string): string {
  const at = readableIn(correlation.at, zone);
  return correlation.kind === 'uplink'
    ? `all ${correlation.of} clients down at ${at}: the monitor's own uplink is the likely cause`
    : `ISP-wide: ${correlation.down} of ${correlation.of} clients of group ${correlation.group} down at ${at}`;
}

/** What the log's hash chain says (log/chain.ts), in one line; null when the client has no `.nmlog` to check. */
export function integrityLine(integrity: ChainResult | null, client: string): string | null {
  if (integrity === null) return null;
  const file = `${client}.nmlog`;
  switch (integrity.integrity) {
    case 'unchained':
      return `log integrity: not verifiable: ${file} was written before netmonitor chained its lines`;
    case 'broken':
      return `log integrity: BROKEN at line ${integrity.brokenLine} of ${file} (${integrity.brokenReason}): the log was altered or damaged after it was written`;
    case 'chained': {
      const lines = integrity.chainedFrom === 1 ? '' : `lines ${integrity.chainedFrom} to the end: `;
      const before = integrity.chainedFrom === 1 ? '' : `; lines 1 to ${integrity.chainedFrom! - 1}, written before the chain, cannot be verified`;
      return `log integrity: ${lines}unaltered since written (hash chain of ${file} verified, head ${integrity.head})${before}`;
    }
  }
}

/** The method statement of the PDF and HTML formats: how every figure in the document is measured. */
export const METHOD = [
  'How these figures are measured',
  'A sensor on the subscriber\'s gateway sends an authenticated heartbeat (NM1: HMAC-SHA-256, numbered by boot and sequence) to the monitor at a fixed interval. ' +
    'An outage runs from the last heartbeat before a silence to the first heartbeat after it; it is declared once no heartbeat has arrived for the down interval.',
  'Each outage is uncertain by one heartbeat interval (shown as ±): the line failed somewhere between the last heartbeat and the next one due.',
  'The monitor records when it is itself running. Time when the monitor was off is shown separately and is never counted as the line\'s downtime.',
  'Heartbeats lost while the line was up are counted from the sensor\'s sequence numbers: a number that skips ahead shows heartbeats sent and never received. ' +
    'Silences of an outage, a reboot or a restart of the monitor are not counted as loss. An hour losing more than the stated share is a degraded hour.',
  'Every record is written to disk, with a checksum, before any alert is sent about it.',
  'Each line of a log also carries a SHA-256 hash chain: its hash covers the line before it, so a line changed, removed, added or moved after it was written breaks the chain from there. ' +
    'The report checks each log\'s chain and says whether it is unaltered since written, or names the first line that is not.',
];
