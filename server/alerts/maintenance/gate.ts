/**
 * What maintenance does to a client's alerts (docs/alerts.md#maintenance), decided without
 * side effects: the caller passes the wall-clock time and does what the answer says
 * (server/alerts/outbox.ts sends, or records `withheld`).
 *
 *  - A down whose moment falls in a window covering its client waits here, not in any queue.
 *    When the window ends with the client still down, it goes out then: the outage began in
 *    maintenance, but the user must still learn that it is down.
 *  - A recovery inside a window goes out to nobody, and takes the waiting down with it: a
 *    client that went down and came back within the window gets no alert at all. A recovery
 *    after the window, with a down still waiting (a restart that read both from the log),
 *    lets the down go first and then itself, in order.
 *  - Reminders and "action needed" alerts inside a window go out to nobody.
 *
 * Decided by the event's own time, not by the time it is offered: a restart that re-offers
 * the alerts of an outage inside a window long past decides as the running server did.
 * Nothing waits in storm control or quiet hours on the way here, so storm summaries and
 * digests never name a client in maintenance.
 */
import type { AlertEvent } from '../storm.js';
import type { MaintenanceSchedule } from './windows.js';

/** An alert and the channels it goes to. */
export interface GatedAlert {
  event: AlertEvent;
  channels: readonly string[];
}

/** What to do now: alerts to send (in order) and alerts to record as withheld. Both empty: it waits. */
export interface GateAnswer {
  send: GatedAlert[];
  withhold: GatedAlert[];
}

export class MaintenanceGate {
  /** By client: its down waiting for the end of its window. */
  private readonly waiting = new Map<string, GatedAlert>();

  constructor(private readonly schedule: () => MaintenanceSchedule) {}

  /** Whether `client` is in maintenance at `at`. */
  inMaintenance(client: string, at: number): boolean {
    return this.schedule().of(client, at) !== null;
  }

  offer(alert: GatedAlert): GateAnswer {
    const { event } = alert;
    const inWindow = this.inMaintenance(event.client, event.at);
    if (event.type === 'down') {
      if (!inWindow) return { send: [alert], withhold: [] };
      if (event.reminder !== undefined || event.intervention !== undefined) return { send: [], withhold: [alert] };
      this.waiting.set(event.client, alert);
      return { send: [], withhold: [] };
    }
    const down = this.waiting.get(event.client);
    this.waiting.delete(event.client);
    if (inWindow) return { send: [], withhold: down === undefined ? [alert] : [down, alert] };
    return { send: down === undefined ? [alert] : [down, alert], withhold: [] };
  }

  /** The waiting downs whose client is out of maintenance at `now`; call about once a second. */
  due(now: number): GatedAlert[] {
    const due: GatedAlert[] = [];
    for (const [client, alert] of this.waiting) {
      if (this.inMaintenance(client, now)) continue;
      this.waiting.delete(client);
      due.push(alert);
    }
    return due;
  }

  /** The clients whose down waits, for the API and tests. */
  get held(): number {
    return this.waiting.size;
  }
}
