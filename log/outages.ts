/**
 * Pure: one client's report for a window, from its history and the monitor's own downtime.
 * "Now" is passed in, so an ongoing outage, and every test, has a fixed end.
 *
 * - Outages are clipped to the window; `clippedStart`/`clippedEnd` say so.
 * - The observed time runs from the window's start (or the client's first record, if later)
 *   to its end (or now, if earlier), less the time the monitor was off.
 * - Downtime is the outages' time in the window less the monitor's own off time in them.
 * - Uptime % = (observed − downtime) / observed; mean time between outages =
 *   (observed − downtime) / number of outages.
 * - Maintenance (the client's windows, from the server log) is never counted against the
 *   connection: it is left out of the observed time like the monitor's off time, the part
 *   of an outage in it is no downtime, and an outage wholly inside one is listed, marked
 *   `maintenance`, and counted nowhere (not in the causes, not in the mean time between).
 */
import type { Action } from './actions.js';
import type { ChainResult } from './chain.js';
import { CAUSES, decideCause, type Cause } from './cause.js';
import type { AddressChange, ClientHistory, LogFormat, RawOutage } from './history.js';
import { unionSpans } from './monitorLog.js';
import { DEFAULT_DEGRADED_LOSS_PCT, qualitySummary, type QualitySummary } from './quality.js';
import { clip, overlapMs, type Span } from './spans.js';

export interface Outage {
  /** Start and end as reported: clipped to the window. `end` is null while ongoing. */
  start: number;
  end: number | null;
  /** The time in the window (to now, or the window's end, while ongoing). */
  durationMs: number;
  /** The whole outage, unclipped (to now while ongoing). */
  fullDurationMs: number;
  /** ± the sensor's heartbeat interval; null when the log does not carry one (legacy). */
  uncertaintyMs: number | null;
  cause: Cause;
  ongoing: boolean;
  clippedStart: boolean;
  clippedEnd: boolean;
  /** Part of the outage (in the window) when the monitor itself was off. */
  monitorOffMs: number;
  /** Part of the outage (in the window) in a maintenance window of the client. */
  maintenanceMs: number;
  /** Wholly inside maintenance: listed, never counted against the connection. */
  maintenance: boolean;
  sensorOffMs: number | null;
  offlineMs: number | null;
  endInferred: boolean;
  /** The reason of an explicit failure (HTTP `status=fail`, a failed probe); null when the client went silent. */
  failure: string | null;
  /** Other clients went down with it (report/correlation.ts); null when none did, or not looked at (the API). */
  correlation: Correlation | null;
}

/** Outages of several clients that began together (log/correlation.ts). */
export interface Correlation {
  kind: 'isp-wide' | 'uplink';
  /** The group for `isp-wide`; null for `uplink`. */
  group: string | null;
  /** The first start of the cluster. */
  at: number;
  down: number;
  /** Clients of the group (or of the report) watched at `at`. */
  of: number;
  clients: string[];
}

export interface CauseTotal {
  count: number;
  downtimeMs: number;
}

export interface ClientReport {
  client: string;
  formats: LogFormat[];
  /** The span this client was reported on (window ∩ [first record, now]); null when it has none. */
  period: Span | null;
  observedMs: number;
  monitorOffMs: number;
  /** Time of the period in the client's maintenance windows (not observed either). */
  maintenanceMs: number;
  /** The client's maintenance windows as given (sorted, disjoint), for figures by month. */
  maintenance: readonly Span[];
  outages: Outage[];
  /** Outages counted against the connection: those not wholly in maintenance. */
  countedOutages: number;
  downtimeMs: number;
  uptimePct: number | null;
  longest: Outage | null;
  meanTimeBetweenMs: number | null;
  byCause: Record<Cause, CauseTotal>;
  addressChanges: AddressChange[];
  firstAddress: string | null;
  lastAddress: string | null;
  /** Heartbeat loss and jitter between outages, by hour (quality.ts). */
  quality: QualitySummary;
  /** What supervision did in the window (actions.ts), oldest first. */
  actions: Action[];
  /** Earlier ones left out to keep the list bounded. */
  actionsOmitted: number;
  corrupt: number;
  /** The log's hash chain, verified over the whole file (not only the window); null: no `.nmlog`. */
  integrity: ChainResult | null;
}

export interface ReportWindow {
  /** Null: from the client's first record. */
  since: number | null;
  /** Null: until now. */
  until: number | null;
}

function uncertainty(outage: RawOutage): number | null {
  const intervals = [outage.startIntervalS, outage.endIntervalS].filter((s): s is number => s !== null);
  return intervals.length === 0 ? null : Math.max(...intervals) * 1000;
}

/** `degradedLossPct`: `evidence.degraded_loss_pct`, the loss that makes an hour degraded. */
/** `maintenance`: the client's maintenance windows, sorted and disjoint (monitorLog.ts maintenanceSpans). */
export function clientReport(history: ClientHistory, monitorOff: readonly Span[], window: ReportWindow, now: number, degradedLossPct = DEFAULT_DEGRADED_LOSS_PCT, maintenance: readonly Span[] = []): ClientReport {
  // Time the connection is not judged on: the monitor was off, or the client was in maintenance.
  const excluded = maintenance.length === 0 ? monitorOff : unionSpans(monitorOff, maintenance);
  const windowEnd = Math.min(window.until ?? now, now);
  // A log that was cut at the front may hold an outage that started before its first record.
  const firstKnown = Math.min(history.firstSeen ?? Infinity, history.outages[0]?.start ?? Infinity);
  const periodStart = Math.max(window.since ?? -Infinity, firstKnown);
  const period = Number.isFinite(periodStart) && windowEnd > periodStart ? { start: periodStart, end: windowEnd } : null;
  const windowSpan: Span = { start: window.since ?? -Infinity, end: windowEnd };

  const byCause = Object.fromEntries(CAUSES.map((c) => [c, { count: 0, downtimeMs: 0 }])) as Record<Cause, CauseTotal>;
  const outages: Outage[] = [];
  let downtimeMs = 0;
  for (const raw of history.outages) {
    const fullEnd = raw.end ?? Math.max(now, raw.start);
    const inWindow = clip({ start: raw.start, end: fullEnd }, windowSpan);
    if (inWindow === null) continue;
    const monitorOffMs = overlapMs(inWindow, monitorOff);
    const maintenanceMs = overlapMs(inWindow, maintenance);
    const finding = decideCause(raw, overlapMs({ start: raw.start, end: fullEnd }, monitorOff));
    const clippedEnd = raw.end === null ? fullEnd > windowSpan.end : raw.end > windowSpan.end;
    const outage: Outage = {
      start: inWindow.start,
      end: raw.end === null ? null : inWindow.end,
      durationMs: inWindow.end - inWindow.start,
      fullDurationMs: fullEnd - raw.start,
      uncertaintyMs: uncertainty(raw),
      cause: finding.cause,
      ongoing: raw.end === null,
      clippedStart: raw.start < inWindow.start,
      clippedEnd,
      monitorOffMs,
      maintenanceMs,
      maintenance: maintenanceMs >= inWindow.end - inWindow.start,
      sensorOffMs: finding.sensorOffMs,
      offlineMs: finding.offlineMs,
      endInferred: raw.endInferred,
      failure: raw.failure,
      correlation: null,
    };
    outages.push(outage);
    if (outage.maintenance) continue;
    const counted = outage.durationMs - overlapMs(inWindow, excluded);
    downtimeMs += counted;
    byCause[outage.cause].count++;
    byCause[outage.cause].downtimeMs += counted;
  }
  const countedOutages = outages.filter((outage) => !outage.maintenance).length;

  const periodOffMs = period === null ? 0 : overlapMs(period, monitorOff);
  const observedMs = period === null ? 0 : period.end - period.start - overlapMs(period, excluded);
  const upMs = Math.max(0, observedMs - downtimeMs);
  let longest: Outage | null = null;
  for (const outage of outages) if (!outage.maintenance && (longest === null || outage.durationMs > longest.durationMs)) longest = outage;
  return {
    client: history.client,
    formats: history.formats,
    period,
    observedMs,
    monitorOffMs: periodOffMs,
    maintenanceMs: period === null ? 0 : overlapMs(period, maintenance),
    maintenance,
    outages,
    countedOutages,
    downtimeMs,
    uptimePct: observedMs > 0 ? (100 * upMs) / observedMs : null,
    longest,
    meanTimeBetweenMs: countedOutages > 0 && observedMs > 0 ? upMs / countedOutages : null,
    byCause,
    addressChanges: history.addressChanges.filter((change) => change.at >= windowSpan.start && change.at <= windowSpan.end),
    firstAddress: history.firstAddress,
    lastAddress: history.lastAddress,
    quality: qualitySummary(history.quality, windowSpan, degradedLossPct),
    actions: history.actions.listed.filter((action) => action.at >= windowSpan.start && action.at <= windowSpan.end),
    actionsOmitted: history.actions.omitted,
    corrupt: history.corrupt,
    integrity: history.integrity,
  };
}
