/**
 * The words of an alert for a push channel: the title and body of the SMS-sized e-mail text
 * (alertText.ts, so both say the same thing), plus a priority and tags. And the escaping each
 * markup needs, because parts of a body come from outside (a failure reason a sensor sent, a
 * healing step's output) and must never format, link or mention anyone.
 */
import type { AlertText } from '../alertText.js';
import type { AlertItem, PushMessage } from './types.js';

export function pushMessage(id: string, item: AlertItem, text: AlertText): PushMessage {
  if (item.kind === 'summary') {
    const down = item.summary.events.at(-1)?.type === 'down';
    return { id, kind: 'summary', client: null, title: text.subject, body: text.body, priority: down ? 'high' : 'default', tags: [down ? 'warning' : 'white_check_mark'], at: item.summary.events[0]!.at, outageS: null };
  }
  const event = item.event;
  if (event.type === 'down') {
    const kind = event.reminder !== undefined ? 'reminder' : event.intervention === undefined ? 'down' : 'action-needed';
    // A phone has room for what the SMS-sized text leaves out: the failure the client reported.
    const body = event.reason === undefined ? text.body : `${text.body}\nReason: ${event.reason}`;
    return { id, kind, client: event.client, title: text.subject, body, priority: 'high', tags: [kind === 'down' ? 'rotating_light' : kind === 'reminder' ? 'hourglass' : 'sos'], at: event.at, outageS: null };
  }
  if (event.type === 'quality') {
    return { id, kind: 'quality', client: event.client, title: text.subject, body: text.body, priority: 'default', tags: [event.state === 'degraded' ? 'chart_with_downwards_trend' : 'chart_with_upwards_trend'], at: event.at, outageS: null };
  }
  const outageS = event.outageMs === null ? null : event.outageMs / 1000;
  return { id, kind: 'up', client: event.client, title: text.subject, body: text.body, priority: 'default', tags: ['white_check_mark'], at: event.at, outageS };
}

export function testMessage(now: number, body: string): PushMessage {
  return { id: `test-${now}`, kind: 'test', client: null, title: 'TEST: netmonitor alerts reach you', body, priority: 'default', tags: ['test_tube'], at: now, outageS: null };
}

/** `@everyone` and `@here` with a zero-width space after the `@`: shown the same, pinging nobody. */
export function noMassMention(text: string): string {
  return text.replace(/@(everyone|here)/gi, '@\u200b$1');
}

/** Telegram's HTML parse mode: only &, < and > are special. */
export function telegramHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Discord markdown: every formatting character backslash-escaped, and no mass mention. */
export function discordMarkdown(text: string): string {
  return noMassMention(text.replace(/[\\*_~`|>#\-[\]()]/g, '\\$&'));
}

/** Slack mrkdwn: &, < and > as entities (Slack's rule), so no `<!everyone>` or `<url|link>` can be formed. */
export function slackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
