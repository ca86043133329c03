/**
 * Every client's state, by row, in typed arrays: the numbers, the status, the last source
 * address (IPv4 packed), the key slot. A ClientState is a view of one row, made when one is
 * asked for and holding nothing but the row number and its table, so a million clients keep
 * no object each on V8's heap; that heap keeps about half again as much memory committed as
 * it holds live, and a view per client plus its address string was over 100 MB with a million.
 * A nullable number is NaN for null. The row is also the client's slot in the monitor's
 * deadline lists.
 *
 * Each server has a table of its own (its Monitor's), so two servers in one process (tests)
 * share no rows. The table keeps how many clients are in each status as statuses change, so
 * counting them (stats, /metrics) never walks the rows.
 */
import { formatIpv4, packIpv4 } from './ipv4.js';
import { grownTo } from './typedArray.js';
import { ALWAYS, type Schedule } from './schedule.js';
import { QualityCounters } from './quality.js';

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
const NO_ADDR = 0;
const IPV4 = 1;
/** Kept as text in `otherAddr` (IPv6, for one). */
const OTHER = 2;

/** A client's status as stored: its index in STATUSES. */
const STATUS_CODE: Readonly<Record<ClientStatus, number>> = { unknown: 0, up: 1, down: 2 };

/**
 * One server's clients. The arrays are the views' storage, by row; a status is written only
 * through setStatus (a view's `status`), which keeps the counts.
 */
export class ClientTable {
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
  /** Heartbeat loss and jitter while up, by row (quality.ts). */
  readonly quality = new QualityCounters();
  /** How many rows have each status, by status code; kept as statuses change. */
  private readonly statusCounts = new Float64Array(STATUSES.length);

  /** A new client, never heard: status unknown, no schedule, no address. */
  add(id: string, downIntervalMs: number, keySlot = -1): ClientState {
    if (this.size === this.status.length) this.grow(Math.max(1024, 2 * this.size));
    const row = this.size++;
    this.ids.push(id);
    this.keySlot[row] = keySlot;
    this.downIntervalMs[row] = downIntervalMs;
    this.lastHeard[row] = this.lastUpBeforeOutage[row] = this.boot[row] = this.sensorInterval[row] = NaN;
    this.statusCounts[STATUS_CODE.unknown]!++;
    return new ClientView(this, row);
  }

  /** The state of the client in `row`. */
  at(row: number): ClientState {
    return new ClientView(this, row);
  }

  /**
   * Makes room for `count` more rows at once; the rows they will take start at the returned
   * one. Growing by doubling up to a million rows would leave as much again in freed arrays
   * that the C allocator keeps resident.
   */
  reserve(count: number): number {
    if (this.size + count > this.status.length) this.grow(this.size + count);
    return this.size;
  }

  /**
   * The states of the clients in `rows`, as one view moved from row to row: for passes over
   * every client (the state save, the API's list) that would otherwise make a million
   * short-lived objects. Use each before asking for the next.
   */
  *each(rows: Iterable<number>): Iterable<ClientState> {
    const view = new ClientView(this, 0);
    for (const row of rows) {
      view.row = row;
      yield view;
    }
  }

  /** How many clients have `status` now. O(1). */
  count(status: ClientStatus): number {
    return this.statusCounts[STATUS_CODE[status]]!;
  }

  setStatus(row: number, status: ClientStatus): void {
    const code = STATUS_CODE[status];
    const old = this.status[row]!;
    if (old === code) return;
    this.statusCounts[old]!--;
    this.statusCounts[code]!++;
    this.status[row] = code;
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
    this.quality.grow(capacity);
  }
}

const nullable = (value: number): number | null => (Number.isNaN(value) ? null : value);

/** A view of one row; its accessors make it read and write like a plain object. */
class ClientView implements ClientState {
  constructor(private readonly table: ClientTable, public row: number) {}

  get id(): string {
    return this.table.ids[this.row]!;
  }
  get keySlot(): number {
    return this.table.keySlot[this.row]!;
  }
  get schedule(): Schedule {
    return this.table.schedules.get(this.row) ?? ALWAYS;
  }
  set schedule(schedule: Schedule) {
    if (schedule === ALWAYS) this.table.schedules.delete(this.row);
    else this.table.schedules.set(this.row, schedule);
  }
  get addr(): string | null {
    const kind = this.table.addrKind[this.row];
    return kind === IPV4 ? formatIpv4(this.table.addr4[this.row]!) : kind === OTHER ? this.table.otherAddr.get(this.row)! : null;
  }
  set addr(addr: string | null) {
    const packed = addr === null ? -1 : packIpv4(addr);
    if (packed >= 0) {
      this.table.addrKind[this.row] = IPV4;
      this.table.addr4[this.row] = packed;
      this.table.otherAddr.delete(this.row);
    } else if (addr !== null) {
      this.table.addrKind[this.row] = OTHER;
      this.table.otherAddr.set(this.row, addr);
    } else {
      this.table.addrKind[this.row] = NO_ADDR;
      this.table.otherAddr.delete(this.row);
    }
  }
  hasAddr(addr: string): boolean {
    const kind = this.table.addrKind[this.row];
    return kind === IPV4 ? this.table.addr4[this.row] === packIpv4(addr) : kind === OTHER && this.table.otherAddr.get(this.row) === addr;
  }
  get status(): ClientStatus {
    return STATUSES[this.table.status[this.row]!]!;
  }
  set status(status: ClientStatus) {
    this.table.setStatus(this.row, status);
  }
  get downIntervalMs(): number {
    return this.table.downIntervalMs[this.row]!;
  }
  set downIntervalMs(ms: number) {
    this.table.downIntervalMs[this.row] = ms;
  }
  get graceMs(): number {
    return this.table.graceMs[this.row]!;
  }
  set graceMs(ms: number) {
    this.table.graceMs[this.row] = ms;
  }
  get lastHeard(): number | null {
    return nullable(this.table.lastHeard[this.row]!);
  }
  set lastHeard(at: number | null) {
    this.table.lastHeard[this.row] = at ?? NaN;
  }
  get lastUpBeforeOutage(): number | null {
    return nullable(this.table.lastUpBeforeOutage[this.row]!);
  }
  set lastUpBeforeOutage(at: number | null) {
    this.table.lastUpBeforeOutage[this.row] = at ?? NaN;
  }
  get boot(): number | null {
    return nullable(this.table.boot[this.row]!);
  }
  set boot(boot: number | null) {
    this.table.boot[this.row] = boot ?? NaN;
  }
  get sensorInterval(): number | null {
    return nullable(this.table.sensorInterval[this.row]!);
  }
  set sensorInterval(seconds: number | null) {
    this.table.sensorInterval[this.row] = seconds ?? NaN;
  }
}
