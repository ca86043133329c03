/** `--format text` (the default): per client a short summary, a table of outages and what supervision did. */
import type { ClientReport } from '../log/outages.js';
import type { Report } from './report.js';
import { checkFailureText } from './checkFailureText.js';
import { causeText, labelLine, maintenanceText, monitorLines, notesOf, summaryLines, windowLine } from './summaryText.js';
import { formatDuration, readableIn, uncertaintyText } from './timeText.js';
import { findingsNearText } from './findingText.js';
import { addressChangesPerDay, correlationText, degradedHours, pctText, qualityLine } from './evidenceText.js';

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd());
}

/** The "Actions" section: what healing, probes and LibreNMS did, oldest first. */
function actionLines(client: ClientReport, zone: string): string[] {
  if (client.actions.length === 0) return [];
  const lines = ['', '  Actions (supervision)'];
  if (client.actionsOmitted > 0) lines.push(`    (${client.actionsOmitted} earlier action(s) not listed)`);
  const rows = [['time', 'module', 'what', 'result', 'detail']];
  for (const action of client.actions) rows.push([readableIn(action.at, zone), action.module, action.kind, action.result, action.detail]);
  for (const line of table(rows)) lines.push(`    ${line}`);
  return lines;
}

/** Log analysis findings whose first line came shortly before or after an outage began. */
function findingLines(client: ClientReport, report: Report): string[] {
  const lines = client.outages.flatMap((outage) => findingsNearText(outage.start, report.findings, report.zone).map((text) => `    ${text}`));
  return lines.length === 0 ? [] : ['', '  Log findings near outages', ...lines];
}

function clientText(client: ClientReport, report: Report): string[] {
  const { zone } = report;
  const lines = [client.client + (client.formats.includes('original') ? ' (includes logs of the original netmonitor)' : '')];
  const label = labelLine(report, client.client);
  if (label !== null) lines.push(`  ${label}`);
  if (client.period === null) return [...lines, '  no records in this window', ''];
  lines.push(`  ${readableIn(client.period.start, zone)} to ${readableIn(client.period.end, zone)}`);
  for (const line of summaryLines(client)) lines.push(`  ${line}`);
  if (client.firstAddress !== null) {
    const changes = client.addressChanges.length;
    lines.push(`  public address ${client.lastAddress}` + (changes === 0 ? ', no changes in this window' : `, ${changes} change${changes === 1 ? '' : 's'}:`));
    for (const change of client.addressChanges) lines.push(`    ${readableIn(change.at, zone)}  ${change.previous ?? '?'} -> ${change.addr}`);
    if (changes > 0) lines.push(`    per day: ${addressChangesPerDay(client, zone).map(({ day, count }) => `${day} ${count}`).join(', ')}`);
  }
  const quality = qualityLine(client.quality, report.degradedLossPct);
  if (quality !== null) {
    lines.push(`  ${quality}`);
    for (const hour of degradedHours(client.quality)) lines.push(`    ${readableIn(hour.start, zone)}  ${pctText(hour.lossPct)} lost (${hour.lost} of ${hour.expected})`);
  }
  if (client.outages.length > 0) {
    lines.push('');
    const rows = [['start (last heartbeat)', 'end (first heartbeat after)', 'duration', '±', 'cause']];
    for (const outage of client.outages) {
      const notes = notesOf(outage, zone);
      rows.push([
        readableIn(outage.start, zone),
        outage.end === null ? 'ongoing' : readableIn(outage.end, zone),
        formatDuration(outage.durationMs),
        uncertaintyText(outage.uncertaintyMs),
        causeText(outage) + (notes.length > 0 ? ` [${notes.join('; ')}]` : ''),
      ]);
    }
    for (const line of table(rows)) lines.push(`  ${line}`);
    lines.push(...findingLines(client, report));
  }
  lines.push(...actionLines(client, zone));
  lines.push('');
  return lines;
}

export function formatText(report: Report): string {
  const lines = [`netmonitor outage report, ${windowLine(report)}`, `generated ${readableIn(report.generatedAt, report.zone)}`];
  if (report.title !== null) lines.unshift(report.title);
  lines.push(...monitorLines(report));
  if (report.correlations.length > 0) {
    lines.push('', 'Outages of several clients at once');
    for (const correlation of report.correlations) lines.push(`  ${correlationText(correlation, report.zone)} (${correlation.clients.join(', ')})`);
  }
  if (report.maintenance.length > 0) {
    lines.push('', 'Maintenance windows (not counted as up or down)');
    for (const line of table([['start', 'end', 'length', 'clients', 'reason'], ...report.maintenance.map((window) => maintenanceText(window, report.zone))])) lines.push(`  ${line}`);
  }
  lines.push('');
  if (report.clients.length === 0) lines.push('no client logs in this folder', '');
  for (const client of report.clients) lines.push(...clientText(client, report));
  if (report.checkFailures.length > 0) {
    // Not outages of the connection: what the gateway's own checks found, beside the silences they may explain.
    lines.push('Gateway check failures (not counted as outages)');
    for (const failure of report.checkFailures) lines.push(`  ${checkFailureText(failure, report.zone)}`);
    lines.push('');
  }
  return lines.join('\n');
}
