/**
 * The `exec` hook: runs a configured program for each event it subscribes to, with the
 * event in environment variables. The program and its arguments come only from the
 * configuration; nothing from a datagram reaches its argv, and no shell is involved. The
 * hook gets a minimal environment (not the server's, which may hold the SMTP password).
 */
import type { Logger } from 'winston';
import type { HookConfig } from '../config/server.js';
import type { EventConsumer, MonitorEvent } from '../core/events.js';
import { iso } from '../../log/records.js';
import { runProgram, type ProgramResult } from '../../shared/runProgram.js';

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

export type HookResult = ProgramResult;

/** Runs `hook` once for `event` and reports how it ended. */
export function runHook(hook: HookConfig, event: MonitorEvent): Promise<HookResult> {
  return runProgram(hook.command, { PATH: process.env.PATH ?? '/usr/bin:/bin', ...eventEnvironment(event) }, hook.timeoutMs);
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
