/**
 * The API's view of the logs: a client's history (outages, as the report computes them),
 * its recent transitions, and the monitor's own downtime. Logs only grow, so a file's
 * parsed form is cached until its size or modification time changes: the dashboard's
 * polling reads each log once per change, not once per request.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { timeOf, type ReadRecord } from '../../log/records.js';
import { readRecords } from '../../log/reader.js';
import { ChainCheck } from '../../log/chain.js';
import { addRecord, finishHistory, newBuilder, newHistory, type ClientHistory } from '../../log/history.js';
import { addServerRecord, finishMonitor, maintenanceOf, maintenanceSpans, newMonitorBuilder, SERVER_LOG_NAME, type MaintenanceWindow, type MonitorBuilder } from '../../log/monitorLog.js';
import { clientReport, type ClientReport } from '../../log/outages.js';
import type { Span } from '../../log/spans.js';

export interface Transition {
  type: 'up' | 'down';
  at: number;
  /** Set on a down the client reported itself (`status=fail`). */
  reason: string | null;
  /** On an up after an outage: its length. */
  outageMs: number | null;
}

export const RECENT_TRANSITIONS = 20;

interface Cached<T> {
  size: number;
  mtimeMs: number;
  value: T;
}

export interface ClientLogView {
  history: ClientHistory;
  /** The last RECENT_TRANSITIONS ups and downs, newest last. */
  transitions: Transition[];
}

/** Pure: folds one record into the recent transitions. */
export function addTransition(transitions: Transition[], record: ReadRecord): void {
  if (record.type !== 'up' && record.type !== 'down') return;
  const at = timeOf(record.at);
  if (at === null) return;
  transitions.push({
    type: record.type,
    at,
    reason: record.type === 'down' ? record.reason ?? null : null,
    outageMs: record.type === 'up' && record.outage_s !== null ? record.outage_s * 1000 : null,
  });
  if (transitions.length > RECENT_TRANSITIONS) transitions.shift();
}

export class LogHistory {
  private readonly clients = new Map<string, Cached<ClientLogView>>();
  private monitor: Cached<MonitorBuilder> | null = null;

  constructor(private readonly dir: string) {}

  async client(id: string): Promise<ClientLogView> {
    const path = join(this.dir, `${id}.nmlog`);
    const info = await stat(path).catch(() => null);
    if (info === null) return { history: newHistory(id, 'netmonitor'), transitions: [] };
    const cached = this.clients.get(id);
    if (cached !== undefined && cached.size === info.size && cached.mtimeMs === info.mtimeMs) return cached.value;
    const builder = newBuilder(id);
    const transitions: Transition[] = [];
    const counts = { records: 0, corrupt: 0 };
    const chain = new ChainCheck(id);
    for await (const record of readRecords(path, counts, chain)) {
      addRecord(builder, record);
      addTransition(transitions, record);
    }
    const history = finishHistory(builder);
    history.corrupt += counts.corrupt;
    history.integrity = chain.result();
    const value = { history, transitions };
    this.clients.set(id, { size: info.size, mtimeMs: info.mtimeMs, value });
    return value;
  }

  /** When the monitor itself was off, up to `now`, and the maintenance windows that ran. */
  async monitorOff(now: number): Promise<Span[]> {
    return (await this.monitorLog(now)).off;
  }

  private async monitorLog(now: number): Promise<{ off: Span[]; maintenance: MaintenanceWindow[] }> {
    const path = join(this.dir, SERVER_LOG_NAME);
    const info = await stat(path).catch(() => null);
    if (info === null) return { off: [], maintenance: [] };
    if (this.monitor === null || this.monitor.size !== info.size || this.monitor.mtimeMs !== info.mtimeMs) {
      const builder = newMonitorBuilder();
      for await (const record of readRecords(path)) addServerRecord(builder, record);
      this.monitor = { size: info.size, mtimeMs: info.mtimeMs, value: builder };
    }
    return { off: finishMonitor(this.monitor.value, now), maintenance: maintenanceOf(this.monitor.value) };
  }

  /** The report's account of one client over [since, until ?? now]; `degradedLossPct` is `evidence.degraded_loss_pct`. */
  async report(id: string, since: number | null, until: number | null, now: number, degradedLossPct?: number): Promise<ClientReport> {
    const [view, monitor] = await Promise.all([this.client(id), this.monitorLog(now)]);
    return clientReport(view.history, monitor.off, { since, until }, now, degradedLossPct, maintenanceSpans(monitor.maintenance, id));
  }
}
