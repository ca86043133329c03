/**
 * The `process` check: counts the processes whose name (/proc/PID/comm), command line
 * (/proc/PID/cmdline, arguments joined by spaces) and real user match, against a range.
 * Read from /proc directly, no `ps` (busybox's differs from procps'). `matchingProcesses`
 * is pure.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { ProcessSettings } from './config.js';
import { countProblem, failed, ok, type CheckResult } from './result.js';

export interface ProcessInfo {
  pid: number;
  name: string;
  cmdline: string;
  uid: number;
}

/** The uid of `user`: a number as is, a name through /etc/passwd; null when unknown. */
export function uidOf(user: string, passwd: string): number | null {
  if (/^\d+$/.test(user)) return Number(user);
  for (const line of passwd.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name === user && uid !== undefined && /^\d+$/.test(uid)) return Number(uid);
  }
  return null;
}

export function matchingProcesses(processes: readonly ProcessInfo[], check: ProcessSettings, uid: number | null): ProcessInfo[] {
  return processes.filter((info) =>
    (check.process === null || info.name === check.process) &&
    (check.cmdline === null || check.cmdline.test(info.cmdline)) &&
    (check.user === null || info.uid === uid));
}

export function describeMatch(check: ProcessSettings): string {
  const parts = [check.process ?? 'processes'];
  if (check.cmdline !== null) parts.push(`matching /${check.cmdline.source}/`);
  if (check.user !== null) parts.push(`of ${check.user}`);
  return parts.join(' ');
}

export function evaluateProcesses(processes: readonly ProcessInfo[], check: ProcessSettings, uid: number | null): CheckResult {
  const what = describeMatch(check);
  if (check.user !== null && uid === null) return failed(`user ${check.user} does not exist`);
  const found = matchingProcesses(processes, check, uid);
  const problem = countProblem(what, found.length, check.count);
  const pids = found.slice(0, 5).map((info) => info.pid).join(', ') + (found.length > 5 ? ', …' : '');
  return problem !== null ? failed(problem) : ok(`${found.length} ${what}${found.length > 0 ? ` (pid ${pids})` : ''}`);
}

/** Every process this sensor may see; one that exits while being read is left out. */
export async function readProcesses(proc = '/proc'): Promise<ProcessInfo[]> {
  const processes: ProcessInfo[] = [];
  for (const entry of await readdir(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [comm, cmdline, status] = await Promise.all([
        readFile(`${proc}/${entry}/comm`, 'utf8'),
        readFile(`${proc}/${entry}/cmdline`, 'utf8'),
        readFile(`${proc}/${entry}/status`, 'utf8'),
      ]);
      const uid = /^Uid:\s+(\d+)/m.exec(status);
      processes.push({ pid: Number(entry), name: comm.replace(/\n$/, ''), cmdline: cmdline.replace(/\0+$/, '').replaceAll('\0', ' '), uid: uid === null ? -1 : Number(uid[1]) });
    } catch {
      // Gone between readdir and read: it is not running.
    }
  }
  return processes;
}

export async function runProcessCheck(check: ProcessSettings): Promise<CheckResult> {
  let uid: number | null = null;
  if (check.user !== null) uid = uidOf(check.user, await readFile('/etc/passwd', 'utf8').catch(() => ''));
  return evaluateProcesses(await readProcesses(), check, uid);
}
