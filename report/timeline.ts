/**
 * The HTML report's picture: per client, one row per day (in the chosen zone) with the
 * outages drawn on it, as inline SVG. A row is as long as its day really is, so the day a
 * clock goes forward is 23 hours long and the day it goes back 25: nothing is drawn twice
 * or hidden. Hour marks sit where the local clock shows 00, 06, 12 and 18. Only the part of
 * a day inside the client's period is drawn as watched: before its first record and after
 * now nothing is known, and that part is drawn as unknown, never as up.
 */
import { DateTime, IANAZone } from 'luxon';
import type { Cause } from '../log/cause.js';
import type { ClientReport } from '../log/outages.js';
import { escapeHtml } from './escape.js';
import { formatDuration, readableIn } from './timeText.js';

export const CAUSE_COLOURS: Record<Cause, string> = { network: '#d62728', power: '#ff7f0e', monitor: '#7f7f7f', unknown: '#9467bd' };

const PX_PER_HOUR = 30;
const ROW_HEIGHT = 16;
const LABEL_WIDTH = 120;
/** Room right of the longest row for the "24:00" label, which is centred on its mark. */
const RIGHT_MARGIN = 24;
/** Above this many days, only days with an outage get a row (a year of empty rows helps nobody). */
export const ALL_DAYS_LIMIT = 62;
const MAX_ROWS = 400;

/**
 * The days of one zone, each worked out with luxon once and then looked up by its local day
 * number: a year of outages for a thousand clients falls on the same 365 days, and luxon's
 * calendar arithmetic is the slow part of drawing them.
 */
interface Day {
  number: number;
  start: number;
  end: number;
  label: string;
  /** Offsets from the day's start of the local 06:00, 12:00 and 18:00. */
  ticks: number[];
}

class DayCalendar {
  private readonly zone: IANAZone;
  private readonly days = new Map<number, Day>();

  constructor(private readonly zoneName: string) {
    this.zone = new IANAZone(zoneName);
  }

  /** The day `ms` falls on, in this zone. */
  dayOf(ms: number): Day {
    return this.byNumber(Math.floor((ms + this.zone.offset(ms) * 60_000) / 86_400_000));
  }

  next(day: Day): Day {
    return this.byNumber(day.number + 1);
  }

  private byNumber(number: number): Day {
    let day = this.days.get(number);
    if (day === undefined) {
      const start = DateTime.fromMillis(number * 86_400_000, { zone: 'UTC' }).setZone(this.zoneName, { keepLocalTime: true }).startOf('day');
      day = {
        number,
        start: start.toMillis(),
        end: start.plus({ days: 1 }).toMillis(),
        label: start.toFormat('ccc yyyy-MM-dd'),
        ticks: [6, 12, 18].map((hour) => start.set({ hour }).toMillis() - start.toMillis()),
      };
      this.days.set(number, day);
    }
    return day;
  }
}

const calendars = new Map<string, DayCalendar>();
function calendarOf(zone: string): DayCalendar {
  let calendar = calendars.get(zone);
  if (calendar === undefined) calendars.set(zone, (calendar = new DayCalendar(zone)));
  return calendar;
}

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
  /** Offsets from the day's start of the local 06:00, 12:00 and 18:00. */
  ticks: number[];
  /** The part of the day inside the client's period (watched); the rest is unknown. */
  knownStart: number;
  knownEnd: number;
  segments: DaySegment[];
}

/** Pure: the days of the client's period, each with the parts of outages that fall on it. */
export function dayRows(client: ClientReport, zone: string, now: number): { rows: DayRow[]; onlyOutageDays: boolean; truncated: boolean } {
  if (client.period === null) return { rows: [], onlyOutageDays: false, truncated: false };
  const calendar = calendarOf(zone);
  const first = calendar.dayOf(client.period.start);
  const last = calendar.dayOf(client.period.end - 1);
  const onlyOutageDays = last.number - first.number + 1 > ALL_DAYS_LIMIT;
  const byDay = new Map<number, DaySegment[]>();
  for (const outage of client.outages) {
    const end = outage.end ?? Math.min(client.period.end, now);
    const title = `${readableIn(outage.start, zone)}, ${formatDuration(outage.durationMs)}, ${outage.cause}`;
    for (let day = calendar.dayOf(outage.start); day.start < end; day = calendar.next(day)) {
      const start = Math.max(outage.start, day.start);
      const stop = Math.min(end, day.end);
      if (stop <= start) continue;
      const list = byDay.get(day.number) ?? [];
      list.push({ start, end: stop, cause: outage.cause, title });
      byDay.set(day.number, list);
    }
  }
  const period = client.period;
  const rowOf = (day: Day): DayRow => ({
    dayStart: day.start,
    dayEnd: day.end,
    label: day.label,
    ticks: day.ticks,
    knownStart: Math.min(day.end, Math.max(day.start, period.start)),
    knownEnd: Math.max(day.start, Math.min(day.end, period.end, now)),
    segments: byDay.get(day.number) ?? [],
  });
  const rows: DayRow[] = [];
  if (onlyOutageDays) {
    for (const number of [...byDay.keys()].sort((a, b) => a - b)) rows.push(rowOf(calendar.dayOf(byDay.get(number)![0]!.start)));
  } else {
    for (let day = first; day.number <= last.number; day = calendar.next(day)) rows.push(rowOf(day));
  }
  const truncated = rows.length > MAX_ROWS;
  return { rows: truncated ? rows.slice(rows.length - MAX_ROWS) : rows, onlyOutageDays, truncated };
}

const x = (ms: number): number => Math.round((ms / 3_600_000) * PX_PER_HOUR * 10) / 10;

export function timelineSvg(rows: readonly DayRow[]): string {
  if (rows.length === 0) return '';
  const longestDay = Math.max(...rows.map((row) => row.dayEnd - row.dayStart));
  const width = LABEL_WIDTH + x(longestDay) + RIGHT_MARGIN;
  const height = (rows.length + 1) * ROW_HEIGHT + 4;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="outages per day">`,
  ];
  for (const hour of [0, 6, 12, 18, 24]) {
    parts.push(`<text x="${LABEL_WIDTH + hour * PX_PER_HOUR}" y="11" text-anchor="middle" class="hour">${String(hour).padStart(2, '0')}:00</text>`);
  }
  rows.forEach((row, index) => {
    const y = (index + 1) * ROW_HEIGHT;
    parts.push(`<text x="0" y="${y + 11}" class="day">${escapeHtml(row.label)}</text>`);
    parts.push(`<rect x="${LABEL_WIDTH}" y="${y + 2}" width="${x(row.dayEnd - row.dayStart)}" height="${ROW_HEIGHT - 4}" class="unknown"/>`);
    if (row.knownEnd > row.knownStart) {
      parts.push(`<rect x="${LABEL_WIDTH + x(row.knownStart - row.dayStart)}" y="${y + 2}" width="${x(row.knownEnd - row.knownStart)}" height="${ROW_HEIGHT - 4}" class="dayrow"/>`);
    }
    for (const mark of row.ticks) {
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
