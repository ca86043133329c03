/**
 * The per-sensor replay window over (boot, seq) from NM1's acceptance step 4:
 *  - a higher boot starts a new window; a lower boot is refused;
 *  - within a boot, a higher seq is accepted, and a seq up to 63 below the highest is
 *    accepted once (late or reordered datagrams); anything older or seen before is refused.
 * `seen` is a 64-bit mask kept as two unsigned 32-bit halves: bit i means "highest - i was
 * accepted". Plain numbers keep this allocation-free on the per-datagram path.
 */
import { grownTo } from '../core/typedArray.js';

export const WINDOW_SIZE = 64;

export interface ReplayWindow {
  boot: number;
  highest: number;
  seenLow: number;
  seenHigh: number;
}

export function newWindow(boot: number, seq: number): ReplayWindow {
  return { boot, highest: seq, seenLow: 1, seenHigh: 0 };
}

/**
 * A window restored after a restart: every seq up to `highest` counts as seen, so nothing
 * from before the saved point can be replayed (docs/protocol.md gives the bound).
 */
export function restoredWindow(boot: number, highest: number): ReplayWindow {
  return { boot, highest, seenLow: 0xffffffff, seenHigh: 0xffffffff };
}

function shiftLeft(window: ReplayWindow, by: number): void {
  if (by >= WINDOW_SIZE) {
    window.seenLow = 0;
    window.seenHigh = 0;
  } else if (by >= 32) {
    window.seenHigh = (window.seenLow << (by - 32)) >>> 0;
    window.seenLow = 0;
  } else if (by > 0) {
    window.seenHigh = ((window.seenHigh << by) | (window.seenLow >>> (32 - by))) >>> 0;
    window.seenLow = (window.seenLow << by) >>> 0;
  }
}

/**
 * Accepts (boot, seq) into `window` when allowed, and says whether it was. A null window
 * (first datagram ever seen from this sensor) is the caller's to create with newWindow().
 */
export function acceptSequence(window: ReplayWindow, boot: number, seq: number): boolean {
  if (boot < window.boot) return false;
  if (boot > window.boot) {
    window.boot = boot;
    window.highest = seq;
    window.seenLow = 1;
    window.seenHigh = 0;
    return true;
  }
  if (seq > window.highest) {
    shiftLeft(window, seq - window.highest);
    window.highest = seq;
    window.seenLow = (window.seenLow | 1) >>> 0;
    return true;
  }
  const age = window.highest - seq;
  if (age >= WINDOW_SIZE) return false;
  const bit = age < 32 ? 1 << age : 1 << (age - 32);
  const half = age < 32 ? window.seenLow : window.seenHigh;
  if ((half & bit) !== 0) return false;
  if (age < 32) window.seenLow = (window.seenLow | bit) >>> 0;
  else window.seenHigh = (window.seenHigh | bit) >>> 0;
  return true;
}

const NO_WINDOW = -1;

/**
 * The windows of many sensors, by slot, in typed arrays: 24 bytes a sensor instead of an
 * object with boxed numbers (a million sensors are tracked in a few hundred MB). Each
 * datagram's check runs the functions above on one scratch window.
 */
export class ReplayWindows {
  private boots: Float64Array;
  /** NO_WINDOW until the sensor's first accepted datagram. */
  private highest: Float64Array;
  /** seenLow, seenHigh per slot. */
  private seen: Uint32Array;
  private readonly scratch: ReplayWindow = { boot: 0, highest: 0, seenLow: 0, seenHigh: 0 };

  /** Room for `capacity` slots to start with; more are made as higher slots are used. */
  constructor(capacity = 16) {
    this.boots = new Float64Array(capacity);
    this.highest = new Float64Array(capacity).fill(NO_WINDOW);
    this.seen = new Uint32Array(2 * capacity);
  }

  private ensure(slot: number): void {
    if (slot < this.boots.length) return;
    const capacity = Math.max(slot + 1, 2 * this.boots.length);
    this.boots = grownTo(this.boots, capacity);
    this.highest = grownTo(this.highest, capacity, NO_WINDOW);
    this.seen = grownTo(this.seen, 2 * capacity);
  }

  /** A copy of the window in `slot`; null before the first datagram. */
  get(slot: number): ReplayWindow | null {
    if (slot >= this.boots.length || this.highest[slot] === NO_WINDOW) return null;
    return { boot: this.boots[slot]!, highest: this.highest[slot]!, seenLow: this.seen[2 * slot]!, seenHigh: this.seen[2 * slot + 1]! };
  }

  /** The boot of the window in `slot`; null before the first datagram. */
  bootOf(slot: number): number | null {
    return slot >= this.boots.length || this.highest[slot] === NO_WINDOW ? null : this.boots[slot]!;
  }

  /** The highest seq of the window in `slot`; null before the first datagram. */
  highestOf(slot: number): number | null {
    return slot >= this.boots.length || this.highest[slot] === NO_WINDOW ? null : this.highest[slot]!;
  }

  set(slot: number, window: ReplayWindow): void {
    this.ensure(slot);
    this.boots[slot] = window.boot;
    this.highest[slot] = window.highest;
    this.seen[2 * slot] = window.seenLow;
    this.seen[2 * slot + 1] = window.seenHigh;
  }

  /** acceptSequence for the window in `slot`; the first datagram of a slot starts its window. */
  accept(slot: number, boot: number, seq: number): boolean {
    if (slot >= this.boots.length || this.highest[slot] === NO_WINDOW) {
      this.set(slot, newWindow(boot, seq));
      return true;
    }
    const window = this.scratch;
    window.boot = this.boots[slot]!;
    window.highest = this.highest[slot]!;
    window.seenLow = this.seen[2 * slot]!;
    window.seenHigh = this.seen[2 * slot + 1]!;
    if (!acceptSequence(window, boot, seq)) return false;
    this.set(slot, window);
    return true;
  }
}
