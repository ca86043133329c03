/**
 * What a restarting server learns from one client's log: its last state and the alerts that
 * were recorded but never confirmed delivered (they go out again; their Message-ID is stable,
 * so a copy that did arrive before the crash is recognisable as the same message).
 */
import type { LogRecord } from '../../log/records.js';
import { readRecords, type ReadCounts } from '../../log/reader.js';
import type { MonitorEvent } from '../core/events.js';
import type { SavedClient } from '../core/monitor.js';

export interface LoggedClient extends Omit<SavedClient, 'window'> {
  /** Transitions whose alert was never marked delivered, oldest first. */
  undelivered: MonitorEvent[];
}

const time = (value: unknown): number | null => {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
};
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The event an `up` or `down` record announced; null for records that announce nothing. */
export function eventOfRecord(client: string, record: LogRecord): MonitorEvent | null {
  const at = time(record.at);
  const id = str(record.id);
  if (at === null || id === null) return null;
  if (record.type === 'down') {
    const intervalS = num(record.down_interval_s) ?? 0;
    return { type: 'down', client, at, lastUp: time(record.last_up), downIntervalMs: intervalS * 1000, transitionId: id };
  }
  if (record.type === 'up' && record.first !== true) {
    const outageS = num(record.outage_s);
    return { type: 'up', client, at, lastUp: time(record.last_up), outageMs: outageS === null ? null : outageS * 1000, transitionId: id };
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
        state.boot = num(record.boot) ?? state.boot;
        state.sensorInterval = num(record.interval) ?? state.sensorInterval;
        break;
      }
      case 'down':
        state.status = 'down';
        state.lastUpBeforeOutage = time(record.last_up);
        break;
      case 'boot':
        state.lastHeard = at;
        state.boot = num(record.boot) ?? state.boot;
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
