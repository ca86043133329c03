/**
 * A gateway check's failure in words, placed against the outage it may explain
 * (log/checkFailures.ts): "home-gw/wan: default route missing, 40s before the silence of
 * home-gw that began 2026-12-02 14:02:03". One wording for the text and JSON reports.
 */
import type { CheckFailure } from '../log/checkFailures.js';
import { formatDuration, readableIn } from './timeText.js';

export function checkFailureText(failure: CheckFailure, zone: string): string {
  const what = `${failure.client}: ${failure.detail ?? 'failed'} at ${readableIn(failure.start, zone)}`;
  const lasted = failure.end === null ? ', still failing' : `, for ${formatDuration(failure.durationMs)}`;
  const { explains } = failure;
  if (explains === null) return what + lasted;
  const when = explains.leadMs >= 0 ? `${formatDuration(explains.leadMs)} before the silence` : `${formatDuration(-explains.leadMs)} into the silence`;
  return `${what}${lasted}, ${when} of ${failure.sensor} that began ${readableIn(explains.outageStart, zone)}`;
}
