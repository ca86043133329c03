/**
 * When the monitor itself was off, from `@server.nmlog` (start, alive every 60 s, stop).
 * Time the server did not watch is never blamed on a client's connection.
 *
 * A run ends at its `stop`; one that ended abruptly (a `start` with no `stop` before it)
 * was last known running at its last `alive` or `start`. A silence of more than a few
 * alive periods inside a run (a suspended machine, a frozen process) counts as off too.
 *
 * The same log holds the maintenance windows that ran (`maintenance` records, one when a
 * window starts and another with the real end when it was cut short): by window id, the
 * last record holds. Time in maintenance is never counted against the connection.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { timeOf, type ReadRecord } from './records.js';
import { readRecords, type ReadCounts } from './reader.js';
import { type Span } from './spans.js';
import { ChainCheck, type ChainResult } from './chain.js';

export const SERVER_LOG_NAME = '@server.nmlog';
/** The server writes `alive` every 60 s (docs/log-format.md); three missed ones is a gap. */
export const ALIVE_GAP_MS = 3 * 60_000;

/** A maintenance window that ran, as the server recorded it. */
export interface MaintenanceWindow extends Span {
  id: string;
  /** The clients it covered; null: every client. */
  clients: string[] | null;
  reason: string | null;
}

export interface MonitorHistory {
  /** False when there is no `@server.nmlog` (nothing is known of the monitor's own downtime). */
  known: boolean;
  /** Sorted, disjoint spans when the monitor was not watching. */
  off: Span[];
  /** The maintenance windows that ran, by start. */
  maintenance: MaintenanceWindow[];
  corrupt: number;
  /** The hash chain of `@server.nmlog` (chain.ts); absent when there is none. */
  integrity?: ChainResult;
}

/** The fold's state: the last moment the monitor was known to be running, and whether it stopped cleanly there. */
export interface MonitorBuilder {
  off: Span[];
  lastRunning: number | null;
  stopped: boolean;
  maintenance: Map<string, MaintenanceWindow>;
}

export function newMonitorBuilder(): MonitorBuilder {
  return { off: [], lastRunning: null, stopped: false, maintenance: new Map() };
}

/** The windows recorded, by start. */
export function maintenanceOf(builder: MonitorBuilder): MaintenanceWindow[] {
  return [...builder.maintenance.values()].sort((a, b) => a.start - b.start);
}

/** Sorted, disjoint spans of the time `client` was in maintenance. */
export function maintenanceSpans(windows: readonly MaintenanceWindow[], client: string): Span[] {
  const spans: Span[] = [];
  for (const window of windows) {
    if (window.clients !== null && !window.clients.includes(client)) continue;
    addOff(spans, window.start, window.end);
  }
  return spans;
}

/** Sorted, disjoint spans covering both lists: time the connection is not judged on. */
export function unionSpans(a: readonly Span[], b: readonly Span[]): Span[] {
  const union: Span[] = [];
  for (const span of [...a, ...b].sort((x, y) => x.start - y.start)) addOff(union, span.start, span.end);
  return union;
}

function addOff(off: Span[], start: number, end: number): void {
  if (end <= start) return;
  const last = off[off.length - 1];
  if (last !== undefined && start <= last.end) last.end = Math.max(last.end, end);
  else off.push({ start, end });
}

export function addServerRecord(builder: MonitorBuilder, record: ReadRecord): void {
  const at = timeOf(record.at);
  if (at === null) return;
  const { lastRunning } = builder;
  switch (record.type) {
    case 'start':
      if (lastRunning !== null) addOff(builder.off, lastRunning, at);
      builder.lastRunning = at;
      builder.stopped = false;
      break;
    case 'alive':
      if (lastRunning !== null && !builder.stopped && at - lastRunning > ALIVE_GAP_MS) addOff(builder.off, lastRunning, at);
      if (!builder.stopped) builder.lastRunning = at;
      break;
    case 'maintenance': {
      const start = timeOf(record.from);
      const end = timeOf(record.until);
      if (record.id === null || start === null || end === null || end <= start) break;
      builder.maintenance.set(record.id, { id: record.id, start, end, clients: record.clients ?? null, reason: record.reason ?? null });
      break;
    }
    case 'stop':
      if (lastRunning !== null && !builder.stopped && at - lastRunning > ALIVE_GAP_MS) addOff(builder.off, lastRunning, at);
      builder.lastRunning = at;
      builder.stopped = true;
      break;
  }
}

/**
 * Pure, with the clock injected: after the last record, a stopped monitor is off until
 * `now`, and so is one not heard from in more than ALIVE_GAP_MS (it died or the log was
 * copied elsewhere: either way nothing watched the clients since).
 */
export function finishMonitor(builder: MonitorBuilder, now: number): Span[] {
  const off = builder.off.map((span) => ({ ...span }));
  const last = builder.lastRunning;
  if (last !== null && (builder.stopped || now - last > ALIVE_GAP_MS)) addOff(off, last, now);
  return off;
}

export async function readMonitorLog(dir: string, now: number): Promise<MonitorHistory> {
  const path = join(dir, SERVER_LOG_NAME);
  const exists = await access(path).then(() => true, () => false);
  if (!exists) return { known: false, off: [], maintenance: [], corrupt: 0 };
  const builder = newMonitorBuilder();
  const counts: ReadCounts = { records: 0, corrupt: 0 };
  const chain = new ChainCheck(SERVER_LOG_NAME.slice(0, -'.nmlog'.length));
  for await (const record of readRecords(path, counts, chain)) addServerRecord(builder, record);
  return { known: true, off: finishMonitor(builder, now), maintenance: maintenanceOf(builder), corrupt: counts.corrupt, integrity: chain.result() };
}
