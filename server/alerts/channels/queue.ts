/**
 * One channel's queue: first in, first out, one message at a time, so alerts arrive in the
 * order they happened, and a dead provider holds up only its own channel (each channel has
 * its own queue and loop).
 *
 * A transient failure (no answer, a time-out, 408, 429, 5xx) keeps the message at the head
 * and retries after 1 s, doubling up to RETRY_CAP_MS; a 429's Retry-After (or the body's
 * retry_after) is waited at least, up to RETRY_AFTER_CAP_MS. Any other answer is permanent:
 * the message is reported undeliverable with the provider's answer and the next one goes.
 *
 * A message may carry `notBefore` (wall ms): the head waits until then. Nothing sets it yet;
 * it is where a later "defer until" (quiet hours) plugs in without a second queue.
 * Time comes from injected `now` and `sleep`, so tests drive the backoff without waiting.
 */
import type { Logger } from 'winston';
import type { AlertEvent } from '../storm.js';
import type { Channel, PushMessage, SendResult } from './types.js';

export const FIRST_RETRY_MS = 1000;
export const RETRY_CAP_MS = 300_000;
/** A provider asking for more than this is retried after this: an alert hours late is no alert. */
export const RETRY_AFTER_CAP_MS = 3_600_000;

export interface QueueItem {
  message: PushMessage;
  /** The transitions this message covers; each gets the outcome. */
  refs: readonly AlertEvent[];
  /** 'summary' when the message is a storm summary, 'digest' for the end of quiet hours. */
  via: 'summary' | 'digest' | null;
  /** Not sent before this wall-clock time; null: now. */
  notBefore: number | null;
}

export type DeliveryState =
  | { state: 'queued' }
  | { state: 'retrying'; nextAttempt: number; answer: string; attempts: number }
  | { state: 'delivered'; at: number }
  | { state: 'undeliverable'; at: number; answer: string };

export interface QueueTiming {
  now(): number;
  /** Resolves after `ms`, or earlier when `wake` is called. */
  sleep(ms: number): { done: Promise<void>; wake(): void };
}

export const realTiming: QueueTiming = {
  now: () => Date.now(),
  sleep(ms) {
    let wake = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    return { done, wake };
  },
};

export interface QueueOptions {
  timing?: QueueTiming;
  logger: Logger;
  /** Every change of an item's state (for the API, the metrics and the outcome records). */
  onState(item: QueueItem, state: DeliveryState): void;
}

/** The wait before the next attempt after `failures` consecutive failures. Pure. */
export function retryDelay(failures: number, retryAfterMs: number | null): number {
  const backoff = Math.min(RETRY_CAP_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
  return retryAfterMs === null ? backoff : Math.max(backoff, Math.min(RETRY_AFTER_CAP_MS, retryAfterMs));
}

function describe(item: QueueItem): string {
  const m = item.message;
  return m.kind === 'summary' ? `summary of ${item.refs.length} alerts` : `${m.kind} alert${m.client === null ? '' : ` for ${m.client}`}`;
}

export class ChannelQueue {
  private readonly items: QueueItem[] = [];
  private readonly ids = new Set<string>();
  private failures = 0;
  private running: Promise<void> | null = null;
  private sleeping: { wake(): void } | null = null;
  private stopped = false;
  private readonly timing: QueueTiming;
  readonly counts = { sent: 0, failed: 0, retried: 0 };
  lastError: string | null = null;

  constructor(readonly channel: Channel, private readonly options: QueueOptions) {
    this.timing = options.timing ?? realTiming;
  }

  get depth(): number {
    return this.items.length;
  }

  /** Queues a message unless one with its id is queued already (a restart re-offering it). */
  push(item: QueueItem): void {
    if (this.ids.has(item.message.id) || this.stopped) return;
    this.ids.add(item.message.id);
    this.items.push(item);
    this.options.onState(item, { state: 'queued' });
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when the queue is empty (tests), or once stopped. */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  /** Stops after the attempt in flight, within `graceMs`; what is left stays undelivered in the logs. */
  async stop(graceMs: number): Promise<void> {
    const running = this.running;
    if (running !== null) await Promise.race([running, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    this.stopped = true;
    this.sleeping?.wake();
  }

  private async wait(ms: number): Promise<void> {
    const sleep = this.timing.sleep(ms);
    this.sleeping = sleep;
    await sleep.done;
    this.sleeping = null;
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.items.length > 0) {
      const item = this.items[0]!;
      if (item.notBefore !== null && item.notBefore > this.timing.now()) {
        await this.wait(item.notBefore - this.timing.now());
        continue;
      }
      const result = await this.attempt(item);
      if (result.ok || result.permanent) {
        this.items.shift();
        this.ids.delete(item.message.id);
        this.settle(item, result);
        continue;
      }
      this.failures++;
      this.counts.retried++;
      this.lastError = result.answer;
      const delay = retryDelay(this.failures, result.retryAfterMs);
      this.options.onState(item, { state: 'retrying', nextAttempt: this.timing.now() + delay, answer: result.answer, attempts: this.failures });
      const behind = this.items.length - 1;
      this.options.logger.log(this.failures === 1 ? 'warn' : 'info', `channel ${this.channel.name}: ${describe(item)}${behind > 0 ? ` and ${behind} behind it` : ''} not delivered, will retry in ${delay / 1000}s: ${result.answer}`);
      if (!this.stopped) await this.wait(delay);
    }
  }

  private async attempt(item: QueueItem): Promise<SendResult> {
    try {
      return await this.channel.send(item.message);
    } catch (error) /* c8 ignore next 2 */ {
      return { ok: false, permanent: false, answer: (error as Error).message, retryAfterMs: null };
    }
  }

  private settle(item: QueueItem, result: SendResult): void {
    const at = this.timing.now();
    if (result.ok) {
      this.failures = 0;
      this.lastError = null;
      this.counts.sent++;
      this.options.logger.info(`channel ${this.channel.name}: ${describe(item)} sent: ${item.message.title}`);
      this.options.onState(item, { state: 'delivered', at });
      return;
    }
    this.counts.failed++;
    this.options.logger.error(`channel ${this.channel.name}: ${describe(item)} REFUSED permanently by ${this.channel.description}: ${result.answer}`);
    this.options.onState(item, { state: 'undeliverable', at, answer: result.answer });
  }
}
