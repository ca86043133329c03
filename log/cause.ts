/**
 * Why an outage happened, as far as the logs can tell (docs/report.md, "How causes are
 * decided"). In order:
 *  1. `monitor`: the server itself was off for some of the gap, so it cannot vouch for it;
 *  2. `unknown` while the outage goes on (nothing has come back to tell), or when the line
 *     that ended it was damaged;
 *  3. `power`: the sensor came back with a new boot, and the BOOT's uptime puts the host's
 *     start inside the gap (a power cut or a reboot: from outside the two look the same).
 *     The gap then splits into the time the host was off and the time it was up but could
 *     not get out. A new boot whose BOOT was never received (it is often lost while the
 *     connection comes back) is still `power`, without the split;
 *  4. `network`: the same boot went on: the sensor kept running but could not get through;
 *  5. `unknown`: a legacy client with no BOOT to go by, or a sensor program that restarted
 *     while its host stayed up (it may have been stopped on purpose).
 */
import type { RawOutage } from './history.js';

export type Cause = 'power' | 'network' | 'monitor' | 'unknown';
export const CAUSES: readonly Cause[] = ['network', 'power', 'monitor', 'unknown'];

export interface CauseFinding {
  cause: Cause;
  /** For `power` with a BOOT uptime: how long the host was off, and how long it was up without a connection. */
  sensorOffMs: number | null;
  offlineMs: number | null;
}

/** Uptime is sent with millisecond precision at most; allow a second of rounding. */
const BOOT_TOLERANCE_MS = 1000;

export function decideCause(outage: RawOutage, monitorOffMs: number): CauseFinding {
  const none = { sensorOffMs: null, offlineMs: null };
  if (monitorOffMs > 0) return { cause: 'monitor', ...none };
  if (outage.end === null || outage.endInferred) return { cause: 'unknown', ...none };
  const evidence = outage.bootEvidence;
  if (evidence !== null && evidence.uptimeS !== null) {
    const hostStart = evidence.at - evidence.uptimeS * 1000;
    if (hostStart >= outage.start - BOOT_TOLERANCE_MS) {
      const bootAt = Math.min(Math.max(hostStart, outage.start), outage.end);
      return { cause: 'power', sensorOffMs: bootAt - outage.start, offlineMs: outage.end - bootAt };
    }
    return { cause: 'unknown', ...none };
  }
  if (outage.startBoot === null || outage.endBoot === null) return { cause: 'unknown', ...none };
  if (outage.startBoot !== outage.endBoot) return { cause: 'power', ...none };
  return { cause: 'network', ...none };
}
