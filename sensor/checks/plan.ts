/**
 * What a check's result means for its actions: pure, with the clock passed in. A failing
 * check runs its `on_failure` actions on every failing run, as long as its budget allows
 * (at most `budget.actions` actions in any `budget.window` seconds): a fix that does not
 * help is not retried in a loop (Monit's restart loops, watchcat's reboot loops). The first
 * passing run after a failure runs `on_recovery` and resets the budget.
 */
import type { Action, CheckConfig } from './config.js';
import type { ConntrackLevel } from './conntrack.js';
import type { CheckResult, CheckStatus } from './result.js';

/** What is remembered of a check between runs (and, in checks-state.json, between processes). */
export interface CheckMemory {
  status: CheckStatus;
  /** When the check entered this status (ms since the epoch). */
  since: number;
  detail: string;
  /** When each failure action of the current failure ran (ms), for the budget. */
  actions: number[];
  /** The conntrack level, for its hysteresis. */
  level?: ConntrackLevel;
}

export type Transition = 'failed' | 'recovered' | null;

export interface Plan {
  memory: CheckMemory;
  transition: Transition;
  /** The actions to run now, in order. */
  run: readonly Action[];
  /** Failure actions left out because the budget is spent. */
  overBudget: readonly Action[];
}

export function plan(check: CheckConfig, previous: CheckMemory | undefined, result: CheckResult, now: number): Plan {
  const was = previous?.status;
  if (result.status === 'unavailable') {
    // Nothing to judge by: keep the status, forget nothing, do nothing.
    const memory = previous === undefined ? { status: result.status, since: now, detail: result.detail, actions: [] } : { ...previous, detail: result.detail };
    return { memory, transition: null, run: [], overBudget: [] };
  }
  if (result.status === 'ok') {
    const recovered = was === 'failed';
    const memory: CheckMemory = { status: 'ok', since: was === 'ok' ? previous!.since : now, detail: result.detail, actions: [] };
    return { memory, transition: recovered ? 'recovered' : null, run: recovered ? check.onRecovery : [], overBudget: [] };
  }
  const windowStart = now - check.budget.windowS * 1000;
  const recent = (was === 'failed' ? previous!.actions : []).filter((at) => at > windowStart);
  const room = Math.max(0, check.budget.actions - recent.length);
  const run = check.onFailure.slice(0, room);
  const memory: CheckMemory = {
    status: 'failed',
    since: was === 'failed' ? previous!.since : now,
    detail: result.detail,
    actions: [...recent, ...run.map(() => now)],
  };
  return { memory, transition: was === 'failed' ? null : 'failed', run, overBudget: check.onFailure.slice(room) };
}
