/**
 * The JSON API over clients (docs/api.md): their state now, their recent transitions,
 * supervision actions and uptime from the logs, their outages as the report computes them, and changes to their
 * down interval, grace and schedule; maintenance windows. Times are ISO 8601 in the alert time zone; lengths
 * are seconds.
 */
import { checkClientParts, shownStatus } from '../../log/logName.js';
import { isObject, checkKnownKeys } from '../../shared/configCheck.js';
import { ConfigError, NetmonitorError } from '../../shared/errors.js';
import { actionJson, clientJson, qualityDaysJson } from '../../report/jsonFormat.js';
import { lossPctJson } from '../../report/evidenceText.js';
import type { ClientReport } from '../../log/outages.js';
import { isoIn, seconds } from '../../report/timeText.js';
import { parseTimeArgument } from '../../report/window.js';
import type { ClientKind } from '../config/server.js';
import type { ClientState, ClientStatus, Instant } from '../core/monitor.js';
import { scheduleJson } from '../core/schedule.js';
import type { ServerHost } from '../host.js';
import type { AckResult } from '../alerts/reminders/reminders.js';
import type { LastMessage } from './heartbeat.js';
import type { LogHistory } from './logHistory.js';
import type { HttpReply, HttpRequest, HttpRoute } from './routes.js';
import { ACK_PATH, verifyAckLink } from '../alerts/ackLink.js';
import type { SettingsWriter } from './settingsWriter.js';
import { OVERRIDE_KEYS, parseOverride } from '../store/settingsFile.js';
import { parseOneOff } from '../store/maintenanceFile.js';
import { coveringOf, type Occurrence } from '../alerts/maintenance/windows.js';

const HOUR = 3_600_000;
export const UPTIME_WINDOWS = { '24h': 24 * HOUR, '7d': 7 * 24 * HOUR, '30d': 30 * 24 * HOUR } as const;
const DEFAULT_OUTAGE_SPAN_MS = 30 * 24 * HOUR;

/** Pure: one client's state now, as the API shows it. */
export function clientSummary(state: ClientState, kind: ClientKind, deadline: number | null, now: Instant, zone: string, message: LastMessage | null, shown: ClientStatus = state.status, maintenance: Occurrence | null = null): Record<string, unknown> {
  const at = (ms: number | null): string | null => (ms === null ? null : isoIn(ms, zone));
  // A pending deadline is on the monotonic clock; shown on the wall clock it is an estimate.
  const nextDeadline = deadline !== null ? Math.round(now.wall + (deadline - now.mono)) : null;
  const outageStart = state.status === 'down' ? state.lastUpBeforeOutage : null;
  return {
    id: state.id,
    kind,
    // A check client while its sensor is silent: unknown, whatever it said last (check_state).
    state: shown,
    ...(kind === 'check' ? { check_state: state.status } : {}),
    last_heartbeat: at(state.lastHeard),
    since_last_heartbeat_s: state.lastHeard === null ? null : seconds(Math.max(0, now.wall - state.lastHeard)),
    source_address: state.addr,
    next_deadline: at(nextDeadline),
    down_interval_s: seconds(state.downIntervalMs),
    grace_s: seconds(state.graceMs),
    schedule: scheduleJson(state.schedule),
    current_outage: state.status !== 'down' ? null : {
      start: at(outageStart),
      duration_s: outageStart === null ? null : seconds(Math.max(0, now.wall - outageStart)),
    },
    last_message: message === null ? null : { at: at(message.at), status: message.status, text: message.text },
    maintenance: maintenance === null ? null : { id: maintenance.id, until: at(maintenance.until), reason: maintenance.reason },
  };
}

export interface ApiContext {
  server: ServerHost;
  logs: LogHistory;
  settings: SettingsWriter;
  messages: Map<string, LastMessage>;
}

const notFound: HttpReply = { status: 404, json: { error: 'not found' } };

/** An acknowledgement's answer: 200 with the outage, or 409 when there is none to acknowledge. */
export function ackReply(client: string, result: AckResult): HttpReply {
  if (!result.ok) return { status: 409, json: { error: result.why === 'not-down' ? `${client} is not down` : 'that outage is over: the client recovered and went down again since' } };
  return { status: 200, json: { client, outage: result.down, acknowledged: true, already: result.already } };
}

/** A maintenance window as the API shows it. */
export function maintenanceJson(window: Occurrence, zone: string, now: number): Record<string, unknown> {
  return {
    id: window.id, source: window.source, from: isoIn(window.from, zone), until: isoIn(window.until, zone),
    clients: window.clients, reason: window.reason, running: window.from <= now && now < window.until,
  };
}

/** The body of a POST or PATCH: a JSON object, or a NetmonitorError saying so. */
function jsonBody(request: HttpRequest): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new NetmonitorError('EUSAGE', 'the body must be a JSON object');
  }
  if (!isObject(body)) throw new NetmonitorError('EUSAGE', 'the body must be a JSON object');
  return body;
}

function badRequest(error: unknown): HttpReply {
  if (error instanceof ConfigError) return { status: 400, json: { error: 'invalid', code: error.code, key: error.key, message: error.message.replace(/^invalid configuration: /, '') } };
  if (error instanceof NetmonitorError) return { status: 400, json: { error: 'invalid', code: error.code, message: error.message } };
  throw error;
}

export function apiRoutes(context: ApiContext): HttpRoute[] {
  const { server, logs, settings, messages } = context;
  const zone = server.config.alertTimezone;
  // The windows running now, looked up once per request: a list of a million clients walks them, not the schedule.
  const running = (now: Instant): Occurrence[] => server.maintenance.list(now.wall).filter((window) => window.from <= now.wall);
  const summary = (state: ClientState, now: Instant, windows = running(now)): Record<string, unknown> => {
    const isCheck = checkClientParts(state.id) !== null;
    const kind = isCheck ? 'check' : server.clientConfig(state.id)?.kind ?? 'nm1';
    const shown = isCheck ? shownStatus(state, (id) => server.clientState(id)) : state.status;
    return clientSummary(state, kind, server.deadlineOf(state), now, zone, messages.get(state.id) ?? null, shown, coveringOf(windows, state.id));
  };

  return [
    {
      method: 'GET',
      pattern: '/api/v1/clients',
      access: 'read',
      handle() {
        const now = server.clock.now();
        const windows = running(now);
        return { status: 200, json: { generated_at: isoIn(now.wall, zone), timezone: zone, clients: Array.from(server.eachClientState(), (state) => summary(state, now, windows)) } };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/clients/:id',
      access: 'read',
      async handle(_request, params) {
        const state = server.clientState(params.id!);
        if (state === undefined) return notFound;
        const now = server.clock.now();
        const view = await logs.client(state.id);
        const uptime: Record<string, number | null> = {};
        const loss: Record<string, number | null> = {};
        const degraded: Record<string, number> = {};
        let month: ClientReport | null = null;
        for (const [name, span] of Object.entries(UPTIME_WINDOWS)) {
          const report = await logs.report(state.id, now.wall - span, null, now.wall, server.config.evidence.degradedLossPct);
          uptime[name] = report.uptimePct === null ? null : Math.round(report.uptimePct * 10000) / 10000;
          loss[name] = lossPctJson(report.quality.lossPct);
          degraded[name] = report.quality.degradedHours;
          month = report;
        }
        return {
          status: 200,
          json: {
            ...summary(state, now),
            uptime_pct: uptime,
            // Heartbeats lost while up (docs/report.md, "Quality between outages"), by window and per day over 30 days.
            heartbeat_loss_pct: loss,
            degraded_hours: degraded,
            quality_days: month === null ? [] : qualityDaysJson(month, zone),
            transitions: view.transitions.map((t) => ({
              type: t.type, at: isoIn(t.at, zone), reason: t.reason, outage_s: t.outageMs === null ? null : seconds(t.outageMs),
            })),
            // The log history is read with the report's code and its default scope: the latest actions.
            actions: view.history.actions.listed.map((action) => actionJson(action, zone)),
            // Each recent alert's state on each of its channels (since this server started).
            alerts: server.outbox.states.of(state.id, (ms) => isoIn(ms, zone)),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/clients/:id/outages',
      access: 'read',
      async handle(request, params) {
        const state = server.clientState(params.id!);
        if (state === undefined) return notFound;
        const now = server.clock.now().wall;
        let since: number;
        let until: number | null;
        try {
          const sinceText = request.query.get('since');
          const untilText = request.query.get('until');
          since = sinceText === null ? now - DEFAULT_OUTAGE_SPAN_MS : parseTimeArgument({ end: 'since', name: 'since' }, sinceText, zone, now);
          until = untilText === null ? null : parseTimeArgument({ end: 'until', name: 'until' }, untilText, zone, now);
          if (until !== null && since >= until) throw new NetmonitorError('EUSAGE', 'since must be before until');
        } catch (error) {
          return badRequest(error);
        }
        const report = await logs.report(state.id, since, until, now, server.config.evidence.degradedLossPct);
        return {
          status: 200,
          json: { since: isoIn(since, zone), until: isoIn(Math.min(until ?? now, now), zone), timezone: zone, ...clientJson(report, zone) },
        };
      },
    },
    // The signed link: its signature is the authorisation, so it needs no token (a phone's ntfy app calls it).
    ...(['GET', 'POST'] as const).map((method) => ({
      method,
      pattern: ACK_PATH,
      access: 'public' as const,
      async handle(request: HttpRequest): Promise<HttpReply> {
        const secret = server.ackSecret;
        const link = secret === null ? { error: 'no acknowledgement links' } : verifyAckLink(request.query, secret, server.clock.now().wall);
        if ('error' in link) return { status: 403, json: { error: link.error } };
        if (server.clientState(link.client) === undefined) return notFound;
        return ackReply(link.client, await server.acknowledge(link.client, 'link', link.down));
      },
    })),
    {
      method: 'POST',
      pattern: '/api/v1/clients/:id/ack',
      access: 'admin',
      async handle(_request, params) {
        const state = server.clientState(params.id!);
        if (state === undefined) return notFound;
        return ackReply(state.id, await server.acknowledge(state.id, 'api'));
      },
    },
    {
      method: 'PATCH',
      pattern: '/api/v1/clients/:id',
      access: 'admin',
      async handle(request, params) {
        const state = server.clientState(params.id!);
        if (state === undefined) return notFound;
        let change;
        try {
          const body = jsonBody(request);
          checkKnownKeys(body, OVERRIDE_KEYS);
          change = parseOverride(body, '');
        } catch (error) {
          return badRequest(error);
        }
        await settings.change(state.id, change);
        return { status: 200, json: summary(state, server.clock.now()) };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/maintenance',
      access: 'read',
      handle() {
        const now = server.clock.now().wall;
        return { status: 200, json: { timezone: zone, windows: server.maintenance.list(now).map((window) => maintenanceJson(window, zone, now)) } };
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/maintenance',
      access: 'admin',
      async handle(request) {
        const now = server.clock.now().wall;
        let window;
        try {
          window = parseOneOff(jsonBody(request), '', zone, now);
          if (window.until <= now) throw new ConfigError('until', 'is in the past: a window must end after now');
          const unknown = window.clients?.find((id) => server.clientState(id) === undefined);
          if (unknown !== undefined) throw new ConfigError('clients', `names ${JSON.stringify(unknown)}, which is no configured client`);
        } catch (error) {
          return badRequest(error);
        }
        const { id: _unset, ...rest } = window;
        const added = await server.maintenance.add(rest);
        return { status: 201, json: maintenanceJson({ ...added, source: 'api' }, zone, now) };
      },
    },
    {
      method: 'DELETE',
      pattern: '/api/v1/maintenance/:id',
      access: 'admin',
      async handle(_request, params) {
        if (params.id!.startsWith('maintenance[')) return { status: 409, json: { error: 'a window of the configuration: change `maintenance` in the configuration file' } };
        return (await server.maintenance.remove(params.id!)) ? { status: 200, json: { id: params.id, deleted: true } } : notFound;
      },
    },
  ];
}
