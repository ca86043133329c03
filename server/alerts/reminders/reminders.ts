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
export type LoggedOutage = Omit<Outage, 'client' | 'policy'>;

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
  private running: Promise<void> | null = null;
  readonly counts = { sent: 0 };

  constructor(private readonly options: RemindersOptions) {}

  handle(event: MonitorEvent): void {
    if (event.type === 'up') this.plan.stop(event.client);
    // An "action needed" alert belongs to an outage already being reminded of.
    if (event.type !== 'down' || event.intervention !== undefined || event.reminder !== undefined) return;
    this.resume(event.client, { down: event.transitionId, downAt: event.at, lastUp: event.lastUp, sent: 0, lastAt: event.at });
  }

  /** Carries an outage over a restart, with the reminders its log shows. */
  resume(client: string, outage: LoggedOutage): void {
    const policy = reminderPolicyOf(this.options.config, client);
    if (policy !== null) this.plan.track({ ...outage, client, policy });
  }

  /** Ends the reminders of one outage (an acknowledgement); false if none ran. */
  stop(client: string, down: string): boolean {
    return this.plan.stop(client, down);
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
    send({ type: 'down', client: outage.client, at, lastUp: outage.lastUp, downIntervalMs: 0, transitionId: id, reminder: { n: outage.sent, downAt: outage.downAt } }, channels);
  }
}
