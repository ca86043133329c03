/**
 * Each recent alert's state on each of its channels, for GET /api/v1/clients/{id} and the
 * dashboard: queued, retrying (with the next attempt), delivered, undeliverable (with the
 * provider's answer), held by storm control, or kept back by maintenance. In memory only, and bounded: the latest
 * TRACKED_ALERTS alerts over all clients (a storm over a million sensors must not grow this
 * without end). After a restart it shows the alerts sent again; the logs keep every outcome.
 */
import type { AlertEvent } from '../storm.js';
import type { DeliveryState } from './queue.js';

/** `maintenance`: waiting for the end of the client's maintenance window; `withheld`: never sent, the client was in maintenance. */
export type ChannelState = DeliveryState | { state: 'held' } | { state: 'deferred'; until: number } | { state: 'maintenance' } | { state: 'withheld' };

interface AlertStates {
  client: string;
  type: 'down' | 'up' | 'quality';
  at: number;
  channels: Map<string, ChannelState>;
}

/** Alerts shown per client: the current outage and the few before it. */
export const ALERTS_SHOWN = 10;
/** Alerts tracked over all clients; the oldest are forgotten first. */
export const TRACKED_ALERTS = 10_000;

export class DeliveryStates {
  /** By transition id, oldest first (a Map keeps insertion order). */
  private readonly alerts = new Map<string, AlertStates>();

  set(event: AlertEvent, channel: string, state: ChannelState): void {
    let entry = this.alerts.get(event.transitionId);
    if (entry === undefined) {
      entry = { client: event.client, type: event.type, at: event.at, channels: new Map() };
      this.alerts.set(event.transitionId, entry);
      if (this.alerts.size > TRACKED_ALERTS) this.alerts.delete(this.alerts.keys().next().value!);
    }
    entry.channels.set(channel, state);
  }

  /** A client's recent alerts, oldest first, with each channel's state; times through `time`. */
  of(client: string, time: (ms: number) => string): Record<string, unknown>[] {
    const mine = [...this.alerts].filter(([, alert]) => alert.client === client).sort(([, a], [, b]) => a.at - b.at).slice(-ALERTS_SHOWN);
    return mine.map(([id, alert]) => ({
      id,
      type: alert.type,
      at: time(alert.at),
      channels: Object.fromEntries([...alert.channels].map(([name, s]) => [name, stateJson(s, time)])),
    }));
  }
}

function stateJson(s: ChannelState, time: (ms: number) => string): Record<string, unknown> {
  switch (s.state) {
    case 'retrying':
      return { state: s.state, next_attempt: time(s.nextAttempt), attempts: s.attempts, answer: s.answer };
    case 'delivered':
      return { state: s.state, at: time(s.at) };
    case 'undeliverable':
      return { state: s.state, at: time(s.at), answer: s.answer };
    case 'deferred':
      return { state: s.state, until: time(s.until) };
    default:
      return { state: s.state };
  }
}
