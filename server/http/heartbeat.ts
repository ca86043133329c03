/**
 * `POST /api/v1/heartbeat/{client}` with `Authorization: Bearer <token>`: an HTTP client
 * says it is alive (or, with `?status=fail`, that it failed). It then goes through the same
 * state machine, logs and alerts as a UDP sensor.
 *
 * Refusals tell nothing: an unknown client is 404 and a wrong token 401, both after the same
 * hashing work, both counted against the source address; past the limit the source gets 429
 * before any token is looked at. Nothing refused ever reaches the monitor.
 */
import type { ServerHost } from '../host.js';
import { bearerToken, tokenMatches, type AuthFailures } from './auth.js';
import type { HttpReply, HttpRoute } from './routes.js';

/** A heartbeat's body is a short note (a cron job's last lines of output, say). */
export const HEARTBEAT_BODY_BYTES = 4096;
/** How much of a failure's body goes into the log and the alert as its reason. */
export const REASON_CHARS = 200;

export interface LastMessage {
  at: number;
  status: 'ok' | 'fail';
  text: string;
}

/** Pure: the body as text people can read: UTF-8, control characters replaced, whitespace trimmed. */
export function messageText(body: Buffer): string {
  // eslint-disable-next-line no-control-regex
  return body.toString('utf8').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '\uFFFD').trim();
}

/** Pure: a failure's reason, one line that says where it came from (the alert and the report show it). */
export function failureReason(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line === '') return 'failure reported over HTTP';
  return `failure reported over HTTP: ${line.length > REASON_CHARS ? `${line.slice(0, REASON_CHARS - 1)}…` : line}`;
}

export function heartbeatRoute(server: ServerHost, failures: AuthFailures, messages: Map<string, LastMessage>): HttpRoute {
  const tokens = new Map<string, Buffer>();
  for (const client of server.config.clients) if (client.http?.tokenSha256 != null) tokens.set(client.id, client.http.tokenSha256);
  const mono = (): number => server.clock.now().mono;
  return {
    method: 'POST',
    pattern: '/api/v1/heartbeat/:client',
    access: 'public',
    maxBodyBytes: HEARTBEAT_BODY_BYTES,
    handle(request, params): HttpReply {
      const source = request.remoteAddress;
      if (failures.blocked(source, mono())) return { status: 429, json: { error: 'too many failed attempts' }, headers: { 'Retry-After': '60' } };
      const id = params.client!;
      const expected = tokens.get(id) ?? null;
      const authentic = tokenMatches(bearerToken(request.headers), expected);
      if (!authentic) {
        failures.record(source, mono());
        if (expected === null) return { status: 404, json: { error: 'not found' } };
        return { status: 401, json: { error: 'unauthorized' }, headers: { 'WWW-Authenticate': 'Bearer realm="netmonitor"' } };
      }
      const status = request.query.get('status') ?? 'ok';
      if (status !== 'ok' && status !== 'fail') return { status: 400, json: { error: 'status must be ok or fail' } };
      const text = messageText(request.body);
      messages.set(id, { at: server.clock.now().wall, status, text });
      if (status === 'fail') server.failureOf(id, failureReason(text));
      else server.heartbeatFrom(id, { type: 'PING', boot: null, seq: null, uptime: null, interval: null, addr: source });
      return { status: 200, json: { ok: true, client: id, state: server.clientState(id)?.status ?? 'unknown' } };
    },
  };
}
