/**
 * The effects of probing: one ICMP echo through the system's `ping` (iputils), or one TCP
 * connect. `ping` gets an argv and no shell; iputils uses an unprivileged ICMP socket where
 * net.ipv4.ping_group_range allows it, or its file capability, so the server needs no root.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ProbeConfig } from '../../config/supervision.js';

export interface ProbeResult {
  ok: boolean;
  rttMs: number | null;
  error: string | null;
}

/** The program run for ICMP probes; a test may point it elsewhere. */
export const PING_PROGRAM = 'ping';

/** ping's argv: one echo, numeric output, a whole-second deadline, and `--` before the host. */
export function pingArguments(host: string, timeoutMs: number): string[] {
  const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  const family = host.includes(':') ? '-6' : '-4';
  return [family, '-n', '-c', '1', '-W', seconds, '-w', seconds, '--', host];
}

/** The round-trip time from ping's output (`time=0.037 ms`), or null. */
export function parsePingTime(output: string): number | null {
  const match = /time[=<]([\d.]+) ?ms/.exec(output);
  return match === null ? null : Number(match[1]);
}

export function icmpProbe(host: string, timeoutMs: number, program = PING_PROGRAM): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(program, pingArguments(host, timeoutMs), { timeout: timeoutMs + 2000, shell: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } }, (error, stdout, stderr) => {
      const rttMs = parsePingTime(stdout);
      if (error === null && rttMs !== null) return resolve({ ok: true, rttMs, error: null });
      const code = (error as NodeJS.ErrnoException | null)?.code;
      const why = code === 'ENOENT' ? `${program} is not installed (Debian: iputils-ping)` : (stderr.trim() || 'no reply').split('\n')[0]!;
      resolve({ ok: false, rttMs: null, error: why });
    });
  });
}

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host, port });
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, rttMs: null, error: `no connection within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => finish({ ok: true, rttMs: Math.round((performance.now() - started) * 1000) / 1000, error: null }));
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ ok: false, rttMs: null, error: error.code ?? error.message }));
  });
}

export function runProbe(probe: ProbeConfig): Promise<ProbeResult> {
  return probe.type === 'icmp' ? icmpProbe(probe.host, probe.timeoutMs) : tcpProbe(probe.host, probe.port!, probe.timeoutMs);
}
