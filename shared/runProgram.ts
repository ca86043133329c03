/**
 * Runs a program given as argv (never through a shell) with a timeout, keeping only the
 * first CAPTURE_LIMIT bytes of its output: a chatty program is neither killed nor reported
 * as failed for printing a lot (execFile's maxBuffer would do both). Used by the server's
 * exec hooks and by the sensor's checks and actions.
 */
import { spawn } from 'node:child_process';
import { outputCapture, squeeze } from './outputCapture.js';

export interface ProgramResult {
  /** The exit status; null when it timed out, was killed or could not be started. */
  exitCode: number | null;
  /** True only when our timer killed it. */
  timedOut: boolean;
  /** Its output (stdout and stderr), squeezed onto one line. */
  output: string;
}

/** A result with the output as printed (stdout and stderr as they came), up to the capture limit. */
export interface ProgramText extends ProgramResult {
  text: string;
}

export async function runProgram(argv: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<ProgramResult> {
  const { text: _text, ...result } = await runProgramText(argv, env, timeoutMs);
  return result;
}

/** runProgram keeping the output's lines too: up to `captureLimit` bytes (a log reader keeps more than CAPTURE_LIMIT). */
export function runProgramText(argv: readonly string[], env: Record<string, string>, timeoutMs: number, captureLimit?: number): Promise<ProgramText> {
  const [program, ...args] = argv as [string, ...string[]];
  return new Promise((resolve) => {
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const output = outputCapture(captureLimit);
    child.stdout.on('data', output.keep);
    child.stderr.on('data', output.keep);
    let timedOut = false;
    let spawnError = '';
    let settled = false;
    const finish = (exitCode: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const text = output.text();
      resolve({ exitCode: timedOut ? null : exitCode, timedOut, output: squeeze(`${text} ${spawnError}`), text });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      // The program could not be started (ENOENT, EACCES): no exit will follow.
      spawnError = error.message;
      if (child.pid === undefined) finish(null);
    });
    // After a kill, a grandchild may still hold the output pipes open: do not wait for them.
    child.on('exit', () => {
      if (!timedOut) return;
      child.stdout.destroy();
      child.stderr.destroy();
      finish(null);
    });
    child.on('close', (code) => finish(code));
  });
}
