/**
 * The words of an alert. The body must fit one SMS (160 ASCII characters) because many users
 * forward alerts to a carrier's e-mail-to-SMS gateway; the subject must make sense alone
 * because some gateways show only the subject.
 */
import { DateTime } from 'luxon';
import { formatDuration } from '../../shared/duration.js';
import type { AloneNote, DownEvent, QualityEvent, UpEvent } from '../core/events.js';
import type { Summary } from './storm.js';

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
export function ascii(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** Shortens the client's name, never the facts, when the whole would not fit. */
function fit(make: (name: string) => string, client: string): string {
  return shortened(make, client).slice(0, SMS_LIMIT);
}

/** The text with the client's name shortened as far as it goes (to 8 characters and `~`) to fit; it may still be too long. */
function shortened(make: (name: string) => string, client: string): string {
  let name = ascii(client);
  let text = make(name);
  // Stop at 8 characters and the `~`: shortening that name again would not shrink it.
  while (text.length > SMS_LIMIT && name.length > 9) {
    name = name.slice(0, Math.max(8, name.length - (text.length - SMS_LIMIT) - 1)) + '~';
    text = make(name);
  }
  return text;
}

export function downAlert(event: DownEvent, zone: string): AlertText {
  if (event.reminder !== undefined) return reminderAlert(event, event.reminder.downAt, zone);
  if (event.intervention !== undefined) {
    return { subject: ascii(`ACTION NEEDED: ${event.client}`), body: fit((name) => `${name} is still DOWN: ${event.intervention}. Manual intervention needed.`, event.client) };
  }
  // Without a known last heartbeat, the moment it was declared down is the best time to give.
  const since = event.lastUp === null ? `never; down at ${clock(event.at, zone)}` : clock(event.lastUp, zone);
  const subject = ascii(`DOWN: ${event.client}`);
  if (event.reason !== undefined) return { subject, body: failureBody(event.client, event.reason, since) };
  const silent = formatDuration(event.downIntervalMs);
  const make = (name: string): string => `${name} is DOWN: no heartbeat for ${silent}. Last heard ${since}.`;
  if (event.alone === undefined) return { subject, body: fit(make, event.client) };
  // The note first, as in a storm's summary: a gateway that shows only the start still shows it.
  // A long name gives way first, then the note's longer wording.
  const [long, short] = noteTexts(event.alone, zone);
  const body = shortened((name) => `${long} ${make(name)}`, event.client);
  return { subject, body: body.length <= SMS_LIMIT ? body : fit((name) => `${short} ${make(name)}`, event.client) };
}

/** Characters of a group's name a note keeps. */
const NOTE_GROUP_CHARS = 16;

/**
 * What the other clients say, long and short: `ISP-wide: 3 of 5 clients of group
 * comcast-denver down since 02:13.` (the clock in the alert's zone) or `ISP-wide: 3/5 of
 * comcast-denver down since 02:13.`; or the monitor's uplink when every client is down.
 */
function noteTexts(note: AloneNote, zone: string): [string, string] {
  if (note.kind === 'uplink') return [`all ${note.total} clients DOWN: likely the monitor's own uplink.`, `all ${note.total} DOWN: monitor uplink?`];
  const since = note.since === null ? '' : ` since ${DateTime.fromMillis(note.since, { zone, locale: 'en-US', numberingSystem: 'latn' }).toFormat('HH:mm')}`;
  let group = ascii(note.group);
  if (group.length > NOTE_GROUP_CHARS) group = group.slice(0, NOTE_GROUP_CHARS - 1) + '~';
  return [`ISP-wide: ${note.down} of ${note.members} clients of group ${group} down${since}.`, `ISP-wide: ${note.down}/${note.members} of ${group} down${since}.`];
}

/** A reminder that a client is still down: how long, and since when. */
function reminderAlert(event: DownEvent, downAt: number, zone: string): AlertText {
  const since = event.lastUp ?? downAt;
  const length = formatDuration(event.at - since);
  return {
    subject: ascii(`STILL DOWN: ${event.client} for ${length}`),
    body: fit((name) => `${name} is still DOWN, for ${length}: last heard ${clock(since, zone)}.`, event.client),
  };
}

/** Characters of a client's name an explicit failure's body keeps, however long the reason. */
const FAILURE_NAME_CHARS = 24;

/**
 * An explicit failure (HTTP `status=fail`, a failed probe) says what failed and why instead
 * of a silence that did not happen. When the whole is too long, a long name gives way first,
 * down to FAILURE_NAME_CHARS, then the reason (free text, up to 200 characters).
 */
function failureBody(client: string, reason: string, since: string): string {
  const make = (name: string, why: string): string => `${name} is DOWN: ${why}. Last heard ${since}.`;
  let name = ascii(client);
  let why = ascii(reason);
  let excess = make(name, why).length - SMS_LIMIT;
  if (excess > 0 && name.length > FAILURE_NAME_CHARS) {
    name = name.slice(0, Math.max(FAILURE_NAME_CHARS - 1, name.length - excess - 1)) + '~';
    excess = make(name, why).length - SMS_LIMIT;
  }
  if (excess > 0) why = why.slice(0, Math.max(0, why.length - excess - 1)) + '~';
  return make(name, why).slice(0, SMS_LIMIT);
}

export function upAlert(event: UpEvent, zone: string): AlertText {
  const length = event.outageMs === null ? 'unknown length' : formatDuration(event.outageMs);
  return {
    subject: ascii(`UP: ${event.client} after ${length}`),
    body: fit((name) => `${name} is UP again at ${clock(event.at, zone)}. The outage lasted ${length}.`, event.client),
  };
}

/** A quality period closed degraded, or quality returned after a degraded stretch. */
export function qualityAlert(event: QualityEvent, zone: string): AlertText {
  const pct = `${((100 * event.lost) / event.expected).toFixed(2)} %`;
  const hours = (ms: number, format: string): string => DateTime.fromMillis(ms, { zone, locale: 'en-US', numberingSystem: 'latn' }).toFormat(format);
  const span = `${hours(event.from, 'HH:mm')}-${hours(event.at, 'HH:mm ZZZZ')}`;
  const counts = `${event.lost} of ${event.expected}`;
  if (event.state === 'degraded') {
    return {
      subject: ascii(`DEGRADED: ${event.client} lost ${pct} of heartbeats`),
      body: fit((name) => `${name} is up but DEGRADED: lost ${pct} of its heartbeats (${counts}) ${span}, over the ${event.thresholdPct} % threshold.`, event.client),
    };
  }
  return {
    subject: ascii(`QUALITY OK: ${event.client}`),
    body: fit((name) => `${name} heartbeats back under the ${event.thresholdPct} % threshold: lost ${pct} (${counts}) ${span}.`, event.client),
  };
}

/** Names as many clients as fit in what is left of an SMS, then says how many more. */
function nameList(names: string[], room: number): string {
  let text = '';
  for (let i = 0; i < names.length; i++) {
    const rest = names.length - i - 1;
    const next = `${text === '' ? '' : ', '}${names[i]}`;
    const tail = rest > 0 ? ` (+${rest} more)` : '';
    if ((text + next + tail).length > room) return `${text} (+${names.length - i} more)`;
    text += next;
  }
  return text;
}

/** One message for many held alerts (server/alerts/storm.ts); also fits one SMS. */
export function summaryAlert(summary: Summary, zone: string): AlertText {
  const events = summary.events;
  const first = events[0]!;
  const last = events[events.length - 1]!;
  const since = clock(first.at, zone);
  const clients = [...new Set(events.map((e) => ascii(e.client)))];
  let subject: string;
  let head: string;
  if (summary.reason === 'flapping') {
    const state = last.type === 'down' ? 'DOWN' : 'UP';
    subject = `FLAPPING: ${ascii(first.client)} (${events.length} changes)`;
    head = `${ascii(first.client)} is flapping: ${events.length} changes since ${since}; ${state} since ${clock(last.at, zone)}.`;
    return { subject, body: head.slice(0, SMS_LIMIT) };
  }
  if (summary.reason === 'hold') {
    const state = first.type === 'down' ? 'DOWN' : 'UP again';
    subject = `${first.type === 'down' ? 'DOWN' : 'UP'}: ${clients.length} clients`;
    head = `${clients.length} clients ${state} since ${since}: `;
  } else if (summary.reason === 'storm') {
    const state = first.type === 'down' ? 'DOWN' : 'UP again';
    subject = `STORM: ${clients.length} clients ${first.type === 'down' ? 'DOWN' : 'UP'}`;
    head = `${summary.note === undefined ? '' : `${summary.note} `}${clients.length} more clients ${state} since ${since}: `;
  } else {
    subject = `HELD: ${events.length} alerts over the hourly limit`;
    head = `${events.length} alerts held (hourly limit) since ${since}: `;
  }
  const tail = '.';
  return { subject, body: head + nameList(clients, SMS_LIMIT - head.length - tail.length) + tail };
}
