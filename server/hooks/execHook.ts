/**
 * The `exec` hook: runs a configured program for each event it subscribes to, with the
 * event in environment variables. The program and its arguments come only from the
 * configuration; nothing from a datagram reaches its argv, and no shell is involved. The
 * hook gets a minimal environment (not the server's, which may hold the SMTP password).
 */
import { spawn } from 'node:child_process';
import type { Logger } from 'winston';
import type { HookConfig } from '../config/server.js';
import type { EventConsumer, MonitorEvent } from '../core/events.js';
import { iso } from '../../log/records.js';
import { outputCapture, squeeze } from './outputCapture.js';


export function eventEnvironment(event: MonitorEvent): Record<string, string> {
  const env: Record<string, string> = {
    NETMONITOR_EVENT: event.type,
    NETMONITOR_CLIENT: event.client,
    NETMONITOR_AT: iso(event.at),
  };
  if (event.type === 'boot') {
    env.NETMONITOR_ADDRESS = event.addr;
    if (event.boot !== null) env.NETMONITOR_BOOT = String(event.boot);
    if (event.uptime !== null) env.NETMONITOR_UPTIME_S = String(event.uptime);
  } else {
    env.NETMONITOR_TRANSITION_ID = event.transitionId;
    if (event.lastUp !== null) env.NETMONITOR_LAST_UP = iso(event.lastUp);
    if (event.type === 'up' && event.outageMs !== null) env.NETMONITOR_OUTAGE_S = String(Math.round(event.outageMs / 1000));
    if (event.type === 'down') env.NETMONITOR_DOWN_INTERVAL_S = String(event.downIntervalMs / 1000);
  }
  return env;
}

export interface HookResult {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
}

/**
 * Runs `hook` once for `event` and reports how it ended. Only the first CAPTURE_LIMIT bytes
 * of its output are kept: a chatty hook is neither killed nor reported as failed for
 * printing a lot (execFile's maxBuffer would do both). `timedOut` is true only when our
 * timer killed it.
 */
export function runHook(hook: HookConfig, event: MonitorEvent): Promise<HookResult> {
  const [program, ...args] = hook.command as [string, ...string[]];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...eventEnvironment(event) };
  return new Promise((resolve) => {
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const output = outputCapture();
    child.stdout.on('data', output.keep);
    child.stderr.on('data', output.keep);
    let timedOut = false;
    let spawnError = '';
    let settled = false;
    const finish = (exitCode: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ exitCode: timedOut ? null : exitCode, timedOut, output: squeeze(`${output.text()} ${spawnError}`) });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, hook.timeoutMs);
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

export function execHookConsumer(hook: HookConfig, logger: Logger): EventConsumer {
  return {
    name: `exec ${hook.command[0]}`,
    async handle(event) {
      if (!hook.events.includes(event.type)) return;
      const result = await runHook(hook, event);
      const what = `hook ${hook.command[0]} for ${event.client} ${event.type}`;
      if (result.timedOut) logger.warn(`${what} killed after ${hook.timeoutMs / 1000}s: ${result.output}`);
      else if (result.exitCode !== 0) logger.warn(`${what} failed (exit ${result.exitCode ?? 'error'}): ${result.output}`);
      else logger.info(`${what} ok${result.output === '' ? '' : `: ${result.output}`}`);
    },
  };
}
