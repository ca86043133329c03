/**
 * The words of an alert. The body must fit one SMS (160 ASCII characters) because many users
 * forward alerts to a carrier's e-mail-to-SMS gateway; the subject must make sense alone
 * because some gateways show only the subject.
 */
import { DateTime } from 'luxon';
import { formatDuration } from '../shared/duration.js';
import type { DownEvent, UpEvent } from './events.js';

export const SMS_LIMIT = 160;

export interface AlertText {
  subject: string;
  body: string;
}

/**
 * A fixed locale: Luxon otherwise follows its process-wide default, and in some locales
 * (ar-EG, hi-IN-u-nu-deva) digits and zone names are not ASCII and would not survive SMS.
 */
function clock(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone, locale: 'en-US', numberingSystem: 'latn' }).toFormat('yyyy-MM-dd HH:mm:ss ZZZZ');
}

/** Only printable ASCII survives SMS gateways intact. */
function ascii(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** Shortens the client's name, never the facts, when the whole would not fit. */
function fit(make: (name: string) => string, client: string): string {
  let name = ascii(client);
  let text = make(name);
  // Stop at 8 characters and the `~`: shortening that name again would not shrink it.
  while (text.length > SMS_LIMIT && name.length > 9) {
    name = name.slice(0, Math.max(8, name.length - (text.length - SMS_LIMIT) - 1)) + '~';
    text = make(name);
  }
  return text.slice(0, SMS_LIMIT);
}

export function downAlert(event: DownEvent, zone: string): AlertText {
  const silent = formatDuration(event.downIntervalMs);
  const since = event.lastUp === null ? 'an unknown time' : clock(event.lastUp, zone);
  return {
    subject: ascii(`DOWN: ${event.client}`),
    body: fit((name) => `${name} is DOWN: no heartbeat for ${silent}. Last heard ${since}.`, event.client),
  };
}

export function upAlert(event: UpEvent, zone: string): AlertText {
  const length = event.outageMs === null ? 'unknown length' : formatDuration(event.outageMs);
  return {
    subject: ascii(`UP: ${event.client} after ${length}`),
    body: fit((name) => `${name} is UP again at ${clock(event.at, zone)}. The outage lasted ${length}.`, event.client),
  };
}
