/**
 * The model: one OpenAI-compatible `POST {base_url}/chat/completions` per run (Ollama's
 * /v1, vLLM, llama.cpp's server, hosted APIs). Asks for a reply of FINDINGS_SCHEMA with
 * `response_format: json_schema`, and falls back to `json_object` when the endpoint refuses
 * schemas (a 400 or 422 to the first request). A reply that is not JSON of the schema is
 * asked for once more, then the run is recorded as failed. A 429 waits its Retry-After,
 * a 5xx or a network error waits a growing pause, each at most MAX_ATTEMPTS times. A reply
 * cut by `finish_reason: length` is asked for again with twice the room. Tokens are counted
 * from every reply's `usage` and the daily budget is checked before every request. Never
 * throws; the API key goes only into the Authorization header.
 */
import type { EndpointConfig } from './config.js';
import { acceptFindings, buildMessages, FINDINGS_SCHEMA, schemaProblem, type ChatMessage, type ModelFinding } from './prompt.js';
import type { PreparedRun } from './pipeline.js';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export type ModelStatus = 'ok' | 'failed' | 'budget' | 'empty';

export interface ModelOutcome {
  status: ModelStatus;
  findings: ModelFinding[];
  usage: Usage;
  /** Requests sent. */
  requests: number;
  mode: 'json_schema' | 'json_object';
  /** Why it failed, for people; never a secret. */
  error: string | null;
}

export interface ModelDeps {
  fetch: typeof fetch;
  sleep(ms: number): Promise<void>;
  /** Tokens still allowed today; Infinity without a budget. */
  tokensLeft(): number;
}

export const MAX_ATTEMPTS = 4;
const MAX_WAIT_MS = 60_000;
const BACKOFF_MS = 1000;

/** The request body, as sent (and as `--dry-run` prints it). */
export function requestBody(endpoint: EndpointConfig, messages: ChatMessage[], mode: 'json_schema' | 'json_object', maxTokens = endpoint.maxTokens): Record<string, unknown> {
  return {
    model: endpoint.model,
    messages,
    temperature: 0,
    max_tokens: maxTokens,
    stream: false,
    response_format: mode === 'json_schema'
      ? { type: 'json_schema', json_schema: { name: 'log_findings', strict: true, schema: FINDINGS_SCHEMA } }
      : { type: 'json_object' },
  };
}

/** A Retry-After header in ms (seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.round(Number(header) * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Rough token count of the request before it is sent: 4 characters a token, plus the reply's room. */
export function estimateTokens(messages: ChatMessage[], maxTokens: number): number {
  return Math.ceil(messages.reduce((sum, m) => sum + m.content.length, 0) / 4) + maxTokens;
}

interface Reply {
  content: string | null;
  finishReason: string | null;
}

function readReply(body: unknown, usage: Usage): Reply | string {
  if (typeof body !== 'object' || body === null) return 'the endpoint answered with something other than a JSON object';
  const b = body as { choices?: { message?: { content?: unknown }; finish_reason?: unknown }[]; usage?: Record<string, unknown> };
  const u = b.usage ?? {};
  const n = (v: unknown): number => (Number.isFinite(v) && (v as number) >= 0 ? (v as number) : 0);
  usage.promptTokens += n(u.prompt_tokens);
  usage.completionTokens += n(u.completion_tokens);
  usage.totalTokens += n(u.total_tokens) || n(u.prompt_tokens) + n(u.completion_tokens);
  const choice = Array.isArray(b.choices) ? b.choices[0] : undefined;
  if (choice === undefined) return 'the reply has no choices';
  const content = choice.message?.content;
  return { content: typeof content === 'string' ? content : null, finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null };
}

/** The JSON object in a reply's content: the whole content, or a ```json fence some models add. */
export function parseContent(content: string): unknown {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(content);
  try {
    return JSON.parse(fenced === null ? content : fenced[1]!);
  } catch {
    return undefined;
  }
}

export async function askModel(endpoint: EndpointConfig, run: PreparedRun, deps: ModelDeps): Promise<ModelOutcome> {
  const usage: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  const outcome = (status: ModelStatus, error: string | null, findings: ModelFinding[] = []): ModelOutcome =>
    ({ status, findings, usage, requests, mode, error });
  let requests = 0;
  let mode: 'json_schema' | 'json_object' = 'json_schema';
  if (run.templates.length === 0) return outcome('empty', null);
  const messages = buildMessages(run);
  const url = `${endpoint.baseUrl}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (endpoint.apiKey !== null) headers.authorization = `Bearer ${endpoint.apiKey}`;
  let maxTokens = endpoint.maxTokens;
  let malformed = 0;
  let transient = 0;
  let lastError = '';
  for (;;) {
    if (estimateTokens(messages, maxTokens) > deps.tokensLeft()) {
      return outcome('budget', `the daily token budget would be exceeded (about ${estimateTokens(messages, maxTokens)} tokens, ${deps.tokensLeft()} left)`);
    }
    requests++;
    let response: Response;
    try {
      response = await deps.fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(requestBody(endpoint, messages, mode, maxTokens)),
        signal: AbortSignal.timeout(endpoint.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const name = (error as Error).name;
      lastError = name === 'TimeoutError' || name === 'AbortError'
        ? `no answer within ${endpoint.timeoutMs} ms`
        : `cannot reach the endpoint (${(error as { cause?: NodeJS.ErrnoException }).cause?.code ?? 'network error'})`;
      if (++transient >= MAX_ATTEMPTS) return outcome('failed', lastError);
      await deps.sleep(BACKOFF_MS * 2 ** (transient - 1));
      continue;
    }
    const text = await response.text().catch(() => '');
    if (response.status === 429 || response.status >= 500) {
      lastError = `HTTP status ${response.status}`;
      if (++transient >= MAX_ATTEMPTS) return outcome('failed', `${lastError} after ${requests} requests`);
      const wait = response.status === 429 ? retryAfterMs(response.headers.get('retry-after'), Date.now()) : null;
      await deps.sleep(Math.min(MAX_WAIT_MS, wait ?? BACKOFF_MS * 2 ** (transient - 1)));
      continue;
    }
    if ((response.status === 400 || response.status === 422) && mode === 'json_schema') {
      // Endpoints without structured output refuse the json_schema response_format.
      mode = 'json_object';
      continue;
    }
    if (response.status < 200 || response.status > 299) return outcome('failed', `HTTP status ${response.status}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const reply = readReply(body, usage);
    let problem: string | null;
    if (typeof reply === 'string') problem = reply;
    else if (reply.content === null) problem = 'the reply has no message content';
    else {
      const value = parseContent(reply.content);
      problem = value === undefined ? 'the reply is not valid JSON' : schemaProblem(value);
      if (problem === null) return outcome('ok', null, acceptFindings(value, run));
      if (reply.finishReason === 'length') {
        problem = `the reply was cut off at max_tokens ${maxTokens} (finish_reason length)`;
        maxTokens = Math.min(maxTokens * 2, 1_000_000);
      }
    }
    if (++malformed >= 2) return outcome('failed', problem);
  }
}
