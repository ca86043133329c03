/**
 * ntfy (https://ntfy.sh or a server of one's own): `POST <server>/<topic>` with the message as
 * the body and the title, priority and tags as headers; a token as `Authorization: Bearer`, or
 * a user name and password as Basic. Header values must be latin-1, so the title is sent as
 * ASCII (alert titles are ASCII by design; anything else becomes `?`).
 */
import { deliver } from './http.js';
import type { Channel, PushMessage } from './types.js';

export interface NtfyConfig {
  type: 'ntfy';
  url: string;
  token: string | null;
  username: string | null;
  password: string | null;
  click: string | null;
  timeoutMs: number;
}

const header = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?');

export function ntfyChannel(name: string, config: NtfyConfig, description: string): Channel {
  // On a public server the topic is the secret: whoever knows it reads the alerts.
  const secrets = [config.token, config.password, new URL(config.url).pathname.slice(1)].filter((s): s is string => s !== null);
  return {
    name,
    type: 'ntfy',
    description,
    send(message: PushMessage) {
      const headers: Record<string, string> = {
        'Content-Type': 'text/plain; charset=utf-8',
        Title: header(message.title),
        Priority: message.priority,
        Tags: message.tags.join(','),
      };
      if (config.click !== null) headers.Click = config.click;
      // ntfy's action button: the app POSTs the signed link itself (ntfy.sh/docs/publish/#http-action).
      if (message.ackUrl !== undefined) headers.Actions = `http, Acknowledge, ${message.ackUrl}, method=POST, clear=true`;
      if (config.token !== null) headers.Authorization = `Bearer ${config.token}`;
      else if (config.username !== null) headers.Authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;
      return deliver({ url: config.url, headers, body: message.body, timeoutMs: config.timeoutMs }, secrets);
    },
  };
}
