/**
 * Hands alerts to the push channels: each (alert, channel) pair goes into that channel's own
 * queue, and its outcome becomes a `delivered` or `undeliverable` record with the channel's
 * name in the client's log (docs/log-format.md). A transition's record names its channels
 * (`channels`), so a restart sends again exactly the pairs without an outcome, with the same
 * message id.
 *
 * Summaries: a storm summary covers alerts whose clients may route to different channels;
 * each channel gets one summary of the alerts routed to it.
 *
 * Quiet hours (server/alerts/quiet/): during a channel's window its alerts wait here instead
 * of in its queue (down alerts too, unless the channel is `urgent`); when the window ends
 * they go out as one digest covering them all (`via: "digest"`). They stay undelivered in
 * the logs until then: a restart offers them again, and they wait again if it is still quiet.
 */
import type { Logger } from 'winston';
import { iso } from '../../../log/records.js';
import type { LogDirectory } from '../../store/logDirectory.js';
import type { AlertText } from '../alertText.js';
import type { AlertEvent } from '../storm.js';
import { ChannelQueue, type DeliveryState, type QueueItem, type QueueTiming } from './queue.js';
import { OutcomeRecorder } from './recorder.js';
import type { DeliveryStates } from './states.js';
import { pushMessage } from './text.js';
import type { AlertItem, Channel, PushMessage } from './types.js';
import { createHash } from 'node:crypto';
import type { ChannelAttention } from './config.js';
import { digestText } from '../quiet/digest.js';
import { QuietDeferral } from '../quiet/deferral.js';

export interface DispatcherOptions {
  channels: readonly Channel[];
  logs: LogDirectory;
  logger: Logger;
  states: DeliveryStates;
  textOf(item: AlertItem): AlertText;
  timing?: QueueTiming;
  /** Quiet hours and urgency by channel name. */
  attention?: Readonly<Record<string, ChannelAttention>>;
}

/** A summary's id depends only on the alerts it covers, so a re-send is recognisable. */
export function summaryId(events: readonly AlertEvent[], reason: string): string {
  return `summary-${reason}-${createHash('sha256').update(events.map((e) => e.transitionId).join('\n')).digest('hex').slice(0, 24)}`;
}

export class ChannelDispatcher {
  readonly queues = new Map<string, ChannelQueue>();
  private readonly recorder: OutcomeRecorder;
  /** Makes the signed acknowledgement link of an outage (server/alerts/ackLink.ts); null: no links. */
  ackLink: ((client: string, down: string) => string) | null = null;
  /** By channel: the alerts waiting for the end of its quiet hours. */
  private readonly deferred: QuietDeferral;

  constructor(private readonly options: DispatcherOptions) {
    this.recorder = new OutcomeRecorder(options.logs, options.logger);
    this.deferred = new QuietDeferral(options.attention);
    for (const channel of options.channels) {
      this.queues.set(channel.name, new ChannelQueue(channel, { timing: options.timing, logger: options.logger, onState: (item, state) => this.changed(channel.name, item, state) }));
    }
  }

  /** Queues `item` on each push channel that `channelsOf` names for at least one of its alerts. */
  dispatch(item: AlertItem, channelsOf: (event: AlertEvent) => readonly string[]): void {
    for (const [name, queue] of this.queues) {
      if (item.kind === 'alert') {
        if (!channelsOf(item.event).includes(name)) continue;
        if (this.defer(name, [item.event], item.event.type === 'down')) continue;
        queue.push({ message: this.withAck(pushMessage(item.event.transitionId, item, this.options.textOf(item)), item.event), refs: [item.event], via: null, notBefore: null });
        continue;
      }
      const events = item.summary.events.filter((event) => channelsOf(event).includes(name));
      if (events.length === 0 || this.defer(name, events, events.at(-1)!.type === 'down')) continue;
      const part: AlertItem = { kind: 'summary', summary: { ...item.summary, events } };
      queue.push({ message: pushMessage(summaryId(events, item.summary.reason), part, this.options.textOf(part)), refs: events, via: 'summary', notBefore: null });
    }
  }

  /** Keeps `events` for the digest when `channel` is in its quiet hours (urgent channels let downs through). */
  private defer(channel: string, events: readonly AlertEvent[], down: boolean): boolean {
    const until = this.deferred.defer(channel, events, down, this.now());
    if (until === null) return false;
    for (const event of events) this.options.states.set(event, channel, { state: 'deferred', until });
    return true;
  }

  /** Queues one digest on each channel whose quiet hours have ended; call about once a second. */
  releaseDeferred(): number {
    const now = this.now();
    const due = this.deferred.due(now);
    for (const { channel, events, zone } of due) {
      const text = digestText(events, zone);
      const message = { id: summaryId(events, 'digest'), kind: 'summary' as const, client: null, title: text.subject, body: text.body, priority: 'default' as const, tags: ['bell'], at: now, outageS: null };
      this.queues.get(channel)?.push({ message, refs: events, via: 'digest', notBefore: null });
    }
    return due.length;
  }

  /** Adds the acknowledgement link to a down alert or a reminder (not to "action needed": healing gave up, a person acts anyway). */
  private withAck(message: PushMessage, event: AlertEvent): PushMessage {
    if (this.ackLink === null || event.type !== 'down' || event.intervention !== undefined) return message;
    return { ...message, ackUrl: this.ackLink(event.client, event.reminder?.down ?? event.transitionId) };
  }

  private now(): number {
    return (this.options.timing?.now ?? Date.now)();
  }

  /** Marks the alerts held by storm control on their push channels. */
  held(event: AlertEvent, channels: readonly string[]): void {
    for (const name of channels) if (this.queues.has(name)) this.options.states.set(event, name, { state: 'held' });
  }

  get depth(): number {
    let depth = 0;
    for (const queue of this.queues.values()) depth += queue.depth;
    return depth;
  }

  async stop(graceMs: number): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.stop(graceMs)));
    await Promise.race([this.recorder.settled(), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  }

  /** Resolves once every queue is empty and every outcome is on disk (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.idle()));
    await this.recorder.settled();
  }

  private changed(channel: string, item: QueueItem, state: DeliveryState): void {
    for (const event of item.refs) this.options.states.set(event, channel, state);
    if (state.state === 'delivered') {
      this.recorder.record(item.refs, item.via === null ? { type: 'delivered', channel } : { type: 'delivered', channel, via: item.via }, iso(state.at));
    } else if (state.state === 'undeliverable') {
      this.recorder.record(item.refs, { type: 'undeliverable', channel, error: state.answer }, iso(state.at));
    }
  }
}
