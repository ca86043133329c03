/**
 * NM1's CHECK datagram (docs/protocol.md, "Check results"): a gateway check's current state,
 * sent by the sensor that ran it, signed with that sensor's key and numbered in the very
 * (boot, seq) sequence of its heartbeats, so the one replay window per sensor keeps replays
 * of either out. A server from before this extension refuses it as `malformed` at step 1
 * (its type is neither BOOT nor PING): harmless, no state changes, no alert.
 *
 *     NM1 <sensor> <boot> <seq> CHECK <check> <state> <notify> <age> <detail> <mac>
 *
 * The detail is the rest of the line up to the MAC and may contain spaces. CHECK datagrams
 * are a few per heartbeat interval at most, so parsing them may allocate.
 */
import { computeMac, isSensorId, MAC_HEX_LENGTH, MAX_COUNTER, MAX_DATAGRAM_BYTES } from './nm1.js';

export type CheckState = 'ok' | 'failed';
/** `alert`: the server alerts on the transition this state makes; `log`: it only records it. */
export type CheckNotify = 'alert' | 'log';

export interface CheckReport {
  sensor: string;
  boot: number;
  seq: number;
  check: string;
  state: CheckState;
  notify: CheckNotify;
  /** Whole seconds the check has been in this state when sent (the server stamps the transition by it). */
  age: number;
  /** One line for people; `-` on the wire when empty. */
  detail: string;
}

/** Whether `name` can name a check: a sensor id's characters, and not a URL's dot segment. */
export function isCheckName(name: string): boolean {
  return isSensorId(name) && name !== '.' && name !== '..';
}

const COUNTER = /^(0|[1-9][0-9]{0,15})$/;
const PRINTABLE = /^[\x20-\x7e]+$/;

/**
 * The detail as it can go on the wire: printable ASCII (anything else becomes `?`), no
 * leading or trailing space, cut with `~` to `room` characters; `-` when empty.
 */
export function wireDetail(detail: string, room: number): string {
  let text = detail.replace(/[^\x20-\x7e]/g, '?').trim();
  if (text.length > room) text = `${text.slice(0, room - 1).trimEnd()}~`;
  return text === '' ? '-' : text;
}

/** The signed CHECK datagram a sensor sends; the detail is cut to fit 256 bytes. */
export function encodeCheck(report: CheckReport, key: Buffer): Buffer {
  const head = `NM1 ${report.sensor} ${report.boot} ${report.seq} CHECK ${report.check} ${report.state} ${report.notify} ${report.age} `;
  const room = MAX_DATAGRAM_BYTES - head.length - 1 - MAC_HEX_LENGTH;
  const body = head + wireDetail(report.detail, room);
  return Buffer.from(`${body} ${computeMac(key, Buffer.from(body, 'ascii')).toString('hex')}`, 'ascii');
}

/** A CHECK datagram's fields, and where its signed part ends; null when it is not a well-formed one. */
export function parseCheck(datagram: Buffer): { report: CheckReport; signedEnd: number } | null {
  let length = datagram.length;
  if (length > 0 && datagram[length - 1] === 0x0a) length -= 1;
  if (length > MAX_DATAGRAM_BYTES) return null;
  const text = datagram.toString('latin1', 0, length);
  if (!PRINTABLE.test(text)) return null;
  const signedEnd = length - MAC_HEX_LENGTH - 1;
  if (signedEnd < 4 || text[signedEnd] !== ' ' || !/^[0-9a-f]{32}$/.test(text.slice(signedEnd + 1))) return null;
  const fields = text.slice(0, signedEnd).split(' ');
  if (fields.length < 10) return null;
  const [nm1, sensor, boot, seq, type, check, state, notify, age] = fields as [string, string, string, string, string, string, string, string, string];
  const detail = fields.slice(9).join(' ');
  if (nm1 !== 'NM1' || type !== 'CHECK' || !isSensorId(sensor) || !isCheckName(check)) return null;
  if (!COUNTER.test(boot) || !COUNTER.test(seq) || !COUNTER.test(age)) return null;
  if ((state !== 'ok' && state !== 'failed') || (notify !== 'alert' && notify !== 'log')) return null;
  // A detail that is not blank and has no space at either end: `-` stands for none.
  if (detail === '' || detail !== detail.trim()) return null;
  const numbers = [Number(boot), Number(seq), Number(age)];
  if (numbers.some((n) => n > MAX_COUNTER)) return null;
  return {
    report: { sensor, boot: numbers[0]!, seq: numbers[1]!, check, state, notify, age: numbers[2]!, detail: detail === '-' ? '' : detail },
    signedEnd,
  };
}
