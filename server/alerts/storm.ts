/**
 * Storm control: which alerts go out one by one and which are held for a summary. Pure:
 * every call takes the monotonic time; nothing here sends or sleeps.
 *
 * Rules, checked in this order for each alert (docs/reliability.md):
 *  0. Hold: a down or up alert waits `holdMs` (`storm_hold`) for others of its kind; when the
 *     wait ends, the group goes through rules 2 and 3 as one message: the alert itself when it
 *     is alone, else one summary naming them all. An alert that needs action (healing gave up)
 *     is not held: it says something a group summary would lose.
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
import type { DownEvent, QualityEvent, UpEvent } from '../core/events.js';

/** What the outbox sends: transitions, and quality alerts (which storm control lets through). */
export type AlertEvent = DownEvent | UpEvent | QualityEvent;
export type HoldReason = 'flapping' | 'storm' | 'cap' | 'hold';

export interface StormLimits {
  stormThreshold: number;
  stormWindowMs: number;
  flapChanges: number;
  flapWindowMs: number;
  flapQuietMs: number;
  hourlyCap: number;
  /** How long an alert waits for others of its kind (0: not at all). */
  holdMs: number;
}

export const DEFAULT_LIMITS: StormLimits = Object.freeze({
  stormThreshold: 3,
  stormWindowMs: 60_000,
  flapChanges: 6,
  flapWindowMs: 3_600_000,
  flapQuietMs: 900_000,
  hourlyCap: 20,
  holdMs: 10_000,
});

export interface Summary {
  /** Why the alerts were held; `digest`: e-mail's quiet hours (server/alerts/quiet/), never from storm control. */
  reason: HoldReason | 'digest';
  /** The held alerts, oldest first. */
  events: AlertEvent[];
  /** For a storm of downs: ISP-wide, or the monitor's uplink (server/alerts/correlationNote.ts). */
  note?: string;
  /** For a digest: the quiet hours' time zone. */
  zone?: string;
}

/** What storm control lets out: one alert, or one summary of several. */
export type Release = { kind: 'alert'; event: AlertEvent } | { kind: 'summary'; summary: Summary };

const HOUR_MS = 3_600_000;

function needsAction(event: AlertEvent): boolean {
  return event.type === 'down' && event.intervention !== undefined;
}

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
  private readonly waiting: Partial<Record<'down' | 'up', Bucket>> = {};
  private cap: Bucket | null = null;

  constructor(private readonly limits: StormLimits = DEFAULT_LIMITS) {}

  /** Decides one alert: 'send' (and counts it as sent), or held: for others of its kind, or for a summary. */
  offer(event: AlertEvent, now: number): 'send' | HoldReason {
    // A quality alert is no transition: at most one per degraded stretch already (degraded.ts).
    if (event.type === 'quality') return 'send';
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
    if (limits.holdMs > 0 && !needsAction(event)) {
      this.hold(event, now, this.waiting[event.type], (bucket) => (this.waiting[event.type] = bucket));
      return 'hold';
    }
    return this.admit(event.type, [event], now);
  }

  /**
   * The storm and cap rules for one message of `type` covering `events` (one alert, or a
   * group that waited together): 'send' counts it as sent; otherwise they join that bucket.
   */
  private admit(type: 'down' | 'up', events: AlertEvent[], now: number): 'send' | HoldReason {
    const kind = this.kindTimes[type];
    prune(kind, now, this.limits.stormWindowMs);
    if (this.storms[type] !== undefined || kind.length >= this.limits.stormThreshold) {
      for (const event of events) this.hold(event, now, this.storms[type], (bucket) => (this.storms[type] = bucket));
      return 'storm';
    }
    if (!this.hasRoom(now)) {
      for (const event of events) this.hold(event, now, this.cap ?? undefined, (bucket) => (this.cap = bucket));
      return 'cap';
    }
    kind.push(now);
    this.sentTimes.push(now);
    return 'send';
  }

  /** The alerts and summaries due at `now`, each counted as one sent message, in the order they are to go out. */
  due(now: number): Release[] {
    const { limits } = this;
    const ready: Release[] = [];
    const summary = (reason: HoldReason, events: AlertEvent[]): Release => ({ kind: 'summary', summary: { reason, events } });
    for (const [client, bucket] of this.flapping) {
      if (now - bucket.lastHeld >= limits.flapQuietMs || now - bucket.firstHeld >= limits.flapWindowMs) {
        this.flapping.delete(client);
        ready.push(summary('flapping', bucket.events));
      }
    }
    const releases: Release[] = [];
    // Oldest group first, so a client's down goes out before its recovery.
    const groups = (['down', 'up'] as const).filter((type) => this.waiting[type] !== undefined && now - this.waiting[type].firstHeld >= limits.holdMs);
    groups.sort((a, b) => this.waiting[a]!.firstHeld - this.waiting[b]!.firstHeld);
    for (const type of groups) {
      const { events } = this.waiting[type]!;
      delete this.waiting[type];
      if (this.admit(type, events, now) !== 'send') continue;
      releases.push(events.length === 1 ? { kind: 'alert', event: events[0]! } : summary('hold', events));
    }
    for (const type of ['down', 'up'] as const) {
      const bucket = this.storms[type];
      if (bucket !== undefined && now - bucket.firstHeld >= limits.stormWindowMs) {
        delete this.storms[type];
        ready.push(summary('storm', bucket.events));
      }
    }
    // Summaries make room for themselves: a summary replaces many messages, so it is sent
    // even when it exceeds the cap (an inbox gets at most one per held bucket).
    for (const _ of ready) this.sentTimes.push(now);
    ready.push(...releases);
    if (this.cap !== null && this.hasRoom(now)) {
      ready.push(summary('cap', this.cap.events));
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
    for (const bucket of Object.values(this.waiting)) count += bucket.events.length;
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
