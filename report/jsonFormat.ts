/**
 * `--format json`: the report as one JSON document. The schema is stable and documented in
 * docs/report.md: fields may be added, never renamed or removed. Times are ISO 8601 in the
 * chosen zone, with its offset; lengths are seconds.
 */
import { avgMs, type Action } from '../log/actions.js';
import type { ClientReport, Outage } from '../log/outages.js';
import type { Correlation } from '../log/correlation.js';
import { findingsNear, type LoggedFinding } from '../log/findingsNear.js';
import type { MaintenanceWindow } from '../log/monitorLog.js';
import type { Report } from './report.js';
import type { ClientLabels } from '../server/config/reportLabels.js';
import { isoIn, seconds } from './timeText.js';
import { addressChangesPerDay, lossPctJson, lossPerDay } from './evidenceText.js';

import { checkFailureText } from './checkFailureText.js';

export const JSON_SCHEMA_VERSION = 1;

function outageJson(outage: Outage, zone: string, findings: readonly LoggedFinding[]): Record<string, unknown> {
  return {
    // Log analysis findings whose first line came shortly before or after the outage began.
    log_findings: findingsNear(outage.start, findings).map(({ finding, beforeS }) => ({
      source: finding.source, title: finding.title, severity: finding.severity, at: isoIn(finding.at, zone), before_s: beforeS,
    })),
    start: isoIn(outage.start, zone),
    end: outage.end === null ? null : isoIn(outage.end, zone),
    duration_s: seconds(outage.durationMs),
    uncertainty_s: outage.uncertaintyMs === null ? null : seconds(outage.uncertaintyMs),
    cause: outage.cause,
    ongoing: outage.ongoing,
    clipped_start: outage.clippedStart,
    clipped_end: outage.clippedEnd,
    full_duration_s: seconds(outage.fullDurationMs),
    monitor_off_s: seconds(outage.monitorOffMs),
    maintenance: outage.maintenance,
    maintenance_s: seconds(outage.maintenanceMs),
    sensor_off_s: outage.sensorOffMs === null ? null : seconds(outage.sensorOffMs),
    offline_s: outage.offlineMs === null ? null : seconds(outage.offlineMs),
    end_inferred: outage.endInferred,
    failure: outage.failure,
    correlation: outage.correlation === null ? null : correlationJson(outage.correlation, zone),
  };
}

/** A maintenance window, as the report's JSON lists it. */
export function maintenanceWindowJson(window: MaintenanceWindow, zone: string): Record<string, unknown> {
  return { id: window.id, start: isoIn(window.start, zone), end: isoIn(window.end, zone), duration_s: seconds(window.end - window.start), clients: window.clients, reason: window.reason };
}

function correlationJson(correlation: Correlation, zone: string): Record<string, unknown> {
  return { kind: correlation.kind, group: correlation.group, at: isoIn(correlation.at, zone), down: correlation.down, of: correlation.of, clients: correlation.clients };
}

/** One supervision action, as the report's JSON and the API's client detail show it. */
export function actionJson(action: Action, zone: string): Record<string, unknown> {
  const json: Record<string, unknown> = { at: isoIn(action.at, zone), module: action.module, kind: action.kind, result: action.result, detail: action.detail };
  if (action.rtt !== null) {
    const { rtt } = action;
    json.rtt = { from: isoIn(rtt.from, zone), periods: rtt.periods, count: rtt.count, lost: rtt.lost, min_ms: rtt.minMs, avg_ms: avgMs(rtt), max_ms: rtt.maxMs };
  }
  return json;
}

/** Heartbeat loss per day in `zone`: the report's `quality.days`, the API's `quality_days`. */
export function qualityDaysJson(client: ClientReport, zone: string): Record<string, unknown>[] {
  return lossPerDay(client.quality, zone).map((day) => ({ day: day.day, expected: day.expected, lost: day.lost, loss_pct: lossPctJson(day.lossPct), degraded_hours: day.degradedHours }));
}

/** Heartbeat loss between outages: per hour and per day. */
function qualityJson(client: ClientReport, zone: string): Record<string, unknown> {
  const { quality } = client;
  return {
    expected: quality.expected,
    lost: quality.lost,
    jitter_ms: quality.jitterMs === null ? null : Math.round(quality.jitterMs * 10) / 10,
    days: qualityDaysJson(client, zone),
    hours: quality.hours.map((hour) => ({
      start: isoIn(hour.start, zone), expected: hour.expected, lost: hour.lost, loss_pct: lossPctJson(hour.lossPct),
      jitter_ms: hour.jitterMs === null ? null : Math.round(hour.jitterMs * 10) / 10, degraded: hour.degraded,
    })),
  };
}

export function clientJson(client: ClientReport, zone: string, labels: ClientLabels | undefined = undefined, findings: readonly LoggedFinding[] = []): Record<string, unknown> {
  return {
    client: client.client,
    label: labels?.label ?? null,
    account: labels?.account ?? null,
    group: labels?.group ?? null,
    log_formats: client.formats,
    period_start: client.period === null ? null : isoIn(client.period.start, zone),
    period_end: client.period === null ? null : isoIn(client.period.end, zone),
    observed_s: seconds(client.observedMs),
    monitor_off_s: seconds(client.monitorOffMs),
    maintenance_s: seconds(client.maintenanceMs),
    // Counted against the connection; those wholly in maintenance are listed but not counted.
    outage_count: client.countedOutages,
    maintenance_outage_count: client.outages.length - client.countedOutages,
    downtime_s: seconds(client.downtimeMs),
    uptime_pct: client.uptimePct === null ? null : Math.round(client.uptimePct * 10000) / 10000,
    longest_outage_s: client.longest === null ? null : seconds(client.longest.durationMs),
    longest_outage_start: client.longest === null ? null : isoIn(client.longest.start, zone),
    mean_time_between_outages_s: client.meanTimeBetweenMs === null ? null : seconds(client.meanTimeBetweenMs),
    by_cause: Object.fromEntries(
      Object.entries(client.byCause).map(([cause, total]) => [cause, { count: total.count, downtime_s: seconds(total.downtimeMs) }]),
    ),
    first_address: client.firstAddress,
    last_address: client.lastAddress,
    address_changes: client.addressChanges.map((change) => ({ at: isoIn(change.at, zone), addr: change.addr, previous: change.previous })),
    address_changes_per_day: addressChangesPerDay(client, zone),
    heartbeat_loss_pct: lossPctJson(client.quality.lossPct),
    degraded_hours: client.quality.degradedHours,
    quality: qualityJson(client, zone),
    corrupt_lines: client.corrupt,
    log_integrity: client.integrity?.integrity ?? 'unchained',
    broken_line: client.integrity?.brokenLine ?? null,
    broken_reason: client.integrity?.brokenReason ?? null,
    chained_from_line: client.integrity?.chainedFrom ?? null,
    chain_head: client.integrity?.head ?? null,
    outages: client.outages.map((outage) => outageJson(outage, zone, findings)),
    actions: client.actions.map((action) => actionJson(action, zone)),
    actions_omitted: client.actionsOmitted,
  };
}

export function formatJson(report: Report): string {
  const { zone } = report;
  const document = {
    schema: JSON_SCHEMA_VERSION,
    generated_at: isoIn(report.generatedAt, zone),
    timezone: zone,
    title: report.title,
    log_dir: report.logDir,
    window: {
      since: report.window.since === null ? null : isoIn(report.window.since, zone),
      until: isoIn(report.windowEnd, zone),
      clipped: report.window.since !== null || report.window.until !== null,
    },
    monitor: {
      log_found: report.monitor.known,
      off: report.monitor.off
        .filter((span) => span.end > (report.window.since ?? -Infinity) && span.start < report.windowEnd)
        .map((span) => ({ start: isoIn(span.start, zone), end: isoIn(span.end, zone), duration_s: seconds(span.end - span.start) })),
      corrupt_lines: report.monitor.corrupt,
      log_integrity: report.monitor.integrity?.integrity ?? null,
      broken_line: report.monitor.integrity?.brokenLine ?? null,
      chain_head: report.monitor.integrity?.head ?? null,
    },
    maintenance: report.maintenance.map((window) => maintenanceWindowJson(window, zone)),
    degraded_loss_pct: report.degradedLossPct,
    correlated_outages: report.correlations.map((correlation) => correlationJson(correlation, zone)),
    clients: report.clients.map((client) => clientJson(client, zone, report.labels.get(client.client), report.findings)),
    // Gateway checks' failures, apart from the connections' outages (docs/checks.md).
    check_failures: report.checkFailures.map((failure) => ({
      client: failure.client,
      sensor: failure.sensor,
      check: failure.check,
      start: isoIn(failure.start, zone),
      end: failure.end === null ? null : isoIn(failure.end, zone),
      duration_s: seconds(failure.durationMs),
      detail: failure.detail,
      explains: failure.explains === null ? null : { outage_start: isoIn(failure.explains.outageStart, zone), lead_s: seconds(failure.explains.leadMs) },
      text: checkFailureText(failure, zone),
    })),
  };
  return JSON.stringify(document, null, 2) + '\n';
}
