/**
 * What the HTTP side shows of alert channels: each alert's state per channel in the client
 * detail, and per-channel counts in /metrics. A server in this process, a provider peer that
 * is down (503), then back.
 */
import t from 'tap';
import { join } from 'node:path';
import { tempDir } from '../../helpers.js';
import { NTFY_TOKEN, startProviderPeer } from '../../peers/pushProviders.js';
import { sleep } from '../../peers/udp.js';
import { bearer, startInProcess } from './peer.js';

t.test('the client detail shows each alert per channel, and /metrics counts sent, failed and queued per channel', async (t) => {
  const provider = await startProviderPeer({ ntfyToken: NTFY_TOKEN });
  t.teardown(() => provider.close());
  provider.down = true;
  const dir = tempDir();
  const peer = await startInProcess({ dir, extra: { alert_outbox: join(dir, 'out.mbox'), channels: { phone: { type: 'ntfy', url: `${provider.url}/home`, token: NTFY_TOKEN } } } });
  t.teardown(() => peer.stop());
  const beat = (query = '') => fetch(`${peer.base}/api/v1/heartbeat/cron-job${query}`, { method: 'POST', headers: bearer(peer.tokens.cron), body: 'disk full' });
  await beat();
  await beat('?status=fail');
  let detail: Record<string, any> = {};
  for (let i = 0; i < 100; i++) {
    detail = (await (await fetch(`${peer.base}/api/v1/clients/cron-job`)).json()) as Record<string, any>;
    if (detail.alerts?.[0]?.channels?.phone?.state === 'retrying' && detail.alerts[0].channels.email?.state === 'delivered') break;
    await sleep(50);
  }
  t.match(detail.alerts, [{
    id: /^down-cron-job-/, type: 'down',
    channels: {
      email: { state: 'delivered', at: /^\d{4}-/ },
      phone: { state: 'retrying', next_attempt: /^\d{4}-/, attempts: 1, answer: /^HTTP 503/ },
    },
  }]);
  const metrics = await (await fetch(`${peer.base}/metrics`)).text();
  t.match(metrics, /netmonitor_channel_sent_total\{channel="email"\} 1/);
  t.match(metrics, /netmonitor_channel_queued\{channel="phone"\} 1/);
  t.match(metrics, /netmonitor_channel_queued\{channel="email"\} 0/);
  provider.down = false;
  await provider.waitFor(1, 10_000);
  for (let i = 0; i < 100 && detail.alerts[0].channels.phone.state !== 'delivered'; i++) {
    await sleep(50);
    detail = (await (await fetch(`${peer.base}/api/v1/clients/cron-job`)).json()) as Record<string, any>;
  }
  t.match(detail.alerts[0].channels.phone, { state: 'delivered' });
  const after = await (await fetch(`${peer.base}/metrics`)).text();
  t.match(after, /netmonitor_channel_sent_total\{channel="phone"\} 1/);
  t.match(after, /netmonitor_channel_queued\{channel="phone"\} 0/);
  t.match(provider.accepted[0]!.body, /disk full/, 'the reason the client gave is in the push text');
});
