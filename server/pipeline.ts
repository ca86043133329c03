/**
 * The path of every heartbeat and every deadline, from the edge to the logs and events:
 * receive (rate limit, NM1 acceptance) → accept (the state machine) → perform (each record
 * appended durably, then its event published). Refused datagrams are counted and never reach
 * the monitor.
 *
 * receive() runs for every datagram: it allocates nothing beyond what acceptance does (no
 * closure, no object; docs/benchmarks.md).
 */
import type { Logger } from 'winston';
import { iso, type RecordOf } from '../log/records.js';
import type { NetmonitorError } from '../shared/errors.js';
import type { RefusalReason } from '../shared/nm1.js';
import type { EventBus, MonitorEvent } from './core/events.js';
import { LogBudget } from './core/logBudget.js';
import type { Action, ClientState, HeartbeatInfo, Instant, Monitor } from './core/monitor.js';
import type { Clock } from './host.js';
import { acceptDatagram, type Admission, normalizeAddress, type ClientDirectory } from './intake/acceptance.js';
import { Refusals } from './intake/refusals.js';
import { SourceLimiter } from './intake/sourceLimiter.js';
import type { ChannelsConfig } from './alerts/channels/config.js';
import { withChannels } from './alerts/channels/wiring.js';
import { SERVER_LOG, type LogDirectory } from './store/logDirectory.js';

/** "is UP (first heartbeat)" lines logged one by one before the rest are summarised each second. */
const FIRST_HEARD_BURST = 100;

/** Counts the pipeline and the state save keep for stats(). */
export interface Counters {
  accepted: number;
  logErrors: number;
}

export interface PipelineParts {
  monitor: Monitor;
  directory: ClientDirectory;
  logs: LogDirectory;
  bus: EventBus;
  logger: Logger;
  clock: Clock;
  counters: Counters;
  /** Datagrams per second from one source before the rest are dropped unread; 0: no limit. */
  sourceRateLimit: number;
  /** Told of every accepted heartbeat (the state save then has something to save). */
  changed: { markChanged(): void };
  /** Called when the server cannot go on safely (a failed fsync). */
  onFatal: (error: Error) => void;
  /** The alert channels: a transition's record names those its alert goes to. */
  channels: ChannelsConfig;
}

export class Pipeline {
  readonly refusals: Refusals;
  /** Budget for "is UP (first heartbeat)" lines. */
  private readonly firstHeard: LogBudget;
  private readonly limiter: SourceLimiter | null;

  constructor(private readonly parts: PipelineParts) {
    const mono = parts.clock.now().mono;
    this.refusals = new Refusals(mono);
    this.firstHeard = new LogBudget(mono, FIRST_HEARD_BURST, 1000);
    this.limiter = parts.sourceRateLimit > 0 ? new SourceLimiter(mono, parts.sourceRateLimit) : null;
  }

  /** Handles one datagram. Refused ones are counted and never reach the monitor. */
  receive(datagram: Buffer, sourceAddress: string): void {
    this.admit(datagram, sourceAddress);
  }

  /**
   * One datagram from `sourceAddress`, whatever carried it (UDP, `POST /api/v1/nm1`): the
   * source's rate limit, NM1 acceptance with the one replay window per sensor, then the state
   * machine. Null when it was accepted, else why not (counted, and logged within the budget).
   * Returns constants only, so the UDP path allocates nothing for the answer.
   */
  admit(datagram: Buffer, sourceAddress: string): Admission {
    const source = normalizeAddress(sourceAddress);
    const now = this.parts.clock.now();
    if (this.limiter !== null && !this.limiter.allow(source, now.mono)) return this.refuse('rate-limited', source, now);
    let verdict;
    try {
      verdict = acceptDatagram(this.parts.directory, datagram, source);
    } catch (error) /* c8 ignore next 3 */ {
      this.parts.logger.error(`internal error on a datagram from ${source}: ${(error as Error).message}`);
      return 'internal';
    }
    if (!verdict.ok) return this.refuse(verdict.reason, source, now, datagram);
    this.accept(verdict.client, verdict.beat, now);
    return null;
  }

  /** Counts a refusal and logs it within the log budget; nothing else happens. */
  private refuse(reason: RefusalReason, source: string, now: Instant, datagram: Buffer | null = null): RefusalReason {
    const line = this.refusals.refuse(reason, source, now.mono, datagram);
    if (line !== null) this.parts.logger.warn(line);
    return reason;
  }

  /** An accepted heartbeat, however it arrived: through the state machine to the logs and events. */
  accept(client: ClientState, beat: HeartbeatInfo, now: Instant): void {
    this.parts.counters.accepted++;
    this.parts.changed.markChanged();
    const actions = this.parts.monitor.heartbeat(client, beat, now);
    if (actions.length > 0) this.perform(actions);
  }

  /** A failure reported by the client or found by a probe: down now (unless it is already). */
  fail(client: ClientState, reason: string): void {
    const actions = this.parts.monitor.fail(client, this.parts.clock.now(), reason);
    if (actions.length > 0) this.perform(actions);
  }

  /** Declares down whatever has expired (every TICK_MS, server/timers.ts). */
  tick(): void {
    const actions = this.parts.monitor.expire(this.parts.clock.now());
    if (actions.length > 0) this.perform(actions);
  }

  /** Writes each client's records durably, then publishes their events, in order. */
  private perform(actions: readonly Action[]): void {
    const { logs, logger, counters } = this.parts;
    for (const action of actions) {
      const event = action.event;
      logs.append(action.client, [withChannels(this.parts.channels, action.record, event)]).then(
        () => event !== null && this.publish(event),
        (error: NetmonitorError) => {
          if (error.code === 'EFSYNC') return this.fatal(error);
          // Tracking and alerting go on; the record waits in memory until the disk takes it.
          counters.logErrors++;
          logger.error(`${error.message}; kept in memory until it can be written, alerting anyway`);
          if (event !== null) this.publish(event);
        },
      );
    }
  }

  private publish(event: MonitorEvent): void {
    const { logger } = this.parts;
    if (event.type === 'down') logger.info(`${event.client} is DOWN${event.reason === undefined ? '' : ` (${event.reason})`}; last heard ${event.lastUp === null ? 'never' : iso(event.lastUp)}`);
    else if (event.type === 'up' && event.outageMs !== null) logger.info(`${event.client} is UP after ${Math.round(event.outageMs / 1000)}s`);
    else if (event.type === 'up' && this.firstHeard.allow(this.parts.clock.now().mono)) logger.info(`${event.client} is UP (first heartbeat)`);
    void this.parts.bus.publish(event, (consumer, error) => logger.error(`${consumer} failed on ${event.type} of ${event.client}: ${(error as Error).message}`));
  }

  /** A fleet heard for the first time (a new server, a million sensors) is summarised, not logged line by line. */
  logFirstHeardSummary(): void {
    const more = this.firstHeard.takeSuppressed();
    if (more > 0) this.parts.logger.info(`${more} more client(s) heard for the first time (not logged one by one)`);
  }

  /** A record of the server's own (start, alive, stop) in `@server.nmlog`. */
  appendServerRecord(record: RecordOf<'alive' | 'stop' | 'maintenance'>): Promise<void> {
    return this.appendRecord(SERVER_LOG, record);
  }

  /** A record no event follows (the server's own, a client's quality period): a failed write is counted and logged. */
  async appendRecord(log: string, record: RecordOf<'alive' | 'stop' | 'quality' | 'maintenance'>): Promise<void> {
    try {
      await this.parts.logs.append(log, [record]);
    } catch (error) {
      if ((error as NetmonitorError).code === 'EFSYNC') return this.fatal(error as Error);
      this.parts.counters.logErrors++;
      this.parts.logger.error((error as Error).message);
    }
  }

  private fatal(error: Error): void {
    this.parts.logger.error(`fatal: ${error.message}; stopping so that a restart reads back what is really on disk`);
    this.parts.onFatal(error);
  }
}
