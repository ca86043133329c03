/**
 * The path of every heartbeat and every deadline, from the edge to the logs and events:
 * receive (rate limit, NM1 acceptance) → accept (the state machine) → perform (each record
 * appended durably, then its event published). Refused datagrams are counted and never reach
 * the monitor.
 *
 * receive() runs for every datagram: it allocates nothing beyond what acceptance does (no
 * closure, no object; docs/benchmarks.md).
 *
 * While the server starts, the socket listens before the logs are read (they may take many
 * seconds with a large fleet): datagrams are judged as ever (keys and replay windows are in
 * place), and each client's accepted heartbeat is held until hold() is released, when the
 * state machine knows what the logs say. A BOOT held is never replaced by a later PING, so
 * no boot is lost from the record.
 */
import type { Logger } from 'winston';
import { iso, type RecordOf } from '../log/records.js';
import type { NetmonitorError } from '../shared/errors.js';
import type { RefusalReason } from '../shared/nm1.js';
import type { CheckReport } from '../shared/nm1Check.js';
import { CheckClients } from './core/checkClients.js';
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
  /** How many gateway checks' clients one sensor may make (max_checks_per_sensor). */
  maxChecksPerSensor: number;
}

/** An accepted heartbeat held while the logs are read. */
interface Held {
  client: ClientState;
  beat: HeartbeatInfo;
}

export class Pipeline {
  readonly refusals: Refusals;
  /** Accepted heartbeats held by client row while the logs are read; null once they are. */
  private held: Map<number, Held> | null = null;
  /** Budget for "is UP (first heartbeat)" lines. */
  private readonly firstHeard: LogBudget;
  private readonly limiter: SourceLimiter | null;
  private readonly checks: CheckClients;

  constructor(private readonly parts: PipelineParts) {
    const mono = parts.clock.now().mono;
    this.refusals = new Refusals(mono);
    this.firstHeard = new LogBudget(mono, FIRST_HEARD_BURST, 1000);
    this.limiter = parts.sourceRateLimit > 0 ? new SourceLimiter(mono, parts.sourceRateLimit) : null;
    this.checks = new CheckClients(parts.directory, parts.maxChecksPerSensor);
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
    if (verdict.check !== undefined) {
      // While the logs are read a check's report is not held: its check's client may not be
      // restored yet, and the sensor repeats every check's state after each heartbeat.
      if (this.held !== null) return null;
      return this.acceptCheck(verdict.client, verdict.check, source, now, datagram);
    }
    if (this.held !== null) this.hold(verdict.client, verdict.beat);
    else this.accept(verdict.client, verdict.beat, now);
    return null;
  }

  /** From now until release(), accepted heartbeats wait: the logs are being read. */
  holdUntilRestored(): void {
    this.held = new Map();
  }

  /** One client's latest heartbeat is kept, or its BOOT: the one that says most. */
  private hold(client: ClientState, beat: HeartbeatInfo): void {
    const held = this.held!;
    const earlier = held.get(client.row);
    if (earlier === undefined || earlier.beat.type === 'PING' || beat.type === 'BOOT') held.set(client.row, { client, beat });
  }

  /** The logs are read: what was held goes through the state machine now. Returns how many. */
  release(): number {
    const held = this.held;
    this.held = null;
    if (held === null) return 0;
    const now = this.parts.clock.now();
    for (const { client, beat } of held.values()) this.accept(client, beat, now);
    return held.size;
  }

  /**
   * An accepted CHECK from `sensor`: its check's own client (made on its first report)
   * records the transition it makes, if any. It is not a heartbeat of the sensor (its
   * deadline stays), but its seq is counted in the sensor's heartbeat loss like one.
   */
  private acceptCheck(sensor: ClientState, report: CheckReport, source: string, now: Instant, datagram: Buffer): Admission {
    const client = this.checks.clientOf(sensor, report.check);
    if (client === null) return this.refuse('check-limit', source, now, datagram);
    this.parts.counters.accepted++;
    this.parts.changed.markChanged();
    if (sensor.status === 'up') this.parts.monitor.clients.quality.count(sensor.row, report.boot, report.seq, now.mono, null, true);
    const beat: HeartbeatInfo = { type: 'PING', boot: report.boot, seq: report.seq, uptime: null, interval: null, addr: source };
    const actions = this.parts.monitor.check(client, { state: report.state, detail: report.detail, ageS: report.age, alert: report.notify === 'alert', beat }, now);
    if (actions.length > 0) this.perform(actions);
    return null;
  }

  /** The client of `sensor`'s check, made if new (a restart finding its log, server/store/restore.ts); null over the limit. */
  checkClientOf(sensor: ClientState, check: string): ClientState | null {
    return this.checks.clientOf(sensor, check);
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
  appendServerRecord(record: RecordOf<'alive' | 'stop' | 'maintenance'>): Promise<boolean> {
    return this.appendRecord(SERVER_LOG, record);
  }

  /** A record no event follows (the server's own, a client's quality period): a failed write is counted and logged. Whether it was written. */
  async appendRecord(log: string, record: RecordOf<'alive' | 'stop' | 'quality' | 'maintenance'>): Promise<boolean> {
    try {
      await this.parts.logs.append(log, [record]);
      return true;
    } catch (error) {
      if ((error as NetmonitorError).code === 'EFSYNC') this.fatal(error as Error);
      else {
        this.parts.counters.logErrors++;
        this.parts.logger.error((error as Error).message);
      }
      return false;
    }
  }

  private fatal(error: Error): void {
    this.parts.logger.error(`fatal: ${error.message}; stopping so that a restart reads back what is really on disk`);
    this.parts.onFatal(error);
  }
}
