/**
 * `--format pdf`: the report as a document to hand to an ISP (pdf-lib, pure JavaScript,
 * with PDF's standard Helvetica, so nothing is fetched or embedded from the machine). A
 * title page with the window and the clients, then per client: the summary, uptime per month
 * against the ISP's promised figure (`sla_percent`), a chart of daily downtime, the outages
 * with cause, duration and ±, the degraded hours, the address changes per day, and last the
 * method statement. The figures are the JSON report's, worded as the text report words them.
 *
 * The standard fonts know only WinAnsi: anything but printable ASCII and Latin-1 from a log
 * or a label prints as `?`.
 */
import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';
import type { ClientReport } from '../log/outages.js';
import type { Report } from './report.js';
import { addressChangesPerDay, correlationText, degradedHours, METHOD, pctText, qualityLine } from './evidenceText.js';
import { monthlyUptime } from './months.js';
import { causeText, labelLine, maintenanceText, monitorLines, summaryLines, windowLine } from './summaryText.js';
import { dayRows } from './timeline.js';
import { formatDuration, percentText, readableIn, uncertaintyText } from './timeText.js';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;
const LINE = 14;
const GREY = rgb(0.35, 0.35, 0.35);
const RED = rgb(0.84, 0.15, 0.16);

/** Only what Helvetica's WinAnsi encoding can show. */
const printable = (text: string): string => text.replace(/[^\x20-\x7e\xa0-\xff]/g, "?");

class Writer {
  page!: PDFPage;
  y = 0;
  constructor(readonly doc: PDFDocument, readonly font: PDFFont, readonly bold: PDFFont) {
    this.newPage();
  }

  newPage(): void {
    this.page = this.doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  /** Room for `height` more points on this page, else a new page. */
  room(height: number): void {
    if (this.y - height < MARGIN) this.newPage();
  }

  /** Text wrapped to the page width. */
  text(text: string, options: { size?: number; bold?: boolean; colour?: ReturnType<typeof rgb>; indent?: number } = {}): void {
    const size = options.size ?? 10;
    const font = options.bold === true ? this.bold : this.font;
    const indent = options.indent ?? 0;
    const width = A4[0] - 2 * MARGIN - indent;
    for (const line of wrap(printable(text), font, size, width)) {
      this.room(size + 4);
      this.page.drawText(line, { x: MARGIN + indent, y: this.y - size, size, font, color: options.colour ?? rgb(0, 0, 0) });
      this.y -= size + 4;
    }
  }

  gap(points = LINE / 2): void {
    this.y -= points;
  }

  /** A table: columns at fixed x offsets, a bold header row. */
  table(header: string[], rows: string[][], columns: number[]): void {
    const size = 8.5;
    const draw = (cells: string[], font: PDFFont): void => {
      this.room(size + 4);
      cells.forEach((cell, i) => this.page.drawText(printable(cell), { x: MARGIN + columns[i]!, y: this.y - size, size, font }));
      this.y -= size + 4;
    };
    draw(header, this.bold);
    for (const row of rows) draw(row, this.font);
  }
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`;
    if (line !== '' && font.widthOfTextAtSize(next, size) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  lines.push(line);
  return lines;
}

/** Daily downtime as bars, one a day of the client's period (full height: a whole day down). */
function downtimeChart(w: Writer, client: ClientReport, report: Report): void {
  const { rows, onlyOutageDays } = dayRows(client, report.zone, report.generatedAt);
  if (rows.length === 0) return;
  const height = 60;
  const width = A4[0] - 2 * MARGIN;
  w.text(onlyOutageDays ? 'Downtime per day (days with an outage only: the window is long)' : 'Downtime per day', { bold: true });
  w.room(height + 16);
  const bottom = w.y - height;
  w.page.drawRectangle({ x: MARGIN, y: bottom, width, height, borderColor: GREY, borderWidth: 0.5 });
  const bar = width / rows.length;
  rows.forEach((row, i) => {
    const down = row.segments.reduce((sum, segment) => sum + (segment.end - segment.start), 0);
    const share = Math.min(1, down / (row.dayEnd - row.dayStart));
    if (share > 0) w.page.drawRectangle({ x: MARGIN + i * bar, y: bottom, width: Math.max(0.8, bar * 0.8), height: Math.max(1, share * height), color: RED });
  });
  w.page.drawText(printable(`${rows[0]!.label}  ...  ${rows[rows.length - 1]!.label}   (bar height: share of the day down)`), { x: MARGIN, y: bottom - 11, size: 7.5, font: w.font, color: GREY });
  w.y = bottom - 18;
}

function clientPages(w: Writer, client: ClientReport, report: Report): void {
  const { zone } = report;
  w.newPage();
  w.text(client.client, { size: 16, bold: true });
  const label = labelLine(report, client.client);
  if (label !== null) w.text(label);
  if (client.period === null) {
    w.text('No records in this window.');
    return;
  }
  w.text(`${readableIn(client.period.start, zone)} to ${readableIn(client.period.end, zone)}`, { colour: GREY });
  w.gap();
  for (const line of summaryLines(client)) w.text(line);
  const quality = qualityLine(client.quality, report.degradedLossPct);
  if (quality !== null) w.text(quality);
  w.gap();

  const sla = report.labels.get(client.client)?.sla ?? null;
  const months = monthlyUptime(client, report.monitor.off, zone);
  if (months.length > 0) {
    w.text('Uptime per month', { bold: true });
    w.table(
      ['month', 'uptime', 'promised', 'downtime', 'outages'],
      months.map((month) => [
        month.label,
        percentText(month.uptimePct),
        sla === null ? '-' : `${sla} %${month.uptimePct !== null && month.uptimePct < sla ? '  (below)' : ''}`,
        formatDuration(month.downtimeMs),
        String(month.outages),
      ]),
      [0, 90, 170, 270, 370],
    );
    w.gap();
  }
  downtimeChart(w, client, report);
  w.gap();

  w.text(`Outages (${client.outages.length})`, { bold: true });
  if (client.outages.length === 0) w.text('None in this window.');
  else {
    w.table(
      ['start (last heartbeat)', 'duration', '±', 'cause'],
      client.outages.map((outage) => [readableIn(outage.start, zone), outage.ongoing ? `${formatDuration(outage.durationMs)} (ongoing)` : formatDuration(outage.durationMs), uncertaintyText(outage.uncertaintyMs), causeText(outage)]),
      [0, 130, 230, 290],
    );
    for (const outage of client.outages) if (outage.correlation !== null) w.text(`${readableIn(outage.start, zone)}: ${correlationText(outage.correlation, zone)}`, { size: 8.5 });
  }
  w.gap();

  const degraded = degradedHours(client.quality);
  w.text(`Degraded hours (${degraded.length}; more than ${report.degradedLossPct} % of heartbeats lost)`, { bold: true });
  if (client.quality.lossPct === null) w.text('Not measured: this client sends no numbered heartbeats.');
  else if (degraded.length === 0) w.text('None in this window.');
  else w.table(['hour', 'lost', 'of'], degraded.map((hour) => [readableIn(hour.start, zone), `${pctText(hour.lossPct)} (${hour.lost})`, String(hour.expected)]), [0, 150, 260]);
  w.gap();

  w.text(`Public address changes (${client.addressChanges.length})`, { bold: true });
  const perDay = addressChangesPerDay(client, zone);
  if (perDay.length === 0) w.text('None in this window.');
  else w.table(['day', 'changes'], perDay.map(({ day, count }) => [day, String(count)]), [0, 150]);

  // The PDF lists no supervision actions; acknowledgements it does: the ISP may ask when you knew.
  const acks = client.actions.filter((action) => action.kind === 'ack');
  if (acks.length > 0) {
    w.gap();
    w.text(`Acknowledgements (${acks.length})`, { bold: true });
    w.table(['time', 'what'], acks.map((ack) => [readableIn(ack.at, zone), ack.detail]), [0, 130]);
  }
}

/** The maintenance windows of the report: time not counted against the ISP, said on a page of its own. */
function maintenancePage(w: Writer, report: Report): void {
  if (report.maintenance.length === 0) return;
  w.newPage();
  w.text(`Maintenance windows (${report.maintenance.length})`, { size: 14, bold: true });
  w.text('Planned work: time in these windows is not counted as up or down, and outages wholly inside one are listed as maintenance and not counted.', { colour: GREY });
  w.gap();
  w.table(['start', 'end', 'length', 'clients', 'reason'], report.maintenance.map((window) => maintenanceText(window, report.zone)), [0, 120, 240, 320, 410]);
}

export async function formatPdf(report: Report): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  // A fixed date: the same logs give the same document, byte for byte.
  doc.setCreationDate(new Date(report.generatedAt));
  doc.setModificationDate(new Date(report.generatedAt));
  doc.setTitle(printable(report.title ?? 'netmonitor outage report'));
  doc.setProducer('netmonitor');
  const w = new Writer(doc, await doc.embedFont(StandardFonts.Helvetica), await doc.embedFont(StandardFonts.HelveticaBold));
  w.gap(120);
  w.text(report.title ?? 'Internet connection outage record', { size: 22, bold: true });
  if (report.title !== null) w.text('netmonitor outage report', { size: 14 });
  w.gap(LINE);
  w.text(windowLine(report));
  w.text(`Generated ${readableIn(report.generatedAt, report.zone)}`, { colour: GREY });
  w.gap(LINE);
  for (const client of report.clients) {
    const label = labelLine(report, client.client);
    w.text(`${client.client}${label === null ? '' : ` - ${label}`}`, { size: 12 });
  }
  if (report.clients.length === 0) w.text('No client logs in this folder.');
  for (const line of monitorLines(report)) w.text(line, { colour: GREY });
  for (const correlation of report.correlations) w.text(correlationText(correlation, report.zone));
  for (const client of report.clients) clientPages(w, client, report);
  maintenancePage(w, report);
  w.newPage();
  const [heading, ...paragraphs] = METHOD;
  w.text(heading!, { size: 14, bold: true });
  w.gap();
  for (const paragraph of paragraphs) {
    w.text(paragraph);
    w.gap();
  }
  return doc.save();
}
