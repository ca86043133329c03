/**
 * The `conntrack` check: the connection tracking table's fill, nf_conntrack_count against
 * nf_conntrack_max, with hysteresis so a table hovering at a threshold does not flap: a
 * level is entered above its percentage and left only below its clear percentage (by
 * default, as Netdata: warning above 90 %, cleared below 85 %; critical above 95 %, cleared
 * below 90 %). A warning or critical level fails the check; its detail says which. Without
 * the nf_conntrack module the files are missing: "not available", not a failure.
 */
import { readFile } from 'node:fs/promises';
import type { ConntrackSettings } from './config.js';
import { failed, ok, unavailable, type CheckResult } from './result.js';

export const NO_CONNTRACK = 'conntrack not available (no nf_conntrack_count: the kernel module is not loaded)';

export type ConntrackLevel = 'ok' | 'warning' | 'critical';

/** The level after seeing `percent`, given the level before: pure, the hysteresis rule. */
export function conntrackLevel(percent: number, previous: ConntrackLevel, check: ConntrackSettings): ConntrackLevel {
  if (percent > check.criticalPercent) return 'critical';
  if (previous === 'critical' && percent >= check.criticalClearPercent) return 'critical';
  if (percent > check.warnPercent) return 'warning';
  if (previous !== 'ok' && percent >= check.warnClearPercent) return 'warning';
  return 'ok';
}

const grouped = (value: number): string => value.toLocaleString('en-US');

export function evaluateConntrack(count: number, max: number, previous: ConntrackLevel, check: ConntrackSettings): { level: ConntrackLevel; result: CheckResult } {
  if (max <= 0) return { level: 'ok', result: unavailable(`conntrack not available (nf_conntrack_max is ${max})`) };
  const percent = (count / max) * 100;
  const level = conntrackLevel(percent, previous, check);
  // One decimal: near a threshold, a whole number would read "90 %, warning above 90 %".
  const detail = `conntrack ${Number(percent.toFixed(1))} % (${grouped(count)}/${grouped(max)})`;
  if (level === 'critical') return { level, result: failed(`${detail}, critical above ${check.criticalPercent} %`) };
  if (level === 'warning') return { level, result: failed(`${detail}, warning above ${check.warnPercent} %`) };
  return { level, result: ok(detail) };
}

const PLACES = ['/proc/sys/net/netfilter/nf_conntrack_', '/proc/sys/net/ipv4/netfilter/ip_conntrack_'];

/** The table's count and max; null when the kernel has no conntrack (the module is not loaded). */
export async function readConntrack(read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8')): Promise<{ count: number; max: number } | null> {
  for (const place of PLACES) {
    try {
      const [count, max] = await Promise.all([read(`${place}count`), read(`${place}max`)]);
      return { count: Number(count.trim()), max: Number(max.trim()) };
    } catch {
      // Older kernels used the ip_conntrack names.
    }
  }
  return null;
}
