/**
 * Findings sent to people: through the configured e-mail path (SMTP or the mbox outbox, the
 * same mailer as every alert) and every push channel in `alert_channels` (the default route),
 * with the channels' own code. Storm control for findings: at most FINDINGS_ALONE alerts
 * per pass go out one by one; more become one digest, so a noisy log cannot flood a phone.
 *
 * Quiet hours: a channel's `quiet_hours` hold its pairs until the window ends (quiet.ts).
 *
 * Durability: a finding that alerts is saved with the channels it still has to reach
 * (`pending`) before anything is sent; each channel that accepts it is removed and the state
 * saved again. A restart sends exactly the pending pairs again, with the same message id,
 * so a crash loses no finding alert and a channel that took one is not sent it twice.
 */
import { DateTime } from 'luxon';
import type { ServerConfig } from '../config/server.js';
import { EMAIL } from '../alerts/channels/config.js';
import { makeChannel } from '../alerts/channels/index.js';
import type { Channel, PushMessage } from '../alerts/channels/types.js';
import { fileMailer, smtpMailer, type Mailer } from '../alerts/mailer.js';
import type { FindingRecord, PendingMessage } from './state.js';

export const FINDINGS_ALONE = 3;

/** One message: `id` is stable across restarts (the idempotency key and the Message-ID). */
export type FindingMessage = PendingMessage['message'];

const time = (ms: number, zone: string): string => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm');

function lineOf(record: FindingRecord, zone: string): string {
  const from = record.lineTime === null ? '' : ` from ${time(record.lineTime, zone)}`;
  return `[${record.severity}] ${record.source}: ${record.title} (${record.count}×${from})`;
}

/** The messages for one pass's alerts: one each, or one digest when there are more than FINDINGS_ALONE. */
export function findingMessages(alerts: readonly FindingRecord[], zone: string): FindingMessage[] {
  if (alerts.length === 0) return [];
  const high = (r: FindingRecord): boolean => r.severity === 'high' || r.severity === 'critical';
  if (alerts.length <= FINDINGS_ALONE) {
    return alerts.map((r) => ({
      id: `finding-${r.fingerprint}-${r.alertedAt ?? 0}`,
      fingerprints: [r.fingerprint],
      subject: `${r.severity.toUpperCase()}: ${r.title} (${r.source})`,
      body: [lineOf(r, zone), ...r.evidence.slice(0, 3).map((e) => `> ${e}`), ...(r.explanation === null ? [] : [r.explanation])].join('\n'),
      high: high(r),
      ...(r.severity === 'critical' ? { critical: true } : {}),
      at: r.alertedAt ?? r.lastSeen,
    }));
  }
  const at = alerts[0]!.alertedAt ?? alerts[0]!.lastSeen;
  return [{
    id: `findings-${alerts[0]!.source}-${at}`,
    fingerprints: alerts.map((r) => r.fingerprint),
    subject: `${alerts.length} log findings (${[...new Set(alerts.map((r) => r.source))].join(', ')})`,
    body: alerts.map((r) => lineOf(r, zone)).join('\n'),
    high: alerts.some(high),
    ...(alerts.some((r) => r.severity === 'critical') ? { critical: true } : {}),
    at,
  }];
}

export function pushOf(message: FindingMessage): PushMessage {
  return { id: message.id, kind: 'finding', client: null, title: message.subject, body: message.body, priority: message.high ? 'high' : 'default', tags: ['mag'], at: message.at, outageS: null };
}

/** The channels findings go to: e-mail when configured, and the push channels of the default route. */
export function findingChannels(config: ServerConfig): string[] {
  return config.channels.defaultRoute.filter((name) => name !== EMAIL || config.channels.email);
}

export interface Senders {
  /** Sends one message on one channel; resolves true when it was accepted. */
  send(channel: string, message: FindingMessage): Promise<boolean>;
  close(): void;
}

/** The real senders, from the server's configuration. */
export function configuredSenders(config: ServerConfig): Senders {
  let mailer: Mailer | null = null;
  const channels = new Map<string, Channel>(config.channels.push.map((c) => [c.name, makeChannel(c)]));
  return {
    async send(name, message) {
      if (name === EMAIL) {
        mailer ??= config.smtp === null ? fileMailer(config.outboxFile) : smtpMailer(config.smtp);
        try {
          await mailer.send({ from: config.alertFrom, to: config.alertAddresses, subject: message.subject, text: message.body, messageId: `<${message.id}@netmonitor>`, date: new Date(message.at) });
          return true;
        } catch {
          return false;
        }
      }
      const channel = channels.get(name);
      return channel === undefined ? true : (await channel.send(pushOf(message))).ok;
    },
    close: () => mailer?.close(),
  };
}
