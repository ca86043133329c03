/**
 * The sensor's `checks`: a list of gateway checks, each with a `name`, a `type`, an `every`
 * interval, the settings of its type, and `on_failure` / `on_recovery` actions
 * (docs/checks.md). Validated once with the rest of the sensor's configuration; errors name
 * the key as `checks[2].count.min`.
 */
import { isIP } from 'node:net';
import { checkKnownKeys, integerIn, isObject, oneOf, optionalString, requiredString, type JsonObject } from '../../shared/configCheck.js';
import { ConfigError } from '../../shared/errors.js';
import { isSensorId } from '../../shared/nm1.js';
import { isCheckName } from '../../shared/nm1Check.js';
import { parseMac } from './dhcpPacket.js';

export type CheckType = 'route' | 'process' | 'conntrack' | 'command' | 'dhcp';
export const CHECK_TYPES: readonly CheckType[] = ['route', 'process', 'conntrack', 'command', 'dhcp'];

export interface Range {
  min: number;
  max: number;
}

export type Action =
  | { type: 'exec'; command: readonly string[]; timeoutS: number }
  | { type: 'route'; prefix: string; via: string | null; dev: string | null; table: string; family: 4 | 6; timeoutS: number }
  | { type: 'restart'; service: string; manager: 'systemd' | 'procd'; timeoutS: number };
/** `{"type": "alert"}`: the transition goes to the server as an alert (docs/checks.md); not a program. */
export type AlertAction = { type: 'alert' };
export type CheckAction = Action | AlertAction;
export const ACTION_TYPES: readonly CheckAction['type'][] = ['exec', 'route', 'restart', 'alert'];

interface CheckCommon {
  name: string;
  everyS: number;
  /** The programs to run on failure and recovery (the `alert` entries are in `alertOn`). */
  onFailure: readonly Action[];
  onRecovery: readonly Action[];
  /** Whether an `alert` action is in `on_failure` / `on_recovery`: the server then alerts on that transition. */
  alertOn: { failure: boolean; recovery: boolean };
  /** At most `actions` failure actions in any `windowS` seconds; the count resets when the check passes. */
  budget: { actions: number; windowS: number };
}

export type RouteSettings = { type: 'route'; family: 4 | 6; table: string; prefix: string | null; nexthops: readonly string[] | null; count: Range | null };
export type ProcessSettings = { type: 'process'; process: string | null; cmdline: RegExp | null; user: string | null; count: Range };
export type ConntrackSettings = { type: 'conntrack'; warnPercent: number; warnClearPercent: number; criticalPercent: number; criticalClearPercent: number };
export type CommandSettings = { type: 'command'; command: readonly string[]; timeoutS: number };
export type DhcpSettings = { type: 'dhcp'; interface: string; allowedServers: readonly string[]; waitS: number; clientMac: Buffer };
export type CheckSettings = RouteSettings | ProcessSettings | ConntrackSettings | CommandSettings | DhcpSettings;
export type CheckConfig = CheckCommon & CheckSettings;

const COMMON_KEYS = ['name', 'type', 'every', 'on_failure', 'on_recovery', 'budget'];
const TYPE_KEYS: Record<CheckType, readonly string[]> = {
  route: ['prefix', 'table', 'nexthops', 'count', 'family'],
  process: ['process', 'cmdline', 'user', 'count'],
  conntrack: ['warn_percent', 'warn_clear_percent', 'critical_percent', 'critical_clear_percent'],
  command: ['command', 'timeout'],
  dhcp: ['interface', 'allowed_servers', 'wait', 'client_mac'],
};
const MAX_EVERY_S = 86400;
/** A locally administered address (the 02 bit), the same on every run: a DISCOVER never drains a pool. */
export const DEFAULT_CLIENT_MAC = '02:6e:6d:00:00:01';
const MAX_TIMEOUT_S = 3600;
/** A routing table: a name from /etc/iproute2/rt_tables or a number; passed to `ip` as one argument. */
const TABLE = /^[A-Za-z0-9_.-]{1,32}$/;
const SERVICE = /^[A-Za-z0-9@._:-]{1,128}$/;
const INTERFACE = /^[A-Za-z0-9@._:-]{1,15}$/;

/** An argv: a non-empty list of strings. */
function argv(value: unknown, path: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((part) => typeof part === 'string') || value[0] === '') {
    throw new ConfigError(path, 'must be a program and its arguments as a list of strings, such as ["/usr/local/bin/fix-wan", "--quick"] (no shell)');
  }
  return value as string[];
}

function stringList(value: unknown, path: string, each: (item: string) => boolean, what: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string' && each(item))) {
    throw new ConfigError(path, `must be a non-empty list of ${what}`);
  }
  return value as string[];
}

function range(object: JsonObject, key: string, path: string, fallback: Range | null): Range | null {
  const value = object[key];
  if (value === undefined || value === null) return fallback;
  if (!isObject(value)) throw new ConfigError(path, 'must be an object such as {"min": 1, "max": 1}');
  checkKnownKeys(value, ['min', 'max'], `${path}.`);
  const min = integerIn(value, 'min', 0, 1_000_000, 0, `${path}.min`);
  const max = integerIn(value, 'max', min, 1_000_000, 1_000_000, `${path}.max`);
  return { min, max };
}

/** `default`, an address (a host route) or an address with its prefix length; the family it is in. */
export function prefixFamily(prefix: string): 4 | 6 | null {
  if (prefix === 'default') return null;
  const [address, length, ...rest] = prefix.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return null;
  if (length !== undefined && !(/^\d{1,3}$/.test(length) && Number(length) <= (family === 4 ? 32 : 128))) return null;
  return family as 4 | 6;
}

function family(object: JsonObject, path: string, prefix: string | null): 4 | 6 {
  const given = object.family;
  const fromPrefix = prefix === null ? null : prefixFamily(prefix);
  if (given === undefined || given === null) return fromPrefix ?? 4;
  if (given !== 4 && given !== 6) throw new ConfigError(`${path}.family`, 'must be 4 or 6');
  if (fromPrefix !== null && fromPrefix !== given) throw new ConfigError(`${path}.family`, `is ${given}, but the prefix is an IPv${fromPrefix} one`);
  return given;
}

function routePrefix(object: JsonObject, key: string, path: string): string | undefined {
  const prefix = optionalString(object, key, path);
  if (prefix !== undefined && prefix !== 'default' && prefixFamily(prefix) === null) {
    throw new ConfigError(path, 'must be "default", an address, or an address and prefix length such as "10.8.0.0/16" or "2001:db8::/32"');
  }
  return prefix;
}

function action(raw: unknown, path: string): CheckAction {
  if (!isObject(raw)) throw new ConfigError(path, 'must be an object with a "type"');
  const type = oneOf(raw, 'type', ACTION_TYPES, 'exec', `${path}.type`);
  if (raw.type === undefined) throw new ConfigError(`${path}.type`, `is required: one of ${ACTION_TYPES.map((t) => JSON.stringify(t)).join(', ')}`);
  const timeoutS = (): number => integerIn(raw, 'timeout', 1, MAX_TIMEOUT_S, 30, `${path}.timeout`);
  switch (type) {
    case 'alert':
      checkKnownKeys(raw, ['type'], `${path}.`);
      return { type };
    case 'exec':
      checkKnownKeys(raw, ['type', 'command', 'timeout'], `${path}.`);
      return { type, command: argv(raw.command, `${path}.command`), timeoutS: timeoutS() };
    case 'route': {
      checkKnownKeys(raw, ['type', 'prefix', 'via', 'dev', 'table', 'family', 'timeout'], `${path}.`);
      const prefix = routePrefix(raw, 'prefix', `${path}.prefix`) ?? 'default';
      const via = optionalString(raw, 'via', `${path}.via`) ?? null;
      if (via !== null && isIP(via) === 0) throw new ConfigError(`${path}.via`, 'must be an IP address (the next hop)');
      const dev = optionalString(raw, 'dev', `${path}.dev`) ?? null;
      if (dev !== null && !INTERFACE.test(dev)) throw new ConfigError(`${path}.dev`, 'must be an interface name');
      if (via === null && dev === null) throw new ConfigError(`${path}.via`, 'is required (or `dev`): where the route goes');
      const table = optionalString(raw, 'table', `${path}.table`) ?? 'main';
      if (!TABLE.test(table)) throw new ConfigError(`${path}.table`, 'must be a table name or number');
      const fam = family(raw, path, prefix === 'default' && via !== null ? `${via}` : prefix);
      return { type, prefix, via, dev, table, family: fam, timeoutS: timeoutS() };
    }
    case 'restart': {
      checkKnownKeys(raw, ['type', 'service', 'manager', 'timeout'], `${path}.`);
      const service = requiredString(raw, 'service', `${path}.service`);
      if (!SERVICE.test(service)) throw new ConfigError(`${path}.service`, 'must be a service name such as "pppd" or "wan.service"');
      return { type, service, manager: oneOf(raw, 'manager', ['systemd', 'procd'] as const, 'systemd', `${path}.manager`), timeoutS: timeoutS() };
    }
  }
}

function actions(raw: JsonObject, key: string, path: string): { programs: Action[]; alert: boolean } {
  const value = raw[key];
  if (value === undefined || value === null) return { programs: [], alert: false };
  if (!Array.isArray(value)) throw new ConfigError(path, 'must be a list of actions');
  const all = value.map((item, index) => action(item, `${path}[${index}]`));
  return { programs: all.filter((one): one is Action => one.type !== 'alert'), alert: all.some((one) => one.type === 'alert') };
}

function percent(raw: JsonObject, key: string, path: string, fallback: number, max = 100): number {
  return integerIn(raw, key, 1, max, fallback, `${path}.${key}`);
}

function settings(raw: JsonObject, type: CheckType, path: string): CheckSettings {
  switch (type) {
    case 'route': {
      const prefix = routePrefix(raw, 'prefix', `${path}.prefix`) ?? null;
      const table = optionalString(raw, 'table', `${path}.table`) ?? 'main';
      if (!TABLE.test(table)) throw new ConfigError(`${path}.table`, 'must be a table name such as "main" or a number');
      const nexthops = raw.nexthops === undefined ? null : stringList(raw.nexthops, `${path}.nexthops`, (item) => isIP(item) !== 0, 'IP addresses');
      const count = range(raw, 'count', `${path}.count`, null);
      if (prefix === null && count === null) throw new ConfigError(`${path}.prefix`, 'is required (or `count`): what the check looks for');
      if (prefix === null && nexthops !== null) throw new ConfigError(`${path}.prefix`, 'is required with `nexthops`: the route whose next hop is checked');
      return { type, family: family(raw, path, prefix), table, prefix, nexthops, count };
    }
    case 'process': {
      const name = optionalString(raw, 'process', `${path}.process`) ?? null;
      // The kernel keeps at most 15 bytes of a process's name (/proc/PID/comm).
      if (name !== null && (name === '' || name.length > 15)) throw new ConfigError(`${path}.process`, 'must be a process name of 1 to 15 characters, as in /proc/PID/comm');
      const pattern = optionalString(raw, 'cmdline', `${path}.cmdline`);
      let cmdline: RegExp | null = null;
      if (pattern !== undefined) {
        try {
          cmdline = new RegExp(pattern);
        } catch {
          throw new ConfigError(`${path}.cmdline`, 'must be a JavaScript regular expression');
        }
      }
      const user = optionalString(raw, 'user', `${path}.user`) ?? null;
      if (name === null && cmdline === null) throw new ConfigError(`${path}.process`, 'is required (or `cmdline`): which processes to count');
      return { type, process: name, cmdline, user, count: range(raw, 'count', `${path}.count`, { min: 1, max: 1_000_000 })! };
    }
    case 'conntrack': {
      const warnPercent = percent(raw, 'warn_percent', path, 90);
      const criticalPercent = percent(raw, 'critical_percent', path, Math.max(95, warnPercent));
      if (criticalPercent < warnPercent) throw new ConfigError(`${path}.critical_percent`, `must be at least warn_percent (${warnPercent})`);
      const warnClearPercent = percent(raw, 'warn_clear_percent', path, Math.max(1, warnPercent - 5), warnPercent);
      const criticalClearPercent = percent(raw, 'critical_clear_percent', path, Math.max(1, criticalPercent - 5), criticalPercent);
      return { type, warnPercent, warnClearPercent, criticalPercent, criticalClearPercent };
    }
    case 'command':
      return { type, command: argv(raw.command, `${path}.command`), timeoutS: integerIn(raw, 'timeout', 1, MAX_TIMEOUT_S, 30, `${path}.timeout`) };
    case 'dhcp': {
      const name = requiredString(raw, 'interface', `${path}.interface`);
      if (!INTERFACE.test(name)) throw new ConfigError(`${path}.interface`, 'must be an interface name such as "br-lan"');
      const allowedServers = stringList(raw.allowed_servers, `${path}.allowed_servers`, (item) => isIP(item) === 4, 'IPv4 addresses (DHCP server identifiers)');
      const clientMac = parseMac(optionalString(raw, 'client_mac', `${path}.client_mac`) ?? DEFAULT_CLIENT_MAC);
      if (clientMac === null) throw new ConfigError(`${path}.client_mac`, 'must be a MAC address such as "02:6e:6d:00:00:01"');
      return { type, interface: name, allowedServers, waitS: integerIn(raw, 'wait', 1, 60, 5, `${path}.wait`), clientMac };
    }
  }
}

function check(raw: unknown, path: string, names: Set<string>): CheckConfig {
  if (!isObject(raw)) throw new ConfigError(path, 'must be an object with a "name" and a "type"');
  const name = requiredString(raw, 'name', `${path}.name`);
  // The name goes into the server's client name `<sensor>/<check>` and into environment variables.
  if (!isSensorId(name)) throw new ConfigError(`${path}.name`, 'must be 1 to 64 of the characters A-Z a-z 0-9 . _ -');
  // `.` and `..` would be dropped from the server's URLs (/api/v1/clients/home-gw%2F..).
  if (!isCheckName(name)) throw new ConfigError(`${path}.name`, 'cannot be "." or "..": the server names the check\'s client <sensor>/<check>, and URLs drop those');
  if (names.has(name)) throw new ConfigError(`${path}.name`, `"${name}" is the name of an earlier check`);
  names.add(name);
  if (raw.type === undefined) throw new ConfigError(`${path}.type`, `is required: one of ${CHECK_TYPES.map((t) => JSON.stringify(t)).join(', ')}`);
  const type = oneOf(raw, 'type', CHECK_TYPES, 'route', `${path}.type`);
  checkKnownKeys(raw, [...COMMON_KEYS, ...TYPE_KEYS[type]], `${path}.`);
  const everyS = integerIn(raw, 'every', 1, MAX_EVERY_S, 60, `${path}.every`);
  let budget = { actions: 3, windowS: 3600 };
  if (raw.budget !== undefined) {
    if (!isObject(raw.budget)) throw new ConfigError(`${path}.budget`, 'must be an object such as {"actions": 3, "window": 3600}');
    checkKnownKeys(raw.budget, ['actions', 'window'], `${path}.budget.`);
    budget = { actions: integerIn(raw.budget, 'actions', 0, 1000, 3, `${path}.budget.actions`), windowS: integerIn(raw.budget, 'window', 1, 7 * 86400, 3600, `${path}.budget.window`) };
  }
  const onFailure = actions(raw, 'on_failure', `${path}.on_failure`);
  const onRecovery = actions(raw, 'on_recovery', `${path}.on_recovery`);
  return {
    name,
    everyS,
    onFailure: onFailure.programs,
    onRecovery: onRecovery.programs,
    alertOn: { failure: onFailure.alert, recovery: onRecovery.alert },
    budget,
    ...settings(raw, type, path),
  };
}

export function validateChecks(value: unknown): CheckConfig[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError('checks', 'must be a list of checks (docs/checks.md)');
  const names = new Set<string>();
  return value.map((raw, index) => check(raw, `checks[${index}]`, names));
}
