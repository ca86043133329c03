/**
 * Each recent alert's state on each of its channels, for GET /api/v1/clients/{id} and the
 * dashboard: queued, retrying (with the next attempt), delivered, undeliverable (with the
 * provider's answer), or held by storm control. In memory only: after a restart it shows the
 * alerts sent again; the logs keep the full record.
 */
import type { AlertEvent } from '../storm.js';
import type { DeliveryState } from './queue.js';

export type ChannelState = DeliveryState | { state: 'held' };

interface AlertStates {
  id: string;
  type: 'down' | 'up';
  at: number;
  channels: Map<string, ChannelState>;
}

/** Alerts kept per client: enough for the current outage and the few before it. */
export const ALERTS_KEPT = 10;

export class DeliveryStates {
  private readonly byClient = new Map<string, AlertStates[]>();

  set(event: AlertEvent, channel: string, state: ChannelState): void {
    let alerts = this.byClient.get(event.client);
    if (alerts === undefined) this.byClient.set(event.client, (alerts = []));
    let entry = alerts.find((a) => a.id === event.transitionId);
    if (entry === undefined) {
      entry = { id: event.transitionId, type: event.type, at: event.at, channels: new Map() };
      alerts.push(entry);
      alerts.sort((a, b) => a.at - b.at);
      if (alerts.length > ALERTS_KEPT) alerts.shift();
    }
    entry.channels.set(channel, state);
  }

  /** A client's recent alerts, oldest first, with each channel's state; times through `time`. */
  of(client: string, time: (ms: number) => string): Record<string, unknown>[] {
    return (this.byClient.get(client) ?? []).map((alert) => ({
      id: alert.id,
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
    default:
      return { state: s.state };
  }
}
