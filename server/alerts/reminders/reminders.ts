/**
 * Reminders while a client stays down: the edges around ReminderPlan (schedule.ts). A down
 * starts a client's schedule, its recovery ends it (docs/alerts.md#reminders).
 *
 * Durability: each reminder is a `reminder` record in the client's log, written before it
 * is queued, naming its channels, with an id derived from the down's (`<down id>~r<n>`). It is
 * then delivered and recorded like any alert, so a restart sends exactly the (reminder,
 * channel) pairs without an outcome, once (store/restore.ts). The schedule itself is read
 * back from the log: the number of reminders recorded for the outage and the time of the
 * last one. A kill -9 before a due reminder's record is written sends it after the restart;
 * one after it never sends it twice.
 */
import type { Logger } from 'winston';
import { iso } from '../../../log/records.js';
import type { DownEvent, EventConsumer, MonitorEvent } from '../../core/events.js';
import type { LogDirectory } from '../../store/logDirectory.js';
import { reminderPolicyOf, type RemindersConfig } from './config.js';
import { ReminderPlan, reminderId, type Outage } from './schedule.js';

/** An outage as a client's log tells it after a restart. */
export type LoggedOutage = Omit<Outage, 'client' | 'policy'> & { acked: boolean };

/** What an acknowledgement found: the outage it ended the reminders of, or why none. */
export type AckResult = { ok: true; down: string; already: boolean } | { ok: false; why: 'not-down' | 'other-outage' };

export interface RemindersOptions {
  config: RemindersConfig;
  logs: LogDirectory;
  logger: Logger;
  /** The channels a client's alerts go to. */
  route(client: string): readonly string[];
  /** Queues a reminder on its channels (the outbox). */
  send(event: DownEvent, channels: readonly string[]): void;
  /** Wall clock. */
  now(): number;
}

export class Reminders implements EventConsumer {
  readonly name = 'reminders';
  readonly plan = new ReminderPlan();
  /** Each down client's current outage (its down id) and whether it was acknowledged. */
  private readonly outages = new Map<string, { down: string; acked: boolean }>();
  private running: Promise<void> | null = null;
  readonly counts = { sent: 0 };

  constructor(private readonly options: RemindersOptions) {}

  handle(event: MonitorEvent): void {
    if (event.type === 'up') {
      this.plan.stop(event.client);
      this.outages.delete(event.client);
    }
    // An "action needed" alert belongs to an outage already being reminded of.
    if (event.type !== 'down' || event.intervention !== undefined || event.reminder !== undefined) return;
    this.resume(event.client, { down: event.transitionId, downAt: event.at, lastUp: event.lastUp, sent: 0, lastAt: event.at, acked: false });
  }

  /** Carries an outage over a restart, with the reminders and acknowledgement its log shows. */
  resume(client: string, { acked, ...outage }: LoggedOutage): void {
    this.outages.set(client, { down: outage.down, acked });
    const policy = reminderPolicyOf(this.options.config, client);
    if (policy !== null && !acked) this.plan.track({ ...outage, client, policy });
  }

  /**
   * Acknowledges a client's current outage (`down`: only if it is that one): an `ack` record
   * in its log, and no more reminders for it. The recovery alert still goes out.
   */
  async acknowledge(client: string, by: string, down?: string): Promise<AckResult> {
    const outage = this.outages.get(client);
    if (outage === undefined) return { ok: false, why: 'not-down' };
    if (down !== undefined && down !== outage.down) return { ok: false, why: 'other-outage' };
    if (outage.acked) return { ok: true, down: outage.down, already: true };
    await this.options.logs.append(client, [{ type: 'ack', at: iso(this.options.now()), down: outage.down, by }]);
    outage.acked = true;
    this.plan.stop(client, outage.down);
    this.options.logger.info(`${client}: outage ${outage.down} acknowledged (${by}); no more reminders for it`);
    return { ok: true, down: outage.down, already: false };
  }

  /** Records and queues the reminders that are due; call about once a second. */
  tick(): Promise<void> {
    this.running ??= this.remindDue().finally(() => (this.running = null));
    return this.running;
  }

  private async remindDue(): Promise<void> {
    for (const outage of this.plan.due(this.options.now())) await this.remind(outage);
  }

  private async remind(outage: Outage): Promise<void> {
    const { logs, logger, route, send, now } = this.options;
    const id = reminderId(outage.down, outage.sent);
    const channels = [...route(outage.client)];
    const at = now();
    const lastUp = outage.lastUp === null ? null : iso(outage.lastUp);
    try {
      await logs.append(outage.client, [{ type: 'reminder', at: iso(at), id, down: outage.down, n: outage.sent, last_up: lastUp, channels }]);
    } catch (error) {
      // Unrecorded, it could be sent twice: skipped; the next one follows on schedule.
      logger.error(`reminder ${outage.sent} for ${outage.client} not sent: cannot record it: ${(error as Error).message}`);
      return;
    }
    this.counts.sent++;
    logger.info(`${outage.client} is still down: reminder ${outage.sent}`);
    send({ type: 'down', client: outage.client, at, lastUp: outage.lastUp, downIntervalMs: 0, transitionId: id, reminder: { n: outage.sent, downAt: outage.downAt, down: outage.down } }, channels);
  }
}
