/**
 * What a restarting server learns from one client's log: its last state and the alerts that
 * were recorded but never confirmed delivered (they go out again; their Message-ID is stable,
 * so a copy that did arrive before the crash is recognisable as the same message).
 */
import { timeOf, type ReadRecord } from '../../log/records.js';
import { readRecords, type ReadCounts } from '../../log/reader.js';
import type { MonitorEvent } from '../core/events.js';
import type { SavedClient } from '../core/monitor.js';

export interface LoggedClient extends Omit<SavedClient, 'window'> {
  /** Transitions whose alert was never marked delivered, oldest first. */
  undelivered: MonitorEvent[];
}

/** The event an `up` or `down` record announced; null for records that announce nothing. */
export function eventOfRecord(client: string, record: ReadRecord): MonitorEvent | null {
  if (record.type !== 'down' && (record.type !== 'up' || record.first === true)) return null;
  const at = timeOf(record.at);
  const { id } = record;
  if (at === null || id === null) return null;
  if (record.type === 'down') {
    return { type: 'down', client, at, lastUp: timeOf(record.last_up), downIntervalMs: (record.down_interval_s ?? 0) * 1000, transitionId: id };
  }
  const outageS = record.outage_s;
  return { type: 'up', client, at, lastUp: timeOf(record.last_up), outageMs: outageS === null ? null : outageS * 1000, transitionId: id };
}

export async function readClientLog(client: string, path: string, counts: ReadCounts): Promise<LoggedClient> {
  const state: LoggedClient = { status: 'unknown', lastHeard: null, lastUpBeforeOutage: null, addr: null, boot: null, sensorInterval: null, undelivered: [] };
  const pending = new Map<string, MonitorEvent>();
  for await (const record of readRecords(path, counts)) {
    const at = timeOf(record.at);
    switch (record.type) {
      case 'up': {
        state.status = 'up';
        state.lastHeard = at;
        state.lastUpBeforeOutage = null;
        state.addr = record.addr ?? state.addr;
        state.boot = record.boot ?? state.boot;
        state.sensorInterval = record.interval ?? state.sensorInterval;
        break;
      }
      case 'down':
        state.status = 'down';
        state.lastUpBeforeOutage = timeOf(record.last_up);
        break;
      case 'boot':
        state.lastHeard = at;
        state.boot = record.boot ?? state.boot;
        state.addr = record.addr ?? state.addr;
        break;
      case 'addr':
        state.addr = record.addr ?? state.addr;
        break;
      case 'delivered':
      case 'undeliverable':
        if (record.ref !== null) pending.delete(record.ref);
        break;
    }
    const event = eventOfRecord(client, record);
    if (event !== null && event.type !== 'boot') pending.set(event.transitionId, event);
  }
  state.undelivered = [...pending.values()];
  return state;
}
