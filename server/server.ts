/**
 * The running server: the edges around the pure Monitor. It owns the UDP socket, the timers,
 * the log folder and the event consumers.
 *
 * Start, in order:
 *  1. create the log folder; read the saved state and every configured client's log;
 *  2. put each client back as it was (an up client gets a full down interval from now);
 *  3. record the server's start in `@server.nmlog`, re-queue undelivered alerts;
 *  4. bind the socket and say `listening`.
 * Stop (SIGTERM): close the socket, finish log writes, save state, give alerts in flight a
 * moment, record the stop, and log the final `stats` line.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'winston';
import type { NetmonitorError } from '../shared/errors.js';
import type { LogRecord } from '../log/records.js';
import type { RefusalReason } from '../shared/nm1.js';
import { restoredWindow } from './intake/replay.js';
import { VERSION } from '../shared/version.js';
import { acceptDatagram, ClientDirectory, normalizeAddress, type Admission } from './intake/acceptance.js';
import { allClients, type ClientConfig, type ServerConfig } from './config/server.js';
import { EventBus, type EventConsumer, type MonitorEvent } from './core/events.js';
import { execHookConsumer } from './hooks/execHook.js';
import type { Extension } from './host.js';
import { startHttp } from './http/index.js';
import { RouteTable } from './http/routes.js';
import { startSupervision } from './supervision/index.js';
import { LogDirectory, SERVER_LOG, type OpenFile } from './store/logDirectory.js';
import { fileMailer, smtpMailer, type Mailer } from './alerts/mailer.js';
import { eachClient } from './core/clientState.js';
import { iso, Monitor, newClientState, type Action, type ClientSettings, type ClientState, type HeartbeatInfo, type Instant, type SavedClient } from './core/monitor.js';
import { AlertOutbox, type AlertEvent } from './alerts/outbox.js';
import { LogBudget } from './core/logBudget.js';
import { Refusals } from './intake/refusals.js';
import { SourceLimiter } from './intake/sourceLimiter.js';
import { StormControl } from './alerts/storm.js';
import { readClientLog } from './store/restore.js';
import { loadState, saveState, STATE_SAVE_PERIOD_MS, type SavedSensor } from './store/stateFile.js';

export const TICK_MS = 250;
/** "is UP (first heartbeat)" lines logged one by one before the rest are summarised each second. */
const FIRST_HEARD_BURST = 100;
/** Client logs read at once while restoring. */
const RESTORE_READERS = 16;
export const ALIVE_PERIOD_MS = 60_000;
export { VERSION } from '../shared/version.js';

export interface Clock {
  now(): Instant;
}

export const systemClock: Clock = {
  now: () => ({ mono: performance.now(), wall: Date.now() }),
};

export interface ServerOptions {
  config: ServerConfig;
  logger: Logger;
  clock?: Clock;
  mailer?: Mailer;
  /** The log folder's file operations (tests inject an fsync failure through this only). */
  openFile?: OpenFile;
  /**
   * Called when the server cannot go on safely (a failed fsync). `netmonitor server` exits
   * with status 1 so systemd restarts it and state is read back from what is really on disk.
   */
  onFatal?: (error: Error) => void;
}

export interface Stats {
  accepted: number;
  refused: Record<string, number>;
  clients: { up: number; down: number; unknown: number };
  alerts: { sent: number; failed: number; retried: number; held: number; summaries: number; queued: number; held_now: number };
  log_errors: number;
  /** Clients whose records wait in memory for the disk (full or unwritable log folder). */
  log_backlog: number;
  log_dropped: number;
  /** Logs with appends in flight right now (a burst of transitions shows here first). */
  log_pending: number;
}

export class NetmonitorServer {
  readonly logs: LogDirectory;
  readonly bus = new EventBus();
  /** HTTP routes any extension may add; served when the `http` section is configured. */
  readonly routes = new RouteTable();
  readonly outbox: AlertOutbox;
  private readonly monitor = new Monitor();
  private readonly directory: ClientDirectory;
  /** The clients of `clients` by id (the sensors of a clients file are found through their key slot). */
  private readonly configured: Map<string, ClientConfig>;
  private extensions: Extension[] = [];
  readonly config: ServerConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  private readonly mailer: Mailer;
  private readonly refusals: Refusals;
  /** Budget for "is UP (first heartbeat)" lines. */
  private readonly firstHeard: LogBudget;
  private readonly limiter: SourceLimiter | null;
  private socket: Socket | null = null;
  private timers: NodeJS.Timeout[] = [];
  private accepted = 0;
  private logErrors = 0;
  private stateDirty = false;
  private saveQueued = false;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly options: ServerOptions) {
    const { config } = options;
    this.config = config;
    this.directory = new ClientDirectory(config.keys);
    this.configured = new Map(config.clients.map((client) => [client.id, client]));
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.logs = new LogDirectory(config.clientLogDir, options.openFile);
    this.logs.onDrained = () => this.logger.warn('log writes resumed: every kept record is now on disk');
    this.mailer = options.mailer ?? (config.smtp === null ? fileMailer(config.outboxFile) : smtpMailer(config.smtp));
    this.outbox = new AlertOutbox({
      mailer: this.mailer,
      logs: this.logs,
      logger: this.logger,
      from: config.alertFrom,
      to: config.alertAddresses,
      timezone: config.alertTimezone,
      now: () => this.clock.now().wall,
      monotonic: () => this.clock.now().mono,
      storm: new StormControl(config.alertLimits),
    });
    this.refusals = new Refusals(this.clock.now().mono);
    this.firstHeard = new LogBudget(this.clock.now().mono, FIRST_HEARD_BURST, 1000);
    this.limiter = config.sourceRateLimit > 0 ? new SourceLimiter(this.clock.now().mono, config.sourceRateLimit) : null;
    this.subscribe(this.outbox);
    for (const hook of config.hooks) this.subscribe(execHookConsumer(hook, this.logger));
  }

  /** Adds a consumer of down/up/boot events (before start()). */
  subscribe(consumer: EventConsumer): void {
    this.bus.subscribe(consumer);
  }

  async start(): Promise<{ address: string; port: number }> {
    const { config } = this.options;
    await this.logs.create();
    const now = this.clock.now();
    const undelivered = await this.restore();
    await this.logs.append(SERVER_LOG, [{ type: 'start', at: iso(now.wall), pid: process.pid, version: VERSION }]);
    undelivered.sort((a, b) => a.at - b.at);
    for (const event of undelivered) this.outbox.enqueue(event);
    if (undelivered.length > 0) this.logger.warn(`${undelivered.length} alert(s) from before the restart were not confirmed sent; sending them now`);
    this.logger.info(`alerts go to ${this.mailer.description}`);

    // A large receive buffer lets a real heartbeat survive bursts of junk in the queue.
    const socket = createSocket({ type: config.listenAddress.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    this.socket = socket;
    socket.on('message', (datagram, remote) => this.receive(datagram, remote.address));
    socket.on('error', (error) => this.logger.error(`socket error: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(config.listenPort, config.listenAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const bound = socket.address();
    this.timers.push(
      setInterval(() => this.tick(), TICK_MS),
      setInterval(() => {
        void this.saveState();
        void this.retryUnwritten();
      }, STATE_SAVE_PERIOD_MS),
      setInterval(() => {
        this.outbox.releaseSummaries();
        this.logFirstHeardSummary();
      }, 1000),
      setInterval(() => void this.appendServerRecord({ type: 'alive', at: iso(this.clock.now().wall) }), ALIVE_PERIOD_MS),
    );
    for (const start of [startHttp, startSupervision]) {
      const extension = await start(this);
      if (extension !== null) this.extensions.push(extension);
    }
    this.logger.info(`listening on ${bound.address}:${bound.port} (udp) with ${this.directory.size} configured client(s)`);
    return { address: bound.address, port: bound.port };
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
    const now = this.clock.now();
    if (this.limiter !== null && !this.limiter.allow(source, now.mono)) return this.refuse('rate-limited', source, now);
    let verdict;
    try {
      verdict = acceptDatagram(this.directory, datagram, source);
    } catch (error) /* c8 ignore next 3 */ {
      this.logger.error(`internal error on a datagram from ${source}: ${(error as Error).message}`);
      return 'internal';
    }
    if (!verdict.ok) return this.refuse(verdict.reason, source, now);
    this.accept(verdict.client, verdict.beat, now);
    return null;
  }

  /** Counts a refusal and logs it within the log budget; nothing else happens. */
  private refuse(reason: RefusalReason, source: string, now: Instant): RefusalReason {
    const line = this.refusals.refuse(reason, source, now.mono);
    if (line !== null) this.logger.warn(line);
    return reason;
  }

  /** An accepted heartbeat, however it arrived: through the state machine to the logs and events. */
  private accept(client: ClientState, beat: HeartbeatInfo, now: Instant): void {
    this.accepted++;
    this.stateDirty = true;
    const actions = this.monitor.heartbeat(client, beat, now);
    if (actions.length > 0) this.perform(actions);
  }

  /**
   * Every configured client's state, as one view moved from client to client
   * (server/core/clientState.ts eachClient): a pass over a million clients makes no object each.
   * Use each state before taking the next.
   */
  eachClientState(): Iterable<ClientState> {
    return eachClient(this.directory.allRows());
  }

  clientState(id: string): ClientState | undefined {
    return this.directory.get(id);
  }

  /** The client's pending deadline on the monotonic clock; null when none is pending. */
  deadlineOf(state: ClientState): number | null {
    return this.monitor.deadlineOf(state);
  }

  /** A client's configuration (as configured, before any change over HTTP); undefined for an unknown id. */
  clientConfig(id: string): ClientConfig | undefined {
    const listed = this.configured.get(id);
    if (listed !== undefined) return listed;
    const state = this.directory.get(id);
    return state === undefined || state.keySlot < 0 ? undefined : this.config.fleet.configAt(state.keySlot);
  }

  /**
   * A heartbeat that arrived by another way than UDP (HTTP, a successful probe). Goes
   * through the same state machine, logs and alerts as a datagram. False for an unknown id.
   */
  heartbeatFrom(id: string, beat: HeartbeatInfo): boolean {
    const client = this.directory.get(id);
    if (client === undefined) return false;
    this.accept(client, beat, this.clock.now());
    return true;
  }

  /** A failure reported by the client itself or found by a probe: down now. False for an unknown id. */
  failureOf(id: string, reason: string): boolean {
    const client = this.directory.get(id);
    if (client === undefined) return false;
    const actions = this.monitor.fail(client, this.clock.now(), reason);
    if (actions.length > 0) this.perform(actions);
    return true;
  }

  /** New down interval, grace or schedule for a client, from now on (HTTP PATCH, saved overrides). False for an unknown id. */
  reconfigure(id: string, settings: ClientSettings): boolean {
    const client = this.directory.get(id);
    if (client === undefined) return false;
    this.monitor.reconfigure(client, settings, this.clock.now());
    return true;
  }

  /** Declares down whatever has expired; called every TICK_MS. */
  tick(): void {
    const actions = this.monitor.expire(this.clock.now());
    if (actions.length > 0) this.perform(actions);
  }

  stats(): Stats {
    const clients = { up: 0, down: 0, unknown: 0 };
    for (const client of this.eachClientState()) clients[client.status]++;
    return {
      accepted: this.accepted,
      refused: { ...this.refusals.counts },
      clients,
      alerts: { ...this.outbox.counts, queued: this.outbox.depth, held_now: this.outbox.storm.held },
      log_errors: this.logErrors,
      log_backlog: this.logs.backlog,
      log_dropped: this.logs.dropped,
      log_pending: this.logs.pending,
    };
  }

  async stop(): Promise<Stats> {
    for (const extension of this.extensions.reverse()) {
      await extension.stop().catch((error: Error) => this.logger.error(`stopping ${extension.name}: ${error.message}`));
    }
    this.extensions = [];
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) await new Promise<void>((resolve) => socket.close(() => resolve()));
    await this.logs.settle();
    await this.saveState(true);
    await this.outbox.stop(3000);
    this.logFirstHeardSummary();
    await this.appendServerRecord({ type: 'stop', at: iso(this.clock.now().wall) });
    this.mailer.close();
    const stats = this.stats();
    this.logger.info(`stats ${JSON.stringify(stats)}`);
    return stats;
  }

  /** Writes each client's records durably, then publishes their events, in order. */
  private perform(actions: readonly Action[]): void {
    for (const action of actions) {
      const event = action.event;
      this.logs.append(action.client, [action.record]).then(
        () => event !== null && this.publish(event),
        (error: NetmonitorError) => {
          if (error.code === 'EFSYNC') return this.fatal(error);
          // Tracking and alerting go on; the record waits in memory until the disk takes it.
          this.logErrors++;
          this.logger.error(`${error.message}; kept in memory until it can be written, alerting anyway`);
          if (event !== null) this.publish(event);
        },
      );
    }
  }

  private publish(event: MonitorEvent): void {
    if (event.type === 'down') this.logger.info(`${event.client} is DOWN${event.reason === undefined ? '' : ` (${event.reason})`}; last heard ${event.lastUp === null ? 'never' : iso(event.lastUp)}`);
    else if (event.type === 'up' && event.outageMs !== null) this.logger.info(`${event.client} is UP after ${Math.round(event.outageMs / 1000)}s`);
    else if (event.type === 'up' && this.firstHeard.allow(this.clock.now().mono)) this.logger.info(`${event.client} is UP (first heartbeat)`);
    void this.bus.publish(event, (consumer, error) => this.logger.error(`${consumer} failed on ${event.type} of ${event.client}: ${(error as Error).message}`));
  }

  /** A fleet heard for the first time (a new server, a million sensors) is summarised, not logged line by line. */
  private logFirstHeardSummary(): void {
    const more = this.firstHeard.takeSuppressed();
    if (more > 0) this.logger.info(`${more} more client(s) heard for the first time (not logged one by one)`);
  }

  private async appendServerRecord(record: LogRecord): Promise<void> {
    try {
      await this.logs.append(SERVER_LOG, [record]);
    } catch (error) {
      if ((error as NetmonitorError).code === 'EFSYNC') return this.fatal(error as Error);
      this.logErrors++;
      this.logger.error((error as Error).message);
    }
  }

  private async retryUnwritten(): Promise<void> {
    if (this.logs.backlog > 0) await this.logs.retryUnwritten();
  }

  private fatal(error: Error): void {
    this.logger.error(`fatal: ${error.message}; stopping so that a restart reads back what is really on disk`);
    this.options.onFatal?.(error);
  }

  private async restore(): Promise<AlertEvent[]> {
    const { config } = this.options;
    const saved = await loadState(config.clientLogDir);
    if (saved.problem !== null) this.logger.warn(saved.problem);
    const counts = { records: 0, corrupt: 0 };
    const undelivered: AlertEvent[] = [];
    const restored: [ClientState, SavedClient][] = [];
    // One listing of the folder instead of asking for each configured client's file.
    const logged = new Set(await this.logs.clients());
    const toRead: [ClientConfig, ClientState][] = [];
    const count = config.clients.length + config.fleet.size;
    this.monitor.reserve(count);
    for (const client of allClients(config)) {
      const state = newClientState(client.id, client.downIntervalMs, client.keySlot ?? -1);
      this.directory.add(state, client.kind === 'legacy');
      if (logged.has(client.id)) toRead.push([client, state]);
    }
    logged.clear();
    const readOne = async ([client, state]: [ClientConfig, ClientState]): Promise<void> => {
      const log = await readClientLog(client.id, this.logs.pathOf(client.id), counts);
      const sensor: SavedSensor | undefined = saved.sensors.get(client.id);
      const lastHeard = Math.max(log.lastHeard ?? 0, sensor?.lastHeard ?? 0) || null;
      restored.push([state, {
        status: log.status,
        lastHeard,
        lastUpBeforeOutage: log.lastUpBeforeOutage,
        addr: log.addr,
        boot: log.boot,
        sensorInterval: log.sensorInterval,
      }]);
      if (sensor?.boot != null && sensor.seq != null) this.directory.restoreWindow(state, restoredWindow(sensor.boot, sensor.seq));
      undelivered.push(...(log.undelivered as AlertEvent[]));
    };
    // A few logs at a time: the disk works on several reads at once, and memory stays bounded.
    let next = 0;
    const reader = async (): Promise<void> => {
      while (next < toRead.length) await readOne(toRead[next++]!);
    };
    await Promise.all(Array.from({ length: RESTORE_READERS }, reader));
    // The grace of a full down interval counts from when reading the logs is done: with many
    // clients that reading alone may take longer than the interval.
    const now = this.clock.now();
    for (const [state, saved] of restored) this.monitor.restore(state, saved, now);
    if (counts.corrupt > 0) this.logger.warn(`skipped ${counts.corrupt} damaged log line(s) while restoring state`);
    this.logger.info(`restored ${this.directory.size} client(s) from ${counts.records} log record(s)`);
    return undelivered;
  }

  /** Saves replay windows and last-heard times when anything changed (or when forced). */
  private saveState(force = false): Promise<void> {
    if ((!this.stateDirty && !force) || this.saveQueued) return this.saving;
    // One save waits behind the one being written, however long that takes (a million
    // sensors): it reads the states when it starts, so it covers every change until then.
    this.saveQueued = true;
    const save = (): Promise<void> => {
      this.saveQueued = false;
      this.stateDirty = false;
      return saveState(this.options.config.clientLogDir, savedStates(this.directory));
    };
    this.saving = this.saving.then(save).catch((error: Error) => {
      this.stateDirty = true;
      this.logErrors++;
      this.logger.error(`cannot save state: ${error.message}`);
    });
    return this.saving;
  }
}

/** Each client's saved state, read from the live states as the file is written. */
function* savedStates(directory: ClientDirectory): Iterable<[string, SavedSensor]> {
  // One entry, refilled for each client: saveState turns it into text before asking for the
  // next, and a million clients every few seconds should not mean a million short-lived objects.
  const saved: SavedSensor = { boot: null, seq: null, lastHeard: null };
  const entry: [string, SavedSensor] = ['', saved];
  for (const state of eachClient(directory.allRows())) {
    const hasWindow = directory.windowInto(state, saved);
    if (hasWindow || state.lastHeard !== null) {
      entry[0] = state.id;
      saved.lastHeard = state.lastHeard;
      yield entry;
    }
  }
}
