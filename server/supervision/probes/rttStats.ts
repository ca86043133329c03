/**
 * Round-trip times of a probed client: every result is kept (a bounded ring, for the CSV
 * export) and summed up per stats interval (min/avg/max and losses) into one log record, so
 * the client's log does not grow by a line per probe. Pure: times are passed in.
 */
export interface ProbeSample {
  /** Wall-clock ms. */
  at: number;
  client: string;
  ok: boolean;
  /** Null for a failed probe. */
  rttMs: number | null;
}

export interface RttSummary {
  from: number;
  to: number;
  count: number;
  lost: number;
  minMs: number | null;
  avgMs: number | null;
  maxMs: number | null;
}

export const DEFAULT_SAMPLE_LIMIT = 10_000;

export class RttStats {
  private readonly samples: ProbeSample[] = [];
  private periodStart: number | null = null;
  private count = 0;
  private lost = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(readonly statsIntervalMs: number, readonly sampleLimit = DEFAULT_SAMPLE_LIMIT) {}

  /** Adds one result; returns the summary of the period it closed, if it closed one. */
  add(sample: ProbeSample): RttSummary | null {
    this.samples.push(sample);
    if (this.samples.length > this.sampleLimit) this.samples.splice(0, this.samples.length - this.sampleLimit);
    let closed: RttSummary | null = null;
    if (this.periodStart !== null && sample.at - this.periodStart >= this.statsIntervalMs) closed = this.flush(sample.at);
    this.periodStart ??= sample.at;
    this.count++;
    if (!sample.ok || sample.rttMs === null) this.lost++;
    else {
      this.sum += sample.rttMs;
      this.min = Math.min(this.min, sample.rttMs);
      this.max = Math.max(this.max, sample.rttMs);
    }
    return closed;
  }

  /** The summary of the open period (at stop), or null when it is empty. */
  flush(now: number): RttSummary | null {
    if (this.periodStart === null || this.count === 0) return null;
    const answered = this.count - this.lost;
    const round = (ms: number): number => Math.round(ms * 1000) / 1000;
    const summary: RttSummary = {
      from: this.periodStart,
      to: now,
      count: this.count,
      lost: this.lost,
      minMs: answered > 0 ? round(this.min) : null,
      avgMs: answered > 0 ? round(this.sum / answered) : null,
      maxMs: answered > 0 ? round(this.max) : null,
    };
    this.periodStart = null;
    this.count = this.lost = this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    return summary;
  }

  recent(): readonly ProbeSample[] {
    return this.samples;
  }
}

/** A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `timestamp,client,status,response_time_ms`; the time is empty for a failed probe. */
export function samplesToCsv(samples: readonly ProbeSample[]): string {
  const lines = ['timestamp,client,status,response_time_ms'];
  for (const s of samples) {
    lines.push([new Date(s.at).toISOString(), field(s.client), s.ok ? 'up' : 'down', s.rttMs === null ? '' : String(s.rttMs)].join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
