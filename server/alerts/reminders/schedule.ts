/**
 * When a client that stays down is reminded of: `remind_every` after the down alert, then
 * after twice that, four times… each wait capped at `remind_max`. Pure: every call takes
 * the wall-clock time; nothing here writes or sends (server/alerts/reminders/reminders.ts does).
 *
 * Each wait counts from the previous reminder (or the down), not from the down alone: after
 * a server that was off past several due times, one reminder goes out at once and the next
 * one a full wait later, instead of all the missed ones in a burst.
 */

export interface ReminderPolicy {
  everyMs: number;
  maxMs: number;
}

/** One outage being reminded of. */
export interface Outage {
  client: string;
  /** The down transition's id; a reminder's id derives from it. */
  down: string;
  downAt: number;
  lastUp: number | null;
  /** Reminders recorded so far for this outage. */
  sent: number;
  /** When the last reminder was recorded, or the down. */
  lastAt: number;
  policy: ReminderPolicy;
}

/** The wait before reminder `sent + 1`. */
export function waitBefore(sent: number, policy: ReminderPolicy): number {
  // 2 ** 40 times any interval is past every cap: the exponent stays bounded.
  return Math.min(policy.maxMs, policy.everyMs * 2 ** Math.min(sent, 40));
}

/** A reminder's id: stable, so a restart sends an undelivered one again under the same id. */
export function reminderId(down: string, n: number): string {
  return `${down}~r${n}`;
}

export class ReminderPlan {
  private readonly outages = new Map<string, Outage>();

  /** A new outage, or one carried over a restart with the reminders it already had. */
  track(outage: Outage): void {
    this.outages.set(outage.client, { ...outage });
  }

  /** Ends the reminders of `client` (recovered), or only of outage `down` (acknowledged). */
  stop(client: string, down?: string): boolean {
    const outage = this.outages.get(client);
    if (outage === undefined || (down !== undefined && outage.down !== down)) return false;
    return this.outages.delete(client);
  }

  nextAt(client: string): number | null {
    const outage = this.outages.get(client);
    return outage === undefined ? null : outage.lastAt + waitBefore(outage.sent, outage.policy);
  }

  get size(): number {
    return this.outages.size;
  }

  /** The reminders due at `now`, each counted as sent: the outage as it is after it (`sent` is its number). */
  due(now: number): Outage[] {
    const ready: Outage[] = [];
    for (const outage of this.outages.values()) {
      if (now < outage.lastAt + waitBefore(outage.sent, outage.policy)) continue;
      outage.sent++;
      outage.lastAt = now;
      ready.push({ ...outage });
    }
    return ready;
  }
}
