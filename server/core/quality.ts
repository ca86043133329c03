/**
 * Heartbeat loss and inter-arrival jitter while a client is up, counted from NM1's
 * (boot, seq) numbering: the quality between outages that an ISP's "the line tested fine"
 * cannot answer (docs/report.md, "Quality between outages").
 *
 * Per client row, in typed arrays (part of the client table: a million sensors cost 72 bytes
 * each here and no object), counted on every accepted heartbeat without allocating:
 *  - expected: how many seqs the current period spans. Within one run of heartbeats (same
 *    boot, client up), a seq above the last one adds `seq - last`; a late one (reordered
 *    inside the replay window) adds nothing, it was expected when the gap opened.
 *  - heard: every accepted heartbeat.
 *  - jitter: for two consecutive seqs, |time between them - the announced interval|, on the
 *    monotonic clock; a gap (a loss) is not jitter.
 * A run starts over, counting one expected and one heard, on the first heartbeat after an
 * outage (the silence is the outage's, not loss), on a new boot (the sensor was off), and
 * after a server restart (nothing carries the run over: the monitor was off in between).
 * Clients without a seq (legacy, HTTP, probes) are not counted: their loss is unknown.
 *
 * take() closes a period: it gives the counts and zeroes them, keeping the run, so a loss
 * across the hour is counted in the hour it is seen.
 */
import { grownTo } from './typedArray.js';

/** One client's counts for a period, as take() fills them in. */
export interface QualityCounts {
  expected: number;
  heard: number;
  /** Mean and largest jitter in ms; NaN when no two consecutive heartbeats arrived. */
  jitterMeanMs: number;
  jitterMaxMs: number;
}

export class QualityCounters {
  private runBoot = new Float64Array(0);
  /** The highest seq of the run; NaN: no run (never heard, after an outage, after a restart). */
  private runSeq = new Float64Array(0);
  /** When the run's highest seq arrived (monotonic ms). */
  private runMono = new Float64Array(0);
  private expected = new Float64Array(0);
  private heard = new Float64Array(0);
  private jitterSum = new Float64Array(0);
  private jitterCount = new Float64Array(0);
  private jitterMax = new Float64Array(0);

  grow(capacity: number): void {
    this.runBoot = grownTo(this.runBoot, capacity);
    this.runSeq = grownTo(this.runSeq, capacity, NaN);
    this.runMono = grownTo(this.runMono, capacity);
    this.expected = grownTo(this.expected, capacity);
    this.heard = grownTo(this.heard, capacity);
    this.jitterSum = grownTo(this.jitterSum, capacity);
    this.jitterCount = grownTo(this.jitterCount, capacity);
    this.jitterMax = grownTo(this.jitterMax, capacity);
  }

  /**
   * An accepted heartbeat (boot, seq) at `mono`; `wasUp` says whether the client was up
   * before it (else a run starts). `intervalS` is the sensor's announced interval.
   */
  count(row: number, boot: number, seq: number, mono: number, intervalS: number | null, wasUp: boolean): void {
    const last = this.runSeq[row]!;
    this.heard[row]!++;
    if (!wasUp || Number.isNaN(last) || boot !== this.runBoot[row]) {
      this.runBoot[row] = boot;
      this.runSeq[row] = seq;
      this.runMono[row] = mono;
      this.expected[row]!++;
      return;
    }
    if (seq <= last) return;
    this.expected[row]! += seq - last;
    if (seq === last + 1 && intervalS !== null) {
      const jitter = Math.abs(mono - this.runMono[row]! - intervalS * 1000);
      this.jitterSum[row]! += jitter;
      this.jitterCount[row]!++;
      if (jitter > this.jitterMax[row]!) this.jitterMax[row] = jitter;
    }
    this.runSeq[row] = seq;
    this.runMono[row] = mono;
  }

  /** Whether `row` has counts in the open period. */
  has(row: number): boolean {
    return this.heard[row]! > 0;
  }

  /** Copies the open period's counts of `row` into `into` and starts the next period. */
  take(row: number, into: QualityCounts): QualityCounts {
    into.expected = this.expected[row]!;
    into.heard = this.heard[row]!;
    const jitters = this.jitterCount[row]!;
    into.jitterMeanMs = jitters === 0 ? NaN : this.jitterSum[row]! / jitters;
    into.jitterMaxMs = jitters === 0 ? NaN : this.jitterMax[row]!;
    this.expected[row] = this.heard[row] = this.jitterSum[row] = this.jitterCount[row] = this.jitterMax[row] = 0;
    return into;
  }
}

/** The heartbeats of a period that never arrived: late ones from an earlier period never make it negative. */
export const lostOf = (counts: Pick<QualityCounts, 'expected' | 'heard'>): number => Math.max(0, counts.expected - counts.heard);
