/**
 * Log analysis findings beside outages: the findings whose first log line falls shortly
 * before or after an outage began ("PPPoE/LCP timeouts from 02:11, 90 s before the
 * outage"). Read from the log analysis state file (`@log-analysis.json` in the log folder,
 * server/analysis/state.ts), which keeps each finding's time; a missing or unreadable file
 * means no findings. The matching is pure.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ANALYSIS_STATE_NAME = '@log-analysis.json';
/** A finding this long before an outage's start, or NEAR_AFTER_MS after it, is placed beside it. */
export const NEAR_BEFORE_MS = 15 * 60_000;
export const NEAR_AFTER_MS = 5 * 60_000;

export interface LoggedFinding {
  source: string;
  title: string;
  severity: string;
  /** Wall ms of its first log line. */
  at: number;
}

export async function readLoggedFindings(logDir: string): Promise<LoggedFinding[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(join(logDir, ANALYSIS_STATE_NAME), 'utf8'));
  } catch {
    return [];
  }
  const findings = (value as { findings?: unknown } | null)?.findings;
  if (typeof findings !== 'object' || findings === null) return [];
  const out: LoggedFinding[] = [];
  for (const f of Object.values(findings as Record<string, Record<string, unknown>>)) {
    if (typeof f?.lineTime !== 'number' || typeof f.title !== 'string' || typeof f.source !== 'string') continue;
    out.push({ source: f.source, title: f.title, severity: String(f.severity), at: f.lineTime });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The findings near an outage that began at `start`, with how far before (positive) or after (negative) it in seconds. */
export function findingsNear(start: number, findings: readonly LoggedFinding[]): { finding: LoggedFinding; beforeS: number }[] {
  return findings
    .filter((f) => f.at >= start - NEAR_BEFORE_MS && f.at <= start + NEAR_AFTER_MS)
    .map((finding) => ({ finding, beforeS: Math.round((start - finding.at) / 1000) }));
}
