/**
 * One HTTP server on 127.0.0.1 that answers as the push providers' documented APIs do, for
 * the channel tests: ntfy (`POST /<topic>`, Bearer or Basic auth), Telegram
 * (`POST /bot<token>/sendMessage`, `{"ok": true, "result": …}`, 429 with
 * `parameters.retry_after`), Discord (`POST /api/webhooks/<id>/<token>`, 204; 429 with a float
 * `retry_after` and Retry-After), Slack (`POST /services/A/B/C`, plain-text `ok` or error
 * words), Pushover (`POST /1/messages.json`, form fields, `{"status": 1}`), and any other
 * path as a plain webhook. Tests script answers ahead (`next`), take a provider down (503)
 * and back, or make it hang.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TELEGRAM_TOKEN = '123456789:AAH-telegram-secret-token';
export const DISCORD_ID = '112233445566778899';
export const DISCORD_TOKEN = 'discord-secret-token_x1';
export const SLACK_PATH = '/services/T000AAAA/B000BBBB/slacksecret123';
export const PUSHOVER_TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
export const PUSHOVER_USER = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';
export const NTFY_TOKEN = 'tk_ntfysecrettoken0000000000';

export type Provider = 'ntfy' | 'telegram' | 'discord' | 'slack' | 'pushover' | 'webhook';

export interface Received {
  provider: Provider;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed JSON or form body. */
  fields: Record<string, unknown>;
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface ProviderPeer {
  url: string;
  port: number;
  /** Every request whose answer was 2xx, in order of arrival. */
  accepted: Received[];
  /** Every request, whatever the answer. */
  requests: Received[];
  /** Answers given to the next requests, before the provider's own behaviour. */
  next(...answers: Answer[]): void;
  /** While true, every request gets 503. */
  down: boolean;
  /** Resolves once `count` requests were accepted. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

function providerOf(path: string): Provider {
  if (/^\/bot[^/]+\/sendMessage$/.test(path)) return 'telegram';
  if (path.startsWith('/api/webhooks/')) return 'discord';
  if (path.startsWith('/services/')) return 'slack';
  if (path === '/1/messages.json') return 'pushover';
  if (path.startsWith('/hook')) return 'webhook';
  return 'ntfy';
}

/** A 429 as each provider documents it, asking for `seconds`. */
export function rateLimited(provider: Provider, seconds: number): Answer {
  switch (provider) {
    case 'telegram':
      return { status: 429, body: JSON.stringify({ ok: false, error_code: 429, description: `Too Many Requests: retry after ${seconds}`, parameters: { retry_after: seconds } }) };
    case 'discord':
      return { status: 429, headers: { 'Retry-After': String(Math.ceil(seconds)) }, body: JSON.stringify({ message: 'You are being rate limited.', retry_after: seconds, global: false }) };
    case 'ntfy':
      return { status: 429, body: JSON.stringify({ code: 42901, http: 429, error: 'limit reached: too many requests' }) };
    default:
      return { status: 429, headers: { 'Retry-After': String(seconds) }, body: 'rate_limited' };
  }
}

function json(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(value));
}

/** The provider's own answer to a well-formed or malformed request; true when it accepted it. */
function answer(request: Received, response: ServerResponse, auth: { ntfyToken: string | null }): boolean {
  const { provider, fields, headers } = request;
  switch (provider) {
    case 'telegram':
      if (request.path !== `/bot${TELEGRAM_TOKEN}/sendMessage`) return json(response, 401, { ok: false, error_code: 401, description: 'Unauthorized' }), false;
      if (typeof fields.text !== 'string' || fields.chat_id === undefined) return json(response, 400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' }), false;
      if (fields.chat_id !== '42') return json(response, 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' }), false;
      return json(response, 200, { ok: true, result: { message_id: 1, chat: { id: 42 }, text: fields.text } }), true;
    case 'discord':
      if (request.path !== `/api/webhooks/${DISCORD_ID}/${DISCORD_TOKEN}`) return json(response, 404, { message: 'Unknown Webhook', code: 10015 }), false;
      if (typeof fields.content !== 'string' && !Array.isArray(fields.embeds)) return json(response, 400, { message: 'Cannot send an empty message', code: 50006 }), false;
      response.writeHead(204).end();
      return true;
    case 'slack':
      if (request.path !== SLACK_PATH) return response.writeHead(404, { 'Content-Type': 'text/plain' }).end('no_service'), false;
      if (typeof fields.text !== 'string') return response.writeHead(400, { 'Content-Type': 'text/plain' }).end('invalid_payload'), false;
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return true;
    case 'pushover':
      if (fields.token !== PUSHOVER_TOKEN) return json(response, 400, { token: 'invalid', errors: ['application token is invalid'], status: 0, request: 'r-1' }), false;
      if (fields.user !== PUSHOVER_USER) return json(response, 400, { user: 'invalid', errors: ['user identifier is not a valid user, group, or subscribed user key'], status: 0, request: 'r-2' }), false;
      if (typeof fields.message !== 'string' || fields.message === '') return json(response, 400, { message: 'cannot be blank', errors: ['message cannot be blank'], status: 0, request: 'r-3' }), false;
      return json(response, 200, { status: 1, request: 'r-ok' }), true;
    case 'ntfy':
      if (auth.ntfyToken !== null && headers.authorization !== `Bearer ${auth.ntfyToken}`) return json(response, 401, { code: 40101, http: 401, error: 'unauthorized' }), false;
      return json(response, 200, { id: 'm1', time: 0, event: 'message', topic: request.path.slice(1), message: request.body, title: headers.title }), true;
    case 'webhook':
      response.writeHead(200).end();
      return true;
  }
}

export async function startProviderPeer(options: { ntfyToken?: string | null } = {}): Promise<ProviderPeer> {
  const scripted: Answer[] = [];
  const accepted: Received[] = [];
  const requests: Received[] = [];
  const waiters = new Set<() => void>();
  const auth = { ntfyToken: options.ntfyToken ?? null };
  const peer = { down: false } as ProviderPeer;
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (incoming.url ?? '/').split('?')[0]!;
      let fields: Record<string, unknown> = {};
      if ((incoming.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) fields = Object.fromEntries(new URLSearchParams(body));
      else {
        try {
          const parsed: unknown = JSON.parse(body);
          if (typeof parsed === 'object' && parsed !== null) fields = parsed as Record<string, unknown>;
        } catch {
          // not JSON: ntfy's plain-text body
        }
      }
      const received: Received = { provider: providerOf(path), method: incoming.method ?? '', path, headers: incoming.headers, body, fields };
      requests.push(received);
      const script = scripted.shift();
      if (script === 'hang') return; // never answered: the caller's timeout must end it
      if (script !== undefined) {
        response.writeHead(script.status, script.headers).end(script.body ?? '');
        return;
      }
      if (peer.down) return json(response, 503, { error: 'service unavailable' });
      if (answer(received, response, auth)) {
        accepted.push(received);
        for (const waiter of waiters) waiter();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(peer, {
    url: `http://127.0.0.1:${port}`,
    port,
    accepted,
    requests,
    next: (...answers: Answer[]) => void scripted.push(...answers),
    waitFor: (count: number, timeoutMs = 15_000) =>
      new Promise<Received[]>((resolve, reject) => {
        const check = (): void => {
          if (accepted.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(accepted);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`provider accepted ${accepted.length} of ${count} requests in time`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
