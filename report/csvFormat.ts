/**
 * `--format csv`: a header row, then one row per outage (RFC 4180 quoting), for a
 * spreadsheet. Times are ISO 8601 in the chosen zone with the offset. The client_… columns
 * columns but three are the client's (its heartbeat loss between outages), repeated on each of its
 * rows; `maintenance` marks an outage wholly in a maintenance window (not counted against the ISP).
 */
import type { Report } from './report.js';
import { formatDuration, isoIn, seconds } from './timeText.js';
import { lossPctJson } from './evidenceText.js';

export const CSV_COLUMNS = [
  'client', 'start', 'end', 'duration_s', 'duration', 'uncertainty_s', 'cause', 'ongoing',
  'clipped_start', 'clipped_end', 'monitor_off_s', 'sensor_off_s', 'offline_s', 'failure',
  'client_heartbeat_loss_pct', 'client_degraded_hours', 'correlation', 'maintenance', 'maintenance_s',
] as const;

/** Quotes a field when it needs it; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatCsv(report: Report): string {
  const { zone } = report;
  const rows = [CSV_COLUMNS.join(',')];
  for (const client of report.clients) {
    for (const outage of client.outages) {
      const fields: (string | number | boolean | null)[] = [
        client.client,
        isoIn(outage.start, zone),
        outage.end === null ? null : isoIn(outage.end, zone),
        seconds(outage.durationMs),
        formatDuration(outage.durationMs),
        outage.uncertaintyMs === null ? null : seconds(outage.uncertaintyMs),
        outage.cause,
        outage.ongoing,
        outage.clippedStart,
        outage.clippedEnd,
        seconds(outage.monitorOffMs),
        outage.sensorOffMs === null ? null : seconds(outage.sensorOffMs),
        outage.offlineMs === null ? null : seconds(outage.offlineMs),
        outage.failure,
        lossPctJson(client.quality.lossPct),
        client.quality.lossPct === null ? null : client.quality.degradedHours,
        outage.correlation?.kind ?? null,
        outage.maintenance,
        seconds(outage.maintenanceMs),
      ];
      rows.push(fields.map(csvField).join(','));
    }
  }
  return rows.join('\r\n') + '\r\n';
}
