/**
 * Supervision actions in the report: the records are written by the real healing runner and
 * the probes' own rttRecord(), so a change to what they write shows up here.
 */
import t from 'tap';
import type { DownEvent } from '../../server/core/events.js';
import { LogDirectory } from '../../server/store/logDirectory.js';
import type { HealingConfig, HealingStep } from '../../server/config/supervision.js';
import { HealingRunner } from '../../server/supervision/healing/runner.js';
import type { StepOutcome } from '../../server/supervision/healing/steps.js';
import { rttRecord } from '../../server/supervision/probes/runner.js';
import type { RttSummary } from '../../server/supervision/probes/rttStats.js';
import type { LogRecord, ReadRecord } from '../../log/records.js';
import { addAction, newActionList } from '../../log/actions.js';
import { CSV_COLUMNS } from '../../report/csvFormat.js';
import { asWritten, tempDir } from '../helpers.js';
import { captureLogger } from '../peers/logger.js';
import { at, firstUp, HOUR, iso, jsonReport, MINUTE, report, writeLog } from '../report/logFiles.js';

const T0 = at('2026-06-01T10:00:00Z');
const NOW = T0 + 24 * HOUR;

interface JsonAction {
  at: string;
  module: string;
  kind: string;
  result: string;
  detail: string;
  rtt?: { from: string; periods: number; count: number; lost: number; min_ms: number | null; avg_ms: number | null; max_ms: number | null };
}

const localStep = (command: string): HealingStep => ({ type: 'local', command: [command], timeoutMs: 1000 });

/**
 * One healing attempt of two steps (the second failing with `failure`), then giving up, as
 * the real runner records it in `<dir>/<client>.nmlog` at T0 + `offsetMs`.
 */
async function healingRun(dir: string, client: string, offsetMs: number, failure: StepOutcome, firstStep = 'restart-modem'): Promise<void> {
  const now = { mono: 0, wall: T0 + offsetMs };
  const logs = new LogDirectory(dir);
  await logs.create();
  const config: HealingConfig = { afterMs: 0, maxAttempts: 1, waitBetweenAttemptsMs: 10_000, backoff: 2, maxWaitMs: 10_000, steps: [localStep(firstStep), localStep('power-cycle')] };
  const runner = new HealingRunner(
    { logs, logger: captureLogger().logger, clock: { now: () => ({ ...now }) }, outbox: { enqueue: () => undefined }, clientState: () => ({ status: 'down' }) },
    new Map([[client, config]]),
    async (step) => ((step as { command: string[] }).command[0] === 'power-cycle' ? failure : { ok: true, code: 'ok', status: 0, output: 'modem restarted', error: null }),
  );
  const down: DownEvent = { type: 'down', client, at: now.wall, lastUp: now.wall - 3 * MINUTE, downIntervalMs: 3 * MINUTE, transitionId: `down-${client}-${now.wall}` };
  runner.handle(down);
  runner.tick();
  await runner.stop();
  now.mono += 10_000;
  now.wall += 10_000;
  runner.tick();
  await runner.stop();
  await logs.settle();
}

const rtt = (from: number, count: number, lost: number, min: number | null, avg: number | null, max: number | null): LogRecord => {
  const summary: RttSummary = { from, to: from + 5 * MINUTE, count, lost, minMs: min, avgMs: avg, maxMs: max };
  return rttRecord(summary);
};

const FAILED: StepOutcome = { ok: false, code: 'exit', status: 3, output: 'relay stuck', error: 'exit status 3' };

t.test('a healing run is listed step by step in the JSON report, with each result', async (t) => {
  const dir = tempDir();
  writeLog(dir, 'gw', firstUp(T0 - HOUR));
  await healingRun(dir, 'gw', 0, FAILED);
  const json = await jsonReport({ logDir: dir, tz: 'Europe/Berlin' }, NOW);
  const actions = (json.clients[0] as unknown as { actions: JsonAction[] }).actions;
  t.same(actions.map((a) => `${a.module}:${a.kind}:${a.result}`), [
    'healing:attempt:started', 'healing:step:ok', 'healing:step:failed', 'healing:attempt-end:done', 'healing:gave-up:gave up',
  ], JSON.stringify(actions, null, 1));
  t.equal(actions[0]!.at, '2026-06-01T12:00:00.000+02:00', 'times carry the zone\'s offset');
  t.match(actions[1]!.detail, /step 1 of attempt 1: local restart-modem.*output: modem restarted/);
  t.match(actions[2]!.detail, /step 2 of attempt 1: local power-cycle; exit status 3; output: relay stuck/);
  t.match(actions[4]!.detail, /after 1 attempt\(s\): manual intervention needed/);
  t.same(Object.keys(actions[0]!), ['at', 'module', 'kind', 'result', 'detail'], 'the stable shape');
});

t.test('round-trip records are summed up into one entry with count, losses and min/avg/max', async (t) => {
  const dir = tempDir();
  writeLog(dir, 'probe-gw', [
    ...firstUp(T0 - HOUR),
    rtt(T0, 10, 0, 1, 2, 4),
    rtt(T0 + 5 * MINUTE, 10, 5, 0.5, 4, 9),
    rtt(T0 + 10 * MINUTE, 3, 3, null, null, null),
  ]);
  const json = await jsonReport({ logDir: dir, tz: 'UTC' }, NOW);
  const actions = (json.clients[0] as unknown as { actions: JsonAction[] }).actions;
  t.equal(actions.length, 1, 'one entry, not one per record');
  t.match(actions[0], { module: 'probe', kind: 'rtt', result: 'some lost', at: '2026-06-01T10:15:00.000+00:00' });
  // (10 × 2 + 5 × 4) / 15 answered probes
  t.same(actions[0]!.rtt, { from: '2026-06-01T10:00:00.000+00:00', periods: 3, count: 23, lost: 8, min_ms: 0.5, avg_ms: 2.667, max_ms: 9 });
  t.match(actions[0]!.detail, /23 probe\(s\) in 3 period\(s\), 8 lost; min\/avg\/max 0.5\/2.667\/9 ms/);
});

t.test('another action between round-trip records starts a new summary, so the list stays in time order', async (t) => {
  const dir = tempDir();
  writeLog(dir, 'gw', [...firstUp(T0 - HOUR), rtt(T0 - 20 * MINUTE, 4, 0, 1, 1, 1)]);
  await healingRun(dir, 'gw', 0, FAILED);
  const after = rtt(T0 + HOUR, 4, 0, 2, 2, 2);
  await new LogDirectory(dir).append('gw', [after]);
  const json = await jsonReport({ logDir: dir, tz: 'UTC' }, NOW);
  const actions = (json.clients[0] as unknown as { actions: JsonAction[] }).actions;
  t.same(actions.map((a) => a.kind), ['rtt', 'attempt', 'step', 'step', 'attempt-end', 'gave-up', 'rtt']);
});

t.test('LibreNMS records are listed with the device and what the check found', async (t) => {
  const dir = tempDir();
  const librenms = (offsetMs: number, fields: Record<string, unknown>): LogRecord => asWritten([{ type: 'librenms', at: iso(T0 + offsetMs), device_id: 12, hostname: 'gw.lan', ...fields }])[0]!;
  writeLog(dir, 'gw', [
    ...firstUp(T0 - HOUR),
    librenms(0, { phase: 'unsupervised', ip: '127.0.0.254', original_ip: '192.0.2.1' }),
    librenms(MINUTE, { phase: 'poll', ok: true, code: 'ok', status: 0, output: '' }),
    librenms(2 * MINUTE, { phase: 'still-down', port_id: 5, if_oper_status: 'down', next_check_s: 2400 }),
    librenms(3 * MINUTE, { phase: 'api-error', error: 'HTTP 502', retry_s: 10 }),
    librenms(4 * MINUTE, { phase: 'recovered', port_id: 5, if_oper_status: 'up', restored_ip: '192.0.2.1' }),
  ]);
  const json = await jsonReport({ logDir: dir, tz: 'UTC' }, NOW);
  const actions = (json.clients[0] as unknown as { actions: JsonAction[] }).actions;
  t.same(actions.map((a) => `${a.kind}:${a.result}`), ['unsupervised:forced down', 'poll:ok', 'still-down:down', 'api-error:error', 'recovered:up']);
  t.match(actions[2]!.detail, /device 12 \(gw.lan\) port 5 is down; next check in 2400 s/);
  t.match(actions[4]!.detail, /IP 192.0.2.1 restored/);
});

t.test('acknowledgements are listed in the report with the outage they took on and how', async (t) => {
  const dir = tempDir();
  writeLog(dir, 'gw', [
    ...firstUp(T0 - HOUR),
    { type: 'down', at: iso(T0), id: 'down-gw-1', last_up: iso(T0 - 3 * MINUTE), down_interval_s: 180, interval: 60, boot: 1 },
    { type: 'ack', at: iso(T0 + 10 * MINUTE), down: 'down-gw-1', by: 'link' },
  ]);
  const json = await jsonReport({ logDir: dir, tz: 'UTC' }, NOW);
  const actions = (json.clients[0] as unknown as { actions: JsonAction[] }).actions;
  t.same(actions.map((a) => [a.at, a.module, a.kind, a.result, a.detail]), [['2026-06-01T10:10:00.000+00:00', 'alerts', 'ack', 'acknowledged', 'outage down-gw-1, by link']]);
  t.match(await report({ logDir: dir, tz: 'UTC' }, NOW), /alerts\s+ack\s+acknowledged\s+outage down-gw-1, by link/, 'and in the text report');
});

t.test('only actions inside the window are shown', async (t) => {
  const dir = tempDir();
  writeLog(dir, 'gw', [...firstUp(T0 - 2 * 24 * HOUR), rtt(T0 - 24 * HOUR, 5, 0, 1, 1, 1)]);
  await healingRun(dir, 'gw', 0, FAILED);
  const json = await jsonReport({ logDir: dir, tz: 'UTC', since: '2026-06-01T09:00Z' }, NOW);
  const actions = (json.clients[0] as unknown as { actions: JsonAction[] }).actions;
  t.notOk(actions.some((a) => a.module === 'probe'), 'the round-trip record of the day before is left out');
  t.equal(actions.length, 5);
});

t.test('the text report has an Actions section with time and offset, module, what, result and detail', async (t) => {
  const dir = tempDir();
  writeLog(dir, 'gw', [...firstUp(T0 - HOUR), rtt(T0 - 10 * MINUTE, 10, 0, 1, 2, 4)]);
  await healingRun(dir, 'gw', 0, FAILED);
  const text = await report({ logDir: dir, tz: 'Europe/Berlin' }, NOW);
  t.match(text, /Actions \(supervision\)/);
  t.match(text, /2026-06-01 11:55:00 \+02:00 {2}probe +rtt +ok +10 probe\(s\) in 1 period\(s\), 0 lost; min\/avg\/max 1\/2\/4 ms/);
  t.match(text, /2026-06-01 12:00:00 \+02:00 {2}healing +step +failed +step 2 of attempt 1: local power-cycle; exit status 3/);
});

t.test('the HTML report has an actions table with everything from the log escaped', async (t) => {
  const dir = tempDir();
  writeLog(dir, 'gw', firstUp(T0 - HOUR));
  await healingRun(dir, 'gw', 0, { ...FAILED, output: '<script>alert(1)</script>', error: '"quoted" & <b>' }, '<img src=x>');
  const html = await report({ logDir: dir, tz: 'UTC', format: 'html' }, NOW);
  t.match(html, /<table class="actions">/);
  t.match(html, /local &lt;img src=x&gt;/);
  t.match(html, /output: &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.match(html, /&quot;quoted&quot; &amp; &lt;b&gt;/);
  t.notMatch(html, /<script>|<img src=x>|<b>/, 'nothing from the log is markup');
});

t.test('the CSV report is unchanged: outage rows only, same columns', async (t) => {
  const dir = tempDir();
  writeLog(dir, 'gw', [...firstUp(T0 - HOUR), rtt(T0, 10, 0, 1, 2, 4)]);
  await healingRun(dir, 'gw', 0, FAILED);
  const csv = await report({ logDir: dir, tz: 'UTC', format: 'csv' }, NOW);
  t.equal(csv, CSV_COLUMNS.join(',') + '\r\n');
});

t.test('control characters in a record become spaces, so each action stays one line', async (t) => {
  const list = newActionList();
  const step = { type: 'healing', at: iso(T0), phase: 'step', down: 'd', step: 0, attempt: 1, kind: 'local', what: 'local x', ok: false, code: 'exit', status: 1, output: '', error: 'bad\nline\u001b[31m' } as const;
  addAction(list, { since: null, until: null, limit: 10 }, step, T0);
  t.notMatch(list.listed[0]!.detail, /[\n\u001b]/, list.listed[0]!.detail);
});

t.test('the list keeps the newest actions up to its limit and counts the ones left out', async (t) => {
  const list = newActionList();
  const scope = { since: null, until: null, limit: 3 };
  for (let i = 1; i <= 5; i++) addAction(list, scope, { type: 'healing', at: iso(T0 + i), phase: 'attempt', down: 'd', attempt: i, of: 5 }, T0 + i);
  t.same(list.listed.map((a) => a.detail), ['attempt 3 of 5', 'attempt 4 of 5', 'attempt 5 of 5']);
  t.equal(list.omitted, 2);
  const up: ReadRecord = { type: 'up', at: iso(T0 + 9), id: 'u', last_up: null, outage_s: null, first: true, boot: null, interval: null, addr: '192.0.2.1' };
  addAction(list, scope, up, T0 + 9);
  t.equal(list.listed.length, 3, 'records no supervision module wrote are not actions');
});

t.test('a report with omitted actions says how many in JSON and text', async (t) => {
  const dir = tempDir();
  const records: LogRecord[] = [...firstUp(T0 - HOUR)];
  for (let i = 0; i < 510; i++) records.push({ type: 'healing', at: iso(T0 + i * 1000), phase: 'attempt', down: 'd', attempt: i + 1, of: 600 });
  writeLog(dir, 'gw', records);
  const json = await jsonReport({ logDir: dir, tz: 'UTC' }, NOW);
  const client = json.clients[0] as unknown as { actions: JsonAction[]; actions_omitted: number };
  t.equal(client.actions.length, 500);
  t.equal(client.actions_omitted, 10);
  t.equal(client.actions[0]!.detail, 'attempt 11 of 600', 'the newest are kept');
  t.match(await report({ logDir: dir, tz: 'UTC' }, NOW), /\(10 earlier action\(s\) not listed\)/);
});
