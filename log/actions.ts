/**
 * What the supervision modules (docs/supervision.md) did for a client, read back from the
 * records they write into its log: `healing` (attempts, steps, giving up), `librenms`
 * (forcing a device down, polls, checks) and the probes' `rtt` summaries. Shared by the
 * report and the API so that both say the same thing about the same record.
 *
 * Round-trip records come every `stats_interval` (a year is 100,000 of them), so a run of
 * them with no other action in between is folded into one entry (count, min/avg/max); the
 * list keeps only the most recent `limit` entries, so memory stays bounded whatever the
 * log's length.
 */
import { timeOf, type ReadRecord, type ReadRecordOf } from './records.js';

export type ActionModule = 'probe' | 'healing' | 'librenms' | 'alerts';

/** A run of `rtt` records summed up. */
export interface RttTotals {
  /** Start of the first period summed up (its `from`), ms since the epoch. */
  from: number;
  periods: number;
  count: number;
  lost: number;
  minMs: number | null;
  maxMs: number | null;
  /** Sum of the answered probes' times, for the weighted mean; see avgMs(). */
  sumMs: number;
  answered: number;
}

export interface Action {
  /** When the record was written (for an rtt run: the end of its last period). */
  at: number;
  module: ActionModule;
  /** The record's phase (`attempt`, `step`, `still-down`, ...), or `rtt`. */
  kind: string;
  /** A short word or two: `ok`, `failed`, `started`, `gave up`, `down`, `up`, `error`, ... */
  result: string;
  /** One line for people, from the record's fields (never more than DETAIL_LIMIT characters). */
  detail: string;
  /** Set on a probe entry only. */
  rtt: RttTotals | null;
}

export interface ActionList {
  /** Oldest first. */
  listed: Action[];
  /** Entries that fell off the front to keep the list within its limit. */
  omitted: number;
}

/** Which actions to keep: those in [since, until] (null: open), at most `limit`, the newest. */
export interface ActionScope {
  since: number | null;
  until: number | null;
  limit: number;
}

/** What a glance needs (the API's client detail): the last 50 actions of the whole log. */
export const RECENT_ACTIONS = 50;
export const RECENT_SCOPE: ActionScope = Object.freeze({ since: null, until: null, limit: RECENT_ACTIONS });

export const DETAIL_LIMIT = 300;

export function newActionList(): ActionList {
  return { listed: [], omitted: 0 };
}

/** Log text made one printable line: records may hold command output with anything in it. */
function clean(value: unknown, limit = DETAIL_LIMIT): string {
  if (value === null || value === undefined) return '';
  const flat = String(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit)}…` : flat;
}

const joined = (...parts: string[]): string => clean(parts.filter((part) => part !== '').join('; '));

/** Pure: what one `healing` record says (docs/supervision.md, "Log records"). */
function healingAction(record: ReadRecordOf<'healing'>, at: number): Action {
  const base = { at, module: 'healing' as const, kind: record.phase, rtt: null };
  switch (record.phase) {
    case 'attempt':
      return { ...base, result: 'started', detail: `attempt ${record.attempt ?? '?'} of ${record.of ?? '?'}` };
    case 'step': {
      const { step, attempt } = record;
      const ok = record.ok === true;
      return {
        ...base,
        result: ok ? 'ok' : 'failed',
        detail: joined(
          `step ${step === null ? '?' : step + 1} of attempt ${attempt ?? '?'}: ${clean(record.what, 120) || clean(record.kind, 20)}`,
          ok ? '' : clean(record.error, 120) || clean(record.code, 20),
          clean(record.output, 120) === '' ? '' : `output: ${clean(record.output, 120)}`,
        ),
      };
    }
    case 'attempt-end':
      return { ...base, result: 'done', detail: `attempt ${record.attempt ?? '?'} ended` };
    case 'gave-up':
      return { ...base, result: 'gave up', detail: `still down after ${record.attempts ?? '?'} attempt(s): manual intervention needed` };
    case 'reset':
      return { ...base, result: 'client up', detail: `the client came back after ${record.attempts ?? '?'} attempt(s)` };
  }
}

/** Pure: what one `librenms` record says (docs/supervision.md, "Log records"). */
function librenmsAction(record: ReadRecordOf<'librenms'>, at: number): Action {
  const device = `device ${clean(record.device_id, 20) || '?'} (${clean(record.hostname, 80) || '?'})`;
  const base = { at, module: 'librenms' as const, kind: record.phase, rtt: null };
  switch (record.phase) {
    case 'unsupervised':
      return { ...base, result: 'forced down', detail: `${device} set to ${clean(record.ip, 60)} until it recovers (its IP: ${clean(record.original_ip, 60)})` };
    case 'poll': {
      const ok = record.ok === true;
      const output = clean(record.output, 120);
      return { ...base, result: ok ? 'ok' : 'failed', detail: joined(`${device} polled`, ok ? '' : `${clean(record.code, 20)} ${clean(record.status, 20)}`.trim(), output === '' ? '' : `output: ${output}`) };
    }
    case 'still-down':
      return { ...base, result: 'down', detail: `${device} port ${clean(record.port_id, 20)} is ${clean(record.if_oper_status, 20)}; next check in ${record.next_check_s ?? '?'} s` };
    case 'recovered':
      return { ...base, result: 'up', detail: `${device} port ${clean(record.port_id, 20)} is up; IP ${clean(record.restored_ip, 60)} restored` };
    case 'api-error':
      return { ...base, result: 'error', detail: joined(`${device}: ${clean(record.error, 160)}`, `retry in ${record.retry_s ?? '?'} s`) };
  }
}

export function avgMs(totals: RttTotals): number | null {
  return totals.answered > 0 ? Math.round((totals.sumMs / totals.answered) * 1000) / 1000 : null;
}

/** The result and line of an rtt run, recomputed as periods join it. */
function describeRtt(action: Action, totals: RttTotals): void {
  action.result = totals.lost === 0 ? 'ok' : totals.lost >= totals.count ? 'no answer' : 'some lost';
  const times = totals.minMs === null ? 'no answers' : `min/avg/max ${totals.minMs}/${avgMs(totals)}/${totals.maxMs} ms`;
  action.detail = `${totals.count} probe(s) in ${totals.periods} period(s), ${totals.lost} lost; ${times}`;
}

/** Adds one `rtt` record to the run the list ends with, or starts a run. */
function addRtt(list: ActionList, record: ReadRecordOf<'rtt'>, at: number, limit: number): void {
  const count = record.count ?? 0;
  const lost = Math.min(count, record.lost ?? 0);
  const { avg_ms: avg, min_ms: min, max_ms: max } = record;
  const last = list.listed.at(-1);
  let action: Action;
  if (last !== undefined && last.rtt !== null) action = last;
  else {
    action = { at, module: 'probe', kind: 'rtt', result: '', detail: '', rtt: { from: timeOf(record.from) ?? at, periods: 0, count: 0, lost: 0, minMs: null, maxMs: null, sumMs: 0, answered: 0 } };
    push(list, action, limit);
  }
  const totals = action.rtt!;
  action.at = Math.max(action.at, at);
  totals.periods++;
  totals.count += count;
  totals.lost += lost;
  if (avg !== null && count - lost > 0) {
    totals.sumMs += avg * (count - lost);
    totals.answered += count - lost;
  }
  if (min !== null) totals.minMs = totals.minMs === null ? min : Math.min(totals.minMs, min);
  if (max !== null) totals.maxMs = totals.maxMs === null ? max : Math.max(totals.maxMs, max);
  describeRtt(action, totals);
}

function push(list: ActionList, action: Action, limit: number): void {
  list.listed.push(action);
  while (list.listed.length > limit) {
    list.listed.shift();
    list.omitted++;
  }
}

/** Pure: the action one record stands for; null for a record no supervision module wrote. */
/** An acknowledgement (docs/alerts.md#acknowledgement): someone took the outage on. */
function ackAction(record: ReadRecordOf<'ack'>, at: number): Action {
  return { at, module: 'alerts', kind: 'ack', result: 'acknowledged', detail: clean(`outage ${record.down ?? '?'}, by ${record.by ?? '?'}`), rtt: null };
}

export function actionOf(record: ReadRecord, at: number): Action | null {
  if (record.type === 'healing') return healingAction(record, at);
  if (record.type === 'librenms') return librenmsAction(record, at);
  if (record.type === 'ack') return ackAction(record, at);
  return null;
}

/** Folds one record (written at `at`) into the list; records of other types, or outside the scope, are ignored. */
export function addAction(list: ActionList, scope: ActionScope, record: ReadRecord, at: number): void {
  if (record.type !== 'rtt' && record.type !== 'healing' && record.type !== 'librenms' && record.type !== 'ack') return;
  if ((scope.since !== null && at < scope.since) || (scope.until !== null && at > scope.until)) return;
  if (record.type === 'rtt') return addRtt(list, record, at, scope.limit);
  push(list, actionOf(record, at)!, scope.limit);
}
