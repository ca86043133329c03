/**
 * Slack incoming webhooks: `POST <webhook_url>` with `{text}`. Errors come back as plain-text
 * bodies (`invalid_payload`, `channel_not_found`, …), which become the recorded answer.
 */
import { deliver } from './http.js';
import { slackText } from './text.js';
import type { Channel, PushMessage } from './types.js';

export interface SlackConfig {
  type: 'slack';
  webhookUrl: string;
  timeoutMs: number;
}

export function slackChannel(name: string, config: SlackConfig, description: string): Channel {
  const secrets = [config.webhookUrl, ...config.webhookUrl.split('/').slice(-3)];
  return {
    name,
    type: 'slack',
    description,
    send(message: PushMessage) {
      const body = JSON.stringify({ text: `*${slackText(message.title)}*\n${slackText(message.body)}` });
      return deliver({ url: config.webhookUrl, headers: { 'Content-Type': 'application/json' }, body, timeoutMs: config.timeoutMs }, secrets);
    },
  };
}
