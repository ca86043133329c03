/**
 * Any HTTP endpoint: `url`, `method`, `headers`, and a JSON `body` template whose strings may
 * hold the placeholders {client}, {event}, {at}, {outage}, {title}, {text} and {id}. A string
 * that is exactly one placeholder becomes that value with its JSON type (outage: seconds or
 * null). The default body is the same fields as one object.
 */
import { deliver } from './http.js';
import type { Channel, PushMessage } from './types.js';

export interface WebhookConfig {
  type: 'webhook';
  url: string;
  method: 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  /** Null: the default body. */
  body: unknown;
  timeoutMs: number;
}

export const PLACEHOLDERS = ['client', 'event', 'at', 'outage', 'title', 'text', 'id'] as const;

export const DEFAULT_BODY = { client: '{client}', event: '{event}', at: '{at}', outage_s: '{outage}', title: '{title}', text: '{text}', id: '{id}' };

function valuesOf(message: PushMessage): Record<(typeof PLACEHOLDERS)[number], string | number | null> {
  return { client: message.client, event: message.kind, at: new Date(message.at).toISOString(), outage: message.outageS, title: message.title, text: message.body, id: message.id };
}

/** The template with every placeholder filled in; keys are left as written. */
export function fillTemplate(template: unknown, message: PushMessage): unknown {
  const values = valuesOf(message);
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const whole = /^\{(\w+)\}$/.exec(value);
      if (whole !== null && whole[1]! in values) return values[whole[1] as keyof typeof values];
      return value.replace(/\{(\w+)\}/g, (match, key: string) => (key in values ? String(values[key as keyof typeof values] ?? '') : match));
    }
    if (Array.isArray(value)) return value.map(fill);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
    return value;
  };
  return fill(template);
}

export function webhookChannel(name: string, config: WebhookConfig, description: string): Channel {
  const url = new URL(config.url);
  const secrets = [config.url, url.pathname.slice(1), url.search.slice(1), ...Object.values(config.headers)];
  return {
    name,
    type: 'webhook',
    description,
    send(message: PushMessage) {
      const body = JSON.stringify(fillTemplate(config.body ?? DEFAULT_BODY, message));
      return deliver({ url: config.url, method: config.method, headers: { 'Content-Type': 'application/json', ...config.headers }, body, timeoutMs: config.timeoutMs }, secrets);
    },
  };
}
