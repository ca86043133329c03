/**
 * What a restarting server learns of a client's healing from its log: the outage under way,
 * how many attempts it had, which steps of the last attempt finished, and whether healing
 * gave up. Healing records name the down transition they belong to (`down`), so records of
 * an earlier outage never count for this one.
 */
import { access } from 'node:fs/promises';
import { timeOf, type ReadRecord } from '../../../log/records.js';
import { readRecords } from '../../../log/reader.js';

export interface LoggedHealing {
  /** The down record of the outage under way; null when the client is not down. */
  down: { id: string; at: number; lastUp: number | null; downIntervalMs: number; reason?: string } | null;
  attempts: number;
  /** Steps of the last attempt that finished (ok or not): they are not run again. */
  finishedSteps: Set<number>;
  /** Wall time the last attempt ended; null when it was cut short by the restart. */
  lastEndedAt: number | null;
  gaveUp: boolean;
}

/** Folds one record into the state (exported for tests that feed records directly). */
export function foldHealing(state: LoggedHealing, record: ReadRecord): LoggedHealing {
  if (record.type === 'down' && record.id !== null) {
    const at = timeOf(record.at) ?? 0;
    const reason = typeof record.reason === 'string' ? { reason: record.reason } : {};
    return {
      down: { id: record.id, at, lastUp: timeOf(record.last_up), downIntervalMs: (record.down_interval_s ?? 0) * 1000, ...reason },
      attempts: 0, finishedSteps: new Set(), lastEndedAt: null, gaveUp: false,
    };
  }
  if (record.type === 'up') return { down: null, attempts: 0, finishedSteps: new Set(), lastEndedAt: null, gaveUp: false };
  if (record.type !== 'healing' || state.down === null || record.down !== state.down.id) return state;
  switch (record.phase) {
    case 'attempt':
      return { ...state, attempts: Math.max(state.attempts, record.attempt ?? 0), finishedSteps: new Set(), lastEndedAt: null };
    case 'step':
      if ((record.attempt ?? 0) === state.attempts && record.step !== null) state.finishedSteps.add(record.step);
      return state;
    case 'attempt-end':
      return (record.attempt ?? 0) === state.attempts ? { ...state, lastEndedAt: timeOf(record.at) } : state;
    case 'gave-up':
      return { ...state, gaveUp: true };
    case 'reset':
      return state;
  }
}

export async function readHealing(path: string): Promise<LoggedHealing> {
  let state: LoggedHealing = { down: null, attempts: 0, finishedSteps: new Set(), lastEndedAt: null, gaveUp: false };
  if (!(await access(path).then(() => true, () => false))) return state;
  for await (const record of readRecords(path)) state = foldHealing(state, record);
  return state;
}
