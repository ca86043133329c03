/**
 * Outages of several clients that began together (pure; the report uses it). Outage starts across every client
 * of the report are sorted and cut into clusters: a cluster takes every start within
 * CORRELATION_WINDOW_MS of its first one (sensors' intervals differ, so the last heartbeats
 * before a shared cut are up to an interval apart). Within a cluster:
 *  - every client the report watched at that moment (two or more) went down: the monitor's
 *    own uplink is the likely cause, not any client's line;
 *  - else, a group (`clients.<id>.group`) with at least two of its clients down, and at
 *    least half of those watched: ISP-wide ("4 of 5 clients of group comcast-denver").
 * Each outage of such a cluster is marked with it.
 */
import type { ClientReport, Correlation, Outage } from './outages.js';

export type { Correlation };

export const CORRELATION_WINDOW_MS = 5 * 60_000;


interface Start {
  client: ClientReport;
  outage: Outage;
}

const watchedAt = (client: ClientReport, at: number): boolean => client.period !== null && client.period.start <= at && at <= client.period.end;

/** Marks the outages that began together; returns each correlation once, oldest first. */
export function correlate(clients: readonly ClientReport[], groupOf: (client: string) => string | null): Correlation[] {
  const starts: Start[] = [];
  for (const client of clients) for (const outage of client.outages) if (!outage.clippedStart) starts.push({ client, outage });
  starts.sort((a, b) => a.outage.start - b.outage.start);
  const found: Correlation[] = [];
  for (let first = 0; first < starts.length; ) {
    const at = starts[first]!.outage.start;
    let end = first;
    while (end < starts.length && starts[end]!.outage.start - at <= CORRELATION_WINDOW_MS) end++;
    found.push(...clusterCorrelations(starts.slice(first, end), clients, groupOf, at));
    first = end;
  }
  return found;
}

function clusterCorrelations(cluster: Start[], clients: readonly ClientReport[], groupOf: (client: string) => string | null, at: number): Correlation[] {
  const down = new Set(cluster.map((start) => start.client.client));
  if (down.size < 2) return [];
  const watched = clients.filter((client) => watchedAt(client, at));
  const mark = (correlation: Correlation, members: Set<string>): Correlation => {
    for (const start of cluster) if (members.has(start.client.client)) start.outage.correlation ??= correlation;
    return correlation;
  };
  if (watched.length >= 2 && watched.every((client) => down.has(client.client))) {
    return [mark({ kind: 'uplink', group: null, at, down: down.size, of: watched.length, clients: [...down].sort() }, down)];
  }
  const found: Correlation[] = [];
  const groups = new Set([...down].map(groupOf).filter((group) => group !== null));
  for (const group of [...groups].sort()) {
    const members = watched.filter((client) => groupOf(client.client) === group).map((client) => client.client);
    const groupDown = new Set(members.filter((client) => down.has(client)));
    if (groupDown.size >= 2 && 2 * groupDown.size >= members.length) {
      found.push(mark({ kind: 'isp-wide', group, at, down: groupDown.size, of: members.length, clients: [...groupDown].sort() }, groupDown));
    }
  }
  return found;
}
