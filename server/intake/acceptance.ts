/**
 * NM1's acceptance steps, in the protocol's order: shape, known sensor, MAC, replay window.
 * Cheap checks come first so garbage never costs an HMAC. Legacy `PING`/`BOOT` datagrams are
 * taken only from source addresses configured as legacy clients; from any other address
 * they are refused as `legacy-unlisted`.
 *
 * This is the per-datagram path, so it allocates as little as it can: the datagram is
 * scanned in place, only the sensor id becomes a string (to look it up) and its state a
 * view of its row, and the MAC is computed over the key table without allocating
 * (server/intake/hmacSha256.ts).
 */
import type { HmacKeys } from './hmacSha256.js';
import { parseCheck, type CheckReport } from '../../shared/nm1Check.js';
import { MAC_HEX_LENGTH, newScan, parseLegacy, scanDatagram, type RefusalReason } from '../../shared/nm1.js';
import { ReplayWindows, type ReplayWindow } from './replay.js';
import { ClientTable, type ClientState } from '../core/clientState.js';
import type { HeartbeatInfo } from '../core/monitor.js';

/**
 * Every configured client by id, with what acceptance needs: legacy clients by address, and
 * for NM1 sensors their keys and replay windows, by the sensor's key slot.
 */
export class ClientDirectory {
  /** Each client's row in `clients` (server/core/clientState.ts) by id: a number, so a client costs no object here. */
  private readonly rows = new Map<string, number>();
  /** Legacy clients by source IP address. */
  readonly legacy = new Map<string, ClientState>();
  private readonly windows: ReplayWindows;

  /**
   * `keys` holds every NM1 sensor's key; a sensor's ClientState names its slot there.
   * `clients` is the table the states live in (the server's Monitor's).
   */
  constructor(private readonly keys: HmacKeys, readonly clients = new ClientTable()) {
    this.windows = new ReplayWindows(Math.max(16, keys.size));
  }

  /** A new client, never heard, in the table and found by its id from now on. */
  add(id: string, downIntervalMs: number, keySlot = -1, legacy = false): ClientState {
    if (this.rows.has(id)) throw new Error(`client ${id} is already in the directory`);
    const state = this.clients.add(id, downIntervalMs, keySlot);
    this.rows.set(id, state.row);
    if (legacy) this.legacy.set(id, state);
    return state;
  }

  get(id: string): ClientState | undefined {
    const row = this.rows.get(id);
    return row === undefined ? undefined : this.clients.at(row);
  }

  get size(): number {
    return this.rows.size;
  }

  /**
   * Every client's state in the order they were added, as one view moved from row to row
   * (ClientTable.each): use each before taking the next.
   */
  each(): Iterable<ClientState> {
    return this.clients.each(this.rows.values());
  }

  /** Copies an NM1 sensor's window's boot and highest seq into `saved` (nulls when it has none); says whether it has one. */
  windowInto(state: ClientState, saved: { boot: number | null; seq: number | null }): boolean {
    const boot = state.keySlot < 0 ? null : this.windows.bootOf(state.keySlot);
    saved.boot = boot;
    saved.seq = boot === null ? null : this.windows.highestOf(state.keySlot);
    return boot !== null;
  }

  /** Puts back a window saved before a restart (server/intake/replay.ts restoredWindow). */
  restoreWindow(state: ClientState, window: ReplayWindow): void {
    if (state.keySlot >= 0) this.windows.set(state.keySlot, window);
  }

  macMatches(slot: number, datagram: Buffer, signedEnd: number): boolean {
    return this.keys.hexPrefixMatches(slot, datagram, 0, signedEnd, datagram, signedEnd + 1, MAC_HEX_LENGTH / 2);
  }

  acceptSequence(slot: number, boot: number, seq: number): boolean {
    return this.windows.accept(slot, boot, seq);
  }
}

/** What became of one datagram at the server: null accepted, a refusal's reason, or 'internal' (a bug, logged). */
export type Admission = RefusalReason | 'internal' | null;

export type Verdict =
  | { ok: true; client: ClientState; beat: HeartbeatInfo; check?: undefined }
  /** An accepted CHECK datagram (shared/nm1Check.ts): `client` is the sensor that sent it. */
  | { ok: true; client: ClientState; beat?: undefined; check: CheckReport }
  | { ok: false; reason: RefusalReason };

const NM1_PREFIX = 0x4e4d3120; // "NM1 "
const scan = newScan();

/** Unwraps IPv4-mapped IPv6 (`::ffff:192.0.2.1`) so a client has one name on dual-stack sockets. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

const refusal = (reason: RefusalReason): Verdict => ({ ok: false, reason });

export function acceptDatagram(directory: ClientDirectory, datagram: Buffer, sourceAddress: string): Verdict {
  const isNm1 = datagram.length >= 4 && datagram.readUInt32BE(0) === NM1_PREFIX;
  if (!isNm1) {
    const client = directory.legacy.size > 0 ? directory.legacy.get(sourceAddress) : undefined;
    const legacy = parseLegacy(datagram);
    if (client !== undefined) {
      if (legacy === null) return refusal('malformed');
      return { ok: true, client, beat: { type: legacy.type, boot: null, seq: null, uptime: legacy.uptime, interval: null, addr: sourceAddress } };
    }
    // An original sensor whose address is not configured (an unchanged original config):
    // its own reason, so the log line can say which entry to add.
    if (legacy !== null) return refusal('legacy-unlisted');
  }
  const malformed = scanDatagram(datagram, scan);
  if (malformed === 'malformed') return acceptCheck(directory, datagram);
  if (malformed !== null) return refusal(malformed);
  const client = directory.get(datagram.toString('latin1', 4, scan.sensorEnd));
  // Clients without a key (legacy, HTTP, probed) cannot send NM1 datagrams.
  if (client === undefined || client.keySlot < 0) return refusal('unknown-sensor');
  if (!directory.macMatches(client.keySlot, datagram, scan.signedEnd)) return refusal('bad-mac');
  const { boot, seq } = scan;
  if (!directory.acceptSequence(client.keySlot, boot, seq)) return refusal('replay');
  return { ok: true, client, beat: { type: scan.type, boot, seq, uptime: scan.uptime, interval: scan.interval, addr: sourceAddress } };
}

/**
 * A datagram that is not a heartbeat may be a CHECK (docs/protocol.md, "Check results"):
 * the same steps, the same key and the one replay window of its sensor.
 */
function acceptCheck(directory: ClientDirectory, datagram: Buffer): Verdict {
  const parsed = parseCheck(datagram);
  if (parsed === null) return refusal('malformed');
  const client = directory.get(parsed.report.sensor);
  if (client === undefined || client.keySlot < 0) return refusal('unknown-sensor');
  if (!directory.macMatches(client.keySlot, datagram, parsed.signedEnd)) return refusal('bad-mac');
  if (!directory.acceptSequence(client.keySlot, parsed.report.boot, parsed.report.seq)) return refusal('replay');
  return { ok: true, client, check: parsed.report };
}
