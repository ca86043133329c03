/**
 * The effects of healing: one step run once. A local program (argv, no shell, through the
 * exec hook runner), an SSH command (ssh2, host key pinned by SHA-256), or an HTTP request.
 * Each ends in a StepOutcome with output kept short enough for a log record; none throws.
 */
import { createHash } from 'node:crypto';
import type { MonitorEvent } from '../../core/events.js';
import { runHook } from '../../hooks/execHook.js';
import { CAPTURE_LIMIT, outputCapture, squeeze } from '../../../shared/outputCapture.js';
import type { HealingStep, HttpStep, LocalStep, SshStep } from '../../config/supervision.js';
import { urlOrigin } from '../../../shared/redact.js';


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

/** `SHA256:<base64 without padding>` of a raw SSH public key, as ssh-keygen -l prints it. */
export function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Quotes one argument for a POSIX shell: the remote sshd hands the command to the user's shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export async function runSshStep(step: SshStep): Promise<StepOutcome> {
  // Loaded on first use: ssh2 brings a 16 MiB WebAssembly heap that only SSH healing needs.
  const { Client } = await import('ssh2');
  return new Promise((resolve) => {
    const client = new Client();
    let seenKey: string | null = null;
    let settled = false;
    const captured = outputCapture();
    const keep = captured.keep;
    const finish = (outcome: Omit<StepOutcome, 'output'> & { output?: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      resolve({ output: squeeze(captured.text()), ...outcome });
    };
    const timer = setTimeout(() => finish({ ok: false, code: 'timeout', status: null, error: `no result within ${step.timeoutMs} ms` }), step.timeoutMs);
    client.on('ready', () => {
      client.exec(step.command.map(shellQuote).join(' '), (error, stream) => {
        if (error) return finish({ ok: false, code: 'connect', status: null, error: `exec refused: ${error.message}` });
        stream.on('data', keep);
        stream.stderr.on('data', keep);
        stream.on('close', (code: number | null, signal?: string) => {
          if (code === 0) finish({ ok: true, code: 'ok', status: 0, error: null });
          else finish({ ok: false, code: 'exit', status: code ?? null, error: code === null || code === undefined ? `ended by signal ${signal ?? '?'}` : `exit status ${code}` });
        });
      });
    });
    client.on('error', (error: Error & { level?: string }) => {
      if (seenKey !== null && seenKey !== step.hostKeySha256) {
        finish({ ok: false, code: 'hostkey', status: null, error: `refused: the host key of ${step.host}:${step.port} is ${seenKey}, not the pinned ${step.hostKeySha256} (unknown or changed key)` });
      } else if (error.level === 'client-authentication') {
        finish({ ok: false, code: 'auth', status: null, error: `${step.username}@${step.host} was not accepted (${step.privateKey !== null ? 'key' : 'password'} authentication)` });
      } else finish({ ok: false, code: 'connect', status: null, error: error.message });
    });
    client.on('close', () => finish({ ok: false, code: 'connect', status: null, error: 'connection closed before the command ended' }));
    client.connect({
      host: step.host,
      port: step.port,
      username: step.username,
      ...(step.privateKey !== null ? { privateKey: step.privateKey } : {}),
      ...(step.password !== null ? { password: step.password } : {}),
      readyTimeout: step.timeoutMs,
      // The pinned fingerprint is the only trust: an unknown or changed key ends the connection.
      hostVerifier: (key: Buffer) => {
        seenKey = sshFingerprint(key);
        return seenKey === step.hostKeySha256;
      },
    });
  });
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
