/** A configured push channel as the thing that sends: one constructor per type. */
import { appriseChannel } from './apprise.js';
import type { PushChannelConfig } from './config.js';
import { discordChannel } from './discord.js';
import { ntfyChannel } from './ntfy.js';
import { pushoverChannel } from './pushover.js';
import { slackChannel } from './slack.js';
import { telegramChannel } from './telegram.js';
import type { Channel } from './types.js';
import { webhookChannel } from './webhook.js';

export function makeChannel(config: PushChannelConfig): Channel {
  switch (config.type) {
    case 'ntfy': return ntfyChannel(config.name, config, config.description);
    case 'telegram': return telegramChannel(config.name, config, config.description);
    case 'discord': return discordChannel(config.name, config, config.description);
    case 'slack': return slackChannel(config.name, config, config.description);
    case 'pushover': return pushoverChannel(config.name, config, config.description);
    case 'webhook': return webhookChannel(config.name, config, config.description);
    case 'apprise': return appriseChannel(config.name, config, config.description);
  }
}
