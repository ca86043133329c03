/**
 * The actions a check runs: `exec` (a program), `route` (`ip route replace`), `restart` (a
 * systemd or procd service). Each is an argv, never a shell; each gets a small environment
 * (PATH and the check's result), not the sensor's own.
 */
import { runProgram, type ProgramResult } from '../../shared/runProgram.js';
import type { Action, CheckConfig } from './config.js';
import type { CheckResult } from './result.js';

/** The PATH programs get; nothing else of the sensor's environment. */
export const PROGRAM_PATH = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin';

/** The argv an action runs. */
export function actionArgv(action: Action): string[] {
  switch (action.type) {
    case 'exec':
      return [...action.command];
    case 'route':
      return [
        'ip', `-${action.family}`, 'route', 'replace', action.prefix,
        ...(action.via === null ? [] : ['via', action.via]),
        ...(action.dev === null ? [] : ['dev', action.dev]),
        'table', action.table,
      ];
    case 'restart':
      return action.manager === 'systemd' ? ['systemctl', 'restart', action.service] : [`/etc/init.d/${action.service}`, 'restart'];
  }
}

/** The environment of an action's program: what the check found, for `exec` scripts. */
export function actionEnvironment(check: CheckConfig, sensor: string, result: CheckResult, event: 'failure' | 'recovery'): Record<string, string> {
  return {
    PATH: PROGRAM_PATH,
    NETMONITOR_SENSOR: sensor,
    NETMONITOR_CHECK: check.name,
    NETMONITOR_CHECK_TYPE: check.type,
    NETMONITOR_CHECK_EVENT: event,
    NETMONITOR_CHECK_STATUS: result.status,
    NETMONITOR_CHECK_DETAIL: result.detail,
  };
}

export function runAction(action: Action, env: Record<string, string>): Promise<ProgramResult> {
  return runProgram(actionArgv(action), env, action.timeoutS * 1000);
}
