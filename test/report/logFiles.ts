/** Writes fixture log sets for the report tests: client logs and the server's own log, as the server writes them. */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeLine, type LogRecord } from '../../log/records.js';
import { runReport, type ReportArgs } from '../../report/main.js';

export const iso = (ms: number): string => new Date(ms).toISOString();
export const at = (text: string): number => Date.parse(text);
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export function writeLog(dir: string, name: string, records: readonly LogRecord[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.nmlog`);
  writeFileSync(path, records.map(encodeLine).join(''));
  return path;
}

export function appendRaw(path: string, text: string): void {
  appendFileSync(path, text);
}

/** A monitor that started at `from`, said alive every minute and is still running at `to`. */
export function serverRun(from: number, to: number, stop = false): LogRecord[] {
  const records: LogRecord[] = [{ type: 'start', at: iso(from), pid: 1, version: 'test' }];
  for (let t = from + MINUTE; t <= to; t += MINUTE) records.push({ type: 'alive', at: iso(t) });
  if (stop) records.push({ type: 'stop', at: iso(to) });
  return records;
}

export function firstUp(time: number, options: { boot?: number | null; interval?: number | null; addr?: string } = {}): LogRecord[] {
  const boot = options.boot === undefined ? 1 : options.boot;
  const interval = options.interval === undefined ? 60 : options.interval;
  return [
    { type: 'up', at: iso(time), id: `up-${time}`, last_up: null, outage_s: null, first: true, boot, interval, addr: options.addr ?? '198.51.100.7' },
    { type: 'boot', at: iso(time), boot, uptime: 30, interval, addr: options.addr ?? '198.51.100.7' },
  ];
}

/** The down and up records of one outage, as the monitor writes them. */
export function outage(
  lastUp: number,
  end: number,
  options: { downIntervalS?: number; boot?: number | null; endBoot?: number | null; interval?: number | null; addr?: string } = {},
): LogRecord[] {
  const downIntervalS = options.downIntervalS ?? 180;
  const boot = options.boot === undefined ? 1 : options.boot;
  const endBoot = options.endBoot === undefined ? boot : options.endBoot;
  const interval = options.interval === undefined ? 60 : options.interval;
  const downAt = lastUp + downIntervalS * 1000;
  return [
    { type: 'down', at: iso(downAt), id: `down-${downAt}`, last_up: iso(lastUp), down_interval_s: downIntervalS, interval, boot },
    { type: 'delivered', at: iso(downAt + 500), ref: `down-${downAt}`, channel: 'email' },
    { type: 'up', at: iso(end), id: `up-${end}`, last_up: iso(lastUp), outage_s: (end - lastUp) / 1000, first: false, boot: endBoot, interval, addr: options.addr ?? '198.51.100.7' },
  ];
}

/** Runs the command's code with a fixed "now" and returns what it printed. */
export async function report(args: ReportArgs, now: number): Promise<string> {
  let out = '';
  await runReport(args, { now, write: (text) => (out += text) });
  return out;
}

export interface JsonOutage {
  start: string;
  end: string | null;
  duration_s: number;
  uncertainty_s: number | null;
  cause: string;
  ongoing: boolean;
  clipped_start: boolean;
  clipped_end: boolean;
  full_duration_s: number;
  monitor_off_s: number;
  sensor_off_s: number | null;
  offline_s: number | null;
}

export interface JsonClient {
  client: string;
  outages: JsonOutage[];
  outage_count: number;
  downtime_s: number;
  uptime_pct: number | null;
  observed_s: number;
  longest_outage_s: number | null;
  mean_time_between_outages_s: number | null;
  corrupt_lines: number;
  address_changes: { at: string; addr: string; previous: string | null }[];
  by_cause: Record<string, { count: number; downtime_s: number }>;
  log_formats: string[];
}

export interface JsonReport {
  timezone: string;
  window: { since: string | null; until: string; clipped: boolean };
  monitor: { log_found: boolean; off: { start: string; end: string }[]; corrupt_lines: number };
  clients: JsonClient[];
}

export async function jsonReport(args: ReportArgs, now: number): Promise<JsonReport> {
  return JSON.parse(await report({ ...args, format: 'json' }, now)) as JsonReport;
}

export function writeServerLog(dir: string, records: readonly LogRecord[]): void {
  writeLog(dir, '@server', records);
}
