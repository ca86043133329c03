/** Words shared by the text and HTML formats: a client's one-line summary, an outage's cause. */
import type { ClientReport, Outage } from '../log/outages.js';
import type { Report } from './report.js';
import { formatDuration, percentText, readableIn } from './timeText.js';
import { correlationText, integrityLine } from './evidenceText.js';
import type { MaintenanceWindow } from '../log/monitorLog.js';

export const CAUSE_WORDS: Record<string, string> = {
  network: 'network (the sensor kept running but could not get out)',
  power: 'power (the gateway lost power or restarted)',
  monitor: 'monitor (the monitor itself was off for part of it)',
  unknown: 'unknown (nothing in the logs tells)',
};

export function causeText(outage: Outage): string {
  let text = outage.cause;
  if (outage.sensorOffMs !== null && outage.offlineMs !== null) {
    text += `: off ${formatDuration(outage.sensorOffMs)}, then no connection ${formatDuration(outage.offlineMs)}`;
  }
  if (outage.cause === 'monitor') text += `: monitor off ${formatDuration(outage.monitorOffMs)}`;
  if (outage.endInferred) text += ' (end inferred: a log line was damaged)';
  return outage.maintenance ? `in maintenance, not counted (${text})` : text;
}

export function notesOf(outage: Outage, zone: string): string[] {
  const notes: string[] = [];
  if (!outage.maintenance && outage.maintenanceMs >= 500) notes.push(`${formatDuration(outage.maintenanceMs)} of it in maintenance, not counted`);
  if (outage.correlation !== null) notes.push(correlationText(outage.correlation, zone));
  if (outage.failure !== null) notes.push(outage.failure);
  if (outage.clippedStart) notes.push('began before the window');
  if (outage.clippedEnd && !outage.ongoing) notes.push('ended after the window');
  if (outage.ongoing) notes.push(outage.clippedEnd ? 'still going on after the window' : 'still going on');
  if (outage.clippedStart || outage.clippedEnd) notes.push(`whole outage ${formatDuration(outage.fullDurationMs)}`);
  return notes;
}

export function summaryLines(client: ClientReport): string[] {
  const lines: string[] = [];
  const n = client.countedOutages;
  lines.push(
    `${n} outage${n === 1 ? '' : 's'}, ${formatDuration(client.downtimeMs)} down, ${percentText(client.uptimePct)} up` +
      (client.longest === null ? '' : `, longest ${formatDuration(client.longest.durationMs)}`) +
      (client.meanTimeBetweenMs === null ? '' : `, mean time between outages ${formatDuration(client.meanTimeBetweenMs)}`),
  );
  const causes = Object.entries(client.byCause).filter(([, total]) => total.count > 0);
  if (causes.length > 0) lines.push('by cause: ' + causes.map(([cause, total]) => `${cause} ${total.count} (${formatDuration(total.downtimeMs)})`).join(', '));
  const inMaintenance = client.outages.length - n;
  if (client.maintenanceMs >= 500) {
    lines.push(`in maintenance for ${formatDuration(client.maintenanceMs)} of this time; that time is not counted as up or down` + (inMaintenance === 0 ? '' : ` (${inMaintenance} outage${inMaintenance === 1 ? '' : 's'} in it, listed and not counted)`));
  }
  if (client.monitorOffMs >= 500) lines.push(`the monitor itself was off for ${formatDuration(client.monitorOffMs)} of this time; that time is not counted as up or down`);
  if (client.corrupt > 0) lines.push(`skipped ${client.corrupt} damaged log line${client.corrupt === 1 ? '' : 's'}`);
  const integrity = integrityLine(client.integrity, client.client);
  if (integrity !== null) lines.push(integrity);
  return lines;
}

/** `Jane Doe, account 0012345`: who a client is, from the config's `label` and `account`; null when neither is set. */
/** `Sun 2026-12-06 03:00 to 04:00 (1h 00m 00s), home-gw: router update`: one maintenance window, for every format. */
export function maintenanceText(window: MaintenanceWindow, zone: string): string[] {
  return [
    readableIn(window.start, zone),
    readableIn(window.end, zone),
    formatDuration(window.end - window.start),
    window.clients === null ? 'every client' : window.clients.join(', '),
    window.reason ?? '',
  ];
}

export function labelLine(report: Report, client: string): string | null {
  const labels = report.labels.get(client);
  if (labels === undefined) return null;
  const parts = [labels.label, labels.account === null ? null : `account ${labels.account}`].filter((part) => part !== null);
  return parts.length === 0 ? null : parts.join(', ');
}

export function windowLine(report: Report): string {
  const { zone } = report;
  const from = report.window.since === null ? 'the start of each log' : readableIn(report.window.since, zone);
  const clipped = report.window.since !== null || report.window.until !== null ? '; outages are clipped to this window' : '';
  return `from ${from} to ${readableIn(report.windowEnd, zone)} (${zone})${clipped}`;
}

export function monitorLines(report: Report): string[] {
  const lines: string[] = [];
  if (!report.monitor.known) {
    lines.push("the monitor's record of when it was running is missing (no @server.nmlog in the log folder): any time the monitor itself was off is counted as if it had been watching");
  }
  if (report.monitor.corrupt > 0) lines.push(`skipped ${report.monitor.corrupt} damaged line(s) of the monitor's own record (@server.nmlog)`);
  // Only a broken record is worth a line at the top; the json gives every verdict.
  if (report.monitor.integrity?.integrity === 'broken') lines.push(`the monitor's own record: ${integrityLine(report.monitor.integrity, '@server')}`);
  return lines;
}
