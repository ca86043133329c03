/**
 * The alerts that wait for the end of a channel's quiet hours, by channel: one place that
 * decides whether an alert waits and when a channel's digest is due, for the push channels'
 * dispatcher and the e-mail outbox alike. In memory only: the waiting alerts stay undelivered
 * in the client logs, so a restart offers them again and they wait again if it is still quiet.
 * Pure: every call takes the wall-clock time.
 */
import type { AlertEvent } from '../storm.js';
import { quietUntil, type ChannelAttention } from './hours.js';

/** A channel's quiet hours are over: the alerts that waited, oldest first, for one digest. */
export interface DueDigest {
  channel: string;
  events: AlertEvent[];
  /** The quiet hours' time zone, for the digest's clock times. */
  zone: string;
}

export class QuietDeferral {
  private readonly waiting = new Map<string, { until: number; events: AlertEvent[] }>();

  constructor(private readonly attention: Readonly<Record<string, ChannelAttention>> = {}) {}

  /**
   * Keeps `events` for `channel`'s digest when `now` is in its quiet hours (an urgent channel
   * lets downs through): returns when the window ends, or null when they go out now.
   */
  defer(channel: string, events: readonly AlertEvent[], down: boolean, now: number): number | null {
    const attention = this.attention[channel];
    if (attention?.quiet == null || (down && attention.urgent)) return null;
    const until = quietUntil(now, attention.quiet);
    if (until === null) return null;
    const waiting = this.waiting.get(channel) ?? { until, events: [] };
    waiting.events.push(...events);
    this.waiting.set(channel, waiting);
    return until;
  }

  /** The digests due at `now` (their windows ended), each handed out once. */
  due(now: number): DueDigest[] {
    const due: DueDigest[] = [];
    for (const [channel, waiting] of this.waiting) {
      const quiet = this.attention[channel]?.quiet;
      if (now < waiting.until && quiet != null && quietUntil(now, quiet) !== null) continue;
      this.waiting.delete(channel);
      due.push({ channel, events: waiting.events, zone: quiet?.timezone ?? 'UTC' });
    }
    return due;
  }
}
