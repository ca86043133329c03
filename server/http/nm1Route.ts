/**
 * `POST /api/v1/nm1`: NM1 over HTTP(S), for gateways whose network drops outbound UDP (and,
 * over TLS, to keep the heartbeats private). The body is one datagram's text. It goes
 * through the very intake the UDP socket uses (the source's rate limit, acceptance, the one
 * replay window per sensor, the refusal counts), so a datagram accepted over one transport
 * is a replay over the other.
 *
 * Answers: 204 accepted; 400 or 403 with one word, the refusal's reason (400 for the shape,
 * 403 for unknown-sensor, bad-mac and replay); 429 past the source's datagram rate, or past
 * the listener's limit of failed authentications, which unknown-sensor and bad-mac count
 * towards like a wrong token.
 */
import type { Admission } from '../intake/acceptance.js';
import type { AuthFailures } from './auth.js';
import type { HttpReply, HttpRoute } from './routes.js';

/** A datagram is at most 256 bytes and a newline; a little more gets the datagram's own `too-long`. */
export const NM1_BODY_BYTES = 1024;

/** What the route needs of the server: its datagram intake (NetmonitorServer.admit). */
export interface Nm1Intake {
  admit(datagram: Buffer, source: string): Admission;
}

const SHAPE_REFUSALS = new Set<Admission>(['too-long', 'not-ascii', 'malformed']);

export function nm1Route(intake: Nm1Intake, failures: AuthFailures, now: () => number): HttpRoute {
  return {
    method: 'POST',
    pattern: '/api/v1/nm1',
    access: 'public',
    maxBodyBytes: NM1_BODY_BYTES,
    handle(request): HttpReply {
      const source = request.remoteAddress;
      if (failures.blocked(source, now())) return { status: 429, text: 'rate-limited', headers: { 'Retry-After': '60' } };
      const outcome = intake.admit(request.body, source);
      if (outcome === null) return { status: 204 };
      /* c8 ignore next -- a bug in acceptance, logged by the server */
      if (outcome === 'internal') return { status: 500, text: 'internal' };
      if (outcome === 'rate-limited') return { status: 429, text: outcome, headers: { 'Retry-After': '1' } };
      if (SHAPE_REFUSALS.has(outcome)) return { status: 400, text: outcome };
      if (outcome === 'unknown-sensor' || outcome === 'bad-mac') failures.record(source, now());
      return { status: 403, text: outcome };
    },
  };
}
