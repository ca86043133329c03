/** The JSON API and the heartbeat endpoint, over real HTTP on 127.0.0.1, against a server in this process. */
import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { rttRecord } from '../../../server/supervision/probes/runner.js';
import { encodeLine, type LogRecord } from '../../../log/records.js';
import { tempDir, readLog } from '../../helpers.js';
import { sleep } from '../../peers/udp.js';
import { bearer, startInProcess } from './peer.js';

function records(dir: string, client: string): Record<string, unknown>[] {
  try {
    return readLog(join(dir, 'logs', `${client}.nmlog`));
  } catch {
    return [];
  }
}

async function json(response: Response): Promise<Record<string, any>> {
  return (await response.json()) as Record<string, any>;
}

t.test('an HTTP heartbeat with the right token brings its client up, with the source address and the body kept', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const reply = await fetch(`${peer.base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: bearer(peer.tokens.cron), body: 'backup done: 12 GB' });
  t.equal(reply.status, 200);
  t.match(await json(reply), { ok: true, client: 'cron-job', state: 'up' });
  const client = await json(await fetch(`${peer.base}/api/v1/clients/cron-job`));
  t.match(client, { id: 'cron-job', kind: 'http', state: 'up', source_address: '127.0.0.1', last_message: { status: 'ok', text: 'backup done: 12 GB' } });
  t.type(client.next_deadline, 'string', 'the next deadline is shown');
  await peer.server.logs.settle();
  t.match(records(peer.dir, 'cron-job'), [{ type: 'up', first: true, addr: '127.0.0.1' }], 'the transition is in the client log like a UDP one');
});

t.test('an HTTP client that goes silent is declared down, and its next heartbeat brings it up with the outage', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const beat = () => fetch(`${peer.base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: bearer(peer.tokens.cron) });
  await beat();
  await sleep(2600);
  const down = await json(await fetch(`${peer.base}/api/v1/clients/cron-job`));
  t.equal(down.state, 'down', 'down after its 2 s down interval');
  t.type(down.current_outage.start, 'string', 'the current outage is shown with its start');
  await beat();
  await peer.server.logs.settle();
  const detail = await json(await fetch(`${peer.base}/api/v1/clients/cron-job`));
  t.same(detail.transitions.map((x: { type: string }) => x.type), ['up', 'down', 'up'], 'the recent transitions, oldest first');
  t.ok(detail.uptime_pct['24h'] < 100, `uptime over 24 h counts the outage (${detail.uptime_pct['24h']})`);
  const outages = await json(await fetch(`${peer.base}/api/v1/clients/cron-job/outages?since=1h`));
  t.equal(outages.outage_count, 1, 'the outages endpoint gives what the report computes');
  t.ok(outages.outages[0].duration_s >= 2, 'with its length');
});

t.test('the client detail lists the supervision actions in its log, newest last, as the report shows them', async (t) => {
  const dir = tempDir();
  const start = Date.now() - 3_600_000;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const records: LogRecord[] = [
    rttRecord({ from: start, to: start + 300_000, count: 10, lost: 0, minMs: 1, avgMs: 2, maxMs: 4 }),
    rttRecord({ from: start + 300_000, to: start + 600_000, count: 10, lost: 2, minMs: 1, avgMs: 3, maxMs: 8 }),
    { type: 'healing', at: iso(start + 700_000), phase: 'attempt', down: 'down-home-gw-1', attempt: 1, of: 3 },
    { type: 'healing', at: iso(start + 701_000), phase: 'step', down: 'down-home-gw-1', attempt: 1, step: 0, kind: 'local', what: 'local restart-modem', ok: true, code: 'ok', status: 0, output: '' },
  ];
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(join(dir, 'logs', 'home-gw.nmlog'), records.map(encodeLine).join(''));
  const peer = await startInProcess({ dir });
  t.teardown(() => peer.stop());
  const detail = await json(await fetch(`${peer.base}/api/v1/clients/home-gw`));
  t.same(detail.actions.map((a: { module: string; kind: string; result: string }) => `${a.module}:${a.kind}:${a.result}`), ['probe:rtt:some lost', 'healing:attempt:started', 'healing:step:ok'], JSON.stringify(detail.actions));
  t.match(detail.actions[0], { rtt: { periods: 2, count: 20, lost: 2, min_ms: 1, avg_ms: 2.444, max_ms: 8 } }, 'round-trip records summed up');
  t.match(detail.actions[2], { at: /^\d{4}-\d\d-\d\dT.*[+-]\d\d:\d\d$/, detail: /local restart-modem/ });
});

t.test('?status=fail declares its client down at once, with the body as the reason', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  await fetch(`${peer.base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: bearer(peer.tokens.cron) });
  const reply = await fetch(`${peer.base}/api/v1/heartbeat/cron-job?status=fail`, { method: 'POST', headers: bearer(peer.tokens.cron), body: 'rsync: exit 23\n' });
  t.match(await json(reply), { state: 'down' });
  await peer.server.logs.settle();
  t.match(records(peer.dir, 'cron-job').at(-1), { type: 'down', reason: 'failure reported over HTTP: rsync: exit 23' });
  const bad = await fetch(`${peer.base}/api/v1/heartbeat/cron-job?status=maybe`, { method: 'POST', headers: bearer(peer.tokens.cron) });
  t.equal(bad.status, 400, 'any other status is refused');
});

t.test('an unknown client is 404 and a wrong token 401, with nothing said about why and nothing logged as a heartbeat', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const unknown = await fetch(`${peer.base}/api/v1/heartbeat/nobody`, { method: 'POST', headers: bearer(peer.tokens.cron) });
  t.equal(unknown.status, 404);
  t.same(await json(unknown), { error: 'not found' });
  const wrong = await fetch(`${peer.base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: bearer('not-the-token') });
  t.equal(wrong.status, 401);
  t.same(await json(wrong), { error: 'unauthorized' });
  const none = await fetch(`${peer.base}/api/v1/heartbeat/cron-job`, { method: 'POST' });
  t.equal(none.status, 401, 'no token at all is a wrong token');
  const udpClient = await fetch(`${peer.base}/api/v1/heartbeat/home-gw`, { method: 'POST', headers: bearer(peer.tokens.cron) });
  t.equal(udpClient.status, 404, 'a UDP sensor without a token cannot be fed over HTTP');
  t.equal(peer.server.clientState('cron-job')!.status, 'unknown', 'the client was never brought up');
  t.equal(peer.server.stats().alerts.sent + peer.server.outbox.depth, 0, 'no alert');
});

t.test('a source that keeps failing to authenticate gets 429, even with the right token, and others do not', async (t) => {
  const peer = await startInProcess({ http: { auth_failures_per_minute: 5 } });
  t.teardown(() => peer.stop());
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) statuses.push((await fetch(`${peer.base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: bearer(`guess-${i}`) })).status);
  t.same(statuses, [401, 401, 401, 401, 401, 429, 429]);
  const right = await fetch(`${peer.base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: bearer(peer.tokens.cron) });
  t.equal(right.status, 429, 'the source is blocked for the rest of the minute');
  t.equal(right.headers.get('retry-after'), '60');
  const admin = await fetch(`${peer.base}/api/v1/clients/cron-job`, { method: 'PATCH', headers: bearer(peer.tokens.admin), body: '{}' });
  t.equal(admin.status, 429, 'admin requests from that source too');
});

t.test('a heartbeat body over 4 KiB is refused with 413 and the client is not touched', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const reply = await fetch(`${peer.base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: bearer(peer.tokens.cron), body: 'x'.repeat(5000) });
  t.equal(reply.status, 413);
  t.equal(peer.server.clientState('cron-job')!.status, 'unknown');
});

t.test('a chunked body that grows past the limit is cut off without reading it all', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const url = new URL(`${peer.base}/api/v1/heartbeat/cron-job`);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: bearer(peer.tokens.cron) }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write('y'.repeat(1024));
    req.end();
  });
  t.equal(status, 413);
});

t.test('PATCH changes a client\'s settings only with the admin token, and they are saved and survive a restart', async (t) => {
  const peer = await startInProcess();
  const patch = (headers: Record<string, string>, body: unknown) =>
    fetch(`${peer.base}/api/v1/clients/home-gw`, { method: 'PATCH', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const schedule = { days: ['mon', 'tue'], start: '22:00', end: '06:00', timezone: 'America/Chicago' };
  t.equal((await patch({}, { down_interval: 600 })).status, 401, 'no token: 401');
  t.equal((await patch(bearer(peer.tokens.cron), { down_interval: 600 })).status, 401, "a client's token is not the admin token");
  const changed = await patch(bearer(peer.tokens.admin), { down_interval: '10m', grace: 90, schedule });
  t.equal(changed.status, 200);
  t.match(await json(changed), { down_interval_s: 600, grace_s: 90, schedule });
  await peer.stop();

  const again = await startInProcess({ dir: peer.dir, tokens: peer.tokens });
  t.teardown(() => again.stop());
  t.match(await json(await fetch(`${again.base}/api/v1/clients/home-gw`)), { down_interval_s: 600, grace_s: 90, schedule }, 'the change outlived the restart');
  t.match(JSON.parse(readFileSync(join(peer.dir, 'logs', '@settings.json'), 'utf8')), { clients: { 'home-gw': { down_interval: 600, grace: 90, schedule } } });
});

t.test('a bad PATCH is 400 naming the key, and changes nothing', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const patch = (body: string) => fetch(`${peer.base}/api/v1/clients/home-gw`, { method: 'PATCH', headers: bearer(peer.tokens.admin), body });
  const badZone = await patch(JSON.stringify({ schedule: { days: ['mon'], start: '08:00', end: '17:00', timezone: 'Mars/Olympus' } }));
  t.equal(badZone.status, 400);
  t.match(await json(badZone), { error: 'invalid', code: 'ECONFIG', key: 'schedule.timezone' });
  t.match(await json(await patch(JSON.stringify({ colour: 'red' }))), { key: 'colour' }, 'unknown keys are named');
  t.match(await json(await patch('{not json')), { error: 'invalid', code: 'EUSAGE' });
  t.match(await json(await patch(JSON.stringify({ down_interval: -5 }))), { key: 'down_interval' });
  // The configuration's bound: a deadline 274 million years away is no date at all.
  const huge = await patch(JSON.stringify({ down_interval: 'P99999999999D' }));
  t.equal(huge.status, 400);
  t.match(await json(huge), { key: 'down_interval', message: /at most 366 days/ });
  t.match(await json(await patch(JSON.stringify({ grace: 1e308 }))), { key: 'grace' });
  t.equal(peer.server.clientState('home-gw')!.downIntervalMs, 2000, 'the interval is unchanged');
});

t.test('without an admin token in the configuration nothing can be changed over HTTP', async (t) => {
  const peer = await startInProcess({ http: { admin_token_sha256: null } });
  t.teardown(() => peer.stop());
  const reply = await fetch(`${peer.base}/api/v1/clients/home-gw`, { method: 'PATCH', headers: bearer('anything'), body: '{"down_interval": 60}' });
  t.equal(reply.status, 403);
});

t.test('with require_token_for_reads, reads need the admin token too; the dashboard shell and health do not', async (t) => {
  const peer = await startInProcess({ http: { require_token_for_reads: true } });
  t.teardown(() => peer.stop());
  t.equal((await fetch(`${peer.base}/api/v1/clients`)).status, 401);
  t.equal((await fetch(`${peer.base}/metrics`)).status, 401);
  t.equal((await fetch(`${peer.base}/api/v1/clients`, { headers: bearer(peer.tokens.admin) })).status, 200);
  t.equal((await fetch(`${peer.base}/`)).status, 200);
  t.equal((await fetch(`${peer.base}/api/v1/health`)).status, 200);
});

t.test('every reply carries a restrictive Content-Security-Policy, and errors carry no stack trace', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  peer.server.routes.add({ method: 'GET', pattern: '/api/v1/boom', access: 'public', handle: () => { throw new Error('secret internals at /etc/x.js:12'); } });
  for (const path of ['/', '/api/v1/clients', '/nowhere', '/api/v1/boom']) {
    const reply = await fetch(peer.base + path);
    t.match(reply.headers.get('content-security-policy'), /default-src 'none'; script-src 'self'/, `${path} has the CSP`);
    t.equal(reply.headers.get('x-content-type-options'), 'nosniff');
    const text = await reply.text();
    t.notMatch(text, /secret internals|at \S+:\d+|Error:/, `${path} shows no internals`);
  }
  const boom = await fetch(`${peer.base}/api/v1/boom`);
  t.equal(boom.status, 500);
  t.ok(peer.lines.some((line) => /secret internals/.test(line)), 'the error is in the server log instead');
  const wrongMethod = await fetch(`${peer.base}/api/v1/clients`, { method: 'DELETE' });
  t.equal(wrongMethod.status, 405);
  t.equal(wrongMethod.headers.get('allow'), 'GET');
});

t.test('the outages endpoint refuses a bad window with 400', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const bad = await fetch(`${peer.base}/api/v1/clients/cron-job/outages?since=yesterday-ish`);
  t.equal(bad.status, 400);
  const error = await json(bad);
  t.match(error, { error: 'invalid', code: 'EUSAGE', message: /^since: "yesterday-ish" is neither/ }, 'the error names the query parameter');
  t.notMatch(error.message, /--/, 'and no command-line flag');
  const badUntil = await json(await fetch(`${peer.base}/api/v1/clients/cron-job/outages?until=2026-13-01`));
  t.match(badUntil.message, /^until: "2026-13-01" is not a valid date/);
  t.equal((await fetch(`${peer.base}/api/v1/clients/cron-job/outages?since=2026-01-02&until=2026-01-01`)).status, 400);
  t.equal((await fetch(`${peer.base}/api/v1/clients/nobody/outages`)).status, 404);
  t.equal((await fetch(`${peer.base}/api/v1/clients/nobody`)).status, 404);
});

t.test('/metrics gives clients by state, heartbeats, refusals, alerts and the event-loop lag in the Prometheus format', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  await fetch(`${peer.base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: bearer(peer.tokens.cron) });
  peer.server.receive(Buffer.from('junk'), '192.0.2.50');
  const reply = await fetch(`${peer.base}/metrics`);
  t.match(reply.headers.get('content-type'), /text\/plain/);
  const text = await reply.text();
  t.match(text, /netmonitor_clients\{state="up"\} 1/);
  t.match(text, /netmonitor_clients\{state="unknown"\} 1/);
  t.match(text, /netmonitor_heartbeats_accepted_total 1/);
  t.match(text, /netmonitor_datagrams_refused_total\{reason="[a-z-]+"\} 1/);
  t.match(text, /netmonitor_alerts_sent_total 0/);
  t.match(text, /netmonitor_alerts_queued 0/);
  t.match(text, /nodejs_eventloop_lag_seconds \d/);
});

t.test('health is 200 while heartbeats arrive and 503 when none arrived for longer than the longest interval', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  await fetch(`${peer.base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: bearer(peer.tokens.cron) });
  const healthy = await fetch(`${peer.base}/api/v1/health`);
  t.equal(healthy.status, 200);
  const alias = await fetch(`${peer.base}/health`);
  t.equal(alias.status, 200, '/health answers the same');
  t.match(await json(alias), { status: 'ok', receiving: true });
  t.match(await json(healthy), { status: 'ok', receiving: true, logs_writable: true, alert_outbox_depth: 0, last_smtp_error: null });
  await sleep(2500);
  const silent = await fetch(`${peer.base}/api/v1/health`);
  t.equal(silent.status, 503);
  t.match(await json(silent), { status: 'failing', receiving: false });
});

t.test('the client detail gives the heartbeat loss while up by window, its degraded hours and the loss per day', async (t) => {
  const dir = tempDir();
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const quality = (from: number, lost: number): LogRecord => ({ type: 'quality', at: iso(from + 3_600_000), from: iso(from), expected: 120, heard: 120 - lost, lost, jitter_ms: 5, jitter_max_ms: 9 });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(join(dir, 'logs', 'home-gw.nmlog'), [quality(hour, 0), quality(hour + 3_600_000, 12)].map(encodeLine).join(''));
  const peer = await startInProcess({ dir });
  t.teardown(() => peer.stop());
  const detail = await json(await fetch(`${peer.base}/api/v1/clients/home-gw`));
  t.same(detail.heartbeat_loss_pct, { '24h': 5, '7d': 5, '30d': 5 });
  t.same(detail.degraded_hours, { '24h': 1, '7d': 1, '30d': 1 });
  t.same(detail.quality_days.map((day: { lost: number }) => day.lost).reduce((a: number, b: number) => a + b, 0), 12, 'the days add up to the loss');
  const http = await json(await fetch(`${peer.base}/api/v1/clients/cron-job`));
  t.same(http.heartbeat_loss_pct, { '24h': null, '7d': null, '30d': null }, 'a client without seqs: unknown, not 0');
});
