/**
 * The apprise channel against Debian's real `apprise` command, posting to a local
 * json://127.0.0.1:PORT peer. Skipped, with the reason, where apprise is not installed.
 */
import t from 'tap';
import { validateChannels, type PushChannelConfig } from '../../../../server/alerts/channels/config.js';
import { makeChannel } from '../../../../server/alerts/channels/index.js';
import type { PushMessage } from '../../../../server/alerts/channels/types.js';
import { startProviderPeer } from '../../../peers/pushProviders.js';
import { missingProgram } from '../../../systemPrograms.js';

const down: PushMessage = { id: 'down-gw-1', kind: 'down', client: 'gw', title: 'DOWN: gw', body: 'gw is DOWN: $(touch /tmp/pwned); `id` "quoted"', priority: 'high', tags: [], at: 0, outageS: null };
const apprise = (urls: string[], timeout = '20s') => makeChannel(validateChannels({ channels: { many: { type: 'apprise', urls, timeout } } }, (v) => v, {}).push[0] as PushChannelConfig);

t.test('apprise posts title, body and type to a json:// endpoint, with the text passed as argv, never a shell', { skip: missingProgram('apprise') }, async (t) => {
  const peer = await startProviderPeer();
  t.teardown(() => peer.close());
  const channel = apprise([`json://127.0.0.1:${peer.port}/hook/apprise`]);
  t.match(channel.description, /^apprise \(json:\/\/\)$/, 'only the scheme is shown');
  t.same(await channel.send(down), { ok: true });
  const [sent] = peer.accepted;
  t.equal(sent!.path, '/hook/apprise');
  t.match(sent!.fields, { version: '1.0', title: 'DOWN: gw', message: down.body, type: 'failure' });
});

t.test('apprise failing to reach its service is transient; a URL it cannot parse is permanent', { skip: missingProgram('apprise') }, async (t) => {
  const closed = await startProviderPeer();
  await closed.close();
  const unreachable = await apprise([`json://127.0.0.1:${closed.port}/hook/secretpath`]).send(down);
  t.match(unreachable, { ok: false, permanent: false, answer: /^apprise exit 1/ });
  const unknown = await apprise(['nope://secret-token']).send(down);
  t.match(unknown, { ok: false, permanent: true });
  t.notMatch(JSON.stringify([unreachable, unknown]), /secret/, 'the URLs\' tokens are redacted from its output');
});

t.test('a missing apprise command is reported, and retried', async (t) => {
  const channel = makeChannel(validateChannels({ channels: { many: { type: 'apprise', urls: ['json://127.0.0.1:1/x'], command: '/nonexistent/apprise' } } }, (v) => v, {}).push[0] as PushChannelConfig);
  t.match(await channel.send(down), { ok: false, permanent: false, answer: 'cannot run /nonexistent/apprise: ENOENT' });
});
