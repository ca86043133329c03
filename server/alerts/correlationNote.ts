/**
 * What a storm of down alerts may add (pure; the report's rules, log/correlation.ts, applied
 * to the clients down now): every configured client down at once points at the monitor's
 * own uplink; at least two, and at least half, of one group's clients down is ISP-wide.
 */
export interface FleetNow {
  /** Configured clients, and how many are down now. */
  total: number;
  down: number;
  /** `clients.<id>.group`, by client. */
  groupOf: (client: string) => string | null;
  /** A group's configured clients, and how many of them are down now. */
  groupCounts: (group: string) => { members: number; down: number };
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
