/**
 * The HTTP listener: dispatches through the RouteTable and owns everything that must hold
 * for every route, so no route can forget it:
 *  1. a route is matched before the body is read, and a body over the route's limit is
 *     refused with 413 without reading it;
 *  2. 'admin' routes (and 'read' routes when reads are protected) need the admin token, and
 *     'token' routes their own, compared in constant time; failures are rate-limited per
 *     source address;
 *  3. every reply carries a restrictive Content-Security-Policy and no-sniff headers;
 *  4. a route that throws gets a bare 500: the error is logged, never sent;
 *  5. with `http.tls_cert_file` and `http.tls_key_file` it speaks HTTPS only (tlsFiles.ts);
 *  6. connections are bounded, in total and per source, with short header and idle
 *     timeouts, so they cannot use up the descriptors alerts need (connectionLimits.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Logger } from 'winston';
import { normalizeAddress } from '../intake/acceptance.js';
import { AuthFailures, bearerToken, tokenMatches } from './auth.js';
import type { HttpListenerConfig } from '../config/http.js';
import { TlsFiles } from './tlsFiles.js';
import { CHECK_INTERVAL_MS, connectionBudget, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, openFileLimit, SourceConnections, type ConnectionBudget } from './connectionLimits.js';
import { MAX_BODY_BYTES, type HttpReply, type HttpRequest, type HttpRoute, type RouteTable } from './routes.js';
import { bindError } from '../environmentErrors.js';

/** Nothing but same-origin scripts, styles, images and fetches; no framing, no forms elsewhere. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

export interface ListenerOptions {
  config: HttpListenerConfig;
  routes: RouteTable;
  logger: Logger;
  /** Monotonic milliseconds, for the per-source failure counts. */
  now: () => number;
}

export class HttpListener {
  private readonly server: Server;
  readonly failures: AuthFailures;
  private readonly tls: TlsFiles | null;
  private readonly openFiles = openFileLimit();
  readonly budget: ConnectionBudget = connectionBudget(this.openFiles);

  constructor(private readonly options: ListenerOptions) {
    this.failures = new AuthFailures(options.config.authFailuresPerMinute, options.now());
    const handler = (request: IncomingMessage, response: ServerResponse): void => {
      this.serve(request, response).catch((error: Error) => {
        /* c8 ignore next 3 -- serve() catches route errors itself; this guards the reply writing */
        this.options.logger.error(`http: ${error.message}`);
        if (!response.headersSent) send(response, { status: 500, json: { error: 'internal' } });
      });
    };
    const limits = { requestTimeout: 30_000, headersTimeout: HEADERS_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connectionsCheckingInterval: CHECK_INTERVAL_MS };
    const tlsFiles = options.config.tls;
    this.tls = tlsFiles === null ? null : new TlsFiles(tlsFiles, options.logger);
    if (this.tls === null) {
      this.server = createServer(limits, handler);
    } else {
      const https: HttpsServer = createHttpsServer({ ...limits, ...this.tls.read() }, handler);
      this.tls.watch(https);
      // A failed handshake (a plain-HTTP request, a scanner) is the client's problem, not the server's.
      https.on('tlsClientError', (_error, socket) => socket.destroy());
      this.server = https;
    }
    this.server.on('clientError', (_error, socket) => socket.destroy());
    this.server.maxConnections = this.budget.total;
    const sources = new SourceConnections(this.budget.perSource);
    this.server.on('connection', (socket) => sources.admit(socket));
  }

  /** 'https' when the listener serves TLS. */
  get scheme(): 'http' | 'https' {
    return this.tls === null ? 'http' : 'https';
  }

  async listen(): Promise<{ address: string; port: number }> {
    const { listenAddress, port } = this.options.config;
    await new Promise<void>((resolve, reject) => {
      const refused = (error: Error): void => reject(bindError(error, { portKey: 'http.port', addressKey: 'http.listen_address', port, address: listenAddress }));
      this.server.once('error', refused);
      this.server.listen(port, listenAddress, () => {
        this.server.off('error', refused);
        resolve();
      });
    });
    const bound = this.server.address();
    /* c8 ignore next -- a TCP listener always has an address object */
    if (bound === null || typeof bound === 'string') throw new Error('http listener has no address');
    const limit = this.openFiles === null ? 'open-file limit unknown' : `open-file limit ${this.openFiles}`;
    this.options.logger.info(`http: at most ${this.budget.total} connections, ${this.budget.perSource} per source (${limit})`);
    return { address: bound.address, port: bound.port };
  }

  async close(): Promise<void> {
    this.tls?.stop();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** The token a route needs, with what a caller is told when none is configured; null for none. */
  private guardOf(route: HttpRoute): { sha256: Buffer | null; missing: string } | null {
    if (route.access === 'token') {
      const token = route.token ?? { sha256: null, setting: 'a token' };
      return { sha256: token.sha256, missing: `no token is configured for this route (${token.setting})` };
    }
    const needsAdmin = route.access === 'admin' || (route.access === 'read' && this.options.config.requireTokenForReads);
    return needsAdmin ? { sha256: this.options.config.adminTokenSha256, missing: 'no admin token is configured' } : null;
  }

  private async serve(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const remoteAddress = normalizeAddress(incoming.socket.remoteAddress ?? '');
    let url: URL;
    try {
      url = new URL(incoming.url ?? '/', 'http://netmonitor.invalid');
    } catch {
      return send(response, { status: 400, json: { error: 'bad request' } });
    }
    const method = incoming.method ?? 'GET';
    const matched = this.options.routes.match(method === 'HEAD' ? 'GET' : method, url.pathname);
    if (matched.route === null) {
      incoming.resume();
      if (matched.allowed.length > 0) return send(response, { status: 405, json: { error: 'method not allowed' }, headers: { Allow: matched.allowed.join(', ') } });
      return send(response, { status: 404, json: { error: 'not found' } });
    }
    const { route, params } = matched;
    const limit = route.maxBodyBytes ?? MAX_BODY_BYTES;
    const body = await readBody(incoming, limit);
    if (body === null) return send(response, { status: 413, json: { error: 'body too large', limit_bytes: limit } }, true);
    const request: HttpRequest = { method, path: url.pathname, query: url.searchParams, headers: incoming.headers, body, remoteAddress };

    const guard = this.guardOf(route);
    if (guard !== null) {
      const now = this.options.now();
      if (this.failures.blocked(remoteAddress, now)) return send(response, { status: 429, json: { error: 'too many failed attempts' }, headers: { 'Retry-After': '60' } });
      if (guard.sha256 === null) return send(response, { status: 403, json: { error: guard.missing } });
      if (!tokenMatches(bearerToken(request.headers), guard.sha256)) {
        this.failures.record(remoteAddress, now);
        return send(response, { status: 401, json: { error: 'unauthorized' }, headers: { 'WWW-Authenticate': 'Bearer realm="netmonitor"' } });
      }
    }
    let reply: HttpReply;
    try {
      reply = await route.handle(request, params);
    } catch (error) {
      this.options.logger.error(`http: ${method} ${url.pathname} failed: ${(error as Error).message}`);
      reply = { status: 500, json: { error: 'internal' } };
    }
    send(response, reply, false, method === 'HEAD');
  }
}

/** The body, or null as soon as it is larger than `limit` (the rest is not read). */
function readBody(incoming: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(null);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    incoming.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    incoming.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
      done = true;
    });
    incoming.on('error', () => {
      if (!done) resolve(null);
      done = true;
    });
  });
}

function send(response: ServerResponse, reply: HttpReply, close = false, headOnly = false): void {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, ...reply.headers };
  let payload: Buffer;
  if (reply.json !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.json) + '\n');
    headers['Content-Type'] = 'application/json; charset=utf-8';
  } else {
    payload = typeof reply.text === 'string' ? Buffer.from(reply.text) : reply.text ?? Buffer.alloc(0);
    headers['Content-Type'] = reply.contentType ?? 'text/plain; charset=utf-8';
  }
  headers['Content-Length'] = String(payload.length);
  // A body left unread (413) would otherwise be parsed as the next request.
  if (close) headers.Connection = 'close';
  response.writeHead(reply.status, headers);
  response.end(headOnly ? undefined : payload);
}
