/**
 * The per-channel queues: backoff and Retry-After with an injected clock (no waiting), order,
 * permanent refusals, one channel never delaying another, and the outcome records. The
 * channels are real HTTP channels talking to test/peers/pushProviders.ts.
 */
import t from 'tap';
import { DEFAULT_LIMITS, StormControl } from '../../../../server/alerts/storm.js';
import { join } from 'node:path';
import { validateChannels, type PushChannelConfig } from '../../../../server/alerts/channels/config.js';
import { ChannelDispatcher } from '../../../../server/alerts/channels/dispatcher.js';
import { makeChannel } from '../../../../server/alerts/channels/index.js';
import { ChannelQueue, retryDelay, RETRY_AFTER_CAP_MS, RETRY_CAP_MS, type DeliveryState, type QueueItem, type QueueTiming } from '../../../../server/alerts/channels/queue.js';
import { DeliveryStates } from '../../../../server/alerts/channels/states.js';
import { pushMessage } from '../../../../server/alerts/channels/text.js';
import { AlertOutbox, textOfItem } from '../../../../server/alerts/outbox.js';
import { fileMailer } from '../../../../server/alerts/mailer.js';
import type { AlertEvent } from '../../../../server/alerts/storm.js';
import { LogDirectory } from '../../../../server/store/logDirectory.js';
import { readLog, tempDir } from '../../../helpers.js';
import { captureLogger } from '../../../peers/logger.js';
import { NTFY_TOKEN, SLACK_PATH, startProviderPeer } from '../../../peers/pushProviders.js';

/** A clock that moves only when the queue sleeps, and remembers every sleep. */
function fakeTiming(start = 1_795_000_000_000): QueueTiming & { sleeps: number[]; clock: { now: number } } {
  const clock = { now: start };
  const sleeps: number[] = [];
  return {
    clock,
    sleeps,
    now: () => clock.now,
    sleep(ms) {
      sleeps.push(ms);
      clock.now += ms;
      return { done: new Promise<void>((resolve) => setImmediate(resolve)), wake: () => undefined };
    },
  };
}

const down = (client: string, at: number): AlertEvent => ({ type: 'down', client, at, lastUp: at - 5000, downIntervalMs: 5000, transitionId: `down-${client}-${at}` });
const item = (event: AlertEvent): QueueItem => {
  const outboxItem = { kind: 'alert' as const, event };
  return { message: pushMessage(event.transitionId, outboxItem, textOfItem(outboxItem, 'UTC')), refs: [event], via: null, notBefore: null };
};
const ntfyOf = (url: string, name = 'phone', timeout = '2s') =>
  makeChannel(validateChannels({ channels: { [name]: { type: 'ntfy', url, token: NTFY_TOKEN, timeout } } }, (v) => v, {}).push[0] as PushChannelConfig);

t.test('the retry delay doubles from 1 s to the cap, and a Retry-After is waited at least', async (t) => {
  t.same([1, 2, 3, 4, 9, 10, 30].map((n) => retryDelay(n, null)), [1000, 2000, 4000, 8000, 256_000, RETRY_CAP_MS, RETRY_CAP_MS]);
  t.equal(retryDelay(1, 7000), 7000, 'a provider asking for 7 s gets 7 s');
  t.equal(retryDelay(5, 2000), 16_000, 'the backoff wins when it is longer');
  t.equal(retryDelay(1, 86_400_000), RETRY_AFTER_CAP_MS, 'a day is cut to the documented hour');
});

t.test('a queue retries a 500 after 1 s and a 429 after its Retry-After, then sends in order', async (t) => {
  const peer = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  t.teardown(() => peer.close());
  const timing = fakeTiming();
  const states: [string, DeliveryState][] = [];
  const { logger, lines } = captureLogger();
  const queue = new ChannelQueue(ntfyOf(`${peer.url}/t`), { timing, logger, onState: (i, s) => states.push([i.message.id, s]) });
  peer.next({ status: 500, body: 'oops' }, { status: 429, headers: { 'Retry-After': '7' }, body: 'slow down' });
  queue.push(item(down('a', 1000)));
  queue.push(item(down('b', 2000)));
  await queue.idle();
  t.same(timing.sleeps, [1000, 7000]);
  t.same(peer.accepted.map((r) => r.headers.title), ['DOWN: a', 'DOWN: b'], 'the second waited behind the first');
  t.same(peer.requests.length, 4);
  const ofA = states.filter(([id]) => id === 'down-a-1000').map(([, s]) => s);
  t.match(ofA, [{ state: 'queued' }, { state: 'retrying', attempts: 1, nextAttempt: 1_795_000_001_000, answer: 'HTTP 500: oops' }, { state: 'retrying', attempts: 2 }, { state: 'delivered' }]);
  t.same(queue.counts, { sent: 2, failed: 0, retried: 2 });
  t.match(lines.join('\n'), /warn channel phone: down alert for a and 1 behind it not delivered, will retry in 1s: HTTP 500: oops/);
});

t.test('a permanent refusal is reported undeliverable with the answer, and the next message goes on', async (t) => {
  const peer = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  t.teardown(() => peer.close());
  const timing = fakeTiming();
  const states: DeliveryState[] = [];
  const { logger, lines } = captureLogger();
  const queue = new ChannelQueue(ntfyOf(`${peer.url}/t`), { timing, logger, onState: (_i, s) => states.push(s) });
  peer.next({ status: 400, body: '{"code":40001,"error":"invalid request"}' });
  queue.push(item(down('a', 1000)));
  queue.push(item(down('b', 2000)));
  await queue.idle();
  t.same(timing.sleeps, [], 'no backoff for a permanent refusal');
  t.match(states.find((s) => s.state === 'undeliverable'), { answer: 'HTTP 400: {"code":40001,"error":"invalid request"}' });
  t.equal(peer.accepted.length, 1);
  t.match(lines.join('\n'), /error channel phone: down alert for a REFUSED permanently by ntfy http:\/\/127\.0\.0\.1:\d+: HTTP 400/);
});

t.test('a message with notBefore waits until then: where a later "defer until" plugs in', async (t) => {
  const peer = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  t.teardown(() => peer.close());
  const timing = fakeTiming();
  const queue = new ChannelQueue(ntfyOf(`${peer.url}/t`), { timing, logger: captureLogger().logger, onState: () => undefined });
  queue.push({ ...item(down('a', 1000)), notBefore: timing.clock.now + 60_000 });
  await queue.idle();
  t.same(timing.sleeps, [60_000]);
  t.equal(peer.accepted.length, 1);
});

t.test('a hanging provider holds up only its own channel; outcomes are recorded with the channel name', async (t) => {
  const slow = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  const fast = await startProviderPeer();
  t.teardown(() => Promise.all([slow.close(), fast.close()]));
  slow.next('hang');
  const dir = tempDir();
  const logs = new LogDirectory(join(dir, 'logs'));
  await logs.create();
  const states = new DeliveryStates();
  const dispatcher = new ChannelDispatcher({
    channels: [ntfyOf(`${slow.url}/t`, 'slow', '3s'), makeChannel(validateChannels({ channels: { fast: { type: 'slack', webhook_url: `${fast.url}${SLACK_PATH}` } } }, (v) => v, {}).push[0] as PushChannelConfig)],
    logs, logger: captureLogger().logger, states, textOf: (i) => textOfItem(i, 'UTC'),
  });
  const event = down('home-gw', Date.now());
  const started = Date.now();
  dispatcher.dispatch({ kind: 'alert', event }, () => ['slow', 'fast']);
  await fast.waitFor(1);
  t.ok(Date.now() - started < 2000, 'the fast channel delivered while the slow one hung');
  t.equal(slow.accepted.length, 0);
  await dispatcher.idle();
  t.equal(slow.accepted.length, 1, 'the slow one delivered after its timeout and a retry');
  const outcomes = readLog(logs.pathOf('home-gw')).filter((r) => r.type === 'delivered');
  t.same(outcomes.map((r) => [r.ref, r.channel]).sort(), [[event.transitionId, 'fast'], [event.transitionId, 'slow']]);
  t.match(states.of('home-gw', String), [{ id: event.transitionId, channels: { slow: { state: 'delivered' }, fast: { state: 'delivered' } } }]);
  await dispatcher.stop(100);
});

t.test('a storm summary goes to each channel with only the alerts routed to it', async (t) => {
  const peer = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  t.teardown(() => peer.close());
  const dir = tempDir();
  const logs = new LogDirectory(join(dir, 'logs'));
  await logs.create();
  const { logger } = captureLogger();
  const dispatcher = new ChannelDispatcher({ channels: [ntfyOf(`${peer.url}/t`)], logs, logger, states: new DeliveryStates(), textOf: (i) => textOfItem(i, 'UTC') });
  const routes: Record<string, string[]> = { a: ['email', 'phone'], b: ['email'], c: ['phone'] };
  let mono = 0;
  const outbox = new AlertOutbox({
    monotonic: () => mono, storm: new StormControl({ ...DEFAULT_LIMITS, holdMs: 0 }),
    mailer: fileMailer(join(dir, 'out.mbox')), logs, logger, from: 'n@example.net', to: ['me@example.net'], timezone: 'UTC',
    route: (client) => routes[client]!, channels: dispatcher,
  });
  // Past the storm threshold (3 downs within a minute), the rest is held for one summary.
  for (const [i, client] of ['x1', 'x2', 'x3'].entries()) outbox.enqueue(down(client, 1000 + i), ['email']);
  for (const [i, client] of ['a', 'b', 'c'].entries()) outbox.enqueue(down(client, 2000 + i));
  t.equal(outbox.storm.held, 3);
  mono += 60_000; // the storm window closes
  t.equal(outbox.releaseSummaries(), 1);
  await dispatcher.idle();
  await outbox.stop(1000);
  t.equal(peer.accepted.length, 1);
  t.match(peer.accepted[0]!.body, /2 more clients DOWN since .*: a, c\./, 'the phone summary names a and c, not b');
  const a = readLog(logs.pathOf('a')).filter((r) => r.type === 'delivered').map((r) => [r.channel, r.via]).sort();
  t.same(a, [['email', 'summary'], ['phone', 'summary']]);
  t.same(readLog(logs.pathOf('c')).filter((r) => r.type === 'delivered').map((r) => r.channel), ['phone']);
});

t.test('delivery states are kept for the latest alerts only, ten shown per client', async (t) => {
  const states = new DeliveryStates();
  for (let i = 0; i < 10_005; i++) states.set(down(i < 20 ? 'gw' : `c${i}`, 1000 + i), 'email', { state: 'queued' });
  t.equal(states.of('gw', String).length, 10, 'ten shown of the client\'s fifteen still tracked');
  t.equal(states.of('gw', String)[0]!.id, 'down-gw-1010', 'the newest ten');
  states.set(down('late', 99_999), 'phone', { state: 'held' });
  t.same(states.of('late', String), [{ id: 'down-late-99999', type: 'down', at: '99999', channels: { phone: { state: 'held' } } }]);
});
