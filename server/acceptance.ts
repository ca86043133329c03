/**
 * NM1's acceptance steps, in the protocol's order: shape, known sensor, MAC, replay window.
 * Cheap checks come first so garbage never costs an HMAC. Legacy `PING`/`BOOT` datagrams are
 * taken only from source addresses configured as legacy clients.
 *
 * This is the per-datagram path, so it allocates as little as it can: the datagram is
 * scanned in place, only the sensor id becomes a string (to look it up), and the MAC is
 * checked against each key's precomputed HMAC states (shared/hmacSha256.ts).
 */
import { KeyStates } from '../shared/hmacSha256.js';
import { MAC_HEX_LENGTH, newScan, parseLegacy, scanDatagram, type RefusalReason } from '../shared/nm1.js';
import { acceptSequence, newWindow } from '../shared/replay.js';
import type { ClientState, HeartbeatInfo } from './monitor.js';

/** The clients a datagram can name: NM1 sensors by id (with their keys), legacy clients by address. */
export class ClientDirectory {
  /** Sensor id to slot: the index of its state here and of its key in `keys`. */
  private readonly slots = new Map<string, number>();
  private readonly states: ClientState[] = [];
  private readonly keys = new KeyStates();
  /** Legacy clients by source IP address. */
  readonly legacy = new Map<string, ClientState>();

  addSensor(state: ClientState, key: Uint8Array): void {
    if (this.slots.has(state.id)) throw new Error(`sensor ${state.id} is already in the directory`);
    this.slots.set(state.id, this.keys.add(key));
    this.states.push(state);
  }

  addLegacy(state: ClientState): void {
    this.legacy.set(state.id, state);
  }

  /** The slot of a sensor id, or undefined. */
  slotOf(id: string): number | undefined {
    return this.slots.get(id);
  }

  stateAt(slot: number): ClientState {
    return this.states[slot]!;
  }

  macMatches(slot: number, datagram: Buffer, signedEnd: number): boolean {
    return this.keys.hexPrefixMatches(slot, datagram, 0, signedEnd, datagram, signedEnd + 1, MAC_HEX_LENGTH / 2);
  }
}

export type Verdict = { ok: true; client: ClientState; beat: HeartbeatInfo } | { ok: false; reason: RefusalReason };

const NM1_PREFIX = 0x4e4d3120; // "NM1 "
const scan = newScan();

/** Unwraps IPv4-mapped IPv6 (`::ffff:192.0.2.1`) so a client has one name on dual-stack sockets. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

const refusal = (reason: RefusalReason): Verdict => ({ ok: false, reason });

export function acceptDatagram(directory: ClientDirectory, datagram: Buffer, sourceAddress: string): Verdict {
  const isNm1 = datagram.length >= 4 && datagram.readUInt32BE(0) === NM1_PREFIX;
  if (!isNm1 && directory.legacy.size > 0) {
    const client = directory.legacy.get(sourceAddress);
    if (client !== undefined) {
      const legacy = parseLegacy(datagram);
      if (legacy === null) return refusal('malformed');
      return { ok: true, client, beat: { type: legacy.type, boot: null, uptime: legacy.uptime, interval: null, addr: sourceAddress } };
    }
  }
  const malformed = scanDatagram(datagram, scan);
  if (malformed !== null) return refusal(malformed);
  const slot = directory.slotOf(datagram.toString('latin1', 4, scan.sensorEnd));
  if (slot === undefined) return refusal('unknown-sensor');
  if (!directory.macMatches(slot, datagram, scan.signedEnd)) return refusal('bad-mac');
  const client = directory.stateAt(slot);
  const { boot, seq } = scan;
  if (client.window === null) client.window = newWindow(boot, seq);
  else if (!acceptSequence(client.window, boot, seq)) return refusal('replay');
  return { ok: true, client, beat: { type: scan.type, boot, uptime: scan.uptime, interval: scan.interval, addr: sourceAddress } };
}
