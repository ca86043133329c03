/**
 * Findings across runs. Each has a fingerprint of (source, title, template); the same
 * finding alerts once, and again only when its severity changes or it returns after
 * `quiet_period` unseen, and only at or above `min_alert_severity`. The decision and the
 * record of it are made together, so the caller saves the state before it sends anything:
 * a restart finds the alert already recorded and does not send it twice. Pure, clock injected.
 */
import { createHash } from 'node:crypto';
import { SEVERITIES, type Severity } from './config.js';
import type { ModelFinding } from './prompt.js';
import type { RuleFinding } from './rules.js';
import type { FindingRecord } from './state.js';
import { maskLine } from './templates.js';

/** A finding of one run: what its record (state.ts) keeps, without the times it was seen and alerted. */
export type Finding = Omit<FindingRecord, 'firstSeen' | 'lastSeen' | 'alertedSeverity' | 'alertedAt'>;

export const severityRank = (severity: Severity): number => SEVERITIES.indexOf(severity);

export function fingerprint(source: string, title: string, template: string): string {
  return createHash('sha256').update(`${source}\n${title}\n${template}`).digest('hex').slice(0, 16);
}

/** The time at the start of a line (ISO 8601, as journal lines and many syslogs write it), in wall ms. */
export function lineTime(line: string | undefined): number | null {
  const match = /^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)/.exec(line ?? '');
  if (match === null) return null;
  const time = Date.parse(match[1]!.replace(' ', 'T'));
  return Number.isNaN(time) ? null : time;
}

export function fromRule(source: string, rule: RuleFinding): Finding {
  return {
    fingerprint: fingerprint(source, rule.title, rule.template),
    source,
    origin: 'rule',
    severity: rule.severity,
    title: rule.title,
    template: rule.template,
    evidence: rule.evidence,
    count: rule.count,
    explanation: null,
    lineTime: lineTime(rule.evidence[0]),
  };
}

export function fromModel(source: string, found: ModelFinding): Finding {
  // The template of its first evidence line: the same trouble on other numbers is the same finding.
  const template = found.evidence.length > 0 ? maskLine(found.evidence[0]!) : '';
  return {
    fingerprint: fingerprint(source, found.title.toLowerCase(), template),
    source,
    origin: 'model',
    severity: found.severity,
    title: found.title,
    template,
    evidence: found.evidence,
    count: found.count,
    explanation: found.explanation,
    lineTime: lineTime(found.evidence[0]),
  };
}

export interface Policy {
  minAlertSeverity: Severity;
  quietPeriodMs: number;
}

/** Whether `finding`, seen now, alerts, given what is remembered of it. */
export function shouldAlert(finding: Finding, known: FindingRecord | undefined, now: number, policy: Policy): boolean {
  if (severityRank(finding.severity) < severityRank(policy.minAlertSeverity)) return false;
  if (known === undefined || known.alertedSeverity === null) return true;
  if (known.alertedSeverity !== finding.severity) return true;
  return now - known.lastSeen >= policy.quietPeriodMs;
}

/**
 * Records this run's findings in `records` (changed in place) and returns those to alert,
 * already marked as alerted. The same fingerprint twice in one run counts once. Without
 * `alerting` (a pass of `netmonitor analyze`, which sends no alert) nothing is marked.
 */
export function observe(records: Record<string, FindingRecord>, findings: readonly Finding[], now: number, policy: Policy, alerting = true): FindingRecord[] {
  const alerts: FindingRecord[] = [];
  const seen = new Set<string>();
  for (const finding of findings) {
    if (seen.has(finding.fingerprint)) continue;
    seen.add(finding.fingerprint);
    const known = records[finding.fingerprint];
    const alert = alerting && shouldAlert(finding, known, now, policy);
    const record: FindingRecord = {
      ...finding,
      firstSeen: known?.firstSeen ?? now,
      lastSeen: now,
      alertedSeverity: alert ? finding.severity : known?.alertedSeverity ?? null,
      alertedAt: alert ? now : known?.alertedAt ?? null,
    };
    records[finding.fingerprint] = record;
    if (alert) alerts.push(record);
  }
  return alerts;
}
