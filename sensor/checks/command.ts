/** The `command` check: a program's exit status (argv, no shell), with a timeout and its output capped. */
import { runProgram } from '../../shared/runProgram.js';
import type { CommandSettings } from './config.js';
import { failed, ok, type CheckResult } from './result.js';

export async function runCommandCheck(check: CommandSettings, env: Record<string, string>): Promise<CheckResult> {
  const result = await runProgram(check.command, env, check.timeoutS * 1000);
  const output = result.output === '' ? '' : `: ${result.output}`;
  if (result.timedOut) return failed(`${check.command[0]} killed after ${check.timeoutS}s${output}`);
  if (result.exitCode === 0) return ok(`${check.command[0]} exit 0${output}`);
  return failed(`${check.command[0]} ${result.exitCode === null ? 'could not run' : `exit ${result.exitCode}`}${output}`);
}
