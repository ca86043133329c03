import t from 'tap';
import fc from 'fast-check';
import { Fifo } from '../../../server/store/fifo.js';

t.test('the queue gives items back in the order they were pushed, whatever the mix of pushes and takes', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer(), fc.constant(null)), { maxLength: 5000 }), (steps) => {
      const queue = new Fifo<number>();
      const model: number[] = [];
      for (const step of steps) {
        if (step === null) {
          if (queue.take() !== model.shift()) return false;
        } else {
          queue.push(step);
          model.push(step);
        }
        if (queue.length !== model.length) return false;
      }
      return true;
    }),
    { numRuns: 200 },
  );
  t.pass('no counterexample');
});

t.test('a long queue drained and refilled keeps its order across the compactions', async (t) => {
  const queue = new Fifo<number>();
  for (let i = 0; i < 10_000; i++) queue.push(i);
  const first: number[] = [];
  for (let i = 0; i < 6_000; i++) first.push(queue.take()!);
  for (let i = 10_000; i < 12_000; i++) queue.push(i);
  const rest: number[] = [];
  for (let item = queue.take(); item !== undefined; item = queue.take()) rest.push(item);
  t.same([...first, ...rest], Array.from({ length: 12_000 }, (_, i) => i));
  t.equal(queue.length, 0);
  t.equal(queue.take(), undefined, 'empty gives undefined');
});
