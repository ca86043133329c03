/**
 * Quiet hours for finding alerts: which pending (message, channel) pairs go out now, which
 * wait for the end of the channel's quiet hours (`channels.NAME.quiet_hours`, read the same
 * way for `email`), and the one message a channel gets for the findings that waited. Pure:
 * the caller passes the wall-clock time and applies the plan (server/analysis/index.ts), so
 * the waiting pairs stay in the durable `pending` list and survive a restart.
 *
 * `urgent: true` lets a message with a `critical` finding through the quiet hours, as it lets
 * down alerts through for clients (server/alerts/channels/dispatcher.ts).
 */
import { createHash } from 'node:crypto';
import type { ChannelAttention } from '../alerts/channels/config.js';
import { quietUntil } from '../alerts/quiet/hours.js';
import type { PendingMessage } from './state.js';

type Message = PendingMessage['message'];

/** When `channel` may take the message (wall ms, the end of its quiet hours); null: now. */
export function heldUntil(now: number, attention: ChannelAttention | undefined, critical: boolean): number | null {
  if (attention?.quiet == null || (critical && attention.urgent)) return null;
  return quietUntil(now, attention.quiet);
}

/** A pair that starts waiting (or waits for a later window): the index in `pending`. */
export interface Hold { index: number; channel: string; until: number }
/** One message for one channel; `entries` are the pending indexes it stands for. */
export interface Send { channel: string; message: Message; entries: number[] }
export interface DeliveryPlan { holds: Hold[]; sends: Send[] }

/**
 * The plan for the pending list at `now`: pairs in quiet hours wait; pairs whose wait is over
 * go out, several for one channel as one message (combineHeld); the others go out as they are.
 */
export function planDelivery(pending: readonly PendingMessage[], now: number, attention: Readonly<Record<string, ChannelAttention>>): DeliveryPlan {
  const holds: Hold[] = [];
  const sends: Send[] = [];
  const released = new Map<string, number[]>();
  pending.forEach((entry, index) => {
    for (const channel of entry.channels) {
      const until = heldUntil(now, attention[channel], entry.message.critical === true);
      if (until !== null) {
        if (entry.held?.[channel] !== until) holds.push({ index, channel, until });
      } else if (entry.held?.[channel] !== undefined) released.set(channel, [...(released.get(channel) ?? []), index]);
      else sends.push({ channel, message: entry.message, entries: [index] });
    }
  });
  for (const [channel, entries] of released) {
    const messages = entries.map((i) => pending[i]!.message);
    sends.push({ channel, message: messages.length === 1 ? messages[0]! : combineHeld(channel, messages), entries });
  }
  return { holds, sends };
}

/**
 * One message for the finding alerts that waited on `channel`: a line per finding, as the
 * per-pass digest (notifier.ts) writes them. Its id is made of theirs, so a restart before the
 * sent pairs were saved sends the same message with the same id again.
 */
export function combineHeld(channel: string, messages: readonly Message[]): Message {
  // A single finding's first body line is its summary line; a digest's body is all summary lines.
  const lines = messages.flatMap((m) => (m.fingerprints.length === 1 ? m.body.split('\n').slice(0, 1) : m.body.split('\n')));
  const fingerprints = messages.flatMap((m) => m.fingerprints);
  const critical = messages.some((m) => m.critical === true);
  return {
    id: `findings-quiet-${createHash('sha256').update(`${channel}\n${messages.map((m) => m.id).join('\n')}`).digest('hex').slice(0, 16)}`,
    fingerprints,
    subject: `QUIET HOURS OVER: ${fingerprints.length} log findings`,
    body: lines.join('\n'),
    high: messages.some((m) => m.high),
    ...(critical ? { critical } : {}),
    at: Math.max(...messages.map((m) => m.at)),
  };
}
