/**
 * NM1's acceptance steps, in the protocol's order: shape, known sensor, MAC, replay window.
 * Cheap checks come first so garbage never costs an HMAC. Legacy `PING`/`BOOT` datagrams are
 * taken only from source addresses configured as legacy clients.
 */
import { parseDatagram, parseLegacy, verifyMac, type RefusalReason } from '../shared/nm1.js';
import { acceptSequence, newWindow } from '../shared/replay.js';
import type { ClientState, HeartbeatInfo } from './monitor.js';

export interface Sensor {
  state: ClientState;
  key: Buffer;
}

export interface ClientDirectory {
  sensors: Map<string, Sensor>;
  /** Legacy clients by source IP address. */
  legacy: Map<string, ClientState>;
}

export type Verdict = { ok: true; client: ClientState; beat: HeartbeatInfo } | { ok: false; reason: RefusalReason };

const NM1_PREFIX = 0x4e4d3120; // "NM1 "

/** Unwraps IPv4-mapped IPv6 (`::ffff:192.0.2.1`) so a client has one name on dual-stack sockets. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export function acceptDatagram(directory: ClientDirectory, datagram: Buffer, sourceAddress: string): Verdict {
  const isNm1 = datagram.length >= 4 && datagram.readUInt32BE(0) === NM1_PREFIX;
  if (!isNm1 && directory.legacy.size > 0) {
    const client = directory.legacy.get(sourceAddress);
    if (client !== undefined) {
      const legacy = parseLegacy(datagram);
      if (legacy === null) return { ok: false, reason: 'malformed' };
      return { ok: true, client, beat: { type: legacy.type, boot: null, uptime: legacy.uptime, interval: null, addr: sourceAddress } };
    }
  }
  const parsed = parseDatagram(datagram);
  if (!parsed.ok) return parsed;
  const { heartbeat } = parsed;
  const sensor = directory.sensors.get(heartbeat.sensor);
  if (sensor === undefined) return { ok: false, reason: 'unknown-sensor' };
  if (!verifyMac(sensor.key, parsed.signed, parsed.mac)) return { ok: false, reason: 'bad-mac' };
  const client = sensor.state;
  if (client.window === null) client.window = newWindow(heartbeat.boot, heartbeat.seq);
  else if (!acceptSequence(client.window, heartbeat.boot, heartbeat.seq)) return { ok: false, reason: 'replay' };
  return {
    ok: true,
    client,
    beat: { type: heartbeat.type, boot: heartbeat.boot, uptime: heartbeat.uptime, interval: heartbeat.interval, addr: sourceAddress },
  };
}
