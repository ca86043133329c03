import type { Instant } from '../../server/core/monitor.js';

/** A fake clock: `advance` moves both clocks, `stepWall` only the wall clock (an NTP step). */
export class FakeClock {
  constructor(
    public wall: number,
    public mono = 1_000_000,
  ) {}

  now(): Instant {
    return { mono: this.mono, wall: this.wall };
  }

  advance(ms: number): Instant {
    this.mono += ms;
    this.wall += ms;
    return this.now();
  }

  stepWall(ms: number): void {
    this.wall += ms;
  }
}
