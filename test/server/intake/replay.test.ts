import t from 'tap';
import fc from 'fast-check';
import { acceptSequence, newWindow, ReplayWindows, restoredWindow, WINDOW_SIZE, type ReplayWindow } from '../../../server/intake/replay.js';

const BOOT = 7;

/** A window whose highest seq is `highest`, with only `highest` itself seen. */
function windowAt(highest: number) {
  return newWindow(BOOT, highest);
}

t.test('a seq just inside the window (age 1 … 63) is accepted once, and a second time refused', async (t) => {
  for (const age of [1, 31, 32, 33, 63]) {
    const window = windowAt(1000);
    t.equal(acceptSequence(window, BOOT, 1000 - age), true, `age ${age}: first time`);
    t.equal(acceptSequence(window, BOOT, 1000 - age), false, `age ${age}: second time`);
  }
});

t.test('a seq 64 or more below the highest is refused even though never seen', async (t) => {
  for (const age of [64, 65, 1000]) {
    t.equal(acceptSequence(windowAt(1000), BOOT, 1000 - age), false, `age ${age}`);
  }
});

t.test('the highest seq itself is a replay', async (t) => {
  t.equal(acceptSequence(windowAt(1000), BOOT, 1000), false);
});

t.test('accepting one late seq does not mark its neighbours as seen', async (t) => {
  const window = windowAt(1000);
  t.ok(acceptSequence(window, BOOT, 1000 - 32));
  for (const age of [30, 31, 33, 34, 63]) t.equal(acceptSequence(window, BOOT, 1000 - age), true, `age ${age} still free`);
});

t.test('after a jump forward, what was seen stays seen and what was not stays free, for every shift', async (t) => {
  for (const shift of [1, 31, 32, 33, 63, 64, 1000]) {
    const window = windowAt(1000);
    // Seen before the jump: 1000 and 1000-5. Free: 1000-1 … 1000-4.
    t.ok(acceptSequence(window, BOOT, 995));
    t.ok(acceptSequence(window, BOOT, 1000 + shift), `shift ${shift}: the jump is accepted`);
    const inWindow = (seq: number): boolean => 1000 + shift - seq < WINDOW_SIZE;
    t.equal(acceptSequence(window, BOOT, 1000), false, `shift ${shift}: old highest stays refused`);
    t.equal(acceptSequence(window, BOOT, 995), false, `shift ${shift}: old late seq stays refused`);
    t.equal(acceptSequence(window, BOOT, 999), inWindow(999), `shift ${shift}: never-seen 999 accepted only inside the window`);
    t.equal(acceptSequence(window, BOOT, 1000 + shift), false, `shift ${shift}: the new highest is a replay`);
    if (shift > 1) t.equal(acceptSequence(window, BOOT, 1000 + shift - 1), true, `shift ${shift}: the seq just below the new highest is free`);
  }
});

t.test('a restored window refuses every seq up to the saved highest and accepts the next one', async (t) => {
  const window = restoredWindow(BOOT, 5000);
  for (let seq = 5000 - 70; seq <= 5000; seq++) t.equal(acceptSequence(window, BOOT, seq), false, `seq ${seq}`);
  t.equal(acceptSequence(window, BOOT, 5001), true, 'highest + 1');
  t.equal(acceptSequence(window, BOOT, 5001), false, 'highest + 1 only once');
  t.equal(acceptSequence(window, BOOT, 5000), false, 'the saved highest stays refused after the window moves');
});

t.test('a restored window accepts a new boot and refuses an older one', async (t) => {
  t.equal(acceptSequence(restoredWindow(BOOT, 5000), BOOT + 1, 0), true);
  t.equal(acceptSequence(restoredWindow(BOOT, 5000), BOOT - 1, 9999), false);
});

t.test('counters near 2^53 - 1 are handled like small ones', async (t) => {
  const top = Number.MAX_SAFE_INTEGER;
  const window = newWindow(BOOT, top - 100);
  t.ok(acceptSequence(window, BOOT, top));
  t.ok(acceptSequence(window, BOOT, top - 63));
  t.notOk(acceptSequence(window, BOOT, top - 64));
  t.notOk(acceptSequence(window, BOOT, top));
});

t.test('the window agrees with a set-based model on any sequence of (boot, seq)', async (t) => {
  // The model says in plain words what NM1 step 4 says; the window must agree at every step.
  const step = fc.record({ boot: fc.integer({ min: 0, max: 3 }), seq: fc.integer({ min: 0, max: 300 }) });
  fc.assert(
    fc.property(step, fc.array(step, { maxLength: 300 }), (first, rest) => {
      const window = newWindow(first.boot, first.seq);
      let boot = first.boot;
      let highest = first.seq;
      let seen = new Set([first.seq]);
      for (const { boot: b, seq } of rest) {
        let expected: boolean;
        if (b < boot) expected = false;
        else if (b > boot) {
          expected = true;
          boot = b;
          highest = seq;
          seen = new Set([seq]);
        } else if (seq > highest) {
          expected = true;
          highest = seq;
          seen.add(seq);
        } else {
          expected = highest - seq < WINDOW_SIZE && !seen.has(seq);
          if (expected) seen.add(seq);
        }
        if (acceptSequence(window, b, seq) !== expected) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('no counterexample');
});

t.test('the table of windows agrees with one window object per sensor, across slots and as it grows', async (t) => {
  const step = fc.record({ slot: fc.integer({ min: 0, max: 40 }), boot: fc.integer({ min: 0, max: 2 }), seq: fc.integer({ min: 0, max: 200 }) });
  fc.assert(
    fc.property(fc.array(step, { maxLength: 400 }), (steps) => {
      const table = new ReplayWindows(4);
      const objects = new Map<number, ReplayWindow>();
      for (const { slot, boot, seq } of steps) {
        const object = objects.get(slot);
        const expected = object === undefined ? (objects.set(slot, newWindow(boot, seq)), true) : acceptSequence(object, boot, seq);
        if (table.accept(slot, boot, seq) !== expected) return false;
        if (JSON.stringify(table.get(slot)) !== JSON.stringify(objects.get(slot))) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('no counterexample');
});

t.test('a slot of the table has no window until its first datagram or a restored one', async (t) => {
  const table = new ReplayWindows(2);
  t.equal(table.get(0), null);
  t.equal(table.get(99), null, 'beyond the room made so far');
  table.set(99, restoredWindow(BOOT, 5000));
  t.same(table.get(99), restoredWindow(BOOT, 5000));
  t.equal(table.accept(99, BOOT, 5000), false, 'the restored window refuses the saved highest');
  t.equal(table.accept(99, BOOT, 5001), true);
  t.equal(table.get(98), null, 'its neighbour is untouched');
});
