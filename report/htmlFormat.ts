/**
 * `--format html`: one self-contained file (inline CSS and SVG, no scripts, nothing
 * fetched) with each client's summary, a picture of its outages per day, the outage table
 * and what supervision did (healing, probes, LibreNMS), fit to attach to a complaint to the
 * ISP. Everything that comes from the logs is escaped.
 */
import type { ClientReport } from '../log/outages.js';
import type { Report } from './report.js';
import { findingsNearText } from './findingText.js';
import { escapeHtml } from './escape.js';
import { causeText, CAUSE_WORDS, labelLine, maintenanceText, monitorLines, notesOf, summaryLines, windowLine } from './summaryText.js';
import { CAUSE_COLOURS, dayRows, timelineSvg, ALL_DAYS_LIMIT } from './timeline.js';
import { formatDuration, percentText, readableIn, uncertaintyText } from './timeText.js';
import { addressChangesPerDay, correlationText, degradedHours, METHOD, pctText, qualityLine } from './evidenceText.js';
import { monthlyUptime } from './months.js';

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { font-size: 1em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; } td.time { white-space: nowrap; }
.timeline text { font: 10px sans-serif; fill: #444; } .timeline .dayrow { fill: #e8f5e9; stroke: #c8e6c9; }
.timeline .unknown { fill: #f4f4f4; stroke: #ddd; }
.timeline .tick { stroke: #bbb; } .legend span { display: inline-block; width: 1em; height: 1em; vertical-align: middle; margin: 0 0.3em 0 1em; }
.legend .up { background: #e8f5e9; border: 1px solid #c8e6c9; } .legend .unknown { background: #f4f4f4; border: 1px solid #ddd; }
.note { color: #555; font-size: 0.9em; }
@media print { body { margin: 0.5em; } section { break-before: page; } }
`;

function clientHtml(client: ClientReport, report: Report): string {
  const { zone, findings } = report;
  const e = escapeHtml;
  const parts = [`<section><h2>${e(client.client)}</h2>`];
  const label = labelLine(report, client.client);
  if (label !== null) parts.push(`<p class="label">${e(label)}</p>`);
  if (client.period === null) return parts.join('') + '<p>No records in this window.</p></section>';
  parts.push(`<p>${e(readableIn(client.period.start, zone))} to ${e(readableIn(client.period.end, zone))}</p><ul>`);
  for (const line of summaryLines(client)) parts.push(`<li>${e(line)}</li>`);
  if (client.lastAddress !== null) parts.push(`<li>public address ${e(client.lastAddress)}; ${client.addressChanges.length} change(s) in this window</li>`);
  const quality = qualityLine(client.quality, report.degradedLossPct);
  if (quality !== null) parts.push(`<li>${e(quality)}</li>`);
  parts.push('</ul>');
  const sla = report.labels.get(client.client)?.sla ?? null;
  parts.push('<table><tr><th>month</th><th>uptime</th><th>promised</th><th>downtime</th><th>outages</th></tr>');
  for (const month of monthlyUptime(client, report.monitor.off, zone)) {
    const below = sla !== null && month.uptimePct !== null && month.uptimePct < sla;
    parts.push(
      `<tr><td class="time">${month.label}</td><td class="num">${e(percentText(month.uptimePct))}</td><td class="num">${sla === null ? '-' : `${sla} %${below ? ' (below)' : ''}`}</td>` +
        `<td class="num">${e(formatDuration(month.downtimeMs))}</td><td class="num">${month.outages}</td></tr>`,
    );
  }
  parts.push('</table>');
  const { rows, onlyOutageDays, truncated } = dayRows(client, zone, report.generatedAt);
  if (rows.length > 0) {
    if (onlyOutageDays) parts.push(`<p class="note">The window is longer than ${ALL_DAYS_LIMIT} days: only days with an outage are drawn${truncated ? ' (the latest ones)' : ''}.</p>`);
    parts.push(timelineSvg(rows));
  }
  if (client.addressChanges.length > 0) {
    parts.push('<table><tr><th>address changed at</th><th>from</th><th>to</th></tr>');
    for (const change of client.addressChanges) {
      parts.push(`<tr><td class="time">${e(readableIn(change.at, zone))}</td><td>${e(change.previous ?? '?')}</td><td>${e(change.addr)}</td></tr>`);
    }
    parts.push('</table>');
    parts.push('<table><tr><th>day</th><th>address changes</th></tr>');
    for (const { day, count } of addressChangesPerDay(client, zone)) parts.push(`<tr><td class="time">${e(day)}</td><td class="num">${count}</td></tr>`);
    parts.push('</table>');
  }
  const degraded = degradedHours(client.quality);
  if (degraded.length > 0) {
    parts.push('<table><tr><th>degraded hour</th><th>heartbeats lost</th><th>of</th></tr>');
    for (const hour of degraded) parts.push(`<tr><td class="time">${e(readableIn(hour.start, zone))}</td><td class="num">${e(pctText(hour.lossPct))} (${hour.lost})</td><td class="num">${hour.expected}</td></tr>`);
    parts.push('</table>');
  }
  if (client.outages.length > 0) {
    parts.push('<table><tr><th>start (last heartbeat)</th><th>end (first heartbeat after)</th><th>duration</th><th>±</th><th>cause</th><th>notes</th></tr>');
    for (const outage of client.outages) {
      parts.push(
        `<tr><td class="time">${e(readableIn(outage.start, zone))}</td>` +
          `<td class="time">${outage.end === null ? 'ongoing' : e(readableIn(outage.end, zone))}</td>` +
          `<td class="num">${e(formatDuration(outage.durationMs))}</td><td class="num">${e(uncertaintyText(outage.uncertaintyMs))}</td>` +
          `<td>${e(causeText(outage))}</td><td>${e([...notesOf(outage, zone), ...findingsNearText(outage.start, findings, zone)].join('; '))}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  if (client.actions.length > 0) {
    parts.push('<h3>Actions (supervision)</h3>');
    if (client.actionsOmitted > 0) parts.push(`<p class="note">${client.actionsOmitted} earlier action(s) not listed.</p>`);
    parts.push('<table class="actions"><tr><th>time</th><th>module</th><th>what</th><th>result</th><th>detail</th></tr>');
    for (const action of client.actions) {
      parts.push(
        `<tr><td class="time">${e(readableIn(action.at, zone))}</td><td>${e(action.module)}</td><td>${e(action.kind)}</td>` +
          `<td>${e(action.result)}</td><td>${e(action.detail)}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  parts.push('</section>');
  return parts.join('\n');
}

export function formatHtml(report: Report): string {
  const e = escapeHtml;
  const legend = Object.entries(CAUSE_COLOURS)
    .map(([cause, colour]) => `<span style="background:${colour}"></span>${e(CAUSE_WORDS[cause] ?? cause)}`)
    .join(' ') + ' <span class="up"></span>up <span class="unknown"></span>not watched (before the first record, or still to come)';
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // No network fetches: refuse any by policy too, should a future change add one by mistake.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${e(report.title ?? 'netmonitor outage report')}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${e(report.title ?? 'netmonitor outage report')}</h1>`,
    report.title === null ? '' : '<p>netmonitor outage report</p>',
    `<p>${e(windowLine(report))}. Generated ${e(readableIn(report.generatedAt, report.zone))}.</p>`,
    ...monitorLines(report).map((line) => `<p class="note">${e(line)}</p>`),
    `<p class="note">Each outage runs from the last heartbeat before the silence to the first one after it; ± is the sensor's heartbeat interval. Time when the monitor itself was off is not counted as downtime.</p>`,
    ...(report.correlations.length === 0
      ? []
      : ['<h2>Outages of several clients at once</h2><ul>', ...report.correlations.map((c) => `<li>${e(correlationText(c, report.zone))} (${e(c.clients.join(', '))})</li>`), '</ul>']),
    ...(report.maintenance.length === 0
      ? []
      : [
        '<h2>Maintenance windows</h2><p class="note">Time in maintenance is not counted as up or down; outages wholly inside it are listed and not counted.</p>',
        '<table class="maintenance"><tr><th>start</th><th>end</th><th>length</th><th>clients</th><th>reason</th></tr>',
        ...report.maintenance.map((window) => `<tr>${maintenanceText(window, report.zone).map((cell) => `<td>${e(cell)}</td>`).join('')}</tr>`),
        '</table>',
      ]),
    `<p class="legend">${legend}</p>`,
    ...report.clients.map((client) => clientHtml(client, report)),
    report.clients.length === 0 ? '<p>No client logs in this folder.</p>' : '',
    `<section class="method"><h2>${e(METHOD[0]!)}</h2>${METHOD.slice(1).map((paragraph) => `<p>${e(paragraph)}</p>`).join('')}</section>`,
    '</body></html>',
    '',
  ].join('\n');
}
