/**
 * The e-mail alerter: a first-in, first-out queue of alerts in front of the Mailer.
 *
 * Durability comes from the client logs: a transition is written (fsync) before its event
 * reaches this queue, and a `delivered` record is appended once the SMTP server accepted the
 * message. A restart re-queues every transition without one (server/restore.ts), with the
 * same Message-ID, so a crash loses no alert; the only possible repeat is a message accepted
 * in the instant before a crash, and it carries the Message-ID of the first copy.
 *
 * Transient failures (connection refused, time-outs, 4xx) keep the alert at the head of the
 * queue and retry with exponential backoff from 1 s, capped at 5 minutes, so alerts arrive in
 * order once SMTP is back. Permanent ones (5xx) are logged loudly, recorded `undeliverable`
 * in the client's log, and skipped.
 */
import type { Logger } from 'winston';
import { NetmonitorError } from '../shared/errors.js';
import { iso } from './monitor.js';
import { downAlert, upAlert, type AlertText } from './alertText.js';
import type { DownEvent, EventConsumer, MonitorEvent, UpEvent } from './events.js';
import type { LogDirectory } from './logDirectory.js';
import type { Mailer } from './mailer.js';

export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_MS = 300_000;

export type AlertEvent = DownEvent | UpEvent;
export type DeliveryResult = 'idle' | 'sent' | 'retry' | 'dropped';

export interface OutboxOptions {
  mailer: Mailer;
  logs: LogDirectory;
  logger: Logger;
  from: string;
  to: string[];
  timezone: string;
  /** Wall clock for the Date header and log stamps. */
  now?: () => number;
}

export function isAlertEvent(event: MonitorEvent): event is AlertEvent {
  return event.type === 'down' || (event.type === 'up' && event.outageMs !== null);
}

export function messageIdOf(transitionId: string): string {
  return `<${transitionId.replace(/[^A-Za-z0-9._-]/g, '-')}@netmonitor>`;
}

export class AlertOutbox implements EventConsumer {
  readonly name = 'email';
  private readonly queue: AlertEvent[] = [];
  private readonly queued = new Set<string>();
  private failures = 0;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  readonly counts = { sent: 0, failed: 0, retried: 0 };
  lastError: string | null = null;

  constructor(private readonly options: OutboxOptions) {}

  get depth(): number {
    return this.queue.length;
  }

  handle(event: MonitorEvent): void {
    if (!isAlertEvent(event)) return;
    this.enqueue(event);
  }

  /** Queues an alert unless the same transition is already queued. */
  enqueue(event: AlertEvent): void {
    if (this.queued.has(event.transitionId)) return;
    this.queued.add(event.transitionId);
    this.queue.push(event);
    this.kick();
  }

  textOf(event: AlertEvent): AlertText {
    return event.type === 'down' ? downAlert(event, this.options.timezone) : upAlert(event, this.options.timezone);
  }

  /** One unit of work: tries to deliver the alert at the head of the queue once. */
  async deliverOne(): Promise<DeliveryResult> {
    const event = this.queue[0];
    if (event === undefined) return 'idle';
    const { subject, body } = this.textOf(event);
    const { mailer, logs, logger } = this.options;
    const now = this.options.now ?? Date.now;
    try {
      await mailer.send({
        from: this.options.from,
        to: this.options.to,
        subject,
        text: body,
        messageId: messageIdOf(event.transitionId),
        date: new Date(now()),
      });
    } catch (error) {
      const failure = error instanceof NetmonitorError ? error : new NetmonitorError('ESMTP', String(error));
      this.lastError = failure.message;
      if (!failure.permanent || failure.code === 'EAUTH') {
        // Refused credentials are permanent for this message but not for the alert: the
        // user can fix them, so keep retrying at the capped pace and say why loudly.
        this.failures++;
        this.counts.retried++;
        const loud = failure.code === 'EAUTH' || failure.code === 'ETLS' || this.failures === 1;
        const log = loud ? logger.error.bind(logger) : logger.warn.bind(logger);
        log(`alert for ${event.client} (${event.type}) not delivered, will retry in ${this.backoffMs() / 1000}s: ${failure.message}`);
        return 'retry';
      }
      logger.error(`alert for ${event.client} (${event.type}) REFUSED permanently by ${mailer.description}: ${failure.message}`);
      this.counts.failed++;
      this.finish(event);
      await this.mark(event, { type: 'undeliverable', at: iso(now()), ref: event.transitionId, channel: 'email', error: failure.message });
      return 'dropped';
    }
    this.failures = 0;
    this.lastError = null;
    this.counts.sent++;
    this.finish(event);
    logger.info(`alert sent for ${event.client} (${event.type}): ${subject}`);
    await this.mark(event, { type: 'delivered', at: iso(now()), ref: event.transitionId, channel: 'email' });
    return 'sent';
  }

  /** Current retry delay: 1 s, doubling per consecutive failure, capped at MAX_RETRY_MS. */
  backoffMs(): number {
    return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, this.failures - 1));
  }

  /** Stops delivering. What is still queued stays recorded as undelivered in the logs. */
  async stop(graceMs: number): Promise<void> {
    const running = this.running;
    if (running !== null) await Promise.race([running, new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.wake?.();
  }

  private finish(event: AlertEvent): void {
    this.queue.shift();
    this.queued.delete(event.transitionId);
  }

  private async mark(event: AlertEvent, record: { type: string; at: string } & Record<string, unknown>): Promise<void> {
    try {
      await this.options.logs.append(event.client, [record]);
    } catch (error) {
      this.options.logger.error(`cannot record delivery for ${event.client}: ${(error as Error).message}`);
    }
  }

  private kick(): void {
    if (this.running !== null || this.stopped) return;
    this.running = this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.queue.length > 0) {
      const result = await this.deliverOne();
      if (result === 'retry' && !this.stopped) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, this.backoffMs());
        });
        this.wake = null;
        this.timer = null;
      }
    }
  }
}
