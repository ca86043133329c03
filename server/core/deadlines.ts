/**
 * Which clients' deadlines have passed, without scanning every client on every tick.
 *
 * A client's deadline is always "last heard + its down interval", and the monotonic clock
 * never goes back, so among clients sharing one interval the deadlines are in the order they
 * were last heard. One doubly linked list per distinct interval, most recently heard at the
 * tail, therefore stays sorted: a heartbeat moves its client to the tail in O(1), and the
 * expired clients are exactly a prefix of each list. There are only as many lists as there
 * are distinct intervals in the configuration (usually one or two).
 *
 * A client whose deadline passed outside its schedule's window waits for a fixed moment
 * instead (the window's opening plus its grace). Such deadlines go in one list per distinct
 * moment (rounded up to a whole second so clients waiting for the same opening share a list),
 * which is trivially sorted; a list is dropped when it empties, so only the openings someone
 * waits for have one.
 *
 * Each node is a slot number (a client's row in server/core/clientState.ts); the links and
 * deadlines live in typed arrays by slot: 20 bytes a client instead of four object fields
 * and a boxed number.
 */
import { grownTo } from './typedArray.js';

const NONE = -1;

class DeadlineList {
  head = NONE;
  tail = NONE;
  size = 0;
  constructor(readonly id: number, readonly fixedMoment: number | null) {}
}

export class DeadlineQueues {
  /** The deadline each slot was last given; NaN before its first. */
  private deadlines = new Float64Array(16).fill(NaN);
  private prev = new Int32Array(16);
  private next = new Int32Array(16);
  /** The id of each slot's list in `all`, NONE when it has no deadline. */
  private listOf = new Int32Array(16).fill(NONE);
  /** Every list by id; ids of dropped lists are reused. */
  private readonly all: (DeadlineList | undefined)[] = [];
  private readonly freeIds: number[] = [];
  /** Lists of interval deadlines, by interval. */
  private readonly lists = new Map<number, DeadlineList>();
  /** Lists of fixed-moment deadlines, by that moment. */
  private readonly fixed = new Map<number, DeadlineList>();

  /** Sets `slot`'s deadline to `now + intervalMs` and moves it behind everything due earlier. */
  schedule(slot: number, now: number, intervalMs: number): void {
    this.remove(slot);
    let list = this.lists.get(intervalMs);
    if (list === undefined) {
      list = this.newList(null);
      this.lists.set(intervalMs, list);
    }
    this.append(list, slot, now + intervalMs);
  }

  /** Sets `slot`'s deadline to the fixed monotonic moment `deadline` (rounded up to a whole second). */
  scheduleAt(slot: number, deadline: number): void {
    this.remove(slot);
    const moment = Math.ceil(deadline / 1000) * 1000;
    let list = this.fixed.get(moment);
    if (list === undefined) {
      list = this.newList(moment);
      this.fixed.set(moment, list);
    }
    this.append(list, slot, moment);
  }

  /** The slot's pending deadline (monotonic), or null when it has none. */
  deadlineOf(slot: number): number | null {
    return slot >= this.listOf.length || this.listOf[slot] === NONE ? null : this.deadlines[slot]!;
  }

  /** The deadline `slot` had when it was last scheduled, even after it expired (NaN if never). */
  lastDeadline(slot: number): number {
    return slot >= this.deadlines.length ? NaN : this.deadlines[slot]!;
  }

  private newList(fixedMoment: number | null): DeadlineList {
    const id = this.freeIds.pop() ?? this.all.length;
    const list = new DeadlineList(id, fixedMoment);
    this.all[id] = list;
    return list;
  }

  /** Makes room for the slots below `capacity` at once (growing by doubling leaves freed arrays behind). */
  reserve(capacity: number): void {
    if (capacity > this.deadlines.length) this.grow(capacity);
  }

  private grow(capacity: number): void {
    this.deadlines = grownTo(this.deadlines, capacity, NaN);
    this.prev = grownTo(this.prev, capacity);
    this.next = grownTo(this.next, capacity);
    this.listOf = grownTo(this.listOf, capacity, NONE);
  }

  private append(list: DeadlineList, slot: number, deadline: number): void {
    if (slot >= this.deadlines.length) this.grow(Math.max(2 * this.deadlines.length, slot + 1));
    this.deadlines[slot] = deadline;
    this.listOf[slot] = list.id;
    this.prev[slot] = list.tail;
    this.next[slot] = NONE;
    if (list.tail === NONE) list.head = slot;
    else this.next[list.tail] = slot;
    list.tail = slot;
    list.size++;
  }

  /** Takes `slot` out of its list (no deadline any more); harmless when it has none. */
  remove(slot: number): void {
    if (this.deadlineOf(slot) !== null) this.unlink(slot);
  }

  private unlink(slot: number): void {
    const list = this.all[this.listOf[slot]!]!;
    const prev = this.prev[slot]!;
    const next = this.next[slot]!;
    if (prev === NONE) list.head = next;
    else this.next[prev] = next;
    if (next === NONE) list.tail = prev;
    else this.prev[next] = prev;
    this.listOf[slot] = NONE;
    list.size--;
    if (list.size === 0 && list.fixedMoment !== null) {
      this.fixed.delete(list.fixedMoment);
      this.all[list.id] = undefined;
      this.freeIds.push(list.id);
    }
  }

  /** Removes and returns every slot whose deadline is at or before `now`, earliest first. */
  takeExpired(now: number): number[] {
    const expired: number[] = [];
    for (const list of this.allLists()) {
      while (list.head !== NONE && this.deadlines[list.head]! <= now) {
        const slot = list.head;
        this.unlink(slot);
        expired.push(slot);
      }
    }
    if (expired.length > 1) expired.sort((a, b) => this.deadlines[a]! - this.deadlines[b]!);
    return expired;
  }

  private *allLists(): Iterable<DeadlineList> {
    yield* this.lists.values();
    // A snapshot: takeExpired() deletes fixed lists as they empty.
    yield* [...this.fixed.values()];
  }
}
