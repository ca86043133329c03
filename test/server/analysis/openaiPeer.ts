/**
 * An OpenAI-compatible chat completions server on loopback for tests, as the API documents
 * it: `POST /v1/chat/completions` with a bearer token, a JSON body of model and messages, a
 * `response_format` of `json_schema` or `json_object`, and a reply of `choices[0].message`,
 * `finish_reason` and `usage`. Each test scripts the answers; every request is kept.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

/** One scripted answer: a reply's content (with usage and finish_reason), or a raw HTTP status. */
export type Answer =
  | { content: string; finishReason?: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  | { status: number; body?: string; headers?: Record<string, string> }
  | { hang: true };

export interface OpenAiPeer {
  /** The base_url: http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  requests: SeenRequest[];
  /** Answers given in order; when they run out, an empty findings list. */
  script(...answers: Answer[]): void;
  /** When set, requests without this bearer token get 401. */
  apiKey: string | null;
  /** When true, a json_schema response_format gets 400, as endpoints without structured output answer. */
  refuseSchemas: boolean;
  close(): Promise<void>;
}

export function reply(findings: unknown[], usage = { prompt_tokens: 100, completion_tokens: 20 }): Answer {
  return { content: JSON.stringify({ findings }), usage };
}

export async function startOpenAiPeer(): Promise<OpenAiPeer> {
  const answers: Answer[] = [];
  const peer: Omit<OpenAiPeer, 'baseUrl' | 'close'> = {
    requests: [],
    apiKey: null,
    refuseSchemas: false,
    script: (...more) => void answers.push(...more),
  };
  const handle = (req: IncomingMessage, res: ServerResponse, text: string): void => {
    const json = (status: number, value: unknown, headers: Record<string, string> = {}): void =>
      void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return json(404, { error: { message: 'not found' } });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return json(400, { error: { message: 'body is not JSON' } });
    }
    peer.requests.push({ method: req.method, path: req.url, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
    if (peer.apiKey !== null && req.headers.authorization !== `Bearer ${peer.apiKey}`) return json(401, { error: { message: 'Incorrect API key provided' } });
    if (typeof body.model !== 'string' || !Array.isArray(body.messages)) return json(400, { error: { message: 'model and messages are required' } });
    const format = body.response_format as { type?: string } | undefined;
    if (peer.refuseSchemas && format?.type === 'json_schema') return json(400, { error: { message: "response_format type 'json_schema' is not supported" } });
    const answer = answers.shift() ?? reply([]);
    if ('hang' in answer) return;
    if ('status' in answer) return void res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body ?? '{"error":{"message":"error"}}');
    const usage = answer.usage ?? { prompt_tokens: 0, completion_tokens: 0 };
    json(200, {
      id: `chatcmpl-${peer.requests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: answer.content }, finish_reason: answer.finishReason ?? 'stop' }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    });
  };
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => handle(req, res, text));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(peer, {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  });
}
