/**
 * The per-sensor replay window over (boot, seq) from NM1's acceptance step 4:
 *  - a higher boot starts a new window; a lower boot is refused;
 *  - within a boot, a higher seq is accepted, and a seq up to 63 below the highest is
 *    accepted once (late or reordered datagrams); anything older or seen before is refused.
 * `seen` is a 64-bit mask kept as two unsigned 32-bit halves: bit i means "highest - i was
 * accepted". Plain numbers keep this allocation-free on the per-datagram path.
 */
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
    Object.assign(window, newWindow(boot, seq));
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
