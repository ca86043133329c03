/**
 * Runs checks and their actions: one pass for `netmonitor check`, or each check on its own
 * `every` inside `netmonitor sensor`. What each check found last, and its action budget, are
 * kept in `checks-state.json` beside the sensor's state file, so a pass from cron and a
 * restarted sensor both remember them; it is written only when something changed.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../shared/atomicFile.js';
import { isObject } from '../../shared/configCheck.js';
import { actionArgv, actionEnvironment, PROGRAM_PATH, runAction } from './actions.js';
import { runCommandCheck } from './command.js';
import { runDhcpCheck } from './dhcp.js';
import type { Action, CheckConfig } from './config.js';
import { evaluateConntrack, NO_CONNTRACK, readConntrack, type ConntrackLevel } from './conntrack.js';
import { plan, type CheckMemory, type Transition } from './plan.js';
import { runProcessCheck } from './process.js';
import { unavailable, type CheckResult } from './result.js';
import { runRouteCheck, type RouteReader } from './route.js';

export interface ActionOutcome {
  argv: string[];
  /** false when it failed; null when not run (a dry run, or the budget is spent). */
  ok: boolean | null;
  detail: string;
}

export interface CheckOutcome {
  check: CheckConfig;
  result: CheckResult;
  transition: Transition;
  actions: ActionOutcome[];
}

export interface RunnerOptions {
  sensor: string;
  /** Actions are printed, not run, and nothing is saved. */
  dryRun: boolean;
  now?: () => number;
  routes?: RouteReader;
  conntrack?: (path: string) => Promise<string>;
  /** Where a failure to save the memory is told (once). */
  warn?: (line: string) => void;
}

/** The file beside the sensor's state file that keeps the checks' memory. */
export function checksStateFile(sensorStateFile: string): string {
  return join(dirname(sensorStateFile), 'checks-state.json');
}

export async function readMemory(path: string): Promise<Map<string, CheckMemory>> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    // Missing or damaged: every check starts afresh, with a full budget.
    return new Map();
  }
  const memory = new Map<string, CheckMemory>();
  const checks = isObject(value) && isObject(value.checks) ? value.checks : {};
  for (const [name, entry] of Object.entries(checks)) {
    if (!isObject(entry) || !['ok', 'failed', 'unavailable'].includes(entry.status as string) || typeof entry.since !== 'number' || !Array.isArray(entry.actions)) continue;
    const level = ['ok', 'warning', 'critical'].includes(entry.level as string) ? entry.level as ConntrackLevel : undefined;
    memory.set(name, {
      status: entry.status as CheckMemory['status'],
      since: entry.since,
      detail: typeof entry.detail === 'string' ? entry.detail : '',
      actions: entry.actions.filter((at): at is number => typeof at === 'number'),
      ...(level === undefined ? {} : { level }),
    });
  }
  return memory;
}

export class CheckRunner {
  private saving: Promise<void> = Promise.resolve();
  private saveWarned = false;

  constructor(private readonly options: RunnerOptions, readonly memory: Map<string, CheckMemory>, private readonly stateFile: string | null) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Runs the check itself; never throws (a failure to look is a failed check, said so). */
  private async evaluate(check: CheckConfig, env: Record<string, string>): Promise<{ result: CheckResult; level?: ConntrackLevel }> {
    try {
      switch (check.type) {
        case 'route':
          return { result: await runRouteCheck(check, this.options.routes) };
        case 'process':
          return { result: await runProcessCheck(check) };
        case 'command':
          return { result: await runCommandCheck(check, env) };
        case 'dhcp':
          return { result: await runDhcpCheck(check) };
        case 'conntrack': {
          const table = await readConntrack(this.options.conntrack);
          if (table === null) return { result: unavailable(NO_CONNTRACK) };
          const { level, result } = evaluateConntrack(table.count, table.max, this.memory.get(check.name)?.level ?? 'ok', check);
          return { result, level };
        }
      }
    } catch (error) {
      return { result: { status: 'failed', detail: `cannot run the check: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` } };
    }
  }

  private async perform(actions: readonly Action[], env: Record<string, string>): Promise<ActionOutcome[]> {
    const outcomes: ActionOutcome[] = [];
    for (const action of actions) {
      const argv = actionArgv(action);
      if (this.options.dryRun) {
        outcomes.push({ argv, ok: null, detail: 'dry run: not run' });
        continue;
      }
      const result = await runAction(action, env);
      const output = result.output === '' ? '' : `: ${result.output}`;
      if (result.timedOut) outcomes.push({ argv, ok: false, detail: `killed after ${action.timeoutS}s${output}` });
      else if (result.exitCode === 0) outcomes.push({ argv, ok: true, detail: `exit 0${output}` });
      else outcomes.push({ argv, ok: false, detail: `${result.exitCode === null ? 'could not run' : `exit ${result.exitCode}`}${output}` });
    }
    return outcomes;
  }

  /** One run of one check and the actions its result calls for. */
  async run(check: CheckConfig): Promise<CheckOutcome> {
    const { result, level } = await this.evaluate(check, { PATH: PROGRAM_PATH });
    const previous = this.memory.get(check.name);
    const decided = plan(check, previous, result, this.now());
    const memory = level === undefined ? decided.memory : { ...decided.memory, level };
    const event = result.status === 'ok' ? 'recovery' : 'failure';
    const actions = await this.perform(decided.run, actionEnvironment(check, this.options.sensor, result, event));
    for (const action of decided.overBudget) {
      actions.push({ argv: actionArgv(action), ok: null, detail: `not run: the budget of ${check.budget.actions} actions in ${check.budget.windowS}s is spent` });
    }
    const changed = JSON.stringify(previous) !== JSON.stringify(memory);
    this.memory.set(check.name, memory);
    if (changed && !this.options.dryRun) await this.save();
    return { check, result, transition: decided.transition, actions };
  }

  /** Saves the memory; saves are queued one after the other, each one the whole memory. */
  save(): Promise<void> {
    const path = this.stateFile;
    if (path === null) return Promise.resolve();
    this.saving = this.saving.then(async () => {
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, `${JSON.stringify({ checks: Object.fromEntries(this.memory) })}\n`, 0o600);
    }).catch((error: NodeJS.ErrnoException) => {
      // A read-only state folder costs the memory across passes, not the checks: say so once.
      if (this.saveWarned) return;
      this.saveWarned = true;
      this.options.warn?.(`cannot save ${path} (${error.code ?? 'error'}): action budgets do not hold across passes or restarts`);
    });
    return this.saving;
  }
}

/** The worst of a pass, as `netmonitor check` exits: 0 all ok, 1 a check failed, 3 an action failed. */
export function exitStatus(outcomes: readonly CheckOutcome[]): 0 | 1 | 3 {
  if (outcomes.some((outcome) => outcome.actions.some((action) => action.ok === false))) return 3;
  return outcomes.some((outcome) => outcome.result.status === 'failed') ? 1 : 0;
}

/** The lines a check's outcome is reported in. */
export function describe(outcome: CheckOutcome): string[] {
  const { check, result, transition } = outcome;
  const status = result.status === 'unavailable' ? 'not available' : result.status;
  const change = transition === 'failed' ? ' (now failing)' : transition === 'recovered' ? ' (recovered)' : '';
  const lines = [`check ${check.name} (${check.type}): ${status}${change}: ${result.detail}`];
  for (const action of outcome.actions) {
    const verdict = action.ok === null ? '' : action.ok ? ' ok' : ' FAILED';
    lines.push(`  action ${action.argv.join(' ')}:${verdict} ${action.detail}`);
  }
  return lines;
}
