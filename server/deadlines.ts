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
 */
export interface DeadlineNode {
  deadline: number;
  prev: DeadlineNode | null;
  next: DeadlineNode | null;
  queue: DeadlineList | null;
}

class DeadlineList {
  head: DeadlineNode | null = null;
  tail: DeadlineNode | null = null;
  size = 0;
}

export class DeadlineQueues<T extends DeadlineNode> {
  private readonly lists = new Map<number, DeadlineList>();
  /** Lists of fixed-moment deadlines, by that moment. */
  private readonly fixed = new Map<number, DeadlineList>();

  /** Sets `node`'s deadline to `now + intervalMs` and moves it behind everything due earlier. */
  schedule(node: T, now: number, intervalMs: number): void {
    this.remove(node);
    let list = this.lists.get(intervalMs);
    if (list === undefined) {
      list = new DeadlineList();
      this.lists.set(intervalMs, list);
    }
    node.deadline = now + intervalMs;
    this.append(list, node);
  }

  /** Sets `node`'s deadline to the fixed monotonic moment `deadline` (rounded up to a whole second). */
  scheduleAt(node: T, deadline: number): void {
    this.remove(node);
    const moment = Math.ceil(deadline / 1000) * 1000;
    let list = this.fixed.get(moment);
    if (list === undefined) {
      list = new DeadlineList();
      this.fixed.set(moment, list);
    }
    node.deadline = moment;
    this.append(list, node);
  }

  private append(list: DeadlineList, node: T): void {
    node.queue = list;
    node.prev = list.tail;
    node.next = null;
    if (list.tail === null) list.head = node;
    else list.tail.next = node;
    list.tail = node;
    list.size++;
  }

  /** Takes `node` out of its list (no deadline any more); harmless when it has none. */
  remove(node: T): void {
    const list = node.queue;
    if (list === null) return;
    if (node.prev === null) list.head = node.next;
    else node.prev.next = node.next;
    if (node.next === null) list.tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = null;
    node.queue = null;
    list.size--;
    if (list.size === 0 && this.fixed.get(node.deadline) === list) this.fixed.delete(node.deadline);
  }

  /** Removes and returns every node whose deadline is at or before `now`, earliest first. */
  takeExpired(now: number): T[] {
    const expired: T[] = [];
    for (const list of this.allLists()) {
      while (list.head !== null && list.head.deadline <= now) {
        const node = list.head as T;
        this.remove(node);
        expired.push(node);
      }
    }
    if (expired.length > 1) expired.sort((a, b) => a.deadline - b.deadline);
    return expired;
  }

  /** The earliest deadline of all, or null when nothing is scheduled. */
  nextDeadline(): number | null {
    let earliest: number | null = null;
    for (const list of this.allLists()) {
      if (list.head !== null && (earliest === null || list.head.deadline < earliest)) earliest = list.head.deadline;
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
