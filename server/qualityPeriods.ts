/**
 * Closes the heartbeat quality period (server/core/quality.ts) on the hour: every client
 * counted in it gets one `quality` record (docs/log-format.md), and none is written per
 * heartbeat. Periods end on whole UTC hours, so the report's degraded hours are clock hours;
 * the first period after a start, and the last before a clean stop, are shorter (`from` says
 * so). Counts live only in memory: a kill -9 loses the open period, at most one hour.
 *
 * A period closes a slice of clients per tick (CLOSE_ROWS_PER_TICK), not all at once: a
 * million clients' records at once would wait in memory for the disk together (hundreds of MB)
 * and ask for a million fsyncs in one go. A client's record is stamped when its counts are
 * taken, so `from`..`at` is still the time it covers; heartbeats heard in the minute a large
 * fleet takes to close count in the period that is closing.
 */
import { iso, type RecordOf } from '../log/records.js';
import type { ClientTable } from './core/clientState.js';
import { lostOf, type QualityCounts } from './core/quality.js';

export const QUALITY_PERIOD_MS = 3_600_000;
/** Clients whose period is closed per tick: a million take 50 s at 4 ticks a second. */
export const CLOSE_ROWS_PER_TICK = 5_000;

const roundMs = (ms: number): number => Math.round(ms * 10) / 10;

export class QualityPeriods {
  private from: number;
  private readonly counts: QualityCounts = { expected: 0, heard: 0, jitterMeanMs: NaN, jitterMaxMs: NaN };
  /** Over every period closed since the server started, all clients together (for /metrics). */
  readonly totals = { expected: 0, lost: 0 };
  /** The period being closed: its start, and the next row to close; null when none is. */
  private closing: { from: string; row: number } | null = null;

  constructor(now: number, private readonly clients: ClientTable) {
    this.from = now;
  }

  /** Whether the open period has reached its hour's end by `now`, or one is still being closed. */
  due(now: number): boolean {
    return this.closing !== null || now >= Math.floor(this.from / QUALITY_PERIOD_MS) * QUALITY_PERIOD_MS + QUALITY_PERIOD_MS;
  }

  /**
   * Closes the open period at `now` for up to `rows` clients (calls `write` with each counted
   * client's record); the next period starts at the first call. Call again while due().
   */
  close(now: number, write: (client: string, record: RecordOf<'quality'>) => void, rows = CLOSE_ROWS_PER_TICK): void {
    const { clients, counts } = this;
    if (this.closing === null) {
      this.closing = { from: iso(this.from), row: 0 };
      this.from = now;
    }
    const { from } = this.closing;
    const at = iso(now);
    const end = Math.min(clients.size, this.closing.row + rows);
    for (let row = this.closing.row; row < end; row++) {
      if (!clients.quality.has(row)) continue;
      clients.quality.take(row, counts);
      const lost = lostOf(counts);
      this.totals.expected += counts.expected;
      this.totals.lost += lost;
      write(clients.ids[row]!, {
        type: 'quality',
        at,
        from,
        expected: counts.expected,
        heard: counts.heard,
        lost,
        jitter_ms: Number.isNaN(counts.jitterMeanMs) ? null : roundMs(counts.jitterMeanMs),
        jitter_max_ms: Number.isNaN(counts.jitterMaxMs) ? null : roundMs(counts.jitterMaxMs),
      });
    }
    this.closing.row = end;
    if (end >= clients.size) this.closing = null;
  }

  /** At a clean stop: finishes a period being closed, then closes the open one, for every client. */
  closeAll(now: number, write: (client: string, record: RecordOf<'quality'>) => void): void {
    if (this.closing !== null) this.close(now, write, Infinity);
    this.close(now, write, Infinity);
  }
}
