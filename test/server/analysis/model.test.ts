import t, { type Test } from 'tap';
import type { EndpointConfig } from '../../../server/analysis/config.js';
import { askModel, estimateTokens, parseContent, retryAfterMs, type ModelDeps } from '../../../server/analysis/model.js';
import { prepareRun } from '../../../server/analysis/pipeline.js';
import { FINDINGS_SCHEMA } from '../../../server/analysis/prompt.js';
import { freePort } from '../supervision/sshdPeer.js';
import { reply, startOpenAiPeer, type OpenAiPeer } from './openaiPeer.js';

const LINES = [
  '2026-12-02T02:11:05Z pppd[812]: No response to 5 echo-requests',
  '2026-12-02T02:11:05Z pppd[812]: Serial link appears to be disconnected.',
  '2026-12-02T02:11:09Z kernel: eth1: link down',
];
const RUN = prepareRun(LINES, { name: 'router', include: [], exclude: [] }, { emails: true, macs: false });
const FINDING = { severity: 'high', title: 'PPPoE session lost', evidence: [LINES[0]], count: 1, explanation: 'The ISP stopped answering LCP echoes.' };

async function setUp(t: Test): Promise<{ peer: OpenAiPeer; endpoint: EndpointConfig; waits: number[]; deps: ModelDeps }> {
  const peer = await startOpenAiPeer();
  t.teardown(() => peer.close());
  const waits: number[] = [];
  const deps: ModelDeps = { fetch: globalThis.fetch, sleep: async (ms) => void waits.push(ms), tokensLeft: () => Infinity };
  return { peer, endpoint: { baseUrl: peer.baseUrl, model: 'llama3.1:8b', apiKey: 'sk-test-0123456789abcdef', timeoutMs: 5000, maxTokens: 512 }, waits, deps };
}

t.test('a request carries the bearer key, the model, the two messages and the json_schema response format; the reply becomes findings', async (t) => {
  const { peer, endpoint, deps } = await setUp(t);
  peer.apiKey = 'sk-test-0123456789abcdef';
  peer.script(reply([FINDING], { prompt_tokens: 321, completion_tokens: 45 }));
  const outcome = await askModel(endpoint, RUN, deps);
  t.equal(outcome.status, 'ok');
  t.same(outcome.findings, [FINDING]);
  t.same(outcome.usage, { promptTokens: 321, completionTokens: 45, totalTokens: 366 }, 'usage is taken from the reply');
  const [request] = peer.requests;
  t.equal(request!.authorization, 'Bearer sk-test-0123456789abcdef');
  t.match(request!.contentType, /^application\/json/);
  t.equal(request!.body.model, 'llama3.1:8b');
  t.equal(request!.body.max_tokens, 512);
  t.same(request!.body.response_format, { type: 'json_schema', json_schema: { name: 'log_findings', strict: true, schema: FINDINGS_SCHEMA } });
  const messages = request!.body.messages as { role: string; content: string }[];
  t.same(messages.map((m) => m.role), ['system', 'user']);
  t.match(messages[0]!.content, /untrusted data/);
  t.match(messages[1]!.content, /BEGIN LOG-[0-9a-f]{16}\n1× 2026-12-02T02:11:05Z pppd\[812\]: No response to 5 echo-requests\n/);
});

t.test('a wrong API key is a failed run that does not retry and does not show the key', async (t) => {
  const { peer, endpoint, deps } = await setUp(t);
  peer.apiKey = 'sk-the-right-one-000000';
  const outcome = await askModel(endpoint, RUN, deps);
  t.match(outcome, { status: 'failed', error: 'HTTP status 401', requests: 1 });
  t.notMatch(JSON.stringify(outcome), /sk-test/);
});

t.test('an endpoint that refuses json_schema is asked again with json_object', async (t) => {
  const { peer, endpoint, deps } = await setUp(t);
  peer.refuseSchemas = true;
  peer.script(reply([FINDING]));
  const outcome = await askModel(endpoint, RUN, deps);
  t.match(outcome, { status: 'ok', mode: 'json_object', requests: 2 });
  t.same(peer.requests.map((r) => (r.body.response_format as { type: string }).type), ['json_schema', 'json_object']);
  t.match((peer.requests[1]!.body.messages as { content: string }[])[0]!.content, /JSON/, 'json_object mode needs the word JSON in the messages');
});

t.test('a 429 waits what Retry-After says and a 500 backs off, then the answer counts', async (t) => {
  const { peer, endpoint, waits, deps } = await setUp(t);
  peer.script({ status: 429, headers: { 'retry-after': '7' } }, { status: 500 }, reply([FINDING]));
  const outcome = await askModel(endpoint, RUN, deps);
  t.match(outcome, { status: 'ok', requests: 3 });
  t.same(waits, [7000, 2000], 'Retry-After in seconds, then the second backoff step');
});

t.test('an endpoint that keeps failing is recorded as failed after a bounded number of requests', async (t) => {
  const { peer, endpoint, waits, deps } = await setUp(t);
  peer.script({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
  const outcome = await askModel(endpoint, RUN, deps);
  t.match(outcome, { status: 'failed', requests: 4, error: /HTTP status 503 after 4 requests/ });
  t.same(waits, [1000, 2000, 4000]);
});

t.test('a reply that is not valid JSON is asked for once more, then the run is recorded as failed', async (t) => {
  const { peer, endpoint, deps } = await setUp(t);
  peer.script({ content: 'Sure! Here are the findings: none.' }, reply([FINDING]));
  t.match(await askModel(endpoint, RUN, deps), { status: 'ok', requests: 2 }, 'the retry answered well');
  peer.script({ content: '{"findings": [' }, { content: '{"findings": [{"severity": "urgent", "title": "x", "evidence": [], "count": 1}]}' });
  t.match(await askModel(endpoint, RUN, deps), { status: 'failed', requests: 2, error: /severity is not one of/ }, 'two bad replies fail the run');
});

t.test('a reply cut off at max_tokens is asked for again with twice the room', async (t) => {
  const { peer, endpoint, deps } = await setUp(t);
  peer.script({ content: '{"findings": [{"severity": "hi', finishReason: 'length', usage: { prompt_tokens: 50, completion_tokens: 512 } }, reply([FINDING], { prompt_tokens: 50, completion_tokens: 30 }));
  const outcome = await askModel(endpoint, RUN, deps);
  t.match(outcome, { status: 'ok', requests: 2 });
  t.same(peer.requests.map((r) => r.body.max_tokens), [512, 1024]);
  t.equal(outcome.usage.totalTokens, 642, 'the tokens of the cut reply count too');
  peer.script({ content: '{"findings": [', finishReason: 'length' }, { content: '{"findings": [', finishReason: 'length' });
  t.match(await askModel(endpoint, RUN, deps), { status: 'failed', error: /finish_reason length/ });
});

t.test('the daily budget is checked before a request is sent', async (t) => {
  const { peer, endpoint, deps } = await setUp(t);
  const outcome = await askModel(endpoint, RUN, { ...deps, tokensLeft: () => 100 });
  t.match(outcome, { status: 'budget', requests: 0, error: /daily token budget/ });
  t.equal(peer.requests.length, 0, 'nothing was sent');
  t.ok(estimateTokens([{ role: 'user', content: 'x'.repeat(400) }], 10) === 110);
});

t.test('a run without lines sends nothing; an endpoint that hangs or is not there fails within its timeout', async (t) => {
  const { peer, endpoint, deps } = await setUp(t);
  t.match(await askModel(endpoint, prepareRun([], { name: 'r', include: [], exclude: [] }, { emails: false, macs: false }), deps), { status: 'empty', requests: 0 });
  peer.script({ hang: true }, { hang: true }, { hang: true }, { hang: true });
  t.match(await askModel({ ...endpoint, timeoutMs: 200 }, RUN, deps), { status: 'failed', requests: 4, error: 'no answer within 200 ms' });
  t.match(await askModel({ ...endpoint, baseUrl: `http://127.0.0.1:${await freePort()}/v1` }, RUN, deps), { status: 'failed', error: /cannot reach the endpoint/ });
});

t.test('replies shaped unlike the API, and other HTTP errors, fail the run with a reason', async (t) => {
  const { peer, endpoint, deps } = await setUp(t);
  peer.script({ status: 200, body: '[]' }, { status: 200, body: '{"choices": []}' });
  t.match(await askModel(endpoint, RUN, deps), { status: 'failed', error: 'the reply has no choices' });
  peer.script({ status: 200, body: '{"choices": [{"message": {}}]}' }, { status: 200, body: 'not json' });
  t.match(await askModel(endpoint, RUN, deps), { status: 'failed', error: /something other than a JSON object/ });
  peer.script({ status: 200, body: '{"choices": [{"message": {}}]}' }, { status: 200, body: '{"choices": [{"message": {}}]}' });
  t.match(await askModel(endpoint, RUN, deps), { status: 'failed', error: 'the reply has no message content' });
  peer.script({ status: 404 });
  t.match(await askModel({ ...endpoint, baseUrl: peer.baseUrl }, RUN, deps), { status: 'failed' });
});

t.test('Retry-After is read as seconds or as an HTTP date; a fenced JSON reply is read', async (t) => {
  t.equal(retryAfterMs('3', 0), 3000);
  t.equal(retryAfterMs(new Date(10_000).toUTCString(), 4000), 6000);
  t.equal(retryAfterMs('soon', 0), null);
  t.equal(retryAfterMs(null, 0), null);
  t.same(parseContent('```json\n{"findings": []}\n```'), { findings: [] });
  t.equal(parseContent('nope'), undefined);
});
