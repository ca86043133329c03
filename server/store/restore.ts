/**
 * What a restarting server learns from its log folder: each client's last state and the
 * alerts that were recorded but never confirmed delivered (they go out again; their
 * Message-ID is stable, so a copy that did arrive before the crash is recognisable as the
 * same message). registerClients() adds every configured client with its replay window, so
 * that datagrams can be judged at once; readLogs() then puts each back as its log says (steps
 * 1 and 2 of the server's start, server/server.ts); readClientLog() reads one client's log.
 */
import type { Logger } from 'winston';
import { LAST_TIME_MS, timeOf, type ReadRecord, type ReadRecordOf } from '../../log/records.js';
import { readRecords, type ReadCounts } from '../../log/reader.js';
import { owedChannels } from '../alerts/channels/wiring.js';
import { allClients, type ClientConfig, type ServerConfig } from '../config/server.js';
import type { DownEvent, MonitorEvent, UpEvent } from '../core/events.js';
import type { ClientState, Instant, Monitor, SavedClient } from '../core/monitor.js';
import type { ClientDirectory } from '../intake/acceptance.js';
import { restoredWindow } from '../intake/replay.js';
import type { LogDirectory } from './logDirectory.js';
import { loadState, type SavedSensor } from './stateFile.js';
import type { LoggedOutage } from '../alerts/reminders/reminders.js';

import { MAX_DURATION_MS } from '../../shared/duration.js';
import { MAX_COUNTER, MAX_INTERVAL_S } from '../../shared/nm1.js';
import { isCheckName } from '../../shared/nm1Check.js';
import { checkClientParts } from '../../log/logName.js';

/** Client logs read at once while restoring. */
const RESTORE_READERS = 16;

export interface LoggedClient extends Omit<SavedClient, 'window'> {
  /** Transitions whose alert was never marked delivered, oldest first. */
  undelivered: MonitorEvent[];
  /** For each of them, by transition id: the channels still without an outcome. */
  pendingChannels: Map<string, string[]>;
  /** The outage a down client is in, with the reminders recorded for it; null when up. */
  outage: LoggedOutage | null;
  /** The last `quality` record's counts (whether a degraded stretch goes on); null when none. */
  lastQuality: { expected: number; lost: number } | null;
}

/** What records without a channel field mean: the only channel there was. */
const LEGACY_CHANNEL = 'email';

/** The channels a transition record was sent to. */
function channelsOfRecord(record: ReadRecordOf<'up' | 'down'>): string[] {
  return record.channels ?? [LEGACY_CHANNEL];
}

/**
 * Values read back are held to the bounds the configuration and the protocol give: a
 * record can have a valid checksum and still hold nonsense (`down_interval_s: 1e308`),
 * which would otherwise reach an alert as `Infinityd NaNh`. Out of bounds reads as unknown
 * (times are bounded by log/records.ts timeOf).
 */
const within = (max: number) => (value: number | null): number | null => (value !== null && value >= 0 && value <= max ? value : null);
/** Seconds of a down interval, an outage, or a sensor's interval; boot counters. */
const downIntervalS = within(MAX_DURATION_MS / 1000);
const outageS = within(LAST_TIME_MS / 1000);
const intervalS = within(MAX_INTERVAL_S);
const counter = within(MAX_COUNTER);

/** The event an `up` or `down` record announced; null for records that announce nothing. */
function eventOfRecord(client: string, record: ReadRecord): MonitorEvent | null {
  if (record.type !== 'down' && (record.type !== 'up' || record.first === true)) return null;
  const at = timeOf(record.at);
  const { id } = record;
  if (at === null || id === null) return null;
  if (record.type === 'down') {
    return { type: 'down', client, at, lastUp: timeOf(record.last_up), downIntervalMs: (downIntervalS(record.down_interval_s) ?? 0) * 1000, transitionId: id };
  }
  const lengthS = outageS(record.outage_s);
  return { type: 'up', client, at, lastUp: timeOf(record.last_up), outageMs: lengthS === null ? null : lengthS * 1000, transitionId: id };
}

/**
 * A log that is no regular file (a folder, FIFO or symlink in its place) is passed to
 * `skip` and read as empty: damage in the folder never stops a start (docs/reliability.md).
 */
export async function readClientLog(client: string, path: string, counts: ReadCounts, skip: (problem: string) => void = () => undefined): Promise<LoggedClient> {
  const state: LoggedClient = { status: 'unknown', lastHeard: null, lastUpBeforeOutage: null, addr: null, boot: null, sensorInterval: null, undelivered: [], pendingChannels: new Map(), outage: null, lastQuality: null };
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
  const channels = new Map<string, Set<string>>();
  for await (const record of readRecords(path, counts)) {
    const at = timeOf(record.at);
    switch (record.type) {
      case 'up': {
        // A reminder still owed for an outage that is over would only be noise now.
        for (const [id, event] of pending) if (event.type === 'down' && event.reminder !== undefined) pending.delete(id);
        state.outage = null;
        state.status = 'up';
        state.lastHeard = at;
        state.lastUpBeforeOutage = null;
        state.addr = record.addr ?? state.addr;
        state.boot = counter(record.boot) ?? state.boot;
        state.sensorInterval = intervalS(record.interval) ?? state.sensorInterval;
        break;
      }
      case 'down':
        state.status = 'down';
        state.lastUpBeforeOutage = timeOf(record.last_up);
        // A down recorded for no channel (a gateway check that only logs, a client routed
        // nowhere) was never alerted: no reminder is owed for it after a restart either.
        if (at !== null && record.id !== null) state.outage = channelsOfRecord(record).length === 0 ? null : { down: record.id, downAt: at, lastUp: state.lastUpBeforeOutage, sent: 0, lastAt: at, acked: false };
        break;
      case 'ack':
        if (state.outage !== null && record.down === state.outage.down) state.outage.acked = true;
        break;
      case 'reminder': {
        const { outage } = state;
        if (outage === null || record.down !== outage.down || record.n === null || record.id === null || at === null) break;
        outage.sent = Math.max(outage.sent, record.n);
        outage.lastAt = at;
        const names = record.channels ?? [LEGACY_CHANNEL];
        if (names.length === 0) break;
        pending.set(record.id, { type: 'down', client, at, lastUp: timeOf(record.last_up), downIntervalMs: 0, transitionId: record.id, reminder: { n: record.n, downAt: outage.downAt, down: outage.down } });
        channels.set(record.id, new Set(names));
        break;
      }
      case 'boot':
        state.lastHeard = at;
        state.boot = counter(record.boot) ?? state.boot;
        state.addr = record.addr ?? state.addr;
        break;
      case 'addr':
        state.addr = record.addr ?? state.addr;
        break;
      case 'quality':
        if (record.expected !== null && record.lost !== null) state.lastQuality = { expected: record.expected, lost: record.lost };
        break;
      case 'delivered':
      case 'undeliverable':
      case 'withheld': {
        if (record.ref === null) break;
        const left = channels.get(record.ref);
        left?.delete(record.channel ?? LEGACY_CHANNEL);
        if (left?.size === 0) {
          pending.delete(record.ref);
          channels.delete(record.ref);
        }
        break;
      }
    }
    const event = eventOfRecord(client, record);
    if (event !== null && event.type !== 'boot' && (record.type === 'up' || record.type === 'down')) {
      const names = channelsOfRecord(record);
      if (names.length === 0) continue;
      pending.set(event.transitionId, event);
      channels.set(event.transitionId, new Set(names));
    }
  }
  state.undelivered = [...pending.values()];
  for (const [id, left] of channels) state.pendingChannels.set(id, [...left]);
}

/** An alert from before the restart and the channels that never took it. */
export interface OwedAlert {
  event: DownEvent | UpEvent;
  channels: string[];
}

export interface RestoreParts {
  config: ServerConfig;
  monitor: Monitor;
  directory: ClientDirectory;
  logs: LogDirectory;
  logger: Logger;
  clock: { now(): Instant };
  /** Given each client that is down, with its outage as the log tells it (reminders). */
  onOutage?: (client: string, outage: LoggedOutage) => void;
  /** Given each client whose log has a `quality` record, with the last one's counts. */
  onQuality?: (client: string, last: { expected: number; lost: number }) => void;
  /**
   * Makes the client of a sensor's gateway check (server/core/checkClients.ts) for a check
   * log found in the folder, so a check that was failing before the restart is still down
   * after it, and its next report is a repeat, not a second alert. Null: over the limit.
   */
  checkClientOf?: (sensor: ClientState, check: string) => ClientState | null;
}

/** The clients registered and the logs still to read (registerClients, then readLogs). */
export interface Registered {
  saved: Awaited<ReturnType<typeof loadState>>;
  toRead: [Pick<ClientConfig, 'id'>, ClientState][];
  /** The rows of gateway checks' clients: they never go down from silence. */
  checks: Set<number>;
}

/**
 * Adds every configured client to the directory with the replay window the saved state
 * gives it, and lists the logs to read. Fast (no log is read): once it has run, datagrams can
 * be judged (keys and replay windows are in place) while readLogs() reads the logs.
 */
export async function registerClients(parts: RestoreParts): Promise<Registered> {
  const { config, monitor, directory, logs, logger } = parts;
  const saved = await loadState(config.clientLogDir);
  if (saved.problem !== null) logger.warn(saved.problem);
  // One listing of the folder instead of asking for each configured client's file.
  const logged = new Set(await logs.clients());
  const toRead: [Pick<ClientConfig, 'id'>, ClientState][] = [];
  monitor.reserve(config.clients.length + config.fleet.size);
  for (const client of allClients(config)) {
    const state = directory.add(client.id, client.downIntervalMs, client.keySlot ?? -1, client.kind === 'legacy');
    const sensor = saved.sensors.get(client.id);
    if (sensor?.boot != null && sensor.seq != null) directory.restoreWindow(state, restoredWindow(sensor.boot, sensor.seq));
    if (logged.has(client.id)) toRead.push([client, state]);
  }
  // Check clients (`<sensor>/<check>`, logged as `<sensor>+<check>.nmlog`) of configured NM1 sensors.
  const checks = new Set<number>();
  for (const id of logged) {
    const named = checkClientParts(id);
    const sensor = named === null ? undefined : directory.get(named.sensor);
    if (named === null || sensor === undefined || sensor.keySlot < 0 || !isCheckName(named.check)) continue;
    const state = parts.checkClientOf?.(sensor, named.check) ?? null;
    if (state === null) continue;
    checks.add(state.row);
    toRead.push([{ id }, state]);
  }
  logged.clear();
  return { saved, toRead, checks };
}

/**
 * Puts every registered client back as its log and the saved state say it was (an up
 * client gets a full down interval from when reading is done). Resolves with the alerts
 * never confirmed sent, each with the channels it is still owed to, in no particular order.
 */
export async function readLogs(parts: RestoreParts, { saved, toRead, checks }: Registered): Promise<OwedAlert[]> {
  const { config, monitor, directory, logs, logger } = parts;
  const counts = { records: 0, corrupt: 0 };
  const undelivered: OwedAlert[] = [];
  const restored: [ClientState, SavedClient][] = [];
  const readOne = async ([client, state]: [Pick<ClientConfig, 'id'>, ClientState]): Promise<void> => {
    const log = await readClientLog(client.id, logs.pathOf(client.id), counts, (problem) => logger.warn(problem));
    const sensor: SavedSensor | undefined = saved.sensors.get(client.id);
    const lastHeard = Math.max(log.lastHeard ?? 0, sensor?.lastHeard ?? 0) || null;
    restored.push([state, {
      status: log.status,
      lastHeard,
      lastUpBeforeOutage: log.lastUpBeforeOutage,
      addr: log.addr,
      boot: log.boot,
      sensorInterval: log.sensorInterval,
    }]);
    if (log.status === 'down' && log.outage !== null) parts.onOutage?.(client.id, log.outage);
    if (log.lastQuality !== null) parts.onQuality?.(client.id, log.lastQuality);
    for (const event of log.undelivered as (DownEvent | UpEvent)[]) {
      const channels = owedChannels(config.channels, event, log.pendingChannels, logger);
      if (channels.length > 0) undelivered.push({ event, channels });
    }
  };
  // A few logs at a time: the disk works on several reads at once, and memory stays bounded.
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < toRead.length) await readOne(toRead[next++]!);
  };
  await Promise.all(Array.from({ length: RESTORE_READERS }, reader));
  // The grace of a full down interval counts from when reading the logs is done: with many
  // clients that reading alone may take longer than the interval.
  const now = parts.clock.now();
  // A check client has no deadline: it goes down only when its check reports a failure.
  for (const [state, saved] of restored) monitor.restore(state, saved, now, !checks.has(state.row));
  if (counts.corrupt > 0) logger.warn(`skipped ${counts.corrupt} damaged log line(s) while restoring state`);
  logger.info(`restored ${directory.size} client(s) from ${counts.records} log record(s)`);
  return undelivered;
}
