/**
 * What a storm of down alerts may add (pure; the report's rules, log/correlation.ts, applied
 * to the clients down now): every configured client down at once points at the monitor's
 * own uplink; at least two, and at least half, of one group's clients down is ISP-wide.
 * A down alert that goes out alone (aloneNote) says the same about its client's group, with
 * since when the group's other clients have been down.
 */
import type { AloneNote } from '../core/events.js';

export interface FleetNow {
  /** Configured clients, and how many are down now. */
  total: number;
  down: number;
  /** `clients.<id>.group`, by client. */
  groupOf: (client: string) => string | null;
  /**
   * A group's configured clients, how many of them are down now, and the earliest last
   * heartbeat of those down (when the first of them went silent; null when not known).
   */
  groupCounts: (group: string) => { members: number; down: number; since?: number | null };
}


/**
 * The note for `client`'s down alert when it goes out alone, not in a storm's summary: every
 * client down (the monitor's uplink), or at least two, and half, of its group (ISP-wide,
 * `client` counted among those down); null when neither.
 */
export function aloneNote(client: string, fleet: FleetNow): AloneNote | null {
  if (fleet.total >= 2 && fleet.down === fleet.total) return { kind: 'uplink', total: fleet.total };
  const group = fleet.groupOf(client);
  if (group === null) return null;
  const { members, down, since } = fleet.groupCounts(group);
  return down >= 2 && 2 * down >= members ? { kind: 'isp-wide', group, down, members, since: since ?? null } : null;
}

/** `all 6 clients DOWN: likely the monitor's own uplink.` or `ISP-wide: 4 of 5 of group comcast-denver DOWN.`; null when neither. */
export function correlationNote(clients: readonly string[], fleet: FleetNow): string | null {
  if (fleet.total >= 2 && fleet.down === fleet.total) return `all ${fleet.total} clients DOWN: likely the monitor's own uplink.`;
  const groups = [...new Set(clients.map(fleet.groupOf).filter((group) => group !== null))].sort();
  for (const group of groups) {
    const { members, down } = fleet.groupCounts(group);
    if (down >= 2 && 2 * down >= members) return `ISP-wide: ${down} of ${members} of group ${group} DOWN.`;
  }
  return null;
}
