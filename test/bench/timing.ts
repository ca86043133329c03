/** Shared by the micro-benchmarks: the median of a few timed rounds, after a warm-up. */
import { performance } from 'node:perf_hooks';

export const QUICK = process.env.NETMONITOR_BENCH_QUICK === '1';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median ms per call of `fn` over `rounds` rounds of `calls` calls each, after one untimed round. */
export async function msPerCall(fn: () => unknown, calls: number, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let round = -1; round < rounds; round++) {
    const began = performance.now();
    for (let i = 0; i < calls; i++) await fn();
    if (round >= 0) times.push((performance.now() - began) / calls);
  }
  return median(times);
}

/** The same for a synchronous `fn`: no await between calls, which would dwarf a microsecond. */
export function msPerSyncCall(fn: () => unknown, calls: number, rounds: number): number {
  const times: number[] = [];
  for (let round = -1; round < rounds; round++) {
    const began = performance.now();
    for (let i = 0; i < calls; i++) fn();
    if (round >= 0) times.push((performance.now() - began) / calls);
  }
  return median(times);
}
