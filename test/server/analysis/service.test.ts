import t from 'tap';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateLogAnalysis, type LogAnalysisConfig } from '../../../server/analysis/config.js';
import { LogAnalysisService } from '../../../server/analysis/index.js';
import { configuredSenders, findingChannels, findingMessages, pushOf, type Senders } from '../../../server/analysis/notifier.js';
import type { FindingRecord } from '../../../server/analysis/state.js';
import { tempDir } from '../../helpers.js';
import { validateServerConfig } from '../../../server/config/server.js';
import { mkdirSync } from 'node:fs';
import { findProgram, missingProgram } from '../../systemPrograms.js';
import { startInProcess } from '../http/peer.js';
import { startInProcessServer, until } from '../supervision/serverPeer.js';
import { reply, startOpenAiPeer } from './openaiPeer.js';

const LCP = [
  '2026-12-02T02:11:05Z pppd[812]: No response to 5 echo-requests',
  '2026-12-02T02:11:05Z pppd[812]: Serial link appears to be disconnected.',
  '2026-12-02T02:11:06Z pppd[812]: LCP terminated by peer',
];

t.test('the server reads a source on schedule, alerts its finding through the e-mail path once, and serves it at /api/v1/findings', async (t) => {
  const peer = await startOpenAiPeer();
  t.teardown(() => peer.close());
  peer.script(reply([{ severity: 'medium', title: 'ISP stopped answering', evidence: [LCP[0]], count: 1, explanation: null }]));
  const dir = tempDir();
  writeFileSync(join(dir, 'messages'), LCP.join('\n') + '\n');
  const server = await startInProcess({ dir, extra: { log_analysis: { endpoint: { base_url: peer.baseUrl, model: 'm' }, sources: [{ name: 'router', type: 'file', path: join(dir, 'messages'), every: '10s' }] } } });
  t.teardown(() => server.stop());
  const mbox = join(dir, 'logs', '@outbox.mbox');
  await until(() => existsSync(mbox) && readFileSync(mbox, 'utf8').includes('PPPoE/LCP timeouts'), 15_000, 'the finding alert in the outbox');
  const mail = readFileSync(mbox, 'utf8');
  t.match(mail, /Subject: HIGH: PPPoE\/LCP timeouts \(router\)/);
  t.match(mail, /Message-ID: <finding-[0-9a-f]{16}-\d+@netmonitor>/i);
  t.notMatch(mail, /ISP stopped answering/, 'a medium finding is below min_alert_severity (high)');
  type Body = { findings: Record<string, unknown>[]; runs: Record<string, unknown>[]; pending_alerts: number };
  let body: Body;
  for (;;) {
    // The mail is written before the alert's pending entry is cleared from the state file.
    const response = await fetch(`${server.base}/api/v1/findings?source=router`);
    t.equal(response.status, 200);
    body = await response.json() as Body;
    if (body.pending_alerts === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.match(body.findings.find((f) => f.origin === 'rule'), { title: 'PPPoE/LCP timeouts', severity: 'high', alerted_severity: 'high', line_time: '2026-12-02T02:11:05.000Z' });
  t.match(body.findings.find((f) => f.origin === 'model'), { title: 'ISP stopped answering', alerted_severity: null });
  t.match(body.runs, [{ source: 'router', model: 'ok', read: 3 }]);
  t.match(await (await fetch(`${server.base}/api/v1/findings?source=other&limit=x`)).json(), { findings: [], runs: [] });
  t.ok(server.lines.some((l) => /log analysis of router: 3 lines, 2 findings, 1 alerting, model ok/.test(l)));
});

function analysisConfig(dir: string, extra: Record<string, unknown> = {}): LogAnalysisConfig {
  return validateLogAnalysis({ log_analysis: { sources: [{ name: 'router', type: 'file', path: join(dir, 'messages') }], ...extra } }, (p) => p, {})!;
}

t.test('a finding alert that no channel took stays pending and goes out once after a restart; the same finding again is silent', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'messages'), LCP.join('\n') + '\n');
  const { server } = await startInProcessServer({}, dir);
  t.teardown(() => server.stop());
  const sent: string[] = [];
  let up = false;
  const senders: Senders = { send: async (channel, message) => (up ? (sent.push(`${channel} ${message.subject}`), true) : false), close: () => undefined };
  const config = analysisConfig(dir);
  const first = new LogAnalysisService(server, config, { senders, firstPassDelayMs: 3_600_000 });
  await first.pass(config.sources[0]!);
  t.same(sent, []);
  t.match((await first.state.load()).pending, [{ channels: ['email'], message: { subject: 'HIGH: PPPoE/LCP timeouts (router)' } }]);
  await first.stop();
  up = true;
  const second = new LogAnalysisService(server, config, { senders, firstPassDelayMs: 3_600_000 });
  second.start();
  await until(() => sent.length > 0, 5000, 'the pending alert sent after the restart');
  await second.enqueue(async () => undefined);
  t.same(sent, ['email HIGH: PPPoE/LCP timeouts (router)']);
  t.same((await second.state.load()).pending, []);
  appendFileSync(join(dir, 'messages'), LCP.join('\n') + '\n');
  await second.pass(config.sources[0]!);
  t.equal(sent.length, 1, 'seen again within the quiet period: no second alert');
  writeFileSync(join(dir, 'messages'), '');
  await second.pass(config.sources[0]!);
  t.equal(second.passes.get('router'), 2);
  await second.stop();
});

t.test('a source that cannot be read is logged and the next pass still runs', async (t) => {
  const dir = tempDir();
  const { server, lines } = await startInProcessServer({}, dir);
  t.teardown(() => server.stop());
  const service = new LogAnalysisService(server, analysisConfig(dir), { senders: { send: async () => true, close: () => undefined }, firstPassDelayMs: 10 });
  service.start();
  await until(() => (service.passes.get('router') ?? 0) >= 1, 5000, 'a pass');
  t.ok(lines.some((l) => /log analysis of router failed: cannot open .*messages \(ENOENT\)/.test(l)));
  await service.enqueue(async () => { throw new Error('boom'); });
  t.ok(lines.some((l) => /log analysis: boom/.test(l)), 'a failing piece of work is logged, not thrown');
  await service.stop();
});

const record = (n: number, severity: FindingRecord['severity'] = 'high'): FindingRecord => ({
  fingerprint: `f${n}`, source: 'router', origin: 'rule', severity, title: `Finding ${n}`, template: 't', evidence: ['line a', 'line b'], count: 2,
  explanation: n === 1 ? 'why' : null, firstSeen: 0, lastSeen: 1000, lineTime: n === 1 ? Date.UTC(2026, 11, 2, 2, 11) : null, alertedSeverity: severity, alertedAt: 1000,
});

t.test('up to three finding alerts go one by one; more become one digest', async (t) => {
  const alone = findingMessages([record(1), record(2, 'low')], 'UTC');
  t.equal(alone.length, 2);
  t.match(alone[0], { id: 'finding-f1-1000', subject: 'HIGH: Finding 1 (router)', high: true, body: '[high] router: Finding 1 (2× from 2026-12-02 02:11)\n> line a\n> line b\nwhy' });
  t.match(alone[1], { high: false });
  const digest = findingMessages([1, 2, 3, 4].map((n) => record(n, n === 4 ? 'critical' : 'medium')), 'UTC');
  t.equal(digest.length, 1);
  t.match(digest[0], { id: 'findings-router-1000', fingerprints: ['f1', 'f2', 'f3', 'f4'], subject: '4 log findings (router)', high: true });
  t.equal(digest[0]!.body.split('\n').length, 4);
  t.same(findingMessages([], 'UTC'), []);
  t.match(pushOf(alone[0]!), { kind: 'finding', priority: 'high', client: null, id: 'finding-f1-1000' });
  t.same(findingChannels({ channels: { email: true, defaultRoute: ['email', 'phone'] } } as never), ['email', 'phone']);
  t.same(findingChannels({ channels: { email: false, defaultRoute: ['email', 'phone'] } } as never), ['phone']);
});

t.test('the real senders write a finding to the outbox, say false when it cannot be written, and skip a channel that is gone', async (t) => {
  const dir = tempDir();
  const config = validateServerConfig({ client_log_dir: join(dir, 'logs'), alert_outbox: join(dir, 'outbox.mbox') }, join(dir, 'server.json'), {});
  const [message] = findingMessages([record(1)], 'UTC');
  const senders = configuredSenders(config);
  t.equal(await senders.send('email', message!), true);
  t.match(readFileSync(join(dir, 'outbox.mbox'), 'utf8'), /Subject: HIGH: Finding 1 \(router\)/);
  t.equal(await senders.send('gone', message!), true, 'a channel no longer configured has nothing to wait for');
  senders.close();
  mkdirSync(join(dir, 'folder.mbox'));
  const broken = configuredSenders(validateServerConfig({ client_log_dir: join(dir, 'logs'), alert_outbox: join(dir, 'folder.mbox') }, join(dir, 'server.json'), {}));
  t.equal(await broken.send('email', message!), false);
  broken.close();
});

t.test('the dashboard lists the log findings, as text, and hides the list without log analysis', { skip: missingProgram('chromium') }, async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'messages'), [...LCP, 'uhttpd: GET /<img src=x onerror="window.__pwned=1"> Failed password for root from 203.0.113.9'].join('\n') + '\n');
  const server = await startInProcess({ dir, extra: { log_analysis: { sources: [{ name: 'router', type: 'file', path: join(dir, 'messages') }] } } });
  t.teardown(() => server.stop());
  await until(() => existsSync(join(dir, 'logs', '@log-analysis.json')), 15_000, 'the first pass');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: findProgram('chromium')!, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.goto(server.base + '/');
  const list = page.locator('#findings:not([hidden]) li');
  await list.first().waitFor({ timeout: 10_000 });
  const texts = await list.allTextContents();
  t.ok(texts.some((text) => text.includes('[high] PPPoE/LCP timeouts') && text.includes('router')), texts.join(' | '));
  t.ok(texts.some((text) => text.includes('<img src=x onerror')), 'log text is shown as text');
  t.equal(await page.locator('#findings img').count(), 0, 'and never became markup');
  t.notOk(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned));
  const plain = await startInProcess();
  t.teardown(() => plain.stop());
  await page.goto(plain.base + '/');
  await page.locator('#summary:not(:text("Loading…"))').waitFor({ timeout: 10_000 });
  await page.waitForTimeout(500);
  t.equal(await page.locator('#findings').getAttribute('hidden'), '', 'no log analysis: no findings list');
});
