/**
 * The running server: the edges around the pure Monitor, put together. Each part is in a
 * file of its own: the UDP socket (intake/udp.ts), the path of a heartbeat (pipeline.ts),
 * restoring (store/restore.ts), the state save (store/stateSaver.ts) and the periodic work
 * (timers.ts). It is what extensions get as their ServerHost (host.ts); it imports none of
 * them: the composition root (main.ts) registers them with use().
 *
 * Start, in order:
 *  1. create the log folder and take its lock (store/folderLock.ts); read the saved state and
 *     register every configured client with its key and replay window; bind the socket and
 *     say `receiving`: from now on heartbeats are judged, and held (pipeline.ts);
 *  2. read every client's log and put each client back as it was (an up client gets a full
 *     down interval from when reading ends), with its settings: the configuration, then the
 *     changes saved in @settings.json;
 *  3. record the server's start in `@server.nmlog`, read the maintenance windows (and record
 *     one running now), re-queue undelivered alerts;
 *  4. start the timers, put the held heartbeats through, start each registered extension (in
 *     the order registered), and say `listening`.
 * Stop (SIGTERM): stop the extensions (last first) and the timers, close the socket, close
 * the heartbeat quality period, finish log writes, save state, give alerts in flight a moment, record the stop, release the
 * folder's lock, and log the final `stats` line.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'winston';
import { iso, type RecordOf } from '../log/records.js';
import { VERSION } from '../shared/version.js';
import { fileMailer, smtpMailer, type Mailer } from './alerts/mailer.js';
import { AlertOutbox } from './alerts/outbox.js';
import { channelsLine, channelStats, outboxChannels } from './alerts/channels/wiring.js';
import { StormControl } from './alerts/storm.js';
import { aloneNote, correlationNote, type FleetNow } from './alerts/correlationNote.js';
import { DegradedStretches, qualityEvent } from './alerts/degraded.js';
import { Reminders, type AckResult, type LoggedOutage } from './alerts/reminders/reminders.js';
import { ackLink, loadAckSecret } from './alerts/ackLink.js';
import { routeOf } from './alerts/channels/config.js';
import type { ClientConfig, ServerConfig } from './config/server.js';
import { ClientTable } from './core/clientState.js';
import { EventBus, type EventConsumer } from './core/events.js';
import { Monitor, type ClientSettings, type ClientState, type HeartbeatInfo } from './core/monitor.js';
import { ClientSettingsStore } from './core/settings.js';
import { execHookConsumer } from './hooks/execHook.js';
import type { Clock, Extension, ServerHost, StartExtension, Stats } from './host.js';
import { RouteTable } from './http/routes.js';
import { ClientDirectory, type Admission } from './intake/acceptance.js';
import { UdpIntake } from './intake/udp.js';
import { Pipeline, type Counters } from './pipeline.js';
import { LogDirectory, SERVER_LOG, type SyncFileOps } from './store/logDirectory.js';
import { readLogs, registerClients } from './store/restore.js';
import { lockFolder, type FolderLock } from './store/folderLock.js';
import { folderError } from './environmentErrors.js';
import { noClientsWarning } from './intake/refusals.js';
import { loadSettings } from './store/settingsFile.js';
import { StateSaver } from './store/stateSaver.js';
import { ServerTimers } from './timers.js';
import { QualityPeriods } from './qualityPeriods.js';
import { MaintenanceBook } from './alerts/maintenance/book.js';
import { MaintenanceGate } from './alerts/maintenance/gate.js';
import type { Occurrence } from './alerts/maintenance/windows.js';

const systemClock: Clock = {
  now: () => ({ mono: performance.now(), wall: Date.now() }),
};

export interface ServerOptions {
  config: ServerConfig;
  logger: Logger;
  clock?: Clock;
  mailer?: Mailer;
  /** The log writer's file operations, run on the main thread (tests inject an fsync failure through this only). */
  fileOps?: SyncFileOps;
  /**
   * Called when the server cannot go on safely (a failed fsync). `netmonitor server` exits
   * with status 1 so systemd restarts it and state is read back from what is really on disk.
   */
  onFatal?: (error: Error) => void;
}

export class NetmonitorServer implements ServerHost {
  /** Each client's down interval, grace and schedule, with the changes made over HTTP. */
  readonly settings: ClientSettingsStore = new ClientSettingsStore(this);
  readonly config: ServerConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly logs: LogDirectory;
  readonly bus = new EventBus();
  /** HTTP routes any extension may add; the route table only (the HTTP side serves it). */
  readonly routes = new RouteTable();
  readonly outbox: AlertOutbox;
  readonly reminders: Reminders;
  /** Maintenance windows: the configured ones, the API's one-offs, and their records. */
  readonly maintenance: MaintenanceBook;
  /** The secret of the acknowledgement links; loaded at start when an HTTP listener is configured. */
  ackSecret: Buffer | null = null;
  /** This server's clients: their states (in a table of its own), deadlines and keys. */
  private readonly monitor = new Monitor(new ClientTable());
  private readonly directory: ClientDirectory;
  /** The clients of `clients` by id (the sensors of a clients file are found through their key slot). */
  private readonly configured: Map<string, ClientConfig>;
  private readonly mailer: Mailer;
  private readonly counters: Counters = { accepted: 0, logErrors: 0 };
  private readonly saver: StateSaver;
  private readonly pipeline: Pipeline;
  private readonly udp: UdpIntake;
  private readonly timers = new ServerTimers();
  /** The open heartbeat quality period, closed on the hour and at stop. */
  private readonly quality: QualityPeriods;
  /** `evidence.degraded_alert`: the clients in a degraded stretch; null when off. */
  private readonly degraded: DegradedStretches | null;
  private readonly starts: StartExtension[] = [];
  private extensions: Extension[] = [];
  private lock: FolderLock | null = null;

  constructor(options: ServerOptions) {
    const { config } = options;
    this.config = config;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.directory = new ClientDirectory(config.keys, this.monitor.clients);
    this.configured = new Map(config.clients.map((client) => [client.id, client]));
    this.logs = new LogDirectory(config.clientLogDir, options.fileOps);
    this.logs.onDrained = () => this.logger.warn('log writes resumed: every kept record is now on disk');
    this.mailer = options.mailer ?? (config.smtp === null ? fileMailer(config.outboxFile) : smtpMailer(config.smtp));
    this.maintenance = new MaintenanceBook({
      recurring: config.maintenance,
      dir: config.clientLogDir,
      logger: this.logger,
      now: () => this.clock.now().wall,
      record: (record) => this.logs.append(SERVER_LOG, [record]),
    });
    this.outbox = new AlertOutbox({
      ...outboxChannels(config, this.logs, this.logger),
      mailer: this.mailer,
      logs: this.logs,
      logger: this.logger,
      from: config.alertFrom,
      to: config.alertAddresses,
      timezone: config.alertTimezone,
      now: () => this.clock.now().wall,
      monotonic: () => this.clock.now().mono,
      storm: new StormControl(config.alertLimits),
      correlate: (clients) => correlationNote(clients, this.fleetNow()),
      correlateAlone: (client) => aloneNote(client, this.fleetNow()),
      maintenance: new MaintenanceGate(() => this.maintenance.schedule),
    });
    this.saver = new StateSaver(config.clientLogDir, this.directory, this.logger, this.counters);
    this.pipeline = new Pipeline({
      monitor: this.monitor,
      directory: this.directory,
      logs: this.logs,
      bus: this.bus,
      logger: this.logger,
      clock: this.clock,
      counters: this.counters,
      sourceRateLimit: config.sourceRateLimit,
      changed: this.saver,
      onFatal: (error) => options.onFatal?.(error),
      channels: config.channels,
      maxChecksPerSensor: config.maxChecksPerSensor,
    });
    this.udp = new UdpIntake(this.pipeline, this.logger);
    this.quality = new QualityPeriods(this.clock.now().wall, this.monitor.clients);
    this.degraded = config.evidence.degradedAlert ? new DegradedStretches(config.evidence.degradedLossPct) : null;
    this.reminders = new Reminders({
      config: config.reminders,
      logs: this.logs,
      logger: this.logger,
      route: (client) => routeOf(config.channels, client),
      send: (event, channels) => this.outbox.enqueue(event, channels),
      now: () => this.clock.now().wall,
    });
    this.subscribe(this.outbox);
    this.subscribe(this.reminders);
    for (const hook of config.hooks) this.subscribe(execHookConsumer(hook, this.logger));
  }

  /** Registers a part to start on this server once it listens (before start()). */
  use(start: StartExtension): void {
    this.starts.push(start);
  }

  /** Adds a consumer of down/up/boot events (before start()). */
  subscribe(consumer: EventConsumer): void {
    this.bus.subscribe(consumer);
  }

  async start(): Promise<{ address: string; port: number }> {
    const unusable = (error: unknown): never => {
      throw folderError(error, 'client_log_dir', this.logs.dir);
    };
    await this.logs.create().catch(unusable);
    // Before anything is written: a second server on this folder must change nothing in it.
    this.lock = await lockFolder(this.logs.dir).catch(unusable);
    try {
      return await this.startLocked();
    } catch (error) {
      await this.udp.close();
      await this.releaseLock();
      throw error;
    }
  }

  private async releaseLock(): Promise<void> {
    await this.lock?.release();
    this.lock = null;
  }

  private async startLocked(): Promise<{ address: string; port: number }> {
    const { config } = this;
    const now = this.clock.now();
    const restoring = {
      config, monitor: this.monitor, directory: this.directory, logs: this.logs, logger: this.logger, clock: this.clock,
      onOutage: (client: string, outage: LoggedOutage) => this.reminders.resume(client, outage),
      checkClientOf: (sensor: ClientState, check: string) => this.pipeline.checkClientOf(sensor, check),
      onQuality: (client: string, last: { expected: number; lost: number }) => this.degraded?.resume(client, last),
    };
    const registered = await registerClients(restoring);
    // Listening before the logs are read: with a large fleet reading takes seconds, and a
    // heartbeat (a BOOT above all) sent meanwhile would otherwise be lost.
    this.pipeline.holdUntilRestored();
    const bound = await this.udp.bind(config.listenAddress, config.listenPort);
    this.logger.info(`receiving on ${bound.address}:${bound.port} (udp); reading ${registered.toRead.length} client log(s), heartbeats wait until they are read`);
    const undelivered = await readLogs(restoring, registered);
    this.settings.applyAll(await loadSettings(config.clientLogDir, (problem) => this.logger.warn(problem)));
    const listener = config.http?.listener ?? null;
    if (listener !== null) this.ackSecret = await loadAckSecret(config.clientLogDir);
    const { ackSecret } = this;
    if (listener?.publicUrl != null && ackSecret !== null && this.outbox.channels !== undefined) {
      const base = listener.publicUrl;
      this.outbox.channels.ackLink = (client, down) => ackLink(base, ackSecret, client, down, this.clock.now().wall);
    }
    // The server's own log is the record of when it ran: without it the report cannot tell
    // "the monitor was off" from "your connection was down", so an unusable one stops the start.
    const serverLog = this.logs.pathOf(SERVER_LOG);
    await this.logs.append(SERVER_LOG, [{ type: 'start', at: iso(now.wall), pid: process.pid, version: VERSION }]).catch((error: unknown) => {
      throw folderError((error as { cause?: unknown }).cause ?? error, 'client_log_dir', serverLog);
    });
    await this.maintenance.load();
    await this.maintenance.tick();
    undelivered.sort((a, b) => a.event.at - b.event.at);
    for (const { event, channels } of undelivered) this.outbox.enqueue(event, channels);
    if (undelivered.length > 0) this.logger.warn(`${undelivered.length} alert(s) from before the restart were not confirmed sent; sending them now`);
    this.logger.info(channelsLine(config.channels, this.mailer.description));

    this.timers.start({
      tick: () => this.tick(),
      saveState: () => {
        void this.saver.save();
        if (this.logs.backlog > 0) void this.logs.retryUnwritten();
      },
      everySecond: () => {
        void this.maintenance.tick();
        this.outbox.releaseSummaries();
        void this.reminders.tick();
        this.pipeline.logFirstHeardSummary();
      },
      alive: () => void this.pipeline.appendServerRecord({ type: 'alive', at: iso(this.clock.now().wall) }),
    });
    const held = this.pipeline.release();
    if (held > 0) this.logger.info(`${held} client(s) heard while the logs were read`);
    for (const start of this.starts) {
      const extension = await start(this);
      if (extension !== null) this.extensions.push(extension);
    }
    this.logger.info(`listening on ${bound.address}:${bound.port} (udp) with ${this.directory.size} configured client(s)`);
    if (this.directory.size === 0) this.logger.warn(noClientsWarning());
    return bound;
  }

  /** Handles one datagram. Refused ones are counted and never reach the monitor. */
  receive(datagram: Buffer, sourceAddress: string): void {
    this.pipeline.receive(datagram, sourceAddress);
  }

  admit(datagram: Buffer, sourceAddress: string): Admission {
    return this.pipeline.admit(datagram, sourceAddress);
  }

  eachClientState(): Iterable<ClientState> {
    return this.directory.each();
  }

  clientState(id: string): ClientState | undefined {
    return this.directory.get(id);
  }

  deadlineOf(state: ClientState): number | null {
    return this.monitor.deadlineOf(state);
  }

  clientConfig(id: string): ClientConfig | undefined {
    const listed = this.configured.get(id);
    if (listed !== undefined) return listed;
    const state = this.directory.get(id);
    return state === undefined || state.keySlot < 0 ? undefined : this.config.fleet.configAt(state.keySlot);
  }

  heartbeatFrom(id: string, beat: HeartbeatInfo): boolean {
    const client = this.directory.get(id);
    if (client === undefined) return false;
    this.pipeline.accept(client, beat, this.clock.now());
    return true;
  }

  acknowledge(id: string, by: string, down?: string): Promise<AckResult> {
    return this.reminders.acknowledge(id, by, down);
  }

  maintenanceOf(id: string, at: number = this.clock.now().wall): Occurrence | null {
    return this.maintenance.schedule.of(id, at);
  }

  failureOf(id: string, reason: string): boolean {
    const client = this.directory.get(id);
    if (client === undefined) return false;
    this.pipeline.fail(client, reason);
    return true;
  }

  reconfigure(id: string, settings: ClientSettings): boolean {
    const client = this.directory.get(id);
    if (client === undefined) return false;
    this.monitor.reconfigure(client, settings, this.clock.now());
    return true;
  }

  /** The clients down now, overall and by group, for a storm's note and a lone down alert's (looked at only when one goes out). */
  private fleetNow(): FleetNow {
    const { groups } = this.config;
    return {
      total: this.directory.size,
      down: this.monitor.clients.count('down'),
      groupOf: (client) => groups.get(client) ?? null,
      groupCounts: (group) => {
        let members = 0;
        let down = 0;
        let since: number | null = null;
        for (const [id, of] of groups) {
          if (of !== group) continue;
          members++;
          const client = this.directory.get(id);
          if (client?.status !== 'down') continue;
          down++;
          const lastHeard = client.lastHeard;
          if (lastHeard !== null && (since === null || lastHeard < since)) since = lastHeard;
        }
        return { members, down, since };
      },
    };
  }

  /** Declares down whatever has expired; called every TICK_MS (server/timers.ts). */
  tick(): void {
    this.pipeline.tick();
    const now = this.clock.now().wall;
    if (this.quality.due(now)) this.closeQualityPeriod(now);
  }

  /** One `quality` record per client heard in the period, a slice of clients per tick (server/qualityPeriods.ts). */
  private closeQualityPeriod(now: number, all = false): void {
    const write = (client: string, record: RecordOf<'quality'>): void => {
      const alert = this.degraded?.closed(client, record) ?? null;
      const written = this.pipeline.appendRecord(client, record);
      // Sent once the period's record is on disk: a restart reads the stretch back from it
      // and never alerts for it twice (a kill -9 in between loses this one alert instead).
      if (alert !== null) void written.then((ok) => ok && this.outbox.enqueue(qualityEvent(client, record, alert, this.degraded!.thresholdPct)));
    };
    if (all) this.quality.closeAll(now, write);
    else this.quality.close(now, write);
  }

  stats(): Stats {
    const clients = this.monitor.clients;
    return {
      accepted: this.counters.accepted,
      refused: { ...this.pipeline.refusals.counts },
      clients: { up: clients.count('up'), down: clients.count('down'), unknown: clients.count('unknown') },
      alerts: { ...this.outbox.counts, queued: this.outbox.depth, held_now: this.outbox.storm.held },
      ...(this.outbox.channels === undefined ? {} : { channels: channelStats(this.outbox.channels) }),
      log_errors: this.counters.logErrors,
      log_backlog: this.logs.backlog,
      log_dropped: this.logs.dropped,
      log_pending: this.logs.pending,
      heartbeats_expected: this.quality.totals.expected,
      heartbeats_lost: this.quality.totals.lost,
    };
  }

  async stop(): Promise<Stats> {
    for (const extension of this.extensions.reverse()) {
      await extension.stop().catch((error: Error) => this.logger.error(`stopping ${extension.name}: ${error.message}`));
    }
    this.extensions = [];
    this.timers.stop();
    await this.udp.close();
    this.closeQualityPeriod(this.clock.now().wall, true);
    await this.logs.settle();
    await this.saver.save(true);
    await this.outbox.stop(3000);
    this.pipeline.logFirstHeardSummary();
    await this.pipeline.appendServerRecord({ type: 'stop', at: iso(this.clock.now().wall) });
    await this.logs.close();
    await this.releaseLock();
    this.mailer.close();
    const stats = this.stats();
    this.logger.info(`stats ${JSON.stringify(stats)}`);
    return stats;
  }
}
