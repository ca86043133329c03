/**
 * The `channels`, `alert_channels` and per-client `channels` keys: every URL form, secrets
 * from files, %d/ credentials and the environment, and errors that name the key and never
 * show a secret.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromUrl, routeOf, validateChannels } from '../../../../server/alerts/channels/config.js';
import { validateServerConfig } from '../../../../server/config/server.js';
import { ConfigError } from '../../../../shared/errors.js';
import { tempDir, thrown } from '../../../helpers.js';

const same = (v: string) => v;

t.test('each Apprise-style URL becomes the native channel it names', async (t) => {
  t.match(fromUrl('p', 'ntfy://my-topic', 'k'), { type: 'ntfy', url: 'https://ntfy.sh/my-topic', token: null });
  t.match(fromUrl('p', 'ntfys://ntfy.example.net/alerts?token=tk_abc', 'k'), { type: 'ntfy', url: 'https://ntfy.example.net/alerts', token: 'tk_abc' });
  t.match(fromUrl('p', 'ntfy://me:pw@10.0.0.2:8080/alerts', 'k'), { type: 'ntfy', url: 'http://10.0.0.2:8080/alerts', username: 'me', password: 'pw' });
  t.match(fromUrl('p', 'tgram://123456:ABC-def_g/-1001234', 'k'), { type: 'telegram', botToken: '123456:ABC-def_g', chatId: '-1001234', apiUrl: 'https://api.telegram.org' });
  t.match(fromUrl('p', 'discord://1122/tok-en_1', 'k'), { type: 'discord', webhookUrl: 'https://discord.com/api/webhooks/1122/tok-en_1' });
  t.match(fromUrl('p', 'slack://T1/B2/abc3', 'k'), { type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T1/B2/abc3' });
  t.match(fromUrl('p', 'pover://uUSER@aTOKEN', 'k'), { type: 'pushover', userKey: 'uUSER', appToken: 'aTOKEN' });
  t.match(fromUrl('p', 'json://127.0.0.1:9000/in', 'k'), { type: 'webhook', url: 'http://127.0.0.1:9000/in', method: 'POST', body: { version: '1.0', message: '{text}' } });
  t.match(fromUrl('p', 'jsons://hooks.example.net/in', 'k'), { type: 'webhook', url: 'https://hooks.example.net/in' });
});

t.test('a URL netmonitor does not know is refused by its key, without showing it', async (t) => {
  for (const url of ['mailto://me:secretpw@example.net', 'tgram://secret-no-colon/1', 'pover://only-one-part-secret', 'not a url secret']) {
    const error = thrown(() => validateChannels({ channels: { phone: url } }, same, {})) as ConfigError;
    t.equal(error.key, 'channels.phone', url.split(':')[0]!);
    t.notMatch(error.message, /secret/);
  }
});

t.test('without a channels key, e-mail is the one channel, for every client', async (t) => {
  const config = validateChannels({ clients: { a: {} } }, same, {});
  t.same(config, { email: true, push: [], defaultRoute: ['email'], clientRoutes: {}, attention: {} });
  t.same(routeOf(config, 'a'), ['email']);
});

t.test('with channels, e-mail exists only when its keys are set; routes default to every channel', async (t) => {
  t.same(validateChannels({ channels: { phone: 'ntfy://t' } }, same, {}).defaultRoute, ['phone']);
  const both = validateChannels({ smtp_server: 'mail.example.net', channels: { phone: 'ntfy://t' }, alert_channels: ['phone'], clients: { cabin: { channels: ['email', 'phone'] } } }, same, {});
  t.same(both.defaultRoute, ['phone']);
  t.same(routeOf(both, 'cabin'), ['email', 'phone']);
  t.same(routeOf(both, 'other'), ['phone']);
  t.equal(validateChannels({ channels: { email: { type: 'email' } } }, same, {}).email, true, 'or when listed as {"type": "email"}');
});

t.test('routes that name no channel are refused by their key', async (t) => {
  t.equal((thrown(() => validateChannels({ channels: { phone: 'ntfy://t' }, alert_channels: ['pager'] }, same, {})) as ConfigError).key, 'alert_channels[0]');
  t.equal((thrown(() => validateChannels({ channels: { phone: 'ntfy://t' }, clients: { a: { channels: ['email'] } } }, same, {})) as ConfigError).key, 'clients.a.channels[0]');
  t.equal((thrown(() => validateChannels({ channels: { phone: 'ntfy://t' }, alert_channels: 'phone' }, same, {})) as ConfigError).key, 'alert_channels');
});

t.test('bad channel settings name the key', async (t) => {
  const key = (channels: unknown) => (thrown(() => validateChannels({ channels }, same, {})) as ConfigError).key;
  t.equal(key({ phone: { type: 'sms' } }), 'channels.phone.type');
  t.equal(key({ phone: { type: 'ntfy' } }), 'channels.phone.url');
  t.equal(key({ phone: { type: 'ntfy', url: 'ftp://x/y' } }), 'channels.phone.url');
  t.equal(key({ phone: { type: 'ntfy', url: 'https://x/y', tokn: 'x' } }), 'channels.phone.tokn');
  t.equal(key({ phone: { type: 'telegram', bot_token: 'x' } }), 'channels.phone.chat_id');
  t.equal(key({ phone: { type: 'telegram', chat_id: 1 } }), 'channels.phone.bot_token');
  t.equal(key({ phone: { type: 'pushover', app_token: 'a' } }), 'channels.phone.user_key');
  t.equal(key({ phone: { type: 'webhook', url: 'https://x', method: 'DELETE' } }), 'channels.phone.method');
  t.equal(key({ phone: { type: 'apprise', urls: [] } }), 'channels.phone.urls');
  t.equal(key({ phone: { type: 'ntfy', url: 'https://x/y', timeout: 'soon' } }), 'channels.phone.timeout');
  t.equal(key({ 'bad name': 'ntfy://t' }), 'channels.bad name');
  t.equal(key({ email: 'ntfy://t' }), 'channels.email');
  const error = thrown(() => validateChannels({ channels: { phone: { type: 'telegram', bot_token: 12345678, chat_id: 1 } } }, same, {})) as ConfigError;
  t.notMatch(error.message, /12345678/, 'a secret of the wrong type is not repeated');
});

t.test('secrets come from a file, a %d/ credential or the environment', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'token'), 'tk_fromfile\n');
  writeFileSync(join(dir, 'hook'), 'https://discord.com/api/webhooks/1/credential\n');
  writeFileSync(join(dir, 'config.json'), '{}');
  const env = { CREDENTIALS_DIRECTORY: dir, NETMONITOR_CHANNEL_TG_BOT_TOKEN: '1:fromenv' };
  const config = validateServerConfig({
    client_log_dir: join(dir, 'logs'),
    channels: {
      phone: { type: 'ntfy', url: 'https://ntfy.sh/t', token_file: 'token' },
      chat: { type: 'discord', webhook_url_file: '%d/hook' },
      tg: { type: 'telegram', chat_id: 5 },
    },
  }, join(dir, 'config.json'), env);
  t.match(config.channels.push, [{ token: 'tk_fromfile' }, { webhookUrl: 'https://discord.com/api/webhooks/1/credential', description: 'discord https://discord.com' }, { botToken: '1:fromenv' }]);
  t.equal(config.channels.email, false, 'no SMTP or outbox keys: no e-mail channel');
});

t.test('the server configuration accepts channels on a client and refuses a typo there', async (t) => {
  const dir = tempDir();
  const base = { client_log_dir: join(dir, 'logs'), channels: { phone: 'ntfy://t' } };
  const ok = validateServerConfig({ ...base, clients: { '203.0.113.7': { legacy: true, channels: ['phone'] } } }, join(dir, 'c.json'), {});
  t.same(ok.channels.clientRoutes, { '203.0.113.7': ['phone'] });
  t.equal((thrown(() => validateServerConfig({ ...base, clients: { '203.0.113.7': { legacy: true, chanels: ['phone'] } } }, join(dir, 'c.json'), {})) as ConfigError).key, 'clients.203.0.113.7.chanels');
});
