/** What one run of a check found. */
export type CheckStatus = 'ok' | 'failed' | 'unavailable';

export interface CheckResult {
  status: CheckStatus;
  /** One line for people, such as "default route missing" or "conntrack 96 % (61,440/64,000)". */
  detail: string;
}

export const ok = (detail: string): CheckResult => ({ status: 'ok', detail });
export const failed = (detail: string): CheckResult => ({ status: 'failed', detail });
/** The machine cannot answer the check (no conntrack module, no table): not a failure. */
export const unavailable = (detail: string): CheckResult => ({ status: 'unavailable', detail });

/** `count` against `min`..`max`, worded for a detail line. */
export function countProblem(what: string, count: number, range: { min: number; max: number }): string | null {
  if (count < range.min) return `${count} ${what}, fewer than ${range.min}`;
  if (count > range.max) return `${count} ${what}, more than ${range.max}`;
  return null;
}
