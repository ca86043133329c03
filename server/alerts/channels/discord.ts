/**
 * Discord webhooks: `POST <webhook_url>` with `{content, embeds, allowed_mentions: {parse: []}}`,
 * so that no text from outside can ping `@everyone`, `@here`, a role or a user. A 429 gives
 * its wait as a Retry-After header and as `retry_after` in the body, in seconds as a float.
 */
import { deliver, jsonOf, resultOf } from './http.js';
import { discordMarkdown } from './text.js';
import type { Channel, PushMessage } from './types.js';

export interface DiscordConfig {
  type: 'discord';
  webhookUrl: string;
  timeoutMs: number;
}

const RED = 0xd83c3e;
const GREEN = 0x2d9d78;

export function discordBody(message: PushMessage): Record<string, unknown> {
  return {
    content: discordMarkdown(message.title).slice(0, 2000),
    embeds: [{ title: discordMarkdown(message.title).slice(0, 256), description: discordMarkdown(message.body).slice(0, 4096), color: message.priority === 'high' ? RED : GREEN }],
    allowed_mentions: { parse: [] },
  };
}

export function discordChannel(name: string, config: DiscordConfig, description: string): Channel {
  const secrets = [config.webhookUrl, ...config.webhookUrl.split('/').slice(-2)];
  return {
    name,
    type: 'discord',
    description,
    send(message: PushMessage) {
      return deliver(
        { url: config.webhookUrl, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(discordBody(message)), timeoutMs: config.timeoutMs },
        secrets,
        (answer) => {
          // The header when there is one: Discord has been seen to give the body's value in
          // milliseconds, against its documentation (discord-api-docs#4722).
          const retryAfter = answer.headers['retry-after'] === undefined ? (jsonOf(answer.text) as { retry_after?: unknown } | undefined)?.retry_after : undefined;
          return resultOf(answer, secrets, typeof retryAfter === 'number' ? Math.ceil(retryAfter * 1000) : null);
        },
      );
    },
  };
}
