/** Times and durations as the report prints them: always in the chosen zone, always with the offset. */
import { DateTime } from 'luxon';
import { formatDuration } from '../shared/duration.js';

/** `2026-11-25T07:13:21.380+01:00`: ISO 8601 with the zone's offset, for JSON and CSV. */
export function isoIn(ms: number, zone: string): string {
  // Written out rather than toISO(), which gives `Z` for UTC: the offset is always spelled the same way.
  return DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSSZZ");
}

/** `2026-11-25 07:13:21 +01:00`, for people. */
export function readableIn(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm:ss ZZ');
}

export { formatDuration };

/** `±1m 00s`, or `±?` when the log carries no heartbeat interval. */
export function uncertaintyText(ms: number | null): string {
  return ms === null ? '±?' : `±${formatDuration(ms)}`;
}

/** Seconds as JSON numbers: milliseconds kept, no float noise. */
export function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

export function percentText(pct: number | null): string {
  if (pct === null) return 'n/a';
  // Never round a client with any downtime up to a flat 100 %.
  const fixed = pct.toFixed(3);
  return (pct < 100 && fixed === '100.000' ? '99.999' : fixed) + ' %';
}
