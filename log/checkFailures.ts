/**
 * Gateway checks' failures in the report (docs/checks.md): a check client's outages are not
 * outages of the connection, so they are kept apart from the ISP's account and listed as
 * check failures, each placed next to the outage of its sensor that it may explain: one
 * that began within EXPLAIN_WINDOW_MS before the sensor fell silent ("default route missing
 * 40 s before the silence"), or during the silence (reported, with its age, once the
 * sensor was heard again). Pure: reports in, findings out.
 */
import { checkClientParts } from './logName.js';
import type { ClientReport } from './outages.js';

/** How long before a silence a check's failure is still taken as its likely cause. */
export const EXPLAIN_WINDOW_MS = 10 * 60_000;

export interface CheckFailure {
  /** The check's client, `<sensor>/<check>`. */
  client: string;
  sensor: string;
  check: string;
  start: number;
  /** Null while it goes on. */
  end: number | null;
  durationMs: number;
  /** The check's detail, such as "default route missing"; null when the log has none. */
  detail: string | null;
  /** The sensor's outage it may explain: when that silence began, and how long after the failure (negative: the failure came during it). */
  explains: { outageStart: number; leadMs: number } | null;
}

/** Whether `client` is a gateway check's client rather than a connection. */
export const isCheckClient = (client: string): boolean => checkClientParts(client) !== null;

/** The check failures of `checks`, oldest first, each placed against its sensor's outages in `byName`. */
export function checkFailures(checks: readonly ClientReport[], byName: ReadonlyMap<string, ClientReport>): CheckFailure[] {
  const found: CheckFailure[] = [];
  for (const report of checks) {
    const parts = checkClientParts(report.client);
    if (parts === null) continue;
    const sensorOutages = byName.get(parts.sensor)?.outages ?? [];
    for (const outage of report.outages) {
      let explains: CheckFailure['explains'] = null;
      for (const silence of sensorOutages) {
        const leadMs = silence.start - outage.start;
        const during = leadMs < 0 && (silence.end === null || outage.start <= silence.end);
        if ((leadMs >= 0 && leadMs <= EXPLAIN_WINDOW_MS) || during) {
          if (explains === null || Math.abs(leadMs) < Math.abs(explains.leadMs)) explains = { outageStart: silence.start, leadMs };
        }
      }
      found.push({ client: report.client, sensor: parts.sensor, check: parts.check, start: outage.start, end: outage.end, durationMs: outage.durationMs, detail: outage.failure, explains });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}
