/**
 * Runs one client's probe every interval and feeds the results to the server: a success is
 * a heartbeat, `failure_threshold` failures in a row are a failure (down now). Round-trip
 * times go into RttStats; each closed stats period becomes an `rtt` record in the client's log.
 */
import type { Logger } from 'winston';
import { iso, type LogRecord, type RecordOf } from '../../../log/records.js';
import type { ProbeConfig } from '../../config/supervision.js';
import { runProbe, type ProbeResult } from './probe.js';
import { RttStats, type RttSummary } from './rttStats.js';
import { ProbeTracker } from './tracker.js';

/** What a probe runner needs of the server (server/host.ts ServerHost has all of it). */
export interface ProbeHost {
  heartbeatFrom(id: string, beat: { type: 'PING'; boot: null; seq: null; uptime: null; interval: number; addr: string }): boolean;
  failureOf(id: string, reason: string): boolean;
  logs: { append(client: string, records: readonly LogRecord[]): Promise<void> };
  logger: Logger;
  clock: { now(): { mono: number; wall: number } };
}

export function rttRecord(summary: RttSummary): RecordOf<'rtt'> {
  return {
    type: 'rtt',
    at: iso(summary.to),
    from: iso(summary.from),
    count: summary.count,
    lost: summary.lost,
    min_ms: summary.minMs,
    avg_ms: summary.avgMs,
    max_ms: summary.maxMs,
  };
}

export class ProbeRunner {
  readonly tracker: ProbeTracker;
  readonly stats: RttStats;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;

  constructor(
    readonly client: string,
    readonly probe: ProbeConfig,
    private readonly host: ProbeHost,
    private readonly probeOnce: (probe: ProbeConfig) => Promise<ProbeResult> = runProbe,
  ) {
    this.tracker = new ProbeTracker(probe.failureThreshold);
    this.stats = new RttStats(probe.statsIntervalMs);
  }

  start(): void {
    this.schedule(0);
  }

  /** One unit of work: one probe, its verdict handed to the server, its time recorded. */
  async check(): Promise<ProbeResult> {
    const result = await this.probeOnce(this.probe);
    const now = this.host.clock.now();
    const verdict = this.tracker.record(result.ok, result.error);
    if (verdict.kind === 'heartbeat') {
      this.host.heartbeatFrom(this.client, { type: 'PING', boot: null, seq: null, uptime: null, interval: this.probe.intervalMs / 1000, addr: this.probe.host });
    } else if (verdict.kind === 'failure') {
      this.host.logger.warn(`probe of ${this.client} (${this.probe.type} ${this.probe.host}): ${verdict.reason}`);
      this.host.failureOf(this.client, `${this.probe.type} probe of ${this.probe.host}: ${verdict.reason}`);
    }
    const closed = this.stats.add({ at: now.wall, client: this.client, ok: result.ok, rttMs: result.rttMs });
    if (closed !== null) await this.record(closed);
    return result;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    const open = this.stats.flush(this.host.clock.now().wall);
    if (open !== null) await this.record(open);
  }

  private async record(summary: RttSummary): Promise<void> {
    try {
      await this.host.logs.append(this.client, [rttRecord(summary)]);
    } catch (error) {
      this.host.logger.error(`cannot record round-trip times of ${this.client}: ${(error as Error).message}`);
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = this.host.clock.now().mono;
      this.running = this.check()
        .then(() => undefined, (error: Error) => {
          this.host.logger.error(`probe of ${this.client} failed: ${error.message}`);
        })
        .finally(() => {
          this.running = null;
          // Keep the period from one probe's start to the next, however long this one took.
          this.schedule(Math.max(0, this.probe.intervalMs - (this.host.clock.now().mono - started)));
        });
    }, delayMs);
    this.timer.unref();
  }
}
