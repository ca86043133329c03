/**
 * The running server's periodic work, started once the socket listens and cleared first at
 * stop: expiring deadlines every TICK_MS, saving state (and retrying records the disk
 * refused) every STATE_SAVE_PERIOD_MS, releasing held alert summaries and the first-heard
 * summary every second, and an `alive` record in `@server.nmlog` every ALIVE_PERIOD_MS.
 */
import { STATE_SAVE_PERIOD_MS } from './store/stateFile.js';

const TICK_MS = 250;
const ALIVE_PERIOD_MS = 60_000;

export interface PeriodicWork {
  tick(): void;
  saveState(): void;
  everySecond(): void;
  alive(): void;
}

export class ServerTimers {
  private timers: NodeJS.Timeout[] = [];

  start(work: PeriodicWork): void {
    this.timers.push(
      setInterval(() => work.tick(), TICK_MS),
      setInterval(() => work.saveState(), STATE_SAVE_PERIOD_MS),
      setInterval(() => work.everySecond(), 1000),
      setInterval(() => work.alive(), ALIVE_PERIOD_MS),
    );
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }
}
