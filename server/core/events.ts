/**
 * The events the monitor publishes. Everything that acts on an outage (e-mail alerts, exec
 * hooks, later supervision and healing) subscribes to these through one small interface.
 * Times are wall-clock milliseconds since the epoch, stamped when the thing really happened.
 */
/** What a down alert sent alone adds: the monitor's uplink, or ISP-wide (server/alerts/correlationNote.ts). */
export type AloneNote = { kind: 'uplink'; total: number } | { kind: 'isp-wide'; group: string; down: number; members: number; since: number | null };

export interface DownEvent {
  type: 'down';
  client: string;
  /** The moment the client's deadline passed. */
  at: number;
  /** The last accepted heartbeat before the silence; null if it was never recorded. */
  lastUp: number | null;
  downIntervalMs: number;
  transitionId: string;
  /** Set when the client reported its own failure (or a probe failed) instead of going silent. */
  reason?: string;
  /** Set on the one alert that says healing gave up on a client that is still down. */
  intervention?: string;
  /**
   * Set on a reminder that the client is still down (server/alerts/reminders/): its number
   * and the moment of the down. `at` is then the reminder's time, `transitionId` its own id.
   */
  reminder?: { n: number; downAt: number; down: string };
  /**
   * Set by the outbox on a down alert that goes out alone while others of its group (or every
   * client) are down too (server/alerts/correlationNote.ts); never logged.
   */
  alone?: AloneNote;
}

export interface UpEvent {
  type: 'up';
  client: string;
  /** The arrival of the first accepted heartbeat after the outage (or ever). */
  at: number;
  /** The last heartbeat before the outage; null for a client's first heartbeat ever. */
  lastUp: number | null;
  /** From the last heartbeat before the outage to the first after it; null when there was no outage. */
  outageMs: number | null;
  transitionId: string;
}

/**
 * A client's heartbeat quality period closed degraded, or back under the threshold after a
 * degraded stretch (server/alerts/degraded.ts). Sent to the outbox only, never on the bus.
 */
export interface QualityEvent {
  type: 'quality';
  client: string;
  /** When the period closed. */
  at: number;
  /** The period's start. */
  from: number;
  state: 'degraded' | 'recovered';
  expected: number;
  lost: number;
  /** `evidence.degraded_loss_pct`. */
  thresholdPct: number;
  /** `quality-<client>-<at>`: the alert's Message-ID and the `ref` of its delivery records. */
  transitionId: string;
}

export interface BootEvent {
  type: 'boot';
  client: string;
  at: number;
  boot: number | null;
  /** The sensor host's uptime in seconds, as the BOOT datagram carried it. */
  uptime: number | null;
  addr: string;
}

export type MonitorEvent = DownEvent | UpEvent | BootEvent;
export type EventType = MonitorEvent['type'];

/** A subscriber. `handle` must not throw for ordinary failures; it reports them itself. */
export interface EventConsumer {
  readonly name: string;
  handle(event: MonitorEvent): void | Promise<void>;
}

export class EventBus {
  private readonly consumers: EventConsumer[] = [];

  subscribe(consumer: EventConsumer): void {
    this.consumers.push(consumer);
  }

  /** Hands `event` to every consumer; one failing consumer never keeps it from the others. */
  async publish(event: MonitorEvent, onError: (consumer: string, error: unknown) => void): Promise<void> {
    await Promise.all(
      this.consumers.map(async (consumer) => {
        try {
          await consumer.handle(event);
        } catch (error) {
          onError(consumer.name, error);
        }
      }),
    );
  }
}
