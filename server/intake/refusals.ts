/**
 * Counts refused datagrams per reason, and lets a bounded number of log lines through, so a
 * flood of garbage can neither fill the disk with log lines nor hide in silence: what was not
 * logged is summarised in the next line that is.
 */
import { isSensorId, type RefusalReason } from '../../shared/nm1.js';
import { LogBudget } from '../core/logBudget.js';

export const LOG_BURST = 10;
export const LOG_REFILL_MS = 6000; // one line every 6 s on average once the burst is spent

export class Refusals {
  readonly counts: Partial<Record<RefusalReason, number>> = {};
  private readonly budget: LogBudget;

  constructor(now: number) {
    this.budget = new LogBudget(now, LOG_BURST, LOG_REFILL_MS);
  }

  /**
   * Counts one refusal; returns the line to log, or null when the log budget is spent. The
   * line names the sensor id the datagram carried, so a typo'd id can be found, and for an
   * unlisted original sensor the entry to add.
   */
  refuse(reason: RefusalReason, source: string, now: number, datagram: Buffer | null = null): string | null {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    if (!this.budget.allow(now)) return null;
    const suppressed = this.budget.takeSuppressed();
    const more = suppressed > 0 ? ` (${suppressed} more refused datagrams not logged)` : '';
    const sensor = datagram === null ? null : sensorIdIn(datagram);
    const from = sensor === null ? source : `${source} (sensor ${sensor})`;
    const hint = reason === 'legacy-unlisted' ? `: a sensor of the original netmonitor; to monitor it, add ${legacyEntry(source)} to clients` : '';
    return `refused datagram from ${from}: ${reason}${hint}${more}`;
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}

/** How much of a carried sensor id a log line shows (an id is at most 64 characters). */
const SENSOR_ID_CHARS = 64;

/**
 * The sensor id an NM1 datagram carries, as a log line may show it: the bytes after `NM1 `
 * up to the next space, each outside `A-Z a-z 0-9 . _ -` shown as `?`, cut at 64 characters
 * (`~` marks the cut). JSON-quoted unless it is a valid id. Null when it is no NM1 datagram.
 */
export function sensorIdIn(datagram: Buffer): string | null {
  if (datagram.length < 5 || datagram.toString('latin1', 0, 4) !== 'NM1 ') return null;
  let end = datagram.indexOf(0x20, 4);
  if (end < 0) end = datagram.length;
  const raw = datagram.toString('latin1', 4, Math.min(end, 4 + SENSOR_ID_CHARS + 1));
  let id = raw.replace(/[^A-Za-z0-9._-]/g, '?');
  if (id.length > SENSOR_ID_CHARS) id = id.slice(0, SENSOR_ID_CHARS) + '~';
  return isSensorId(id) ? id : JSON.stringify(id);
}

/** The `clients` entry that makes an original netmonitor sensor at `address` a legacy client. */
export function legacyEntry(address: string): string {
  return `${JSON.stringify(address)}: {"legacy": true}`;
}

/** Logged once at start by a server with no client: it would refuse every datagram, silently. */
export function noClientsWarning(): string {
  return 'no client is configured, so every datagram will be refused. Add each sensor to "clients" (`netmonitor keygen` prints the entry); ' +
    `a sensor of the original netmonitor is added by the address it sends from, such as ${legacyEntry('203.0.113.7')} (docs/install.md)`;
}
