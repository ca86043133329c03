/**
 * The HTTP side's route table. Any part of the server may add routes (the LibreNMS alert
 * endpoint, the API, the dashboard); the listener dispatches through it. Patterns are paths
 * with `:name` segments, matched whole; a segment's value is URI-decoded.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body, already size-limited by the listener. */
  body: Buffer;
  remoteAddress: string;
}

export interface HttpReply {
  status: number;
  /** Sent as JSON when set. */
  json?: unknown;
  /** Sent as-is with `contentType` when set. */
  text?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  pattern: string;
  /**
   * 'admin': the listener checks the admin token before calling handle(). 'read': public,
   * unless `http.require_token_for_reads` is set, then as 'admin'. 'token': the listener
   * checks the route's own token (`token`), as it checks the admin token. 'public': the route
   * authenticates by itself (or needs nothing).
   */
  access: 'public' | 'read' | 'admin' | 'token';
  /** For access 'token': the SHA-256 of the bearer token it takes, and the setting that holds it (null: none is configured, every call gets 403). */
  token?: { sha256: Buffer | null; setting: string };
  /** The largest body accepted (bytes); larger gets 413 unread. Default: MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  handle(request: HttpRequest, params: Record<string, string>): HttpReply | Promise<HttpReply>;
}

export const MAX_BODY_BYTES = 16 * 1024;

export class RouteTable {
  private readonly routes: { route: HttpRoute; segments: string[] }[] = [];

  add(route: HttpRoute): void {
    this.routes.push({ route, segments: route.pattern.split('/') });
  }

  /** The route for a request and its parameters; `allowed` lists methods when only the method differs. */
  match(method: string, path: string): { route: HttpRoute; params: Record<string, string> } | { route: null; allowed: string[] } {
    const parts = path.split('/');
    const allowed: string[] = [];
    for (const { route, segments } of this.routes) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let matched = true;
      for (let i = 0; i < segments.length && matched; i++) {
        const segment = segments[i]!;
        const part = parts[i]!;
        if (segment.startsWith(':')) {
          try {
            params[segment.slice(1)] = decodeURIComponent(part);
          } catch {
            matched = false;
          }
          if (part === '') matched = false;
        } else if (segment !== part) matched = false;
      }
      if (!matched) continue;
      if (route.method === method) return { route, params };
      allowed.push(route.method);
    }
    return { route: null, allowed };
  }
}
