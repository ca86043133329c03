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
 *
 * Before an alert is queued, storm control (server/storm.ts) may hold it for a summary; a
 * summary is queued like an alert, and when it is delivered every alert it covers is marked
 * delivered (`via: "summary"`). Held alerts are still undelivered in the logs until then.
 */
import type { Logger } from 'winston';
import { NetmonitorError } from '../shared/errors.js';
import { iso } from './monitor.js';
import { createHash } from 'node:crypto';
import { downAlert, summaryAlert, upAlert, type AlertText } from './alertText.js';
import type { EventConsumer, MonitorEvent } from './events.js';
import type { LogDirectory } from './logDirectory.js';
import type { Mailer } from './mailer.js';
import { StormControl, type AlertEvent, type Summary } from './storm.js';

export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_MS = 300_000;

export type { AlertEvent };
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
  /** Monotonic clock for storm control. */
  monotonic?: () => number;
  storm?: StormControl;
}

/** One message to send: a single alert, or a summary of held ones. */
export type OutboxItem = { kind: 'alert'; event: AlertEvent } | { kind: 'summary'; summary: Summary };

export function isAlertEvent(event: MonitorEvent): event is AlertEvent {
  return event.type === 'down' || (event.type === 'up' && event.outageMs !== null);
}

export function messageIdOf(transitionId: string): string {
  return `<${transitionId.replace(/[^A-Za-z0-9._-]/g, '-')}@netmonitor>`;
}

/** A summary's Message-ID depends only on the alerts it covers, so a re-send is recognisable. */
export function summaryMessageId(summary: Summary): string {
  const digest = createHash('sha256').update(summary.events.map((e) => e.transitionId).join('\n')).digest('hex').slice(0, 24);
  return `<summary-${summary.reason}-${digest}@netmonitor>`;
}

function refsOf(item: OutboxItem): AlertEvent[] {
  return item.kind === 'alert' ? [item.event] : item.summary.events;
}

export class AlertOutbox implements EventConsumer {
  readonly name = 'email';
  private readonly queue: OutboxItem[] = [];
  readonly storm: StormControl;
  private readonly queued = new Set<string>();
  private failures = 0;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  readonly counts = { sent: 0, failed: 0, retried: 0, held: 0, summaries: 0 };
  lastError: string | null = null;

  constructor(private readonly options: OutboxOptions) {
    this.storm = options.storm ?? new StormControl();
  }

  get depth(): number {
    return this.queue.length;
  }

  handle(event: MonitorEvent): void {
    if (!isAlertEvent(event)) return;
    this.enqueue(event);
  }

  /** Offers an alert to storm control and queues it unless held or already queued. */
  enqueue(event: AlertEvent): void {
    if (this.queued.has(event.transitionId)) return;
    this.queued.add(event.transitionId);
    const decision = this.storm.offer(event, this.monotonic());
    if (decision !== 'send') {
      this.counts.held++;
      this.options.logger.warn(`alert for ${event.client} (${event.type}) held for a summary: ${decision}`);
      return;
    }
    this.queue.push({ kind: 'alert', event });
    this.kick();
  }

  /** Queues the summaries that storm control has ready; call about once a second. */
  releaseSummaries(): number {
    const ready = this.storm.due(this.monotonic());
    for (const summary of ready) this.queue.push({ kind: 'summary', summary });
    if (ready.length > 0) this.kick();
    return ready.length;
  }

  textOf(item: OutboxItem): AlertText {
    const zone = this.options.timezone;
    if (item.kind === 'summary') return summaryAlert(item.summary, zone);
    return item.event.type === 'down' ? downAlert(item.event, zone) : upAlert(item.event, zone);
  }

  private monotonic(): number {
    return (this.options.monotonic ?? performance.now.bind(performance))();
  }

  /** One unit of work: tries to deliver the message at the head of the queue once. */
  async deliverOne(): Promise<DeliveryResult> {
    const item = this.queue[0];
    if (item === undefined) return 'idle';
    const { subject, body } = this.textOf(item);
    const { mailer, logger } = this.options;
    const now = this.options.now ?? Date.now;
    const what = item.kind === 'alert' ? `alert for ${item.event.client} (${item.event.type})` : `summary of ${item.summary.events.length} ${item.summary.reason} alerts`;
    try {
      await mailer.send({
        from: this.options.from,
        to: this.options.to,
        subject,
        text: body,
        messageId: item.kind === 'alert' ? messageIdOf(item.event.transitionId) : summaryMessageId(item.summary),
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
        log(`${what} not delivered, will retry in ${this.backoffMs() / 1000}s: ${failure.message}`);
        return 'retry';
      }
      logger.error(`${what} REFUSED permanently by ${mailer.description}: ${failure.message}`);
      this.counts.failed++;
      this.finish(item);
      await this.mark(item, { type: 'undeliverable', channel: 'email', error: failure.message }, now());
      return 'dropped';
    }
    this.failures = 0;
    this.lastError = null;
    this.counts.sent++;
    if (item.kind === 'summary') this.counts.summaries++;
    this.finish(item);
    logger.info(`${what} sent: ${subject}`);
    await this.mark(item, item.kind === 'alert' ? { type: 'delivered', channel: 'email' } : { type: 'delivered', channel: 'email', via: 'summary' }, now());
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

  private finish(item: OutboxItem): void {
    this.queue.shift();
    for (const event of refsOf(item)) this.queued.delete(event.transitionId);
  }

  /** Records the outcome in the log of every client the message covered. */
  private async mark(item: OutboxItem, outcome: { type: string } & Record<string, unknown>, at: number): Promise<void> {
    await Promise.all(refsOf(item).map(async (event) => {
      try {
        await this.options.logs.append(event.client, [{ ...outcome, at: iso(at), ref: event.transitionId }]);
      } catch (error) {
        this.options.logger.error(`cannot record delivery for ${event.client}: ${(error as Error).message}`);
      }
    }));
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
