/**
 * What the parts of the server that start after the UDP socket listens (the HTTP side,
 * supervision and healing) may use of it. They get a ServerHost and depend on this file,
 * never on the server itself: the composition root (server/main.ts) hands the running server
 * to each one, so the server never imports them and they never import it.
 */
import type { Logger } from 'winston';
import type { DeliveryStates } from './alerts/channels/states.js';
import type { ChannelStats } from './alerts/channels/wiring.js';
import type { AckResult } from './alerts/reminders/reminders.js';
import type { MaintenanceBook } from './alerts/maintenance/book.js';
import type { Occurrence } from './alerts/maintenance/windows.js';
import type { LogRecord } from '../log/records.js';
import type { ClientConfig, ServerConfig } from './config/server.js';
import type { DownEvent, EventConsumer, UpEvent } from './core/events.js';
import type { ClientSettings, ClientState, HeartbeatInfo, Instant } from './core/monitor.js';
import type { ClientSettingsStore } from './core/settings.js';
import type { RouteTable } from './http/routes.js';
import type { Admission } from './intake/acceptance.js';

export interface Clock {
  now(): Instant;
}

export interface Stats {
  accepted: number;
  refused: Record<string, number>;
  clients: { up: number; down: number; unknown: number };
  alerts: { sent: number; failed: number; retried: number; held: number; summaries: number; withheld: number; queued: number; held_now: number };
  /** Per push channel (e-mail is `alerts`); absent without push channels. */
  channels?: ChannelStats;
  log_errors: number;
  /** Clients whose records wait in memory for the disk (full or unwritable log folder). */
  log_backlog: number;
  log_dropped: number;
  /** Logs with appends in flight right now (a burst of transitions shows here first). */
  log_pending: number;
  /** Heartbeats NM1 sensors sent while up, and those lost, over the quality periods closed since start (server/qualityPeriods.ts). */
  heartbeats_expected: number;
  heartbeats_lost: number;
}

export interface ServerHost {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  /** HTTP routes any extension may add; served when the `http` section has a listener. */
  readonly routes: RouteTable;
  /** The client logs: records appended durably (resolves once on disk), and each log's path. */
  readonly logs: { append(client: string, records: readonly LogRecord[]): Promise<void>; pathOf(client: string): string };
  /** Alerts to send; how many wait and the last delivery error. */
  readonly outbox: { enqueue(event: DownEvent | UpEvent): void; readonly depth: number; readonly lastError: string | null; readonly states: Pick<DeliveryStates, 'of'> };
  /** Each client's down interval, grace and schedule: the configuration with the changes made over HTTP. */
  readonly settings: ClientSettingsStore;
  /** Adds a consumer of down/up/boot events. */
  subscribe(consumer: EventConsumer): void;
  /** The running counts. O(1): nothing walks the clients. */
  stats(): Stats;
  /**
   * Every configured client's state, as one view moved from client to client
   * (server/core/clientState.ts): a pass over a million clients makes no object each.
   * Use each state before taking the next.
   */
  eachClientState(): Iterable<ClientState>;
  clientState(id: string): ClientState | undefined;
  /** A client's configuration (as configured, before any change over HTTP); undefined for an unknown id. */
  clientConfig(id: string): ClientConfig | undefined;
  /** The client's pending deadline on the monotonic clock; null when none is pending. */
  deadlineOf(state: ClientState): number | null;
  /**
   * A heartbeat that arrived by another way than UDP (HTTP, a successful probe). Goes
   * through the same state machine, logs and alerts as a datagram. False for an unknown id.
   */
  heartbeatFrom(id: string, beat: HeartbeatInfo): boolean;
  /**
   * An NM1 datagram that arrived by another way than the UDP socket (`POST /api/v1/nm1`):
   * the UDP path's rate limit, acceptance and replay window. Null when accepted, else why not.
   */
  admit(datagram: Buffer, sourceAddress: string): Admission;
  /** The secret of the signed acknowledgement links (server/alerts/ackLink.ts); null without an HTTP listener. */
  readonly ackSecret: Buffer | null;
  /** Acknowledges a client's current outage (only outage `down`, if given): no more reminders for it. */
  acknowledge(id: string, by: string, down?: string): Promise<AckResult>;
  /** The maintenance windows: running and upcoming ones, and the API's one-offs to add and delete. */
  readonly maintenance: Pick<MaintenanceBook, 'list' | 'add' | 'remove'>;
  /** The maintenance window `id` is in at `at` (default: now); null when none. No alert goes out and no healing runs in one. */
  maintenanceOf(id: string, at?: number): Occurrence | null;
  /** A failure reported by the client itself or found by a probe: down now. False for an unknown id. */
  failureOf(id: string, reason: string): boolean;
  /** New down interval, grace or schedule for a client, from now on (HTTP PATCH, saved overrides). False for an unknown id. */
  reconfigure(id: string, settings: ClientSettings): boolean;
}

/**
 * A part of the server that starts after the UDP socket is listening and stops before the
 * final stats line. Each subscribes to the event bus and feeds heartbeats or failures back
 * through its ServerHost.
 */
export interface Extension {
  readonly name: string;
  stop(): Promise<void>;
}

/** Starts an extension on a started server; null when its configuration asks for nothing. */
export type StartExtension = (host: ServerHost) => Promise<Extension | null>;
