/**
 * Closes the heartbeat quality period (server/core/quality.ts) on the hour: every client
 * counted in it gets one `quality` record (docs/log-format.md), and none is written per
 * heartbeat. Periods end on whole UTC hours, so the report's degraded hours are clock hours;
 * the first period after a start, and the last before a clean stop, are shorter (`from` says
 * so). Counts live only in memory: a kill -9 loses the open period, at most one hour.
 */
import { iso, type RecordOf } from '../log/records.js';
import type { ClientTable } from './core/clientState.js';
import { lostOf, type QualityCounts } from './core/quality.js';

export const QUALITY_PERIOD_MS = 3_600_000;

const roundMs = (ms: number): number => Math.round(ms * 10) / 10;

export class QualityPeriods {
  private from: number;
  private readonly counts: QualityCounts = { expected: 0, heard: 0, jitterMeanMs: NaN, jitterMaxMs: NaN };
  /** Over every period closed since the server started, all clients together (for /metrics). */
  readonly totals = { expected: 0, lost: 0 };

  constructor(now: number, private readonly clients: ClientTable) {
    this.from = now;
  }

  /** Whether the open period has reached its hour's end by `now`. */
  due(now: number): boolean {
    return now >= Math.floor(this.from / QUALITY_PERIOD_MS) * QUALITY_PERIOD_MS + QUALITY_PERIOD_MS;
  }

  /** Closes the open period at `now`: calls `write` with each counted client's record, and starts the next period. */
  close(now: number, write: (client: string, record: RecordOf<'quality'>) => void): void {
    const { clients, counts } = this;
    const from = iso(this.from);
    const at = iso(now);
    for (let row = 0; row < clients.size; row++) {
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
    this.from = now;
  }
}
