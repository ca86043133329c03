/**
 * Storm control: which alerts go out one by one and which are held for a summary. Pure:
 * every call takes the monotonic time; nothing here sends or sleeps.
 *
 * Rules, checked in this order for each alert (docs/reliability.md):
 *  1. Flapping: a client with more than `flapChanges` transitions within `flapWindowMs` is
 *     flapping; its further alerts are held until it has kept one state for `flapQuietMs`
 *     (or `flapWindowMs` has passed), then one summary gives the count and its state now.
 *  2. Storm: once `stormThreshold` alerts of one kind (down or up) went out within
 *     `stormWindowMs` — the monitor's own uplink failed, or a regional outage — further ones
 *     of that kind are held, and one summary names them when the window closes.
 *  3. Hourly cap: at most `hourlyCap` messages (summaries included) in any rolling hour;
 *     past it alerts are held and summarised as soon as the hour has room again.
 * Nothing is dropped: every held alert ends up in exactly one summary.
 */
import type { DownEvent, UpEvent } from '../core/events.js';

export type AlertEvent = DownEvent | UpEvent;
export type HoldReason = 'flapping' | 'storm' | 'cap';

export interface StormLimits {
  stormThreshold: number;
  stormWindowMs: number;
  flapChanges: number;
  flapWindowMs: number;
  flapQuietMs: number;
  hourlyCap: number;
}

export const DEFAULT_LIMITS: StormLimits = Object.freeze({
  stormThreshold: 3,
  stormWindowMs: 60_000,
  flapChanges: 6,
  flapWindowMs: 3_600_000,
  flapQuietMs: 900_000,
  hourlyCap: 20,
});

export interface Summary {
  reason: HoldReason;
  /** The held alerts, oldest first. */
  events: AlertEvent[];
  /** For a storm of downs: ISP-wide, or the monitor's uplink (server/alerts/correlationNote.ts). */
  note?: string;
}

const HOUR_MS = 3_600_000;

interface Bucket {
  events: AlertEvent[];
  firstHeld: number;
  lastHeld: number;
}

/** Drops the timestamps older than `windowMs` from the front of a sorted list. */
function prune(times: number[], now: number, windowMs: number): void {
  let drop = 0;
  while (drop < times.length && times[drop]! <= now - windowMs) drop++;
  if (drop > 0) times.splice(0, drop);
}

export class StormControl {
  private readonly sentTimes: number[] = [];
  private readonly kindTimes: Record<'down' | 'up', number[]> = { down: [], up: [] };
  private readonly clientTimes = new Map<string, number[]>();
  private readonly flapping = new Map<string, Bucket>();
  private readonly storms: Partial<Record<'down' | 'up', Bucket>> = {};
  private cap: Bucket | null = null;

  constructor(private readonly limits: StormLimits = DEFAULT_LIMITS) {}

  /** Decides one alert: 'send' (and counts it as sent) or held for a summary. */
  offer(event: AlertEvent, now: number): 'send' | HoldReason {
    const { limits } = this;
    let times = this.clientTimes.get(event.client);
    if (times === undefined) this.clientTimes.set(event.client, (times = []));
    prune(times, now, limits.flapWindowMs);
    times.push(now);
    const flap = this.flapping.get(event.client);
    if (flap !== undefined || times.length > limits.flapChanges) {
      this.hold(event, now, flap, (bucket) => this.flapping.set(event.client, bucket));
      return 'flapping';
    }
    const kind = this.kindTimes[event.type];
    prune(kind, now, limits.stormWindowMs);
    if (this.storms[event.type] !== undefined || kind.length >= limits.stormThreshold) {
      this.hold(event, now, this.storms[event.type], (bucket) => (this.storms[event.type] = bucket));
      return 'storm';
    }
    if (!this.hasRoom(now)) {
      this.hold(event, now, this.cap ?? undefined, (bucket) => (this.cap = bucket));
      return 'cap';
    }
    kind.push(now);
    this.sentTimes.push(now);
    return 'send';
  }

  /** The summaries due at `now`, each counted as one sent message. */
  due(now: number): Summary[] {
    const { limits } = this;
    const ready: Summary[] = [];
    for (const [client, bucket] of this.flapping) {
      if (now - bucket.lastHeld >= limits.flapQuietMs || now - bucket.firstHeld >= limits.flapWindowMs) {
        this.flapping.delete(client);
        ready.push({ reason: 'flapping', events: bucket.events });
      }
    }
    for (const type of ['down', 'up'] as const) {
      const bucket = this.storms[type];
      if (bucket !== undefined && now - bucket.firstHeld >= limits.stormWindowMs) {
        delete this.storms[type];
        ready.push({ reason: 'storm', events: bucket.events });
      }
    }
    // Summaries make room for themselves: a summary replaces many messages, so it is sent
    // even when it exceeds the cap (an inbox gets at most one per held bucket).
    for (const _ of ready) this.sentTimes.push(now);
    if (this.cap !== null && this.hasRoom(now)) {
      ready.push({ reason: 'cap', events: this.cap.events });
      this.cap = null;
      this.sentTimes.push(now);
    }
    return ready;
  }

  /** How many alerts are held right now, for stats and health. */
  get held(): number {
    let count = this.cap?.events.length ?? 0;
    for (const bucket of this.flapping.values()) count += bucket.events.length;
    for (const bucket of Object.values(this.storms)) count += bucket.events.length;
    return count;
  }

  private hasRoom(now: number): boolean {
    prune(this.sentTimes, now, HOUR_MS);
    return this.sentTimes.length < this.limits.hourlyCap;
  }

  private hold(event: AlertEvent, now: number, bucket: Bucket | undefined, create: (bucket: Bucket) => void): void {
    if (bucket === undefined) create({ events: [event], firstHeld: now, lastHeld: now });
    else {
      bucket.events.push(event);
      bucket.lastHeld = now;
    }
  }
}
