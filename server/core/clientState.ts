/**
 * Every client's state, by row, in typed arrays: the numbers, the status, the last source
 * address (IPv4 packed), the key slot. A ClientState is a view of one row, made when one is
 * asked for and holding nothing but the row number, so a million clients keep no object
 * each on V8's heap; that heap keeps about half again as much memory committed as it holds
 * live, and a view per client plus its address string was over 100 MB with a million.
 * A nullable number is NaN for null. The row is also the client's slot in the monitor's
 * deadline lists.
 *
 * One table serves the process: a server has one set of clients, and tests that make many
 * small servers only add rows.
 */
import { formatIpv4, packIpv4 } from './ipv4.js';
import { grownTo } from './typedArray.js';
import { ALWAYS, type Schedule } from './schedule.js';

export type ClientStatus = 'unknown' | 'up' | 'down';

export interface ClientState {
  /** The client's row in the table; also its slot in the deadline lists. */
  readonly row: number;
  readonly id: string;
  downIntervalMs: number;
  /** When the client is expected to be heard; outside its windows it is never declared down. */
  schedule: Schedule;
  /** After a window opens, how long a silent client has before it can be declared down. */
  graceMs: number;
  status: ClientStatus;
  /** Wall time of the last accepted heartbeat. */
  lastHeard: number | null;
  /** During an outage: the last heartbeat before it. */
  lastUpBeforeOutage: number | null;
  /** The source IP address of the last accepted heartbeat. */
  addr: string | null;
  boot: number | null;
  /** The heartbeat interval the sensor announces (NM1), in seconds. */
  sensorInterval: number | null;
  /** An NM1 sensor's key slot (ServerConfig.keys; its replay window is kept there too); -1 for other clients. */
  readonly keySlot: number;
  /** Whether `addr` is the address last heard from, without making a string of the one held. */
  hasAddr(addr: string): boolean;
}

const STATUSES: readonly ClientStatus[] = ['unknown', 'up', 'down'];
const STATUS_CODE: Readonly<Record<ClientStatus, number>> = { unknown: 0, up: 1, down: 2 };
const NO_ADDR = 0;
const IPV4 = 1;
/** Kept as text in `otherAddr` (IPv6, for one). */
const OTHER = 2;

class ClientTable {
  size = 0;
  readonly ids: string[] = [];
  keySlot = new Int32Array(0);
  status = new Uint8Array(0);
  addrKind = new Uint8Array(0);
  addr4 = new Uint32Array(0);
  downIntervalMs = new Float64Array(0);
  graceMs = new Float64Array(0);
  lastHeard = new Float64Array(0);
  lastUpBeforeOutage = new Float64Array(0);
  boot = new Float64Array(0);
  sensorInterval = new Float64Array(0);
  /** Addresses that are not IPv4, by row. */
  readonly otherAddr = new Map<number, string>();
  /** Schedules other than ALWAYS, by row (most clients have none). */
  readonly schedules = new Map<number, Schedule>();

  /**
   * Makes room for `more` rows at once. Growing by doubling up to a million rows would leave
   * as much again in freed arrays that the C allocator keeps resident.
   */
  reserve(more: number): void {
    if (this.size + more > this.status.length) this.grow(this.size + more);
  }

  add(id: string, downIntervalMs: number, keySlot: number): number {
    if (this.size === this.status.length) this.grow(Math.max(1024, 2 * this.size));
    const row = this.size++;
    this.ids.push(id);
    this.keySlot[row] = keySlot;
    this.downIntervalMs[row] = downIntervalMs;
    this.lastHeard[row] = this.lastUpBeforeOutage[row] = this.boot[row] = this.sensorInterval[row] = NaN;
    return row;
  }

  private grow(capacity: number): void {
    this.keySlot = grownTo(this.keySlot, capacity);
    this.status = grownTo(this.status, capacity);
    this.addrKind = grownTo(this.addrKind, capacity);
    this.addr4 = grownTo(this.addr4, capacity);
    this.downIntervalMs = grownTo(this.downIntervalMs, capacity);
    this.graceMs = grownTo(this.graceMs, capacity);
    this.lastHeard = grownTo(this.lastHeard, capacity);
    this.lastUpBeforeOutage = grownTo(this.lastUpBeforeOutage, capacity);
    this.boot = grownTo(this.boot, capacity);
    this.sensorInterval = grownTo(this.sensorInterval, capacity);
  }
}

const table = new ClientTable();
const nullable = (value: number): number | null => (Number.isNaN(value) ? null : value);

/** A view of one row; its accessors make it read and write like a plain object. */
class ClientView implements ClientState {
  constructor(public row: number) {}

  get id(): string {
    return table.ids[this.row]!;
  }
  get keySlot(): number {
    return table.keySlot[this.row]!;
  }
  get schedule(): Schedule {
    return table.schedules.get(this.row) ?? ALWAYS;
  }
  set schedule(schedule: Schedule) {
    if (schedule === ALWAYS) table.schedules.delete(this.row);
    else table.schedules.set(this.row, schedule);
  }
  get addr(): string | null {
    const kind = table.addrKind[this.row];
    return kind === IPV4 ? formatIpv4(table.addr4[this.row]!) : kind === OTHER ? table.otherAddr.get(this.row)! : null;
  }
  set addr(addr: string | null) {
    const packed = addr === null ? -1 : packIpv4(addr);
    if (packed >= 0) {
      table.addrKind[this.row] = IPV4;
      table.addr4[this.row] = packed;
      table.otherAddr.delete(this.row);
    } else if (addr !== null) {
      table.addrKind[this.row] = OTHER;
      table.otherAddr.set(this.row, addr);
    } else {
      table.addrKind[this.row] = NO_ADDR;
      table.otherAddr.delete(this.row);
    }
  }
  hasAddr(addr: string): boolean {
    const kind = table.addrKind[this.row];
    return kind === IPV4 ? table.addr4[this.row] === packIpv4(addr) : kind === OTHER && table.otherAddr.get(this.row) === addr;
  }
  get status(): ClientStatus {
    return STATUSES[table.status[this.row]!]!;
  }
  set status(status: ClientStatus) {
    table.status[this.row] = STATUS_CODE[status];
  }
  get downIntervalMs(): number {
    return table.downIntervalMs[this.row]!;
  }
  set downIntervalMs(ms: number) {
    table.downIntervalMs[this.row] = ms;
  }
  get graceMs(): number {
    return table.graceMs[this.row]!;
  }
  set graceMs(ms: number) {
    table.graceMs[this.row] = ms;
  }
  get lastHeard(): number | null {
    return nullable(table.lastHeard[this.row]!);
  }
  set lastHeard(at: number | null) {
    table.lastHeard[this.row] = at ?? NaN;
  }
  get lastUpBeforeOutage(): number | null {
    return nullable(table.lastUpBeforeOutage[this.row]!);
  }
  set lastUpBeforeOutage(at: number | null) {
    table.lastUpBeforeOutage[this.row] = at ?? NaN;
  }
  get boot(): number | null {
    return nullable(table.boot[this.row]!);
  }
  set boot(boot: number | null) {
    table.boot[this.row] = boot ?? NaN;
  }
  get sensorInterval(): number | null {
    return nullable(table.sensorInterval[this.row]!);
  }
  set sensorInterval(seconds: number | null) {
    table.sensorInterval[this.row] = seconds ?? NaN;
  }
}

/** A new client, never heard: status unknown, no schedule, no address. */
export function newClientState(id: string, downIntervalMs: number, keySlot = -1): ClientState {
  return new ClientView(table.add(id, downIntervalMs, keySlot));
}

/** The state of the client in `row`. */
export function clientAt(row: number): ClientState {
  return new ClientView(row);
}

/** Makes room for `count` more clients at once; the rows they will take start at the returned one. */
export function reserveClients(count: number): number {
  table.reserve(count);
  return table.size;
}

/**
 * The states of the clients in `rows`, as one view moved from row to row: for passes over
 * every client (stats, the state save) that would otherwise make a million short-lived
 * objects. Use each before asking for the next.
 */
export function* eachClient(rows: Iterable<number>): Iterable<ClientState> {
  const view = new ClientView(0);
  for (const row of rows) {
    view.row = row;
    yield view;
  }
}
