/**
 * The HTML report's picture: per client, one row per day (in the chosen zone) with the
 * outages drawn on it, as inline SVG. A row is as long as its day really is, so the day a
 * clock goes forward is 23 hours long and the day it goes back 25: nothing is drawn twice
 * or hidden. Hour marks sit where the local clock shows 00, 06, 12 and 18.
 */
import { DateTime } from 'luxon';
import type { Cause } from './cause.js';
import type { ClientReport } from './outages.js';
import { escapeHtml } from './escape.js';
import { formatDuration, readableIn } from './timeText.js';

export const CAUSE_COLOURS: Record<Cause, string> = { network: '#d62728', power: '#ff7f0e', monitor: '#7f7f7f', unknown: '#9467bd' };

const PX_PER_HOUR = 30;
const ROW_HEIGHT = 16;
const LABEL_WIDTH = 120;
/** Above this many days, only days with an outage get a row (a year of empty rows helps nobody). */
export const ALL_DAYS_LIMIT = 62;
const MAX_ROWS = 400;

export interface DaySegment {
  start: number;
  end: number;
  cause: Cause;
  title: string;
}

export interface DayRow {
  dayStart: number;
  dayEnd: number;
  label: string;
  segments: DaySegment[];
}

/** Pure: the days of the client's period, each with the parts of outages that fall on it. */
export function dayRows(client: ClientReport, zone: string, now: number): { rows: DayRow[]; onlyOutageDays: boolean; truncated: boolean } {
  if (client.period === null) return { rows: [], onlyOutageDays: false, truncated: false };
  const first = DateTime.fromMillis(client.period.start, { zone }).startOf('day');
  const last = DateTime.fromMillis(client.period.end, { zone });
  const dayCount = Math.ceil(last.diff(first, 'days').days);
  const onlyOutageDays = dayCount > ALL_DAYS_LIMIT;
  const byDay = new Map<number, DaySegment[]>();
  for (const outage of client.outages) {
    const end = outage.end ?? Math.min(client.period.end, now);
    const title = `${readableIn(outage.start, zone)}, ${formatDuration(outage.durationMs)}, ${outage.cause}`;
    let day = DateTime.fromMillis(outage.start, { zone }).startOf('day');
    while (day.toMillis() < end) {
      const next = day.plus({ days: 1 });
      const start = Math.max(outage.start, day.toMillis());
      const stop = Math.min(end, next.toMillis());
      if (stop > start) {
        const list = byDay.get(day.toMillis()) ?? [];
        list.push({ start, end: stop, cause: outage.cause, title });
        byDay.set(day.toMillis(), list);
      }
      day = next;
    }
  }
  const rows: DayRow[] = [];
  const rowOf = (day: DateTime): DayRow => ({
    dayStart: day.toMillis(),
    dayEnd: day.plus({ days: 1 }).toMillis(),
    label: day.toFormat('ccc yyyy-MM-dd'),
    segments: byDay.get(day.toMillis()) ?? [],
  });
  if (onlyOutageDays) {
    for (const dayStart of [...byDay.keys()].sort((a, b) => a - b)) rows.push(rowOf(DateTime.fromMillis(dayStart, { zone })));
  } else {
    for (let day = first; day.toMillis() < client.period.end; day = day.plus({ days: 1 })) rows.push(rowOf(day));
  }
  const truncated = rows.length > MAX_ROWS;
  return { rows: truncated ? rows.slice(rows.length - MAX_ROWS) : rows, onlyOutageDays, truncated };
}

const x = (ms: number): number => Math.round((ms / 3_600_000) * PX_PER_HOUR * 10) / 10;

export function timelineSvg(rows: readonly DayRow[], zone: string): string {
  if (rows.length === 0) return '';
  const longestDay = Math.max(...rows.map((row) => row.dayEnd - row.dayStart));
  const width = LABEL_WIDTH + x(longestDay) + 10;
  const height = (rows.length + 1) * ROW_HEIGHT + 4;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="outages per day">`,
  ];
  for (const hour of [0, 6, 12, 18, 24]) {
    parts.push(`<text x="${LABEL_WIDTH + hour * PX_PER_HOUR}" y="11" class="hour">${String(hour).padStart(2, '0')}:00</text>`);
  }
  rows.forEach((row, index) => {
    const y = (index + 1) * ROW_HEIGHT;
    const day = DateTime.fromMillis(row.dayStart, { zone });
    parts.push(`<text x="0" y="${y + 11}" class="day">${escapeHtml(row.label)}</text>`);
    parts.push(`<rect x="${LABEL_WIDTH}" y="${y + 2}" width="${x(row.dayEnd - row.dayStart)}" height="${ROW_HEIGHT - 4}" class="dayrow"/>`);
    for (const hour of [6, 12, 18]) {
      const mark = day.set({ hour }).toMillis() - row.dayStart;
      parts.push(`<line x1="${LABEL_WIDTH + x(mark)}" x2="${LABEL_WIDTH + x(mark)}" y1="${y + 2}" y2="${y + ROW_HEIGHT - 2}" class="tick"/>`);
    }
    for (const segment of row.segments) {
      const left = LABEL_WIDTH + x(segment.start - row.dayStart);
      const barWidth = Math.max(1, x(segment.end - segment.start));
      parts.push(
        `<rect x="${left}" y="${y + 2}" width="${barWidth}" height="${ROW_HEIGHT - 4}" fill="${CAUSE_COLOURS[segment.cause]}"><title>${escapeHtml(segment.title)}</title></rect>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}
