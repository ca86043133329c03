/**
 * The one message a channel gets when its quiet hours end: what happened meanwhile, one line
 * per outage ("home-gw down 02:13–02:41 (28m 00s, power)"), per quality alert ("home-gw
 * degraded: 4.17 % of heartbeats lost 02:00–03:00"), and what is still down. Pure.
 */
import { DateTime } from 'luxon';
import { formatDuration } from '../../../shared/duration.js';
import { ascii, SMS_LIMIT, type AlertText } from '../alertText.js';
import type { AlertEvent } from '../storm.js';

/** Lines of a digest before the rest is only counted. */
export const DIGEST_LINES = 30;

function hhmm(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone, locale: 'en-US', numberingSystem: 'latn' }).toFormat('HH:mm');
}

/** `events`: the deferred alerts, oldest first (reminders among them are covered, not listed). */
export function digestText(events: readonly AlertEvent[], zone: string): AlertText {
  const lines: string[] = [];
  const open = new Map<string, { at: number; reason?: string; line: number }>();
  for (const event of events) {
    if (event.type === 'down') {
      if (event.reminder !== undefined || open.has(event.client)) continue;
      open.set(event.client, { at: event.at, reason: event.reason, line: lines.length });
      lines.push(`${event.client} down since ${hhmm(event.at, zone)}${event.reason === undefined ? '' : ` (${event.reason})`}, still down`);
      continue;
    }
    if (event.type === 'quality') {
      const pct = `${((100 * event.lost) / event.expected).toFixed(2)} %`;
      lines.push(`${event.client} ${event.state === 'degraded' ? 'degraded' : 'back to normal'}: ${pct} of heartbeats lost ${hhmm(event.from, zone)}\u2013${hhmm(event.at, zone)}`);
      continue;
    }
    const down = open.get(event.client);
    const length = event.outageMs === null ? 'unknown length' : formatDuration(event.outageMs);
    if (down === undefined) {
      lines.push(`${event.client} up again at ${hhmm(event.at, zone)} after ${length}`);
      continue;
    }
    open.delete(event.client);
    lines[down.line] = `${event.client} down ${hhmm(down.at, zone)}\u2013${hhmm(event.at, zone)} (${length}${down.reason === undefined ? '' : `, ${down.reason}`})`;
  }
  const still = [...open.keys()];
  const named = still.length > DIGEST_LINES ? `${still.slice(0, DIGEST_LINES).join(', ')} (+${still.length - DIGEST_LINES} more)` : still.join(', ');
  const tail = still.length === 0 ? 'Nothing is down now.' : `Still down: ${named}.`;
  const outages = lines.length;
  // Providers cap a message (ntfy and Telegram at 4096): a night of a large fleet is cut short, with the count.
  const shown = outages > DIGEST_LINES ? [...lines.slice(0, DIGEST_LINES), `… and ${outages - DIGEST_LINES} more`] : lines;
  return { subject: `QUIET HOURS OVER: ${outages} ${outages === 1 ? 'change' : 'changes'}, ${still.length} down`, body: [...shown, tail].join('\n') };
}

/**
 * The e-mail digest at the end of quiet hours (digestText, in ASCII for SMS gateways): the
 * subject alone says how many changes and how many clients are down; the body keeps as many
 * lines as fit one SMS with what is still down, and counts the rest ("+3 more").
 */
export function digestAlert(events: readonly AlertEvent[], zone: string): AlertText {
  const text = digestText(events, zone);
  const lines = text.body.split('\n').map((line) => ascii(line.replace(/\u2013/g, '-').replace(/\u2026/g, '...')));
  const tail = lines.pop()!;
  // digestText's own "… and N more" line is folded into the count.
  const cut = /^\.\.\. and (\d+) more$/.exec(lines.at(-1) ?? '');
  if (cut !== null) lines.pop();
  const hidden = cut === null ? 0 : Number(cut[1]);
  const body = (shown: number): string => {
    const rest = lines.length - shown + hidden;
    return [...lines.slice(0, shown), ...(rest > 0 ? [`+${rest} more`] : []), tail].join('\n');
  };
  let shown = lines.length;
  while (shown > 0 && body(shown).length > SMS_LIMIT) shown--;
  // A still-down list longer than an SMS is cut there: the subject has the count.
  return { subject: ascii(text.subject), body: body(shown).slice(0, SMS_LIMIT) };
}
