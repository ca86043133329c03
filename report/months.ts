/**
 * Uptime per calendar month of the chosen zone, as the totals are computed for the whole
 * window (log/outages.ts): observed time less the monitor's own off time, downtime less the
 * monitor's off time within it; time in maintenance counts like the monitor's off time, and
 * an outage wholly in maintenance is not counted. For the months against the ISP's promised figure.
 */
import { DateTime } from 'luxon';
import type { ClientReport } from '../log/outages.js';
import { clip, overlapMs, type Span } from '../log/spans.js';
import { unionSpans } from '../log/monitorLog.js';

export interface MonthUptime {
  /** `2026-11` */
  label: string;
  uptimePct: number | null;
  downtimeMs: number;
  /** Outages that overlap the month. */
  outages: number;
}

export function monthlyUptime(client: ClientReport, monitorOff: readonly Span[], zone: string): MonthUptime[] {
  const { period } = client;
  if (period === null) return [];
  const excluded = client.maintenance.length === 0 ? monitorOff : unionSpans(monitorOff, client.maintenance);
  const months: MonthUptime[] = [];
  let month = DateTime.fromMillis(period.start, { zone }).startOf('month');
  while (month.toMillis() < period.end) {
    const next = month.plus({ months: 1 });
    const span = clip({ start: month.toMillis(), end: next.toMillis() }, period)!;
    const observedMs = span.end - span.start - overlapMs(span, excluded);
    let downtimeMs = 0;
    let outages = 0;
    for (const outage of client.outages) {
      const inMonth = clip({ start: outage.start, end: outage.end ?? period.end }, span);
      if (inMonth === null || outage.maintenance) continue;
      outages++;
      downtimeMs += inMonth.end - inMonth.start - overlapMs(inMonth, excluded);
    }
    months.push({ label: month.toFormat('yyyy-MM'), uptimePct: observedMs > 0 ? (100 * Math.max(0, observedMs - downtimeMs)) / observedMs : null, downtimeMs, outages });
    month = next;
  }
  return months;
}
