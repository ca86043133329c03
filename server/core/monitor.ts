/**
 * The up/down state machine: pure decisions, no sockets, timers or files. Heartbeats and
 * clock ticks go in with the time they happened; out come log records to write durably and
 * the events to publish after them. The caller owns every effect.
 *
 * Deadlines use the monotonic clock (`Instant.mono`), so a wall-clock step can neither
 * cause nor hide an outage; the wall clock (`Instant.wall`) only stamps what people read.
 */
import { iso, type LogRecord, type RecordOf } from '../../log/records.js';
import { ClientTable, type ClientState } from './clientState.js';
import { DeadlineQueues } from './deadlines.js';
import type { DownEvent, MonitorEvent } from './events.js';
import { downAllowedFrom, isOpen, type Schedule } from './schedule.js';

export interface Instant {
  /** Monotonic milliseconds: only differences mean anything. */
  mono: number;
  /** Wall-clock milliseconds since the epoch. */
  wall: number;
}

export type { ClientState, ClientStatus } from './clientState.js';

export interface HeartbeatInfo {
  type: 'BOOT' | 'PING';
  boot: number | null;
  /** NM1's sequence number within `boot`; null for clients without one (legacy, HTTP, probes). */
  seq: number | null;
  uptime: number | null;
  interval: number | null;
  addr: string;
}

/** One thing to do: append `record` to `client`'s log durably, then publish `event` if any. */
export interface Action {
  client: string;
  record: LogRecord;
  event: MonitorEvent | null;
}

/** The per-client settings that can change while the server runs (PATCH /api/v1/clients/{id}). */
export interface ClientSettings {
  downIntervalMs: number;
  graceMs: number;
  schedule: Schedule;
}

/** What a restart knows of a client from its log and the saved state. */
export type SavedClient = Pick<ClientState, 'status' | 'lastHeard' | 'lastUpBeforeOutage' | 'addr' | 'boot' | 'sensorInterval'>;

const NO_ACTIONS: readonly Action[] = Object.freeze([]);


export class Monitor {
  private readonly deadlines = new DeadlineQueues();

  /** `clients` holds the states this monitor decides on (each server has its own). */
  constructor(readonly clients = new ClientTable()) {}

  /**
   * Puts a client back as it was before a restart. A client that was up gets one full down
   * interval from `now` before it can be declared down; a client that was down stays down
   * and nothing is announced.
   */
  restore(client: ClientState, saved: SavedClient, now: Instant, deadline = true): void {
    Object.assign(client, saved);
    if (client.status === 'up' && deadline) this.deadlines.schedule(client.row, now.mono, client.downIntervalMs);
    else this.deadlines.remove(client.row);
  }

  /** An accepted heartbeat from `client`. O(1): no other client is looked at. */
  heartbeat(client: ClientState, beat: HeartbeatInfo, now: Instant): readonly Action[] {
    let actions: Action[] | null = null;
    const wasUp = client.status === 'up';
    if (beat.seq !== null && beat.boot !== null) this.clients.quality.count(client.row, beat.boot, beat.seq, now.mono, beat.interval, wasUp);
    if (!wasUp) {
      actions = [this.upTransition(client, now, beat)];
    }
    if (!client.hasAddr(beat.addr)) {
      const previous = client.addr;
      if (previous !== null) {
        (actions ??= []).push({ client: client.id, record: { type: 'addr', at: iso(now.wall), addr: beat.addr, previous }, event: null });
      }
      client.addr = beat.addr;
    }
    const newBoot = beat.type === 'BOOT' && (beat.boot === null || beat.boot !== client.boot);
    client.boot = beat.boot;
    client.sensorInterval = beat.interval;
    client.lastHeard = now.wall;
    this.deadlines.schedule(client.row, now.mono, client.downIntervalMs);
    if (newBoot) {
      // A sensor repeats its BOOT a few times (UDP may drop one); one record per boot.
      (actions ??= []).push({
        client: client.id,
        record: { type: 'boot', at: iso(now.wall), boot: beat.boot, uptime: beat.uptime, interval: beat.interval, addr: beat.addr },
        event: { type: 'boot', client: client.id, at: now.wall, boot: beat.boot, uptime: beat.uptime, addr: beat.addr },
      });
    }
    return actions ?? NO_ACTIONS;
  }

  /**
   * Declares down every client whose deadline has passed by `now`. Each transition is
   * stamped with the moment its deadline passed, not the moment this call noticed it.
   *
   * A client with a schedule is declared down only inside its window and after the
   * window's grace: when its deadline passes earlier, it waits for that moment instead
   * (converted to the monotonic clock now, so deadlines never depend on the wall clock).
   */
  expire(now: Instant): readonly Action[] {
    const expired = this.deadlines.takeExpired(now.mono);
    if (expired.length === 0) return NO_ACTIONS;
    const actions: Action[] = [];
    for (const row of expired) {
      const client = this.clients.at(row);
      const at = Math.round(now.wall - (now.mono - this.deadlines.lastDeadline(client.row)));
      if (client.schedule.kind !== 'always') {
        const allowed = downAllowedFrom(client.schedule, client.graceMs, at);
        if (allowed === null) continue;
        if (allowed > at) {
          this.deadlines.scheduleAt(client.row, now.mono + (allowed - now.wall));
          continue;
        }
      }
      actions.push(this.downTransition(client, at));
    }
    return actions.length === 0 ? NO_ACTIONS : actions;
  }

  /** The client is down from `at` (its deadline, or the moment it reported a failure, `reason`). */
  private downTransition(client: ClientState, at: number, reason?: string): Action {
    client.status = 'down';
    client.lastUpBeforeOutage = client.lastHeard;
    const transitionId = `down-${client.id}-${at}`;
    const record: LogRecord = {
      type: 'down',
      at: iso(at),
      id: transitionId,
      last_up: client.lastHeard === null ? null : iso(client.lastHeard),
      down_interval_s: client.downIntervalMs / 1000,
      interval: client.sensorInterval,
      boot: client.boot,
    };
    const event: DownEvent = { type: 'down', client: client.id, at, lastUp: client.lastHeard, downIntervalMs: client.downIntervalMs, transitionId };
    if (reason !== undefined) record.reason = event.reason = reason;
    return { client: client.id, record, event };
  }

  /**
   * An explicit failure report (an HTTP heartbeat with `status=fail`, a failed probe run):
   * the client is down now, whatever its deadline. Nothing happens when it is down already.
   */
  fail(client: ClientState, now: Instant, reason: string): readonly Action[] {
    // Outside its window a client is never declared down, however it reports.
    if (client.status === 'down' || !isOpen(client.schedule, now.wall)) return NO_ACTIONS;
    this.deadlines.remove(client.row);
    return [this.downTransition(client, now.wall, reason)];
  }

  /**
   * A gateway check's reported state (a CHECK datagram, shared/nm1Check.ts) for its own
   * client `check`: failed makes it down with the detail as the reason, ok makes it up. A
   * repeat of the state it is in changes nothing, so the repeats that repair a lost datagram
   * never make a second transition. The transition is stamped `ageS` before `now` (when the
   * sensor saw it), but never before the check's previous report, which still had the old
   * state. A check client has no deadline: silence is its sensor's outage, not its own.
   * `alert` false records the transition without an alert (no event; its record names no
   * channel, so a restart owes none).
   */
  check(client: ClientState, report: { state: 'ok' | 'failed'; detail: string; ageS: number; alert: boolean; beat: HeartbeatInfo }, now: Instant): readonly Action[] {
    const previous = client.lastHeard;
    const at = Math.round(Math.min(now.wall, Math.max(now.wall - report.ageS * 1000, previous ?? -Infinity)));
    client.addr = report.beat.addr;
    client.boot = report.beat.boot;
    let action: Action | null = null;
    if (report.state === 'failed' && client.status !== 'down') {
      client.lastHeard = at;
      action = this.downTransition(client, at, report.detail === '' ? 'check failed' : report.detail);
    } else if (report.state === 'ok' && client.status !== 'up') {
      action = this.upTransition(client, { mono: now.mono, wall: at }, report.beat);
    }
    client.lastHeard = now.wall;
    if (action === null) return NO_ACTIONS;
    if (!report.alert) {
      (action.record as RecordOf<'up' | 'down'>).channels = [];
      action.event = null;
    }
    return [action];
  }

  /** Makes room for the states and deadlines of `count` more clients at once. */
  reserve(count: number): void {
    this.deadlines.reserve(this.clients.reserve(count) + count);
  }

  /** The client's pending deadline on the monotonic clock; null when it has none (down, or never heard). */
  deadlineOf(client: ClientState): number | null {
    return this.deadlines.deadlineOf(client.row);
  }

  /**
   * New settings for a client. When its interval or schedule changes, a pending deadline
   * starts over from `now` with the new interval (the moment of the last heartbeat is on the
   * wall clock only, and a changed interval should never declare a client down on the spot).
   * A new grace alone changes no deadline: it only matters when one passes.
   */
  reconfigure(client: ClientState, settings: ClientSettings, now: Instant): void {
    const moved = client.downIntervalMs !== settings.downIntervalMs || client.schedule !== settings.schedule;
    client.downIntervalMs = settings.downIntervalMs;
    client.graceMs = settings.graceMs;
    client.schedule = settings.schedule;
    if (moved && this.deadlines.deadlineOf(client.row) !== null) this.deadlines.schedule(client.row, now.mono, client.downIntervalMs);
  }

  private upTransition(client: ClientState, now: Instant, beat: HeartbeatInfo): Action {
    const wasDown = client.status === 'down';
    const lastUp = wasDown ? client.lastUpBeforeOutage : null;
    const outageMs = wasDown && lastUp !== null ? now.wall - lastUp : null;
    client.status = 'up';
    client.lastUpBeforeOutage = null;
    const transitionId = `up-${client.id}-${now.wall}`;
    return {
      client: client.id,
      record: {
        type: 'up',
        at: iso(now.wall),
        id: transitionId,
        last_up: lastUp === null ? null : iso(lastUp),
        outage_s: outageMs === null ? null : outageMs / 1000,
        first: !wasDown,
        boot: beat.boot,
        interval: beat.interval,
        addr: beat.addr,
      },
      event: { type: 'up', client: client.id, at: now.wall, lastUp, outageMs, transitionId },
    };
  }
}
