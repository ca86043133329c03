/**
 * When a client is expected to be heard: always (the default), or in business-hours windows
 * (weekdays, a start and an end time of day, an IANA time zone). Pure: every function takes
 * the wall-clock instant it should answer for, so tests use fake instants and DST changes.
 *
 * Windows are wall-clock concepts; the monitor keeps its deadlines on the monotonic clock and
 * only asks this module, when a deadline passes, whether a down may be declared yet.
 */
import { DateTime } from 'luxon';

/** Luxon weekday numbers: 1 Monday … 7 Sunday. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface BusinessHours {
  kind: 'hours';
  /** The days a window starts on (an overnight window ends on the next day). */
  days: readonly Weekday[];
  /** Minutes after midnight, local time. end <= start means the window runs overnight. */
  startMinute: number;
  endMinute: number;
  zone: string;
}

export type Schedule = { kind: 'always' } | BusinessHours;

export const ALWAYS: Schedule = Object.freeze({ kind: 'always' });

interface Window {
  start: number;
  end: number;
}

/** The window that starts on the local date of `day` (a DateTime at any time that day). */
function windowOn(schedule: BusinessHours, day: DateTime): Window {
  const at = (date: DateTime, minute: number): number =>
    // A time that does not exist that day (skipped by a DST change) moves forward with the clocks.
    DateTime.fromObject({ year: date.year, month: date.month, day: date.day, hour: Math.floor(minute / 60), minute: minute % 60 }, { zone: schedule.zone }).toMillis();
  const overnight = schedule.endMinute <= schedule.startMinute;
  return { start: at(day, schedule.startMinute), end: at(overnight ? day.plus({ days: 1 }) : day, schedule.endMinute) };
}

/**
 * The windows that can matter around `wall`: the one that started yesterday (an overnight
 * window may still be open) through the next eight days, in time order.
 */
function windowsAround(schedule: BusinessHours, wall: number): Window[] {
  const today = DateTime.fromMillis(wall, { zone: schedule.zone }).startOf('day');
  const windows: Window[] = [];
  for (let offset = -1; offset <= 8; offset++) {
    const day = today.plus({ days: offset });
    if (!schedule.days.includes(WEEKDAYS[day.weekday - 1]!)) continue;
    const window = windowOn(schedule, day);
    if (window.end > window.start) windows.push(window);
  }
  return windows;
}

/** Is `wall` inside one of the schedule's windows? */
export function isOpen(schedule: Schedule, wall: number): boolean {
  if (schedule.kind === 'always') return true;
  return windowsAround(schedule, wall).some((w) => w.start <= wall && wall < w.end);
}

/**
 * The earliest moment at or after `wall` when a silent client may be declared down: inside a
 * window, and at least `graceMs` after that window opened. Null when the schedule never
 * opens (it cannot, once validated; kept for safety).
 *
 * 1. With `always`, that is `wall` itself: no window, no grace.
 * 2. Inside a window: `wall`, or the window's start + grace if that is later and still
 *    inside the window.
 * 3. Otherwise the next window's start + grace (a window shorter than the grace is skipped).
 */
export function downAllowedFrom(schedule: Schedule, graceMs: number, wall: number): number | null {
  if (schedule.kind === 'always') return wall;
  for (const window of windowsAround(schedule, wall)) {
    if (window.end <= wall) continue;
    const earliest = Math.max(wall, window.start + graceMs);
    if (earliest < window.end) return earliest;
  }
  return null;
}

/** `HH:MM` to minutes after midnight; null when it is not a time of day. */
export function parseTimeOfDay(text: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match === null ? null : Number(match[1]) * 60 + Number(match[2]);
}

const hhmm = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** The schedule as it is written in configuration and shown by the API. */
export function scheduleJson(schedule: Schedule): unknown {
  if (schedule.kind === 'always') return 'always';
  return { days: [...schedule.days], start: hhmm(schedule.startMinute), end: hhmm(schedule.endMinute), timezone: schedule.zone };
}
