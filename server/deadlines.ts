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
 * The links and deadlines live in typed arrays, by a slot the queues give each node the first
 * time it is scheduled: 17 bytes a client instead of four object fields and a boxed number
 * (a million clients are tracked in a few hundred MB).
 */
export interface DeadlineNode {
  /** Set by DeadlineQueues; -1 until the node is first scheduled. */
  deadlineSlot: number;
}

import { grownTo } from '../shared/typedArray.js';

const NONE = -1;

class DeadlineList {
  head = NONE;
  tail = NONE;
  size = 0;
  constructor(readonly id: number, readonly fixedMoment: number | null) {}
}

export class DeadlineQueues<T extends DeadlineNode> {
  private readonly nodes: T[] = [];
  private deadlines = new Float64Array(16);
  private prev = new Int32Array(16);
  private next = new Int32Array(16);
  /** The id of each node's list in `all`, NONE when it has no deadline. */
  private listOf = new Int32Array(16).fill(NONE);
  /** Every list by id; ids of dropped lists are reused. */
  private readonly all: (DeadlineList | undefined)[] = [];
  private readonly freeIds: number[] = [];
  /** Lists of interval deadlines, by interval. */
  private readonly lists = new Map<number, DeadlineList>();
  /** Lists of fixed-moment deadlines, by that moment. */
  private readonly fixed = new Map<number, DeadlineList>();

  /** Sets `node`'s deadline to `now + intervalMs` and moves it behind everything due earlier. */
  schedule(node: T, now: number, intervalMs: number): void {
    this.remove(node);
    let list = this.lists.get(intervalMs);
    if (list === undefined) {
      list = this.newList(null);
      this.lists.set(intervalMs, list);
    }
    this.append(list, node, now + intervalMs);
  }

  /** Sets `node`'s deadline to the fixed monotonic moment `deadline` (rounded up to a whole second). */
  scheduleAt(node: T, deadline: number): void {
    this.remove(node);
    const moment = Math.ceil(deadline / 1000) * 1000;
    let list = this.fixed.get(moment);
    if (list === undefined) {
      list = this.newList(moment);
      this.fixed.set(moment, list);
    }
    this.append(list, node, moment);
  }

  /** The node's pending deadline (monotonic), or null when it has none. */
  deadlineOf(node: T): number | null {
    const slot = node.deadlineSlot;
    return slot === NONE || this.listOf[slot] === NONE ? null : this.deadlines[slot]!;
  }

  /** The deadline `node` had when it was last scheduled, even after it expired (NaN if never). */
  lastDeadline(node: T): number {
    return node.deadlineSlot === NONE ? NaN : this.deadlines[node.deadlineSlot]!;
  }

  /** Whether two nodes wait in the same list (for tests of the fixed-moment lists). */
  sameList(a: T, b: T): boolean {
    return a.deadlineSlot !== NONE && b.deadlineSlot !== NONE && this.listOf[a.deadlineSlot] === this.listOf[b.deadlineSlot];
  }

  private newList(fixedMoment: number | null): DeadlineList {
    const id = this.freeIds.pop() ?? this.all.length;
    const list = new DeadlineList(id, fixedMoment);
    this.all[id] = list;
    return list;
  }

  /** Makes room for `count` more nodes at once (growing by doubling leaves freed arrays behind). */
  reserve(count: number): void {
    if (this.nodes.length + count > this.deadlines.length) this.grow(this.nodes.length + count);
  }

  private slotOf(node: T): number {
    if (node.deadlineSlot !== NONE) return node.deadlineSlot;
    const slot = this.nodes.length;
    this.nodes.push(node);
    node.deadlineSlot = slot;
    if (slot >= this.deadlines.length) this.grow(2 * this.deadlines.length);
    return slot;
  }

  private grow(capacity: number): void {
    this.deadlines = grownTo(this.deadlines, capacity);
    this.prev = grownTo(this.prev, capacity);
    this.next = grownTo(this.next, capacity);
    this.listOf = grownTo(this.listOf, capacity, NONE);
  }

  private append(list: DeadlineList, node: T, deadline: number): void {
    const slot = this.slotOf(node);
    this.deadlines[slot] = deadline;
    this.listOf[slot] = list.id;
    this.prev[slot] = list.tail;
    this.next[slot] = NONE;
    if (list.tail === NONE) list.head = slot;
    else this.next[list.tail] = slot;
    list.tail = slot;
    list.size++;
  }

  /** Takes `node` out of its list (no deadline any more); harmless when it has none. */
  remove(node: T): void {
    const slot = node.deadlineSlot;
    if (slot === NONE || this.listOf[slot] === NONE) return;
    this.unlink(slot);
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

  /** Removes and returns every node whose deadline is at or before `now`, earliest first. */
  takeExpired(now: number): T[] {
    const expired: T[] = [];
    for (const list of this.allLists()) {
      while (list.head !== NONE && this.deadlines[list.head]! <= now) {
        const slot = list.head;
        this.unlink(slot);
        expired.push(this.nodes[slot]!);
      }
    }
    if (expired.length > 1) expired.sort((a, b) => this.deadlines[a.deadlineSlot]! - this.deadlines[b.deadlineSlot]!);
    return expired;
  }

  /** The earliest deadline of all, or null when nothing is scheduled. */
  nextDeadline(): number | null {
    let earliest: number | null = null;
    for (const list of this.allLists()) {
      if (list.head !== NONE && (earliest === null || this.deadlines[list.head]! < earliest)) earliest = this.deadlines[list.head]!;
    }
    return earliest;
  }

  get size(): number {
    let total = 0;
    for (const list of this.allLists()) total += list.size;
    return total;
  }

  private *allLists(): Iterable<DeadlineList> {
    yield* this.lists.values();
    // A snapshot: takeExpired() deletes fixed lists as they empty.
    yield* [...this.fixed.values()];
  }
}
