/**
 * One HTTP request to a provider, with a deadline on the whole exchange, and the reading of its
 * answer into a SendResult. node:http/https only: no client library to keep up to date, and
 * a request never outlives its timeout (a provider that accepts the connection and then
 * hangs costs one timeout, then the queue's backoff).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { redact, type SendResult } from './types.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** A provider's answer is kept this short in logs and records. */
const ANSWER_CHARS = 300;
/** Bodies read at most this far: an answer is a status and a few words. */
const MAX_BODY_BYTES = 64 * 1024;

export interface HttpCall {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}


/** Sends one request; rejects on connection errors and when the whole exchange outlasts `timeoutMs`. */
export function send(call: HttpCall): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(call.url);
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: call.method ?? 'POST', headers: call.headers });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${call.timeoutMs / 1000}s`)), call.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.end(call.body);
  });
}

/** Retry-After as seconds (the form providers use) or an HTTP date, in ms; null when absent or unreadable. */
export function retryAfterHeader(value: string | string[] | undefined, now: number = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) return Math.ceil(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Whether an HTTP status is worth retrying: time-outs, rate limits and server errors. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The usual reading of an answer: 2xx accepted; 408, 429 and 5xx transient (waiting at least
 * the Retry-After header, or what `retryAfterMs` reads from the body); any other status permanent.
 */
export function resultOf(answer: HttpAnswer, secrets: readonly string[], bodyRetryAfterMs: number | null = null): SendResult {
  if (answer.status >= 200 && answer.status < 300) return { ok: true };
  const header = retryAfterHeader(answer.headers['retry-after']);
  const retryAfterMs = header === null && bodyRetryAfterMs === null ? null : Math.max(header ?? 0, bodyRetryAfterMs ?? 0);
  return { ok: false, permanent: !isTransientStatus(answer.status), answer: answerText(answer, secrets), retryAfterMs };
}

export function answerText(answer: HttpAnswer, secrets: readonly string[]): string {
  const body = answer.text.replace(/\s+/g, ' ').trim().slice(0, ANSWER_CHARS);
  return redact(`HTTP ${answer.status}${body === '' ? '' : `: ${body}`}`, secrets);
}

/** A request that failed before any answer (refused, reset, DNS, timed out): transient. */
export function failureOf(error: unknown, secrets: readonly string[]): SendResult {
  const e = error as NodeJS.ErrnoException;
  const what = e.code !== undefined && !(e.message ?? '').includes(e.code) ? `${e.code}: ${e.message}` : (e.message ?? String(error));
  return { ok: false, permanent: false, answer: redact(what, secrets), retryAfterMs: null };
}

/** Sends and reads the answer with `read` (resultOf by default); never rejects. */
export async function deliver(call: HttpCall, secrets: readonly string[], read: (answer: HttpAnswer) => SendResult = (a) => resultOf(a, secrets)): Promise<SendResult> {
  let answer: HttpAnswer;
  try {
    answer = await send(call);
  } catch (error) {
    return failureOf(error, secrets);
  }
  return read(answer);
}

/** A JSON body, or undefined when the text is not JSON. */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
