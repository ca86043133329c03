import t from 'tap';
import fc from 'fast-check';
import { DeadlineQueues } from '../../../server/core/deadlines.js';

t.test('the queues agree with a plain list of deadlines under any mix of schedules, removals and expiries', async (t) => {
  const operation = fc.oneof(
    fc.record({ op: fc.constant('schedule' as const), node: fc.nat(39), interval: fc.constantFrom(1000, 5000, 60_000) }),
    fc.record({ op: fc.constant('scheduleAt' as const), node: fc.nat(39), at: fc.nat(100_000) }),
    fc.record({ op: fc.constant('remove' as const), node: fc.nat(39) }),
    fc.record({ op: fc.constant('advance' as const), by: fc.nat(20_000) }),
  );
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 300 }), (operations) => {
      const queues = new DeadlineQueues();
      const model = new Map<number, number>(); // slot → deadline
      let now = 0;
      for (const step of operations) {
        if (step.op === 'schedule') {
          queues.schedule(step.node, now, step.interval);
          model.set(step.node, now + step.interval);
        } else if (step.op === 'scheduleAt') {
          const at = now + step.at;
          queues.scheduleAt(step.node, at);
          model.set(step.node, Math.ceil(at / 1000) * 1000);
        } else if (step.op === 'remove') {
          queues.remove(step.node);
          model.delete(step.node);
        } else {
          now += step.by;
          const expired = queues.takeExpired(now);
          const due = [...model].filter(([, deadline]) => deadline <= now).sort((a, b) => a[1] - b[1]);
          // Equal deadlines may come in either order; compare the deadlines and the set of slots.
          if (JSON.stringify(expired.map((name) => model.get(name))) !== JSON.stringify(due.map(([, d]) => d))) return false;
          if (JSON.stringify([...expired].sort()) !== JSON.stringify(due.map(([name]) => name).sort())) return false;
          for (const [name] of due) model.delete(name);
        }
        for (let slot = 0; slot < 40; slot++) if (queues.deadlineOf(slot) !== (model.get(slot) ?? null)) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('no counterexample');
});

t.test('room made in advance keeps the deadlines already scheduled', async (t) => {
  const queues = new DeadlineQueues();
  const slots = Array.from({ length: 40 }, (_, slot) => slot);
  slots.slice(0, 20).forEach((slot, i) => queues.schedule(slot, i, 1000));
  queues.reserve(100_000);
  slots.slice(20).forEach((slot, i) => queues.schedule(slot, 20 + i, 1000));
  t.same(queues.takeExpired(1000 + 39), slots);
});

t.test('a slot far beyond the room made is given room when it is scheduled', async (t) => {
  const queues = new DeadlineQueues();
  t.equal(queues.deadlineOf(5000), null, 'a slot never seen has no deadline');
  t.ok(Number.isNaN(queues.lastDeadline(5000)), 'nor a last one');
  queues.schedule(5000, 0, 1000);
  queues.schedule(3, 10, 1000);
  t.equal(queues.deadlineOf(5000), 1000);
  t.same(queues.takeExpired(1010), [5000, 3]);
  t.equal(queues.lastDeadline(5000), 1000, 'the last deadline is kept after it expired');
});
