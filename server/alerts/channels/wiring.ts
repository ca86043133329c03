/**
 * What the server needs of the channels, in one place so the server's own code stays a few
 * calls: the outbox's routing and push dispatcher, the record that names an alert's channels,
 * the channels a restart still owes, the start-up line and the stats.
 */
import type { Logger } from 'winston';
import type { LogRecord } from '../../../log/records.js';
import type { ServerConfig } from '../../config/server.js';
import type { MonitorEvent } from '../../core/events.js';
import type { LogDirectory } from '../../store/logDirectory.js';
import { textOfItem, isAlertEvent, type OutboxOptions } from '../outbox.js';
import type { AlertEvent } from '../storm.js';
import { EMAIL, routeOf, type ChannelsConfig } from './config.js';
import { ChannelDispatcher } from './dispatcher.js';
import { makeChannel } from './index.js';
import { DeliveryStates } from './states.js';

/** The outbox options for the configured channels: routes, the push dispatcher (if any), the states. */
export function outboxChannels(config: ServerConfig, logs: LogDirectory, logger: Logger): Pick<OutboxOptions, 'route' | 'channels' | 'states' | 'attention'> {
  const states = new DeliveryStates();
  const channels = config.channels.push.length === 0 ? undefined : new ChannelDispatcher({
    channels: config.channels.push.map(makeChannel),
    logs,
    logger,
    states,
    textOf: (item) => textOfItem(item, config.alertTimezone),
    attention: config.channels.attention,
  });
  return { route: (client) => routeOf(config.channels, client), channels, states, attention: config.channels.attention[EMAIL] };
}

/**
 * An alert's record names the channels it goes to, so a restart knows which are still owed.
 * Left as it is when e-mail is the only one: absent means e-mail, as in every older log.
 */
export function withChannels(channels: ChannelsConfig, record: LogRecord, event: MonitorEvent | null): LogRecord {
  if (event === null || !isAlertEvent(event) || (record.type !== 'up' && record.type !== 'down')) return record;
  const route = routeOf(channels, event.client);
  return route.length === 1 && route[0] === EMAIL ? record : { ...record, channels: [...route] };
}

/** The channels a restart sends `event` to again: those still owed that are still configured. */
export function owedChannels(channels: ChannelsConfig, event: AlertEvent, pending: ReadonlyMap<string, string[]>, logger: Logger): string[] {
  const owed = pending.get(event.transitionId) ?? [EMAIL];
  const configured = (name: string): boolean => (name === EMAIL ? channels.email : channels.push.some((c) => c.name === name));
  const gone = owed.filter((name) => !configured(name));
  if (gone.length > 0) logger.warn(`alert ${event.transitionId} was owed to channel(s) no longer configured: ${gone.join(', ')}`);
  return owed.filter(configured);
}

/** The start-up line: where alerts go. Unchanged for e-mail alone. */
export function channelsLine(channels: ChannelsConfig, mailer: string): string {
  if (channels.push.length === 0) return `alerts go to ${mailer}`;
  const described = [...(channels.email ? [`${EMAIL}: ${mailer}`] : []), ...channels.push.map((channel) => `${channel.name}: ${channel.description}`)];
  return `alerts go to ${described.join('; ')}`;
}

export type ChannelStats = Record<string, { sent: number; failed: number; retried: number; queued: number }>;

/** Each push channel's counts for the stats line; undefined without push channels. */
export function channelStats(dispatcher: ChannelDispatcher | undefined): ChannelStats | undefined {
  if (dispatcher === undefined) return undefined;
  return Object.fromEntries([...dispatcher.queues].map(([name, queue]) => [name, { ...queue.counts, queued: queue.depth }]));
}
