/**
 * One client's history as the report needs it: the outages its log records (raw, before
 * clipping or causes), its public address changes, and how much of the log was unreadable.
 * Built by folding records one at a time, so a year of log never has to be held in memory.
 */
import { timeOf, type ReadRecord } from './records.js';
import type { QualityPeriod } from './quality.js';
import { addAction, newActionList, RECENT_SCOPE, type ActionList, type ActionScope } from './actions.js';
import type { ChainResult } from './chain.js';

/** What a `boot` record says: when the sensor's host says it booted. */
export interface BootEvidence {
  /** The boot counter (null for a legacy client). */
  boot: number | null;
  /** When the record was written (the BOOT datagram arrived), ms since the epoch. */
  at: number;
  /** Host uptime in seconds when the BOOT was sent; null when the sensor could not tell. */
  uptimeS: number | null;
}

export interface RawOutage {
  /** The last heartbeat before the silence (ms since the epoch). */
  start: number;
  /** The first heartbeat after it; null while the outage goes on. */
  end: number | null;
  /** The sensor's boot counter before and after (null: legacy, or not known). */
  startBoot: number | null;
  endBoot: number | null;
  /** The sensor's heartbeat interval (s) before and after, as its datagrams carried it. */
  startIntervalS: number | null;
  endIntervalS: number | null;
  /** The BOOT the client came back with, when one was recorded. */
  bootEvidence: BootEvidence | null;
  /**
   * True when the log lost the record that ended the outage (a damaged `up` line): the end
   * is then the next heartbeat the log does show, an upper bound.
   */
  endInferred: boolean;
  /** Why, when it began with an explicit failure (HTTP `status=fail`, a failed probe); null when the client went silent. */
  failure: string | null;
}

export interface AddressChange {
  at: number;
  addr: string;
  previous: string | null;
}

export type LogFormat = 'netmonitor' | 'original';

export interface ClientHistory {
  client: string;
  formats: LogFormat[];
  /** The earliest time the log knows of the client (its first record). */
  firstSeen: number | null;
  outages: RawOutage[];
  addressChanges: AddressChange[];
  /** Heartbeat loss and jitter while up, one entry per `quality` record. */
  quality: QualityPeriod[];
  /** The first public address seen, for the report's header. */
  firstAddress: string | null;
  lastAddress: string | null;
  /** What the supervision modules did (actions.ts), within the builder's scope. */
  actions: ActionList;
  records: number;
  corrupt: number;
  /** The `<client>.nmlog`'s hash chain (chain.ts); null when there is none to check (the original netmonitor's log only). */
  integrity: ChainResult | null;
}

export function newHistory(client: string, format: LogFormat): ClientHistory {
  return { client, formats: [format], firstSeen: null, outages: [], addressChanges: [], quality: [], firstAddress: null, lastAddress: null, actions: newActionList(), records: 0, corrupt: 0, integrity: null };
}

/** The fold's working state: the outage still open, and the last one closed (it may yet get its BOOT). */
export interface HistoryBuilder {
  history: ClientHistory;
  open: RawOutage | null;
  lastClosed: RawOutage | null;
  /** Which supervision actions to keep: the report keeps its window's, the API the latest. */
  actionScope: ActionScope;
}

export function newBuilder(client: string, actionScope: ActionScope = RECENT_SCOPE): HistoryBuilder {
  return { history: newHistory(client, 'netmonitor'), open: null, lastClosed: null, actionScope };
}

const LEGACY_BOOT_SLACK_MS = 120_000;

function noteAddress(history: ClientHistory, addr: string | null): void {
  if (addr === null) return;
  history.firstAddress ??= addr;
  history.lastAddress = addr;
}

/**
 * Folds one record of a `<client>.nmlog` into the history (docs/log-format.md):
 *  1. `down`: its `last_up` starts an outage (a `down` without `last_up` starts at the
 *     moment the deadline passed minus the down interval, the best the log knows);
 *  2. `up` not marked `first`: its `at` ends the open outage; without an open one (the
 *     `down` line was damaged) the `up` record's own `last_up` is the start;
 *  3. `boot`: the BOOT the client came back with, kept as evidence for the cause;
 *  4. `addr`: a change of public address;
 *  5. `healing`, `librenms`, `rtt`: what supervision did, kept as actions (actions.ts);
 *  6. `quality`: an hour's heartbeat loss and jitter.
 */
export function addRecord(builder: HistoryBuilder, record: ReadRecord): void {
  const { history } = builder;
  const at = timeOf(record.at);
  if (at === null) {
    history.corrupt++;
    return;
  }
  history.records++;
  if (history.firstSeen === null || at < history.firstSeen) history.firstSeen = at;
  addAction(history.actions, builder.actionScope, record, at);
  switch (record.type) {
    case 'down': {
      const lastUp = timeOf(record.last_up);
      const downIntervalS = record.down_interval_s;
      const start = lastUp ?? (downIntervalS !== null ? at - downIntervalS * 1000 : at);
      if (builder.open !== null) {
        // Two downs in a row: the `up` between them was lost. The second down's last
        // heartbeat shows the first outage had ended by then.
        closeOutage(builder, { end: Math.max(builder.open.start, start), endBoot: record.boot, endIntervalS: record.interval, inferred: true });
      }
      builder.lastClosed = null;
      builder.open = {
        start,
        end: null,
        startBoot: record.boot,
        endBoot: null,
        startIntervalS: record.interval,
        endIntervalS: null,
        bootEvidence: null,
        endInferred: false,
        failure: record.reason ?? null,
      };
      break;
    }
    case 'up': {
      noteAddress(history, record.addr);
      if (record.first === true) break;
      if (builder.open === null) {
        const lastUp = timeOf(record.last_up);
        if (lastUp === null) break;
        builder.open = {
          start: lastUp, end: null, startBoot: null, endBoot: null, startIntervalS: null, endIntervalS: null, bootEvidence: null, endInferred: false, failure: null,
        };
      }
      closeOutage(builder, { end: at, endBoot: record.boot, endIntervalS: record.interval, inferred: false });
      break;
    }
    case 'boot': {
      noteAddress(history, record.addr);
      const evidence: BootEvidence = { boot: record.boot, at, uptimeS: record.uptime };
      const outage = builder.lastClosed;
      if (outage !== null && outage.bootEvidence === null && belongsTo(evidence, outage)) outage.bootEvidence = evidence;
      break;
    }
    case 'addr': {
      const { addr } = record;
      if (addr === null) break;
      history.addressChanges.push({ at, addr, previous: record.previous });
      noteAddress(history, addr);
      break;
    }
    case 'quality': {
      const from = timeOf(record.from);
      if (from === null || record.expected === null || record.lost === null) break;
      history.quality.push({ from, at, expected: record.expected, lost: record.lost, jitterMs: record.jitter_ms, jitterMaxMs: record.jitter_max_ms });
      break;
    }
  }
}

/** Is this BOOT the one the client came back from `outage` with? */
function belongsTo(evidence: BootEvidence, outage: RawOutage): boolean {
  if (outage.end === null) return false;
  // A sensor numbers its boots: the BOOT of the boot the outage ended with.
  if (evidence.boot !== null) return evidence.boot === outage.endBoot && outage.endBoot !== outage.startBoot;
  // A legacy client has no counter; its BOOT and first PING arrive close together.
  return evidence.at >= outage.end && evidence.at - outage.end <= LEGACY_BOOT_SLACK_MS;
}

function closeOutage(builder: HistoryBuilder, how: { end: number; endBoot: number | null; endIntervalS: number | null; inferred: boolean }): void {
  const outage = builder.open!;
  outage.end = how.end;
  outage.endBoot = how.endBoot;
  outage.endIntervalS = how.endIntervalS;
  outage.endInferred = how.inferred;
  builder.history.outages.push(outage);
  builder.open = null;
  builder.lastClosed = outage;
}

/** The history once every record is in: an outage still open is ongoing. */
export function finishHistory(builder: HistoryBuilder): ClientHistory {
  if (builder.open !== null) builder.history.outages.push(builder.open);
  builder.open = null;
  builder.lastClosed = null;
  return builder.history;
}

/** One client's histories from both log formats, as one (outages in time order). */
export function mergeHistories(a: ClientHistory, b: ClientHistory): ClientHistory {
  const firstSeen = a.firstSeen === null ? b.firstSeen : b.firstSeen === null ? a.firstSeen : Math.min(a.firstSeen, b.firstSeen);
  const [early, late] = (a.firstSeen ?? 0) <= (b.firstSeen ?? 0) ? [a, b] : [b, a];
  return {
    client: a.client,
    formats: [...new Set([...early.formats, ...late.formats])],
    firstSeen,
    outages: [...a.outages, ...b.outages].sort((x, y) => x.start - y.start),
    addressChanges: [...a.addressChanges, ...b.addressChanges].sort((x, y) => x.at - y.at),
    quality: [...a.quality, ...b.quality].sort((x, y) => x.from - y.from),
    actions: { listed: [...a.actions.listed, ...b.actions.listed].sort((x, y) => x.at - y.at), omitted: a.actions.omitted + b.actions.omitted },
    firstAddress: early.firstAddress ?? late.firstAddress,
    lastAddress: late.lastAddress ?? early.lastAddress,
    records: a.records + b.records,
    corrupt: a.corrupt + b.corrupt,
    integrity: a.integrity ?? b.integrity,
  };
}
