/**
 * Pushover: `POST <api_url>/1/messages.json`, form-encoded `token, user, title, message,
 * priority` (1 for down alerts: high, sounding through the user's quiet hours; 0 otherwise).
 * Accepted when the answer is 2xx with `"status": 1`.
 */
import { deliver, jsonOf, resultOf } from './http.js';
import type { Channel, PushMessage } from './types.js';

export interface PushoverConfig {
  type: 'pushover';
  appToken: string;
  userKey: string;
  apiUrl: string;
  timeoutMs: number;
}

/** Pushover's limits for a message and a title. */
const MESSAGE_LIMIT = 1024;
const TITLE_LIMIT = 250;

export function pushoverChannel(name: string, config: PushoverConfig, description: string): Channel {
  const secrets = [config.appToken, config.userKey];
  return {
    name,
    type: 'pushover',
    description,
    send(message: PushMessage) {
      const form = new URLSearchParams({
        token: config.appToken,
        user: config.userKey,
        title: message.title.slice(0, TITLE_LIMIT),
        message: message.body.slice(0, MESSAGE_LIMIT),
        priority: message.priority === 'high' ? '1' : '0',
        timestamp: String(Math.floor(message.at / 1000)),
      });
      return deliver(
        { url: `${config.apiUrl.replace(/\/+$/, '')}/1/messages.json`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString(), timeoutMs: config.timeoutMs },
        secrets,
        (answer) => {
          const result = resultOf(answer, secrets);
          const status = (jsonOf(answer.text) as { status?: unknown } | undefined)?.status;
          if (result.ok && status !== 1) return { ok: false, permanent: false, answer: `HTTP ${answer.status} without "status": 1`, retryAfterMs: null };
          return result;
        },
      );
    },
  };
}
