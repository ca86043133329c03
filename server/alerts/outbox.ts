/**
 * The e-mail alerter: a first-in, first-out queue of alerts in front of the Mailer.
 *
 * Durability comes from the client logs: a transition is written (fsync) before its event
 * reaches this queue, and a `delivered` record is appended once the SMTP server accepted the
 * message. A restart re-queues every transition without one (server/store/restore.ts), with the
 * same Message-ID, so a crash loses no alert; the only possible repeat is a message accepted
 * in the instant before a crash, and it carries the Message-ID of the first copy.
 *
 * Throughput: the queue is handed to the Mailer in batches of up to BATCH_SIZE, in order (one
 * mbox fdatasync per batch, or one reused SMTP connection), and the `delivered` records are written in
 * the background while the next batch goes out, one record per delivered transition. A crash
 * before such a record is on disk is the repeat described above, with the same Message-ID.
 *
 * Transient failures (connection refused, time-outs, 4xx) keep the alert, and every alert
 * behind it, at the head of the queue and retry with exponential backoff from 1 s, capped at
 * 5 minutes, so alerts arrive in order once SMTP is back. Permanent ones (5xx) are logged
 * loudly, recorded `undeliverable` in the client's log, and skipped; the rest of the batch
 * goes on.
 *
 * Before an alert is queued, storm control (server/alerts/storm.ts) holds it: for `storm_hold`,
 * to go out with others of its kind, or for a summary; a summary is queued like an alert, and
 * when it is delivered every alert it covers is marked delivered (`via: "summary"`). Held alerts are still undelivered in the logs until then.
 *
 * Before storm control, maintenance (server/alerts/maintenance/gate.ts) may keep an alert
 * back until its client's window ends, or withhold it for good: a `withheld` record per
 * channel, so a restart does not send it either.
 *
 * Quiet hours (server/alerts/quiet/): during the e-mail channel's window its alerts wait in
 * a QuietDeferral instead of this queue (downs too, unless it is `urgent`); when the window
 * ends one digest covers them all, and its delivery marks each `delivered` with `via: "digest"`.
 * Until then they are undelivered in the logs: a restart offers them again, and they wait again.
 *
 * Channels: this queue is the `email` channel. An alert (or summary) routed to push channels
 * as well is handed, after storm control, to the ChannelDispatcher (server/alerts/channels/),
 * whose per-channel queues deliver and record it independently of this one.
 */
import type { Logger } from 'winston';
import { NetmonitorError } from '../../shared/errors.js';
import { iso } from '../../log/records.js';
import { downAlert, qualityAlert, summaryAlert, upAlert, type AlertText } from './alertText.js';
import type { AloneNote, EventConsumer, MonitorEvent } from '../core/events.js';
import type { LogDirectory } from '../store/logDirectory.js';
import { sendBatch, type Mailer, type OutgoingMail } from './mailer.js';
import { StormControl, type AlertEvent, type Summary } from './storm.js';
import { EMAIL } from './channels/config.js';
import { summaryId, type ChannelDispatcher } from './channels/dispatcher.js';
import { OutcomeRecorder, type Outcome } from './channels/recorder.js';
import { DeliveryStates } from './channels/states.js';
import type { AlertItem } from './channels/types.js';
import type { GatedAlert, MaintenanceGate } from './maintenance/gate.js';
import { digestAlert } from './quiet/digest.js';
import { QuietDeferral } from './quiet/deferral.js';
import type { ChannelAttention } from './quiet/hours.js';

export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_MS = 300_000;
/** Messages handed to the Mailer at once: enough to absorb a burst, small enough to bound one mbox write. */
export const BATCH_SIZE = 100;

export type { AlertEvent };

/** What one delivery attempt did. */
export interface DeliveryReport {
  /** Messages accepted by the mail system. */
  sent: number;
  /** Messages refused permanently, recorded undeliverable. */
  dropped: number;
  /** True when a transient failure stopped the batch: the rest waits for the backoff. */
  retry: boolean;
}

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
  /** The channels a client's alerts go to; default: e-mail only. */
  route?: (client: string) => readonly string[];
  /** The push channels; none by default. */
  channels?: ChannelDispatcher;
  /** Where each alert's per-channel state is kept for the API. */
  states?: DeliveryStates;
  /** What a storm of downs adds about the clients in it (ISP-wide, the monitor's uplink); none by default. */
  correlate?: (clients: readonly string[]) => string | null;
  /** What a down alert sent alone adds about its client's group (or every client) down too; none by default. */
  correlateAlone?: (client: string) => AloneNote | null;
  /** Maintenance windows; none by default. */
  maintenance?: MaintenanceGate;
  /** The e-mail channel's quiet hours and urgency; none by default. */
  attention?: ChannelAttention;
}

/** One message to send: a single alert, or a summary of held ones. */
export type OutboxItem = AlertItem;

export function isAlertEvent(event: MonitorEvent | AlertEvent): event is AlertEvent {
  return event.type === 'down' || (event.type === 'up' && event.outageMs !== null);
}

export function messageIdOf(transitionId: string): string {
  return `<${transitionId.replace(/[^A-Za-z0-9._-]/g, '-')}@netmonitor>`;
}

/** A summary's Message-ID depends only on the alerts it covers, so a re-send is recognisable. */
export function summaryMessageId(summary: Summary): string {
  return `<${summaryId(summary.events, summary.reason)}@netmonitor>`;
}

/**
 * Whether a failed alert is kept for a retry. Refused credentials are permanent for this
 * message but not for the alert: the user can fix them, so they are retried at the capped
 * pace, and said loudly.
 */
export function isRetried(failure: NetmonitorError): boolean {
  return !failure.permanent || failure.code === 'EAUTH';
}

/** The words of an alert or a summary, the same on every channel. */
export function textOfItem(item: OutboxItem, zone: string): AlertText {
  if (item.kind === 'summary') return summaryAlert(item.summary, zone);
  const { event } = item;
  return event.type === 'down' ? downAlert(event, zone) : event.type === 'quality' ? qualityAlert(event, zone) : upAlert(event, zone);
}

function refsOf(item: OutboxItem): AlertEvent[] {
  return item.kind === 'alert' ? [item.event] : item.summary.events;
}

function describe(item: OutboxItem): string {
  if (item.kind === 'summary' && item.summary.reason === 'digest') return `quiet-hours digest of ${item.summary.events.length} alerts`;
  return item.kind === 'alert' ? `alert for ${item.event.client} (${item.event.type})` : `summary of ${item.summary.events.length} ${item.summary.reason} alerts`;
}

export class AlertOutbox implements EventConsumer {
  readonly name = 'email';
  private readonly queue: OutboxItem[] = [];
  readonly storm: StormControl;
  private readonly queued = new Set<string>();
  /** Each queued or held alert's channels, until it has gone out on all of them. */
  private readonly channelsOf = new Map<string, readonly string[]>();
  private readonly recorder: OutcomeRecorder;
  /** E-mail alerts waiting for the end of its quiet hours. */
  private readonly quiet: QuietDeferral;
  readonly states: DeliveryStates;
  private failures = 0;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  readonly counts = { sent: 0, failed: 0, retried: 0, held: 0, summaries: 0, withheld: 0 };
  lastError: string | null = null;

  constructor(private readonly options: OutboxOptions) {
    this.storm = options.storm ?? new StormControl();
    this.recorder = new OutcomeRecorder(options.logs, options.logger);
    this.states = options.states ?? new DeliveryStates();
    this.quiet = new QuietDeferral(options.attention === undefined ? {} : { [EMAIL]: options.attention });
  }

  /** The push channels' dispatcher, if any. */
  get channels(): ChannelDispatcher | undefined {
    return this.options.channels;
  }

  get depth(): number {
    return this.queue.length;
  }

  handle(event: MonitorEvent): void {
    if (!isAlertEvent(event)) return;
    this.enqueue(event);
  }

  /** The channels an alert goes to: those given when it was queued, or its client's route. */
  routeOf(event: AlertEvent): readonly string[] {
    return this.channelsOf.get(event.transitionId) ?? this.options.route?.(event.client) ?? [EMAIL];
  }

  /**
   * Offers an alert to storm control and queues it, on each of `channels` (default: its
   * client's route), unless held or already queued. A restart passes the channels still
   * without an outcome.
   */
  enqueue(event: AlertEvent, channels: readonly string[] = this.routeOf(event)): void {
    if (this.queued.has(event.transitionId) || channels.length === 0) return;
    this.queued.add(event.transitionId);
    this.channelsOf.set(event.transitionId, channels);
    const gate = this.options.maintenance;
    if (gate === undefined) return this.admit(event, channels);
    const { send, withhold } = gate.offer({ event, channels });
    for (const alert of withhold) this.withhold(alert);
    for (const alert of send) this.admit(alert.event, alert.channels);
    if (send.length === 0 && withhold.length === 0) {
      this.options.logger.info(`alert for ${event.client} (${event.type}) waits for the end of its maintenance window`);
      for (const channel of channels) this.states.set(event, channel, { state: 'maintenance' });
    }
  }

  /** Records an alert that maintenance keeps from every channel for good, so no restart sends it. */
  private withhold({ event, channels }: GatedAlert): void {
    this.forget(event);
    this.counts.withheld++;
    this.options.logger.info(`alert for ${event.client} (${event.type}) not sent: the client is in maintenance`);
    const at = iso(this.now());
    for (const channel of channels) {
      this.recorder.record([event], { type: 'withheld', channel, why: 'maintenance' }, at);
      this.states.set(event, channel, { state: 'withheld' });
    }
  }

  /** Past maintenance: storm control, then the queues. */
  private admit(event: AlertEvent, channels: readonly string[]): void {
    // A reminder is no transition: it neither counts towards flapping nor waits for a storm.
    if (event.type === 'down' && event.reminder !== undefined) return this.send({ kind: 'alert', event });
    const decision = this.storm.offer(event, this.monotonic());
    if (decision !== 'send') {
      // Waiting storm_hold for others is every alert's normal path, not worth a warning.
      if (decision === 'hold') this.options.logger.debug(`alert for ${event.client} (${event.type}) waits storm_hold for others`);
      else {
        this.counts.held++;
        this.options.logger.warn(`alert for ${event.client} (${event.type}) held for a summary: ${decision}`);
      }
      for (const channel of channels) if (channel === EMAIL) this.states.set(event, EMAIL, { state: 'held' });
      this.options.channels?.held(event, channels);
      return;
    }
    this.send({ kind: 'alert', event });
  }

  /** Queues the alerts and summaries that storm control has ready; call about once a second. */
  releaseSummaries(): number {
    for (const alert of this.options.maintenance?.due(this.now()) ?? []) {
      this.options.logger.info(`${alert.event.client} is still down at the end of its maintenance window: its down alert goes out now`);
      this.admit(alert.event, alert.channels);
    }
    const ready = this.storm.due(this.monotonic());
    for (const item of ready) {
      if (item.kind === 'summary' && item.summary.reason === 'storm' && item.summary.events[0]?.type === 'down') {
        const note = this.options.correlate?.(item.summary.events.map((event) => event.client));
        if (note !== null && note !== undefined) item.summary.note = note;
      }
      this.send(item);
    }
    const digests = this.quiet.due(this.now());
    for (const { events, zone } of digests) {
      this.options.logger.info(`quiet hours of the e-mail channel are over: one digest of ${events.length} alerts goes out`);
      this.push({ kind: 'summary', summary: { reason: 'digest', events, zone } });
    }
    return ready.length + digests.length + (this.options.channels?.releaseDeferred() ?? 0);
  }

  /** Hands an item to each of its channels: the e-mail part to this queue, the rest to the dispatcher. */
  private send(sent: OutboxItem): void {
    const item = this.withAloneNote(sent);
    const route = (event: AlertEvent): readonly string[] => this.routeOf(event);
    this.options.channels?.dispatch(item, route);
    const events = refsOf(item);
    const email = events.filter((event) => route(event).includes(EMAIL));
    for (const event of events) {
      // Only the e-mail queue needs the alert again (its retries and summaries); forget the rest.
      if (!route(event).includes(EMAIL)) this.forget(event);
    }
    if (email.length === 0) return;
    const down = item.kind === 'alert' ? item.event.type === 'down' : email.at(-1)!.type === 'down';
    const until = this.quiet.defer(EMAIL, email, down, this.now());
    if (until !== null) {
      this.options.logger.info(`${describe(item)} waits for the end of the e-mail channel's quiet hours`);
      for (const event of email) this.states.set(event, EMAIL, { state: 'deferred', until });
      return;
    }
    this.push(item.kind === 'alert' ? item : { kind: 'summary', summary: { ...item.summary, events: email } });
  }

  /** Queues an item for e-mail now. */
  private push(item: OutboxItem): void {
    for (const event of refsOf(item)) this.states.set(event, EMAIL, { state: 'queued' });
    this.queue.push(item);
    this.kick();
  }

  /**
   * A down alert going out alone (not a reminder, not "action needed") carries what the other
   * clients say at this moment: ISP-wide, or the monitor's uplink. A copy: the event the bus
   * gave every consumer stays as it was.
   */
  private withAloneNote(item: OutboxItem): OutboxItem {
    if (item.kind !== 'alert' || item.event.type !== 'down' || item.event.reminder !== undefined || item.event.intervention !== undefined) return item;
    const note = this.options.correlateAlone?.(item.event.client) ?? null;
    return note === null ? item : { kind: 'alert', event: { ...item.event, alone: note } };
  }

  private forget(event: AlertEvent): void {
    this.queued.delete(event.transitionId);
    this.channelsOf.delete(event.transitionId);
  }

  textOf(item: OutboxItem): AlertText {
    if (item.kind === 'summary' && item.summary.reason === 'digest') return digestAlert(item.summary.events, item.summary.zone ?? this.options.timezone);
    return textOfItem(item, this.options.timezone);
  }

  mailOf(item: OutboxItem, date: Date): OutgoingMail {
    const { subject, body } = this.textOf(item);
    const messageId = item.kind === 'alert' ? messageIdOf(item.event.transitionId) : summaryMessageId(item.summary);
    return { from: this.options.from, to: this.options.to, subject, text: body, messageId, date };
  }

  private monotonic(): number {
    return (this.options.monotonic ?? performance.now.bind(performance))();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * One unit of work: hands up to BATCH_SIZE messages from the head of the queue to the
   * Mailer, in order. A permanent refusal drops that message and the rest of the batch goes
   * on; a transient failure stops there, keeping it and everything behind it queued. Only one
   * call may run at a time (the drain loop, or a test instead of it).
   */
  async deliverBatch(): Promise<DeliveryReport> {
    const report: DeliveryReport = { sent: 0, dropped: 0, retry: false };
    let batch = this.queue.slice(0, BATCH_SIZE);
    while (batch.length > 0 && !this.stopped) {
      const date = new Date(this.now());
      const mails = batch.map((item) => this.mailOf(item, date));
      const { accepted, error } = await sendBatch(this.options.mailer, mails);
      const at = this.now();
      this.sent(batch.slice(0, accepted), mails, at);
      report.sent += accepted;
      if (error === null) break;
      const failed = batch[accepted]!;
      this.lastError = error.message;
      if (isRetried(error)) {
        this.retryLater(failed, error);
        report.retry = true;
        break;
      }
      this.options.logger.error(`${describe(failed)} REFUSED permanently by ${this.options.mailer.description}: ${error.message}`);
      this.counts.failed++;
      this.finish(1);
      this.record([failed], { type: 'undeliverable', channel: EMAIL, error: error.message }, at);
      for (const event of refsOf(failed)) this.states.set(event, EMAIL, { state: 'undeliverable', at, answer: error.message });
      report.dropped++;
      batch = batch.slice(accepted + 1);
    }
    return report;
  }

  /** Current retry delay: 1 s, doubling per consecutive failure, capped at MAX_RETRY_MS. */
  backoffMs(): number {
    return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, this.failures - 1));
  }

  /** Resolves once every outcome recorded so far is in the logs (or failed to be, and was logged). */
  async recorded(): Promise<void> {
    await this.recorder.settled();
  }

  /**
   * Stops delivering, within `graceMs` for the batch in flight and the `delivered` records
   * still being written. What is still queued stays recorded as undelivered in the logs.
   */
  async stop(graceMs: number): Promise<void> {
    let expire: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (expire = setTimeout(resolve, graceMs)));
    const push = this.options.channels?.stop(graceMs);
    const running = this.running;
    if (running !== null) await Promise.race([running, grace]);
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.wake?.();
    // A clean stop should not leave a delivered alert to be sent again after the restart.
    await Promise.race([this.recorded(), grace]);
    await push;
    clearTimeout(expire);
  }

  /** Bookkeeping for messages the mail system accepted. */
  private sent(items: readonly OutboxItem[], mails: readonly OutgoingMail[], at: number): void {
    if (items.length === 0) return;
    this.failures = 0;
    this.lastError = null;
    this.finish(items.length);
    for (const [index, item] of items.entries()) {
      this.counts.sent++;
      if (item.kind === 'summary') this.counts.summaries++;
      this.options.logger.info(`${describe(item)} sent: ${mails[index]!.subject}`);
    }
    const alerts = items.filter((item) => item.kind === 'alert');
    const summaries = items.filter((item) => item.kind === 'summary' && item.summary.reason !== 'digest');
    const digests = items.filter((item) => item.kind === 'summary' && item.summary.reason === 'digest');
    this.record(alerts, { type: 'delivered', channel: EMAIL }, at);
    this.record(summaries, { type: 'delivered', channel: EMAIL, via: 'summary' }, at);
    this.record(digests, { type: 'delivered', channel: EMAIL, via: 'digest' }, at);
    for (const event of items.flatMap(refsOf)) this.states.set(event, EMAIL, { state: 'delivered', at });
  }

  private retryLater(item: OutboxItem, failure: NetmonitorError): void {
    this.failures++;
    this.counts.retried++;
    const loud = failure.code === 'EAUTH' || failure.code === 'ETLS' || this.failures === 1;
    const log = loud ? this.options.logger.error.bind(this.options.logger) : this.options.logger.warn.bind(this.options.logger);
    const behind = this.queue.length - 1;
    log(`${describe(item)}${behind > 0 ? ` and ${behind} behind it` : ''} not delivered, will retry in ${this.backoffMs() / 1000}s: ${failure.message}`);
    const retrying = { state: 'retrying' as const, nextAttempt: this.now() + this.backoffMs(), answer: failure.message, attempts: this.failures };
    for (const event of refsOf(item)) this.states.set(event, EMAIL, retrying);
  }

  /** Takes the first `count` items off the queue. */
  private finish(count: number): void {
    for (const item of this.queue.splice(0, count)) {
      for (const event of refsOf(item)) this.forget(event);
    }
  }

  /**
   * Records an outcome in the log of every client the items covered, in the background: the
   * next batch does not wait for these fsyncs. A client's appends stay in order (LogDirectory).
   */
  private record(items: readonly OutboxItem[], outcome: Outcome, at: number): void {
    this.recorder.record(items.flatMap(refsOf), outcome, iso(at));
  }

  private kick(): void {
    if (this.running !== null || this.stopped) return;
    this.running = this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.queue.length > 0) {
      const { retry } = await this.deliverBatch();
      if (retry && !this.stopped) {
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
