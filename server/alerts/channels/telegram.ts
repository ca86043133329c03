/**
 * Telegram: `POST <api_url>/bot<token>/sendMessage` with `{chat_id, text, parse_mode: "HTML"}`.
 * Accepted only when the answer says `"ok": true`. A 429 names its wait in
 * `parameters.retry_after` (seconds). The token is in the path, so it is redacted from every
 * answer and never part of a description.
 */
import { deliver, jsonOf, resultOf, type HttpAnswer } from './http.js';
import { telegramHtml } from './text.js';
import type { Channel, PushMessage, SendResult } from './types.js';

export interface TelegramConfig {
  type: 'telegram';
  botToken: string;
  chatId: string;
  apiUrl: string;
  timeoutMs: number;
}

/** Telegram's limit for one message's text. */
const TEXT_LIMIT = 4096;

export function telegramText(message: PushMessage): string {
  return `<b>${telegramHtml(message.title)}</b>\n${telegramHtml(message.body)}`.slice(0, TEXT_LIMIT);
}

function readAnswer(answer: HttpAnswer, secrets: readonly string[]): SendResult {
  const json = jsonOf(answer.text) as { ok?: unknown; parameters?: { retry_after?: unknown } } | undefined;
  const retryAfter = json?.parameters?.retry_after;
  const result = resultOf(answer, secrets, typeof retryAfter === 'number' ? retryAfter * 1000 : null);
  // A 200 without "ok": true is not an accepted message (a proxy's page, an API change).
  if (result.ok && json?.ok !== true) return { ok: false, permanent: false, answer: `HTTP ${answer.status} without "ok": true`, retryAfterMs: null };
  return result;
}

export function telegramChannel(name: string, config: TelegramConfig, description: string): Channel {
  const secrets = [config.botToken];
  return {
    name,
    type: 'telegram',
    description,
    send(message: PushMessage) {
      const body = JSON.stringify({ chat_id: config.chatId, text: telegramText(message), parse_mode: 'HTML', disable_web_page_preview: true });
      return deliver(
        { url: `${config.apiUrl.replace(/\/+$/, '')}/bot${config.botToken}/sendMessage`, headers: { 'Content-Type': 'application/json' }, body, timeoutMs: config.timeoutMs },
        secrets,
        (answer) => readAnswer(answer, secrets),
      );
    },
  };
}
