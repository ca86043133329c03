/**
 * LibreNMS supervision: a device whose link is down is forced into an unsupervised state
 * (its `overwrite_ip` pointed at an address that answers nothing LibreNMS alerts on), so
 * LibreNMS stops alerting on it, and it is put back once its supervised port is up again.
 *
 * Triggers: a LibreNMS alert transport POST (routes.ts) or a netmonitor down event of a
 * client mapped to a device. Force down, in order:
 *  1. record the device and its original IP in the state file (durable, atomic) first;
 *  2. `PATCH /api/v0/devices/{id}` overwrite_ip = unsupervised IP;
 *  3. `GET /api/v0/devices/{id}/discover`.
 * Recovery check, when the device is due (schedule.ts):
 *  1. restore the original IP and rediscover;
 *  2. run the poll command, if configured;
 *  3. find the port named `port_ifname` of this device and read its `ifOperStatus`;
 *  4. `up`: forget the device and alert its recovery; otherwise force it down again.
 * An API failure is retried for that device alone; the others go on.
 */
import type { Logger } from 'winston';
import { iso, type LogRecord, type RecordOf } from '../../../log/records.js';
import type { DownEvent, EventConsumer, MonitorEvent, UpEvent } from '../../core/events.js';
import type { LibrenmsConfig } from '../../config/supervision.js';
import { runStep } from '../healing/steps.js';
import { LibrenmsApi, LibrenmsError } from './api.js';
import type { AlertedDevice } from './payload.js';
import { RecoverySchedule } from './schedule.js';
import { SupervisionState, type SupervisedDevice } from './stateFile.js';

export interface SupervisorHost {
  logs: { append(client: string, records: readonly LogRecord[]): Promise<void> };
  logger: Logger;
  clock: { now(): { mono: number; wall: number } };
  outbox: { enqueue(event: DownEvent | UpEvent): void };
}

/** A `librenms` record without what every one of them has. */
type PhaseFields<R = RecordOf<'librenms'>> = R extends unknown ? Omit<R, 'type' | 'at' | 'device_id' | 'hostname'> : never;

export type CheckResult = 'recovered' | 'still-down' | 'forced' | 'api-error' | 'gone';

export class LibrenmsSupervisor implements EventConsumer {
  readonly name = 'librenms';
  readonly api: LibrenmsApi;
  readonly schedule: RecoverySchedule;
  private readonly devices = new Map<number, SupervisedDevice>();
  private readonly state: SupervisionState;
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly host: SupervisorHost,
    private readonly config: LibrenmsConfig,
    statePath: string,
    /** Client id → LibreNMS device id, from each client's `librenms.device_id`. */
    private readonly clientDevices: ReadonlyMap<string, number>,
  ) {
    this.api = new LibrenmsApi({ url: config.url, token: config.token, timeoutMs: config.timeoutMs, logger: host.logger });
    this.schedule = new RecoverySchedule(config.recoveryIntervalMs, config.maxRecoveryIntervalMs);
    this.state = new SupervisionState(statePath);
  }

  supervised(): SupervisedDevice[] {
    return [...this.devices.values()].map((d) => ({ ...d }));
  }

  /** Takes up the devices of the state file: those not yet forced are due at once. */
  async start(): Promise<void> {
    const now = this.host.clock.now();
    for (const device of await this.state.load()) {
      this.devices.set(device.deviceId, device);
      // A forced device gets a full wait from the restart; one never forced is due at once.
      if (device.forced) this.schedule.add(device.deviceId, now.mono, device.checksDown);
      else this.schedule.add(device.deviceId, now.mono - this.schedule.waitAfter(0), 0);
    }
    if (this.devices.size > 0) this.host.logger.info(`librenms: ${this.devices.size} device(s) still unsupervised from before the restart`);
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.busy;
  }

  handle(event: MonitorEvent): Promise<void> | void {
    if (event.type !== 'down') return;
    const deviceId = this.clientDevices.get(event.client);
    if (deviceId === undefined) return;
    return this.supervise({ deviceId, hostname: event.client, ip: null, client: event.client }).then(() => undefined);
  }

  /** A LibreNMS alert (the device's IP is in it). */
  alerted(device: AlertedDevice): Promise<'supervised' | 'already' | 'failed'> {
    const client = [...this.clientDevices].find(([, id]) => id === device.deviceId)?.[0] ?? null;
    return this.supervise({ ...device, client });
  }

  private async supervise(target: { deviceId: number; hostname: string; ip: string | null; client: string | null }): Promise<'supervised' | 'already' | 'failed'> {
    if (this.devices.has(target.deviceId)) return 'already';
    const now = this.host.clock.now();
    let originalIp = target.ip;
    if (originalIp === null) {
      try {
        const info = await this.api.device(target.deviceId);
        originalIp = info.overwriteIp !== null && info.overwriteIp !== this.config.unsupervisedIp ? info.overwriteIp : info.ip;
      } catch (error) {
        this.host.logger.error(`librenms: cannot read device ${target.deviceId}, so it stays supervised: ${(error as Error).message}`);
        return 'failed';
      }
      if (originalIp === null) {
        this.host.logger.error(`librenms: device ${target.deviceId} has no IP to restore later, so it stays supervised`);
        return 'failed';
      }
    }
    if (this.devices.has(target.deviceId)) return 'already';
    const device: SupervisedDevice = { deviceId: target.deviceId, hostname: target.hostname, originalIp, client: target.client, since: now.wall, forced: false, checksDown: 0 };
    this.devices.set(device.deviceId, device);
    // The original IP is on disk before LibreNMS is told anything.
    await this.save();
    this.schedule.add(device.deviceId, now.mono);
    try {
      await this.forceDown(device);
      device.forced = true;
      await this.save();
      await this.record(device, { phase: 'unsupervised', ip: this.config.unsupervisedIp, original_ip: originalIp });
    } catch (error) {
      const wait = this.schedule.apiFailed(device.deviceId, now.mono);
      this.host.logger.warn(`librenms: forcing device ${device.deviceId} down failed, retrying in ${wait / 1000}s: ${(error as Error).message}`);
    }
    this.wake();
    return 'supervised';
  }

  /** One unit of work: checks every device that is due, one after another. */
  async checkDue(): Promise<Map<number, CheckResult>> {
    const results = new Map<number, CheckResult>();
    for (const id of this.schedule.due(this.host.clock.now().mono)) {
      if (this.stopped) break;
      results.set(id, await this.checkOne(id));
    }
    return results;
  }

  async checkOne(deviceId: number): Promise<CheckResult> {
    const device = this.devices.get(deviceId);
    if (device === undefined) return 'gone';
    let restored = false;
    try {
      if (!device.forced) {
        await this.forceDown(device);
        device.forced = true;
        await this.save();
        this.schedule.add(deviceId, this.host.clock.now().mono, device.checksDown);
        await this.record(device, { phase: 'unsupervised', ip: this.config.unsupervisedIp, original_ip: device.originalIp });
        return 'forced';
      }
      await this.api.setOverwriteIp(deviceId, device.originalIp);
      restored = true;
      await this.api.discover(deviceId);
      await this.poll(device);
      const portId = await this.api.findPort(deviceId, this.config.portIfName);
      const status = await this.api.portStatus(portId);
      const now = this.host.clock.now();
      if (status === 'up') {
        this.devices.delete(deviceId);
        this.schedule.remove(deviceId);
        await this.save();
        await this.record(device, { phase: 'recovered', port_id: portId, if_oper_status: status, restored_ip: device.originalIp });
        this.host.logger.info(`librenms: device ${deviceId} (${device.hostname}) is up again and supervised`);
        this.host.outbox.enqueue({ type: 'up', client: this.logName(device), at: now.wall, lastUp: device.since, outageMs: now.wall - device.since, transitionId: `librenms-up-${deviceId}-${now.wall}` });
        return 'recovered';
      }
      await this.forceDown(device);
      restored = false;
      device.checksDown = this.schedule.stillDown(deviceId, now.mono);
      await this.save();
      await this.record(device, { phase: 'still-down', port_id: portId, if_oper_status: status, next_check_s: this.schedule.waitAfter(device.checksDown) / 1000 });
      return 'still-down';
    } catch (error) {
      const now = this.host.clock.now();
      if (restored) {
        // Do not leave the device supervised (and alerting) until the retry.
        await this.forceDown(device).catch(() => undefined);
      }
      const wait = this.schedule.apiFailed(deviceId, now.mono);
      const message = error instanceof LibrenmsError || error instanceof Error ? error.message : String(error);
      this.host.logger.warn(`librenms: check of device ${deviceId} failed, retrying in ${wait / 1000}s: ${message}`);
      await this.record(device, { phase: 'api-error', error: message, retry_s: wait / 1000 });
      return 'api-error';
    }
  }

  private async forceDown(device: SupervisedDevice): Promise<void> {
    await this.api.setOverwriteIp(device.deviceId, this.config.unsupervisedIp);
    await this.api.discover(device.deviceId);
  }

  private async poll(device: SupervisedDevice): Promise<void> {
    const command = this.config.pollCommand;
    if (command === null) return;
    // Only the device id (a whole number checked at the edge) is put into the configured argv.
    const argv = command.command.map((a) => a.replace(/\bID\b/g, String(device.deviceId)));
    const now = this.host.clock.now();
    const outcome = await runStep({ ...command, command: argv }, { type: 'down', client: this.logName(device), at: now.wall, lastUp: null, downIntervalMs: 0, transitionId: `librenms-${device.deviceId}` });
    await this.record(device, { phase: 'poll', ok: outcome.ok, code: outcome.code, status: outcome.status, output: outcome.output });
    if (!outcome.ok) throw new LibrenmsError(`poll command failed: ${outcome.error ?? outcome.code}`, null);
  }

  private logName(device: SupervisedDevice): string {
    return device.client ?? `librenms-${device.hostname}`;
  }

  /** Appends a `librenms` record of the device; `fields` are its phase's own (docs/log-format.md). */
  private async record(device: SupervisedDevice, fields: PhaseFields): Promise<void> {
    try {
      const record: RecordOf<'librenms'> = { type: 'librenms', at: iso(this.host.clock.now().wall), device_id: device.deviceId, hostname: device.hostname, ...fields };
      await this.host.logs.append(this.logName(device), [record]);
    } catch (error) {
      this.host.logger.error(`librenms: cannot record for device ${device.deviceId}: ${(error as Error).message}`);
    }
  }

  private async save(): Promise<void> {
    await this.state.save([...this.devices.values()]);
  }

  /** Arms the timer for the next due device; with none supervised the cycle pauses. */
  wake(): void {
    if (this.stopped || this.busy !== null) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const next = this.schedule.nextWake();
    if (next === null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.busy = this.checkDue()
        .then(() => undefined, (error: Error) => {
          this.host.logger.error(`librenms: recovery cycle failed: ${error.message}`);
        })
        .finally(() => {
          this.busy = null;
          this.wake();
        });
    }, Math.max(0, next - this.host.clock.now().mono));
    this.timer.unref();
  }
}
