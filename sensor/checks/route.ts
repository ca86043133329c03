/**
 * The `route` check. Routes are read with `ip -j route show table T` (argv, no shell) when
 * iproute2 has JSON output; otherwise from /proc/net/route (IPv4) or /proc/net/ipv6_route,
 * which show only the main table. The result names the source used. Evaluation is pure:
 * `evaluateRoutes` over a list of routes.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { RouteSettings } from './config.js';
import { countProblem, failed, ok, unavailable, type CheckResult } from './result.js';

export interface Route {
  /** `default`, or an address with its prefix length (`10.8.0.0/16`, `192.0.2.7/32`). */
  dst: string;
  /**
   * `unicast`, `blackhole`, `unreachable`, `prohibit`, … as `ip` names them; `null` from /proc,
   * where these three cannot be told apart.
   */
  type: string;
  /** The next hops' addresses (several for a multipath route); empty for a route on a link. */
  gateways: string[];
  dev: string | null;
}

export interface RouteTable {
  routes: Route[];
  /** Where the routes came from: "ip -j route" or "/proc/net/route". */
  source: string;
}

const execFileAsync = promisify(execFile);
const NULL_TYPES = new Set(['blackhole', 'unreachable', 'prohibit', 'throw', 'null']);

/** `ip` writes a host route without its length and the default route as `default`; compare like with like. */
export function canonicalPrefix(prefix: string, family: 4 | 6): string {
  if (prefix === 'default' || prefix === '0.0.0.0/0' || prefix === '::/0') return 'default';
  if (prefix.includes('/')) return prefix.toLowerCase();
  return `${prefix.toLowerCase()}/${family === 4 ? 32 : 128}`;
}

export function evaluateRoutes(table: RouteTable, check: RouteSettings): CheckResult {
  const { routes, source } = table;
  const name = `table ${check.table}`;
  const problems: string[] = [];
  const found: string[] = [];
  if (check.count !== null) {
    const problem = countProblem(`IPv${check.family} routes in ${name}`, routes.length, check.count);
    if (problem !== null) problems.push(problem);
    else found.push(`${routes.length} routes in ${name}`);
  }
  if (check.prefix !== null) {
    const wanted = canonicalPrefix(check.prefix, check.family);
    const label = wanted === 'default' ? 'default route' : `route ${check.prefix}`;
    // With several routes for one prefix (different metrics), the best one is listed first.
    const route = routes.find((candidate) => canonicalPrefix(candidate.dst, check.family) === wanted);
    if (route === undefined) problems.push(`${label} missing`);
    else if (NULL_TYPES.has(route.type)) problems.push(`${label} is ${route.type === 'null' ? 'a null route (blackhole, unreachable or prohibit)' : route.type}`);
    else if (check.nexthops !== null) {
      const allowed = check.nexthops.map((hop) => hop.toLowerCase());
      if (route.gateways.length === 0) problems.push(`${label} has no next hop (on ${route.dev ?? 'a link'}), expected ${check.nexthops.join(' or ')}`);
      else if (!route.gateways.some((hop) => allowed.includes(hop.toLowerCase()))) problems.push(`${label} via ${route.gateways.join(', ')}, not ${check.nexthops.join(' or ')}`);
      else found.push(`${label} via ${route.gateways.join(', ')}`);
    } else found.push(`${label} ${route.gateways.length > 0 ? `via ${route.gateways.join(', ')}` : `on ${route.dev ?? 'a link'}`}`);
  }
  const detail = (parts: string[]): string => `${parts.join('; ')} (${source})`;
  return problems.length > 0 ? failed(detail(problems)) : ok(detail(found));
}

interface IpJsonRoute {
  dst?: unknown;
  type?: unknown;
  gateway?: unknown;
  dev?: unknown;
  nexthops?: unknown;
}

/** The routes in `ip -j route show` output; null when it is not that JSON. */
export function parseIpJson(text: string): Route[] | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(value)) return null;
  return value.filter((entry): entry is IpJsonRoute => typeof entry === 'object' && entry !== null && typeof (entry as IpJsonRoute).dst === 'string').map((entry) => {
    const hops = Array.isArray(entry.nexthops) ? (entry.nexthops as IpJsonRoute[]).map((hop) => hop.gateway) : [entry.gateway];
    return {
      dst: entry.dst as string,
      type: typeof entry.type === 'string' ? entry.type : 'unicast',
      gateways: hops.filter((hop): hop is string => typeof hop === 'string'),
      dev: typeof entry.dev === 'string' ? entry.dev : null,
    };
  });
}

// RTF_GATEWAY and RTF_REJECT from <linux/route.h>; a reject route is blackhole, unreachable or prohibit.
const RTF_GATEWAY = 0x2;
const RTF_REJECT = 0x200;
const RTF_LOCAL = 0x80000000;

/** A little-endian hex IPv4 address of /proc/net/route. */
function procIpv4(hex: string): string {
  const value = parseInt(hex, 16);
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24].join('.');
}

function maskLength(hex: string): number {
  let bits = parseInt(hex, 16) >>> 0;
  let length = 0;
  while (bits !== 0) {
    length += bits & 1;
    bits >>>= 1;
  }
  return length;
}

/** /proc/net/route: Iface Destination Gateway Flags RefCnt Use Metric Mask … (a header line first). */
export function parseProcRoute(text: string): Route[] {
  const routes: Route[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8) continue;
    const [dev, destination, gateway, flagsHex, , , , mask] = fields as [string, string, string, string, string, string, string, string];
    const flags = parseInt(flagsHex, 16);
    const length = maskLength(mask);
    routes.push({
      dst: length === 0 ? 'default' : `${procIpv4(destination)}/${length}`,
      // A blackhole route has no interface (`*`) and, unlike unreachable and prohibit, no RTF_REJECT.
      type: flags & RTF_REJECT || dev === '*' ? 'null' : 'unicast',
      gateways: flags & RTF_GATEWAY ? [procIpv4(gateway)] : [],
      dev: dev === '*' ? null : dev,
    });
  }
  return routes;
}

/** 32 hex digits of /proc/net/ipv6_route as an address in its short form. */
function procIpv6(hex: string): string {
  const groups = hex.match(/.{4}/g)!.map((group) => parseInt(group, 16).toString(16));
  // Shorten the longest run of zero groups (two or more) to `::`, as `ip` writes it.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
}

/** /proc/net/ipv6_route: dest destlen src srclen nexthop metric refcnt use flags dev, all in hex. */
export function parseProcIpv6Route(text: string): Route[] {
  const routes: Route[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [destination, lengthHex, , , nexthop, metric, , , flagsHex, dev] = fields as string[] as [string, string, string, string, string, string, string, string, string, string];
    const flags = parseInt(flagsHex, 16);
    const length = parseInt(lengthHex, 16);
    // The kernel lists its local addresses and multicast routes too; `ip route` leaves them out.
    // Every table also ends in the kernel's own unreachable default (metric ffffffff on lo).
    if ((flags & RTF_LOCAL) !== 0 || destination.startsWith('ff') || (dev === 'lo' && (!(flags & RTF_REJECT) || metric === 'ffffffff'))) continue;
    routes.push({
      dst: length === 0 ? 'default' : `${procIpv6(destination)}/${length}`,
      type: flags & RTF_REJECT ? 'null' : 'unicast',
      gateways: flags & RTF_GATEWAY ? [procIpv6(nexthop)] : [],
      dev,
    });
  }
  return routes;
}

export interface RouteReader {
  /** Runs `ip` with these arguments; null when it is missing or failed. */
  ip(args: string[]): Promise<string | null>;
  readFile(path: string): Promise<string | null>;
}

export const systemRouteReader: RouteReader = {
  async ip(args) {
    // A full routing table can be large: not the capped capture of runProgram.
    try {
      return (await execFileAsync('ip', args, { encoding: 'utf8', timeout: 5000, maxBuffer: 64 * 1024 * 1024 })).stdout;
    } catch {
      return null;
    }
  },
  async readFile(path) {
    try {
      return await readFile(path, 'utf8');
    } catch {
      return null;
    }
  },
};

/** The check's routing table, or why it cannot be read. */
export async function readRoutes(check: RouteSettings, reader: RouteReader = systemRouteReader): Promise<RouteTable | string> {
  const json = await reader.ip(['-j', `-${check.family}`, 'route', 'show', 'table', check.table]);
  const routes = json === null ? null : parseIpJson(json);
  if (routes !== null) return { routes, source: 'ip -j route' };
  const path = check.family === 4 ? '/proc/net/route' : '/proc/net/ipv6_route';
  if (check.table !== 'main') return `table ${check.table} cannot be read: ip has no JSON output, and ${path} shows only the main table`;
  const text = await reader.readFile(path);
  if (text === null) return `neither ip -j route nor ${path} can be read`;
  return { routes: check.family === 4 ? parseProcRoute(text) : parseProcIpv6Route(text), source: path };
}

export async function runRouteCheck(check: RouteSettings, reader?: RouteReader): Promise<CheckResult> {
  const table = await readRoutes(check, reader);
  return typeof table === 'string' ? unavailable(table) : evaluateRoutes(table, check);
}
