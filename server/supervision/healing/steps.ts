/**
 * The effects of healing: one step run once. A local program (argv, no shell, through the
 * exec hook runner), an SSH command (ssh2, host key pinned by SHA-256), or an HTTP request.
 * Each ends in a StepOutcome with output kept short enough for a log record; none throws.
 */
import type { MonitorEvent } from '../../core/events.js';
import { runHook } from '../../hooks/execHook.js';
import { CAPTURE_LIMIT, outputCapture, squeeze } from '../../../shared/outputCapture.js';
import type { HealingStep, HttpStep, LocalStep, SshStep } from '../../config/supervision.js';
import { urlOrigin } from '../../../shared/redact.js';
import { hostKeyRefusal, sshExec } from '../sshExec.js';


export type StepCode = 'ok' | 'exit' | 'timeout' | 'spawn' | 'hostkey' | 'auth' | 'connect' | 'status';

export interface StepOutcome {
  ok: boolean;
  code: StepCode;
  /** Exit status or HTTP status; null when there was none. */
  status: number | null;
  output: string;
  /** Why it failed, for people. */
  error: string | null;
}

/** One step's name for logs: never its secrets. */
export function describeStep(step: HealingStep): string {
  if (step.type === 'local') return `local ${step.command[0]}`;
  if (step.type === 'ssh') return `ssh ${step.username}@${step.host}:${step.port} ${step.command[0]}`;
  return `http ${step.method} ${urlOrigin(step.url)}`;
}

export async function runLocalStep(step: LocalStep, event: MonitorEvent): Promise<StepOutcome> {
  const result = await runHook({ command: step.command, events: [], timeoutMs: step.timeoutMs }, event);
  if (result.timedOut) return { ok: false, code: 'timeout', status: null, output: result.output, error: `killed after ${step.timeoutMs} ms` };
  if (result.exitCode === null) return { ok: false, code: 'spawn', status: null, output: '', error: result.output || 'could not be started' };
  const ok = result.exitCode === 0;
  return { ok, code: ok ? 'ok' : 'exit', status: result.exitCode, output: result.output, error: ok ? null : `exit status ${result.exitCode}` };
}

export async function runSshStep(step: SshStep): Promise<StepOutcome> {
  const captured = outputCapture();
  const outcome = await sshExec(step, step.command, captured.keep, captured.keep);
  const output = squeeze(captured.text());
  const failed = (code: StepCode, error: string, status: number | null = null): StepOutcome => ({ ok: false, code, status, output, error });
  switch (outcome.kind) {
    case 'exit':
      if (outcome.code === 0) return { ok: true, code: 'ok', status: 0, output, error: null };
      return failed('exit', outcome.code === null ? `ended by signal ${outcome.signal ?? '?'}` : `exit status ${outcome.code}`, outcome.code);
    case 'timeout':
      return failed('timeout', `no result within ${step.timeoutMs} ms`);
    case 'hostkey':
      return failed('hostkey', hostKeyRefusal(step, outcome.seen));
    case 'auth':
      return failed('auth', `${step.username}@${step.host} was not accepted (${step.privateKey !== null ? 'key' : 'password'} authentication)`);
    case 'exec-refused':
      return failed('connect', `exec refused: ${outcome.message}`);
    case 'connect':
      return failed('connect', outcome.message);
    case 'closed':
      return failed('connect', 'connection closed before the command ended');
  }
}

export async function runHttpStep(step: HttpStep): Promise<StepOutcome> {
  try {
    const response = await fetch(step.url, {
      method: step.method,
      headers: step.headers,
      ...(step.body !== null ? { body: step.body } : {}),
      signal: AbortSignal.timeout(step.timeoutMs),
      redirect: 'manual',
    });
    const output = squeeze((await response.text()).slice(0, CAPTURE_LIMIT));
    const ok = step.expectStatus === null ? response.status >= 200 && response.status < 300 : step.expectStatus.includes(response.status);
    return { ok, code: ok ? 'ok' : 'status', status: response.status, output, error: ok ? null : `HTTP status ${response.status}` };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, code: 'timeout', status: null, output: '', error: `no answer within ${step.timeoutMs} ms` };
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    return { ok: false, code: 'connect', status: null, output: '', error: cause?.code ?? (error as Error).message };
  }
}

export function runStep(step: HealingStep, event: MonitorEvent): Promise<StepOutcome> {
  if (step.type === 'local') return runLocalStep(step, event);
  if (step.type === 'ssh') return runSshStep(step);
  return runHttpStep(step);
}
