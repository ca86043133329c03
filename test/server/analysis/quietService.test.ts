import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateLogAnalysis } from '../../../server/analysis/config.js';
import { LogAnalysisService } from '../../../server/analysis/index.js';
import { startProviderPeer } from '../../peers/pushProviders.js';
import { startInProcessServer, until } from '../supervision/serverPeer.js';

const LINES = [
  '2026-12-02T02:11:05Z pppd[812]: No response to 5 echo-requests',
  '2026-12-02T02:11:05Z pppd[812]: Serial link appears to be disconnected.',
  '2026-12-02T02:11:06Z pppd[812]: LCP terminated by peer',
  '2026-12-02T02:12:00Z kernel: Out of memory: Killed process 1234 (dnsmasq)',
];

t.test('a finding in a push channel\'s quiet hours waits, stays pending across a restart, and goes out once, combined, when the window ends', async (t) => {
  const peer = await startProviderPeer();
  t.teardown(() => peer.close());
  const { server, dir, lines } = await startInProcessServer({
    channels: { phone: { type: 'ntfy', url: `${peer.url}/findings`, quiet_hours: { from: '22:00', to: '07:00', timezone: 'UTC' } } },
    alert_channels: ['phone'],
  });
  t.teardown(() => server.stop());
  writeFileSync(join(dir, 'messages'), LINES.join('\n') + '\n');
  const config = validateLogAnalysis({ log_analysis: { sources: [{ name: 'router', type: 'file', path: join(dir, 'messages') }] } }, (p) => p, {})!;
  let now = Date.parse('2026-12-02T02:30:00Z');
  const options = { now: () => now, firstPassDelayMs: 3_600_000, retryMs: 50 };

  const first = new LogAnalysisService(server, config, options);
  await first.pass(config.sources[0]!);
  const held = (await first.state.load()).pending;
  t.equal(held.length, 2, 'two findings, two messages');
  t.same(held.map((p) => p.held), [{ phone: Date.parse('2026-12-02T07:00:00Z') }, { phone: Date.parse('2026-12-02T07:00:00Z') }]);
  t.equal(peer.requests.length, 0, 'nothing reached the phone in its quiet hours');
  t.ok(lines.some((l) => /held on phone for its quiet hours until 2026-12-02T07:00:00.000Z/.test(l)));
  await first.stop();

  // The restart: still quiet, the pending pairs are read back and still wait.
  now = Date.parse('2026-12-02T06:59:00Z');
  const second = new LogAnalysisService(server, config, options);
  t.teardown(() => second.stop());
  second.start();
  await second.enqueue(async () => undefined);
  t.equal(peer.requests.length, 0, 'the pending alerts read after the restart still wait');
  t.equal((await second.state.load()).pending.length, 2);

  // The window ends; the once-a-minute check (here every 50 ms) sends them.
  now = Date.parse('2026-12-02T07:00:30Z');
  const [sent] = await peer.waitFor(1, 5000);
  t.equal(sent!.headers.title, 'QUIET HOURS OVER: 2 log findings');
  t.match(sent!.body, /\[high\] router: PPPoE\/LCP timeouts \(3× from 2026-12-02 02:11\)/);
  t.match(sent!.body, /\[high\] router: Kernel out of memory/);
  await until(() => peer.accepted.length === 1, 1000, 'the one message accepted');
  let cleared = false;
  for (let i = 0; i < 100 && !cleared; i++) {
    cleared = (await second.state.load()).pending.length === 0;
    if (!cleared) await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(cleared, 'nothing left pending');
  // Several more checks run; none sends it again.
  for (let i = 0; i < 4; i++) await new Promise((r) => setTimeout(r, 60)).then(() => second.enqueue(async () => undefined));
  t.equal(peer.requests.length, 1, 'sent once');
});

t.test('a push channel that fails after the window ends keeps the held findings pending and takes them on a later check', async (t) => {
  const peer = await startProviderPeer();
  t.teardown(() => peer.close());
  const { server, dir, lines } = await startInProcessServer({
    channels: { phone: { type: 'ntfy', url: `${peer.url}/findings`, quiet_hours: { from: '22:00', to: '07:00', timezone: 'UTC' } } },
  });
  t.teardown(() => server.stop());
  writeFileSync(join(dir, 'messages'), LINES.slice(0, 3).join('\n') + '\n');
  const config = validateLogAnalysis({ log_analysis: { sources: [{ name: 'router', type: 'file', path: join(dir, 'messages') }] } }, (p) => p, {})!;
  let now = Date.parse('2026-12-02T23:00:00Z');
  const service = new LogAnalysisService(server, config, { now: () => now, firstPassDelayMs: 3_600_000 });
  t.teardown(() => service.stop());
  await service.pass(config.sources[0]!);
  t.equal(peer.requests.length, 0);
  now = Date.parse('2026-12-03T07:00:00Z');
  peer.down = true;
  await service.deliverPending();
  t.equal(peer.requests.length, 1, 'tried once');
  t.ok(lines.some((l) => /finding alert "HIGH: PPPoE\/LCP timeouts \(router\)" not yet taken by phone/.test(l)));
  t.match((await service.state.load()).pending, [{ channels: ['phone'], held: { phone: Date.parse('2026-12-03T07:00:00Z') } }]);
  peer.down = false;
  await service.deliverPending();
  t.equal(peer.accepted.length, 1);
  t.equal(peer.accepted[0]!.headers.title, 'HIGH: PPPoE/LCP timeouts (router)', 'a single held finding goes out as it was');
  t.same((await service.state.load()).pending, []);
});
