/**
 * What a restarting server learns from one client's log: its last state and the alerts that
 * were recorded but never confirmed delivered (they go out again; their Message-ID is stable,
 * so a copy that did arrive before the crash is recognisable as the same message).
 */
import type { LogRecord } from '../../log/records.js';
import { readRecords, type ReadCounts } from '../../log/reader.js';
import type { MonitorEvent } from '../core/events.js';
import type { SavedClient } from '../core/monitor.js';
import { MAX_DURATION_MS } from '../../shared/duration.js';
import { MAX_COUNTER, MAX_INTERVAL_S } from '../../shared/nm1.js';

export interface LoggedClient extends Omit<SavedClient, 'window'> {
  /** Transitions whose alert was never marked delivered, oldest first. */
  undelivered: MonitorEvent[];
}

/**
 * Values read back are held to the bounds the configuration and the protocol give: a
 * record can have a valid checksum and still hold nonsense (`down_interval_s: 1e308`),
 * which would otherwise reach an alert as `Infinityd NaNh`. Out of bounds reads as unknown.
 */
const LAST_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const time = (value: unknown): number | null => {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms < 0 || ms > LAST_TIME_MS ? null : ms;
};
const within = (max: number) => (value: unknown): number | null => (typeof value === 'number' && value >= 0 && value <= max ? value : null);
/** Seconds of a down interval, an outage, or a sensor's interval; boot counters. */
const downIntervalS = within(MAX_DURATION_MS / 1000);
const outageS = within(LAST_TIME_MS / 1000);
const intervalS = within(MAX_INTERVAL_S);
const counter = within(MAX_COUNTER);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The event an `up` or `down` record announced; null for records that announce nothing. */
export function eventOfRecord(client: string, record: LogRecord): MonitorEvent | null {
  const at = time(record.at);
  const id = str(record.id);
  if (at === null || id === null) return null;
  if (record.type === 'down') {
    const silentS = downIntervalS(record.down_interval_s) ?? 0;
    return { type: 'down', client, at, lastUp: time(record.last_up), downIntervalMs: silentS * 1000, transitionId: id };
  }
  if (record.type === 'up' && record.first !== true) {
    const lengthS = outageS(record.outage_s);
    return { type: 'up', client, at, lastUp: time(record.last_up), outageMs: lengthS === null ? null : lengthS * 1000, transitionId: id };
  }
  return null;
}

/**
 * A log that is no regular file (a folder, FIFO or symlink in its place) is passed to
 * `skip` and read as empty: damage in the folder never stops a start (docs/reliability.md).
 */
export async function readClientLog(client: string, path: string, counts: ReadCounts, skip: (problem: string) => void = () => undefined): Promise<LoggedClient> {
  const state: LoggedClient = { status: 'unknown', lastHeard: null, lastUpBeforeOutage: null, addr: null, boot: null, sensorInterval: null, undelivered: [] };
  try {
    await foldClientLog(client, path, counts, state);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTREG') throw error;
    skip(`skipping the log of ${client}: ${(error as Error).message}`);
  }
  return state;
}

async function foldClientLog(client: string, path: string, counts: ReadCounts, state: LoggedClient): Promise<void> {
  const pending = new Map<string, MonitorEvent>();
  for await (const record of readRecords(path, counts)) {
    const at = time(record.at);
    switch (record.type) {
      case 'up': {
        state.status = 'up';
        state.lastHeard = at;
        state.lastUpBeforeOutage = null;
        state.addr = str(record.addr) ?? state.addr;
        state.boot = counter(record.boot) ?? state.boot;
        state.sensorInterval = intervalS(record.interval) ?? state.sensorInterval;
        break;
      }
      case 'down':
        state.status = 'down';
        state.lastUpBeforeOutage = time(record.last_up);
        break;
      case 'boot':
        state.lastHeard = at;
        state.boot = counter(record.boot) ?? state.boot;
        state.addr = str(record.addr) ?? state.addr;
        break;
      case 'addr':
        state.addr = str(record.addr) ?? state.addr;
        break;
      case 'delivered':
      case 'undeliverable':
        pending.delete(String(record.ref));
        break;
    }
    const event = eventOfRecord(client, record);
    if (event !== null && event.type !== 'boot') pending.set(event.transitionId, event);
  }
  state.undelivered = [...pending.values()];
}
