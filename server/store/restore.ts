/**
 * What a restarting server learns from one client's log: its last state and the alerts that
 * were recorded but never confirmed delivered (they go out again; their Message-ID is stable,
 * so a copy that did arrive before the crash is recognisable as the same message).
 *
 * Per channel: a transition's record names its channels (`channels`; absent: e-mail only, as
 * in every log written before channels existed), and each outcome record names its channel
 * (absent: e-mail). What goes out again is exactly the pairs without an outcome.
 */
import type { LogRecord } from '../../log/records.js';
import { readRecords, type ReadCounts } from '../../log/reader.js';
import type { MonitorEvent } from '../core/events.js';
import type { SavedClient } from '../core/monitor.js';

export interface LoggedClient extends Omit<SavedClient, 'window'> {
  /** Transitions whose alert was never marked delivered, oldest first. */
  undelivered: MonitorEvent[];
  /** For each of them, by transition id: the channels still without an outcome. */
  pendingChannels: Map<string, string[]>;
}

/** What records without a channel field mean: the only channel there was. */
const LEGACY_CHANNEL = 'email';

/** The channels a transition record was sent to. */
export function channelsOfRecord(record: LogRecord): string[] {
  const channels = record.channels;
  return Array.isArray(channels) && channels.every((c) => typeof c === 'string') ? (channels as string[]) : [LEGACY_CHANNEL];
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

export async function readClientLog(client: string, path: string, counts: ReadCounts): Promise<LoggedClient> {
  const state: LoggedClient = { status: 'unknown', lastHeard: null, lastUpBeforeOutage: null, addr: null, boot: null, sensorInterval: null, undelivered: [], pendingChannels: new Map() };
  const pending = new Map<string, MonitorEvent>();
  const channels = new Map<string, Set<string>>();
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
      case 'undeliverable': {
        const ref = String(record.ref);
        const left = channels.get(ref);
        left?.delete(typeof record.channel === 'string' ? record.channel : LEGACY_CHANNEL);
        if (left?.size === 0) {
          pending.delete(ref);
          channels.delete(ref);
        }
        break;
      }
    }
    const event = eventOfRecord(client, record);
    if (event !== null && event.type !== 'boot') {
      const names = channelsOfRecord(record);
      if (names.length === 0) continue;
      pending.set(event.transitionId, event);
      channels.set(event.transitionId, new Set(names));
    }
  }
  state.undelivered = [...pending.values()];
  for (const [id, left] of channels) state.pendingChannels.set(id, [...left]);
  return state;
}
