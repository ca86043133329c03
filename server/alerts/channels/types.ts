/**
 * What every push channel shares: the message it is given, and the three answers a provider
 * can give (accepted; try again later; never). The queue (queue.ts) acts on the answer; a
 * provider's file only knows how to say one message and how to read its provider's reply.
 */

import type { Release } from '../storm.js';

/** What is sent: one alert, or a storm control summary of held ones (the outbox's items). */
export type AlertItem = Release;

/** One message for one channel, in words that suit a phone; the provider adds its markup. */
export interface PushMessage {
  /** Stable across restarts (the transition id, or a summary's digest): the idempotency key where a provider has one. */
  id: string;
  /** down, up, summary, action-needed, reminder, quality (degraded, or recovered), test, or finding (log analysis). */
  kind: 'down' | 'up' | 'summary' | 'action-needed' | 'reminder' | 'quality' | 'test' | 'finding';
  /** The client it is about; null for summaries of several clients and for tests. */
  client: string | null;
  title: string;
  /** Plain text. Parts of it come from outside (a failure reason, a healing step): providers escape all of it. */
  body: string;
  /** Down alerts are high; recoveries, summaries and tests default. */
  priority: 'high' | 'default';
  /** ntfy tags (emoji short codes), where the provider has them. */
  tags: string[];
  /** Wall-clock milliseconds of the event. */
  at: number;
  /** The outage's length in seconds, for recoveries. */
  outageS: number | null;
  /** For downs and reminders with an HTTP `public_url`: the signed link that acknowledges the outage. */
  ackUrl?: string;
}

export type SendResult =
  | { ok: true }
  | {
      ok: false;
      /** True for answers that retrying cannot change (4xx other than 408 and 429). */
      permanent: boolean;
      /** What the provider said (status and a short body), with every secret removed. */
      answer: string;
      /** The provider's Retry-After / retry_after, in ms; null when it gave none. */
      retryAfterMs: number | null;
    };

export interface Channel {
  readonly name: string;
  readonly type: string;
  /** Where messages go, safe to log: the type, and the scheme and host of its URL; never a token. */
  readonly description: string;
  send(message: PushMessage): Promise<SendResult>;
}

/** Removes every secret from a provider's answer before it is logged or recorded. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out;
}
