/**
 * The body of a LibreNMS alert transport POST (an "API" transport with a JSON body). The
 * device's id, hostname and IP may be at the top level or under `device`, depending on the
 * template. Pure: a payload is accepted whole or refused with the reason; nothing from it
 * ever reaches a command line.
 */
import { isIP } from 'node:net';

export interface AlertedDevice {
  deviceId: number;
  hostname: string;
  ip: string;
}

export type PayloadResult = { ok: true; device: AlertedDevice } | { ok: false; error: string };

const HOSTNAME = /^[A-Za-z0-9.:_-]{1,253}$/;

export function parseAlertPayload(body: Buffer): PayloadResult {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, error: 'the body is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'the body must be a JSON object' };
  const top = value as Record<string, unknown>;
  const nested = typeof top.device === 'object' && top.device !== null && !Array.isArray(top.device) ? (top.device as Record<string, unknown>) : {};
  const pick = (...names: string[]): unknown => {
    for (const name of names) {
      if (top[name] !== undefined && top[name] !== null) return top[name];
      if (nested[name] !== undefined && nested[name] !== null) return nested[name];
    }
    return undefined;
  };
  const rawId = pick('device_id', 'id');
  const deviceId = typeof rawId === 'string' && /^\d{1,10}$/.test(rawId) ? Number(rawId) : rawId;
  if (typeof deviceId !== 'number' || !Number.isInteger(deviceId) || deviceId < 1 || deviceId > 2 ** 31 - 1) return { ok: false, error: 'device_id must be a positive whole number' };
  const hostname = pick('hostname');
  if (typeof hostname !== 'string' || !HOSTNAME.test(hostname)) return { ok: false, error: 'hostname must be a host name' };
  const ip = pick('ip');
  if (typeof ip !== 'string' || isIP(ip) === 0) return { ok: false, error: 'ip must be an IP address' };
  return { ok: true, device: { deviceId, hostname, ip } };
}
