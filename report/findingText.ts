/**
 * The sentence placing a log analysis finding beside an outage ("PPPoE/LCP timeouts (wan-log,
 * high) from 02:11:30, 90 s before the outage of 02:13:00"), shared by the text and html
 * formats; the json format gives the same facts as fields.
 */
import { findingsNear, type LoggedFinding } from '../log/findingsNear.js';
import { readableIn } from './timeText.js';

export function findingsNearText(start: number, findings: readonly LoggedFinding[], zone: string): string[] {
  return findingsNear(start, findings).map(({ finding, beforeS }) => {
    const when = beforeS >= 0 ? `${beforeS} s before the outage of ${readableIn(start, zone)}` : `${-beforeS} s after the outage of ${readableIn(start, zone)} began`;
    return `${finding.title} (${finding.source}, ${finding.severity}) from ${readableIn(finding.at, zone)}, ${when}`;
  });
}
