/**
 * Which clients' deadlines have passed, without scanning every client on every tick.
 *
 * A client's deadline is always "last heard + its down interval", and the monotonic clock
 * never goes back, so among clients sharing one interval the deadlines are in the order they
 * were last heard. One doubly linked list per distinct interval, most recently heard at the
 * tail, therefore stays sorted: a heartbeat moves its client to the tail in O(1), and the
 * expired clients are exactly a prefix of each list. There are only as many lists as there
 * are distinct intervals in the configuration (usually one or two).
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

  /** Sets `node`'s deadline to `now + intervalMs` and moves it behind everything due earlier. */
  schedule(node: T, now: number, intervalMs: number): void {
    this.remove(node);
    let list = this.lists.get(intervalMs);
    if (list === undefined) {
      list = new DeadlineList();
      this.lists.set(intervalMs, list);
    }
    node.deadline = now + intervalMs;
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
  }

  /** Removes and returns every node whose deadline is at or before `now`, earliest first. */
  takeExpired(now: number): T[] {
    const expired: T[] = [];
    for (const list of this.lists.values()) {
      while (list.head !== null && list.head.deadline <= now) {
        const node = list.head as T;
        this.remove(node);
        expired.push(node);
      }
    }
    if (this.lists.size > 1) expired.sort((a, b) => a.deadline - b.deadline);
    return expired;
  }

  /** The earliest deadline of all, or null when nothing is scheduled. */
  nextDeadline(): number | null {
    let earliest: number | null = null;
    for (const list of this.lists.values()) {
      if (list.head !== null && (earliest === null || list.head.deadline < earliest)) earliest = list.head.deadline;
    }
    return earliest;
  }

  get size(): number {
    let total = 0;
    for (const list of this.lists.values()) total += list.size;
    return total;
  }
}
