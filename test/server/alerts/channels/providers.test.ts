/**
 * Each HTTP channel against a server that answers as that provider's documented API does
 * (test/peers/pushProviders.ts): paths, auth, body shapes, and its error answers.
 */
import t from 'tap';
import { validateChannels, type PushChannelConfig } from '../../../../server/alerts/channels/config.js';
import { makeChannel } from '../../../../server/alerts/channels/index.js';
import type { PushMessage, SendResult } from '../../../../server/alerts/channels/types.js';
import {
  DISCORD_ID, DISCORD_TOKEN, NTFY_TOKEN, PUSHOVER_TOKEN, PUSHOVER_USER, rateLimited, SLACK_PATH, startProviderPeer, TELEGRAM_TOKEN, type ProviderPeer,
} from '../../../peers/pushProviders.js';

const down: PushMessage = {
  id: 'down-home-gw-1795587201380', kind: 'down', client: 'home-gw', title: 'DOWN: home-gw',
  body: 'home-gw is DOWN: <b>@everyone</b> *bold* & [link](http://x) @here', priority: 'high', tags: ['rotating_light'], at: 1795587201380, outageS: null,
};
const up: PushMessage = { ...down, id: 'up-home-gw-1795587301380', kind: 'up', title: 'UP: home-gw after 1m 40s', body: 'home-gw is UP again.', priority: 'default', tags: ['white_check_mark'], outageS: 100 };

function channel(settings: Record<string, unknown>, timeout = '2s') {
  const config = validateChannels({ channels: { phone: { timeout, ...settings } } }, (v) => v, {});
  return makeChannel(config.push[0] as PushChannelConfig);
}

let peer: ProviderPeer;
t.beforeEach(async () => {
  peer = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
});
t.afterEach(() => peer.close());

const failed = (result: SendResult) => (result.ok ? t.fail('expected a failure') : result) as Extract<SendResult, { ok: false }>;

t.test('ntfy gets the body as the message and title, priority and tags as headers, with a Bearer token', async (t) => {
  const ntfy = channel({ type: 'ntfy', url: `${peer.url}/home-alerts`, token: NTFY_TOKEN });
  t.same(await ntfy.send(down), { ok: true });
  t.same(await ntfy.send(up), { ok: true });
  const [first, second] = peer.accepted;
  t.equal(first!.path, '/home-alerts');
  t.equal(first!.body, down.body);
  t.equal(first!.headers.title, 'DOWN: home-gw');
  t.equal(first!.headers.priority, 'high');
  t.equal(first!.headers.tags, 'rotating_light');
  t.equal(second!.headers.priority, 'default', 'a recovery is not high priority');
});

t.test('ntfy with a wrong token is refused for good, and the answer does not show the token', async (t) => {
  const ntfy = channel({ type: 'ntfy', url: `${peer.url}/home-alerts`, token: 'tk_wrongwrongwrong' });
  const result = failed(await ntfy.send(down));
  t.equal(result.permanent, true);
  t.match(result.answer, /^HTTP 401/);
  t.notMatch(result.answer, /tk_wrong/);
});

t.test('ntfy with a user name and password sends Basic auth', async (t) => {
  const basic = await startProviderPeer();
  t.teardown(() => basic.close());
  const ntfy = channel({ type: 'ntfy', url: `${basic.url}/t`, username: 'me', password: 'pw-secret' });
  t.same(await ntfy.send(down), { ok: true });
  t.equal(basic.accepted[0]!.headers.authorization, `Basic ${Buffer.from('me:pw-secret').toString('base64')}`);
});

t.test('Telegram posts chat_id, the HTML-escaped text and parse_mode to /bot<token>/sendMessage', async (t) => {
  const telegram = channel({ type: 'telegram', api_url: peer.url, bot_token: TELEGRAM_TOKEN, chat_id: 42 });
  t.same(await telegram.send(down), { ok: true });
  const [sent] = peer.accepted;
  t.equal(sent!.path, `/bot${TELEGRAM_TOKEN}/sendMessage`);
  t.equal(sent!.fields.chat_id, '42');
  t.equal(sent!.fields.parse_mode, 'HTML');
  t.equal(sent!.fields.text, '<b>DOWN: home-gw</b>\nhome-gw is DOWN: &lt;b&gt;@everyone&lt;/b&gt; *bold* &amp; [link](http://x) @here', 'outside text cannot add markup');
});

t.test('Telegram: a 429 waits parameters.retry_after, a wrong chat is permanent, and the token never shows', async (t) => {
  const telegram = channel({ type: 'telegram', api_url: peer.url, bot_token: TELEGRAM_TOKEN, chat_id: 42 });
  peer.next(rateLimited('telegram', 7));
  const limited = failed(await telegram.send(down));
  t.equal(limited.permanent, false);
  t.equal(limited.retryAfterMs, 7000);
  const wrongChat = failed(await channel({ type: 'telegram', api_url: peer.url, bot_token: TELEGRAM_TOKEN, chat_id: 7 }).send(down));
  t.equal(wrongChat.permanent, true);
  t.match(wrongChat.answer, /HTTP 400: .*chat not found/);
  peer.next({ status: 401, body: `{"ok":false,"error_code":401,"description":"Unauthorized for /bot${TELEGRAM_TOKEN}"}` });
  const unauthorized = failed(await telegram.send(down));
  t.equal(unauthorized.permanent, true);
  t.notMatch(unauthorized.answer, /AAH-telegram/, 'an answer that repeats the token is redacted');
  peer.next({ status: 200, body: '<html>captive portal</html>' });
  t.equal(failed(await telegram.send(down)).permanent, false, 'a 200 without "ok": true is not taken for delivered');
});

t.test('Discord gets content and an embed, with allowed_mentions parse [] and no mass mention left', async (t) => {
  const discord = channel({ type: 'discord', webhook_url: `${peer.url}/api/webhooks/${DISCORD_ID}/${DISCORD_TOKEN}` });
  t.same(await discord.send(down), { ok: true });
  const fields = peer.accepted[0]!.fields as { content: string; embeds: { description: string; title: string }[]; allowed_mentions: unknown };
  t.same(fields.allowed_mentions, { parse: [] });
  t.notMatch(fields.embeds[0]!.description, /@everyone|@here/);
  t.match(fields.embeds[0]!.description, /\\\*bold\\\*/, 'markdown is escaped');
  t.equal(fields.content, 'DOWN: home\\-gw');
});

t.test('Discord: a 429 waits the float retry_after of the body, an unknown webhook is permanent', async (t) => {
  const discord = channel({ type: 'discord', webhook_url: `${peer.url}/api/webhooks/${DISCORD_ID}/${DISCORD_TOKEN}` });
  peer.next({ status: 429, body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 2.345, global: false }) });
  t.equal(failed(await discord.send(down)).retryAfterMs, 2345);
  peer.next(rateLimited('discord', 0.5));
  t.equal(failed(await discord.send(down)).retryAfterMs, 1000, 'the Retry-After header counts when it asks for longer');
  const unknown = failed(await channel({ type: 'discord', webhook_url: `${peer.url}/api/webhooks/${DISCORD_ID}/other` }).send(down));
  t.equal(unknown.permanent, true);
  t.match(unknown.answer, /HTTP 404: .*Unknown Webhook/);
});

t.test('Slack gets {text} with &, < and > escaped; its plain-text errors are the answer', async (t) => {
  const slack = channel({ type: 'slack', webhook_url: `${peer.url}${SLACK_PATH}` });
  t.same(await slack.send(down), { ok: true });
  t.match(peer.accepted[0]!.fields.text, /&lt;b&gt;@everyone&lt;\/b&gt;/);
  const gone = failed(await channel({ type: 'slack', webhook_url: `${peer.url}/services/T1/B1/nope` }).send(down));
  t.same([gone.permanent, gone.answer], [true, 'HTTP 404: no_service']);
  peer.next({ status: 400, body: 'invalid_payload' });
  t.same(failed(await slack.send(down)).answer, 'HTTP 400: invalid_payload');
  peer.next({ status: 500, body: 'internal' });
  t.equal(failed(await slack.send(down)).permanent, false, 'a 5xx is retried');
});

t.test('Pushover gets token, user, title, message and priority as a form, and reads status', async (t) => {
  const pushover = channel({ type: 'pushover', api_url: peer.url, app_token: PUSHOVER_TOKEN, user_key: PUSHOVER_USER });
  t.same(await pushover.send(down), { ok: true });
  t.same(await pushover.send(up), { ok: true });
  t.match(peer.accepted[0]!.fields, { token: PUSHOVER_TOKEN, user: PUSHOVER_USER, title: 'DOWN: home-gw', message: down.body, priority: '1' });
  t.equal(peer.accepted[1]!.fields.priority, '0');
  const wrong = failed(await channel({ type: 'pushover', api_url: peer.url, app_token: PUSHOVER_TOKEN, user_key: 'uWRONGWRONG' }).send(down));
  t.equal(wrong.permanent, true);
  t.match(wrong.answer, /user identifier is not a valid/);
});

t.test('a webhook fills its body template, keeping a lone placeholder\'s JSON type', async (t) => {
  const hook = channel({ type: 'webhook', url: `${peer.url}/hook/in`, method: 'PUT', headers: { 'X-Key': 'k-secret' }, body: { who: '{client}', what: 'client {client} is {event}', outage: '{outage}', list: ['{title}'] } });
  t.same(await hook.send(up), { ok: true });
  const [sent] = peer.accepted;
  t.equal(sent!.method, 'PUT');
  t.equal(sent!.headers['x-key'], 'k-secret');
  t.same(sent!.fields, { who: 'home-gw', what: 'client home-gw is up', outage: 100, list: ['UP: home-gw after 1m 40s'] });
});

t.test('a provider that never answers costs one timeout and is retried', async (t) => {
  const ntfy = channel({ type: 'ntfy', url: `${peer.url}/t`, token: NTFY_TOKEN }, '300ms');
  peer.next('hang');
  const started = Date.now();
  const result = failed(await ntfy.send(down));
  t.equal(result.permanent, false);
  t.match(result.answer, /no answer within 0\.3s/);
  t.ok(Date.now() - started < 2000, 'the call ends at its timeout');
});

t.test('a refused connection is transient', async (t) => {
  const closed = await startProviderPeer();
  await closed.close();
  const result = failed(await channel({ type: 'slack', webhook_url: `${closed.url}${SLACK_PATH}` }).send(down));
  t.equal(result.permanent, false);
  t.match(result.answer, /ECONNREFUSED/);
  t.notMatch(result.answer, /slacksecret/);
});

t.test('408 and 5xx are transient, other 4xx permanent', async (t) => {
  const hook = channel({ type: 'webhook', url: `${peer.url}/hook` });
  for (const [status, permanent] of [[408, false], [500, false], [502, false], [400, true], [401, true], [403, true], [404, true], [410, true]] as const) {
    peer.next({ status, body: 'nope' });
    t.equal(failed(await hook.send(down)).permanent, permanent, `HTTP ${status}`);
  }
});
