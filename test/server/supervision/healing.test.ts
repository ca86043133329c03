import t from 'tap';
import { join } from 'node:path';
import { downAlert, SMS_LIMIT } from '../../../server/alerts/alertText.js';
import type { DownEvent, UpEvent } from '../../../server/core/events.js';
import { LogDirectory } from '../../../server/store/logDirectory.js';
import { validateHealing, type HealingConfig, type HealingStep } from '../../../server/config/supervision.js';
import { HealingPlan } from '../../../server/supervision/healing/plan.js';
import { HealingRunner, type HealingHost } from '../../../server/supervision/healing/runner.js';
import type { StepOutcome } from '../../../server/supervision/healing/steps.js';
import { ConfigError } from '../../../shared/errors.js';
import { asWritten, tempDir, readLog } from '../../helpers.js';
import { captureLogger } from '../../peers/logger.js';

const step = (name: string): HealingStep => ({ type: 'local', command: [name], timeoutMs: 1000 });
const CONFIG: HealingConfig = { afterMs: 60_000, maxAttempts: 3, waitBetweenAttemptsMs: 10_000, backoff: 2, maxWaitMs: 25_000, steps: [step('a'), step('b')] };
const T0 = Date.UTC(2024, 5, 1);

t.test('the first attempt waits `after`, then each wait grows by the backoff up to the cap, then it gives up once', async (t) => {
  const plan = new HealingPlan(CONFIG);
  plan.down(1000);
  t.same(plan.due(60_999), { kind: 'none' });
  t.same(plan.due(61_000), { kind: 'attempt', attempt: 1 });
  t.same(plan.due(61_001), { kind: 'none' }, 'never a second attempt while one runs');
  plan.attemptEnded(62_000);
  t.same(plan.due(71_999), { kind: 'none' });
  t.same(plan.due(72_000), { kind: 'attempt', attempt: 2 });
  plan.attemptEnded(72_000);
  t.same(plan.due(91_999), { kind: 'none' }, 'the second wait is doubled');
  t.same(plan.due(92_000), { kind: 'attempt', attempt: 3 });
  plan.attemptEnded(92_000);
  t.equal(plan.waitAfter(3), 25_000, 'capped at max_wait');
  t.same(plan.due(117_000), { kind: 'give-up', attempts: 3 });
  t.same(plan.due(1e9), { kind: 'none' }, 'it gives up once');
  plan.down(2e9);
  t.equal(plan.phase, 'gave-up', 'another down event does not restart a plan that gave up');
});

t.test('a recovery resets the attempts, and the next outage starts from the first', async (t) => {
  const plan = new HealingPlan(CONFIG);
  plan.down(0);
  plan.due(60_000);
  plan.attemptEnded(60_000);
  plan.up();
  t.equal(plan.attempts, 0);
  t.same(plan.due(1e9), { kind: 'none' });
  plan.down(100_000);
  t.same(plan.due(160_000), { kind: 'attempt', attempt: 1 });
});

t.test('healing settings are checked and errors name the key', async (t) => {
  const key = (raw: unknown): string | undefined => {
    try {
      validateHealing(raw, 'clients.gw.healing', '/etc/netmonitor');
    } catch (error) {
      return (error as ConfigError).key;
    }
    return undefined;
  };
  t.equal(key({ steps: [] }), 'clients.gw.healing.steps');
  t.equal(key({ steps: [{ type: 'shell', command: 'reboot' }] }), 'clients.gw.healing.steps[0].type');
  t.equal(key({ steps: [{ type: 'local', command: 'reboot now' }] }), 'clients.gw.healing.steps[0].command', 'a command is an argv list, not a shell line');
  t.equal(key({ steps: [{ type: 'ssh', host: 'gw', username: 'root', password: 'x', command: ['reboot'] }] }), 'clients.gw.healing.steps[0].host_key_sha256');
  t.equal(key({ steps: [{ type: 'ssh', host: 'gw', username: 'root', host_key_sha256: 'SHA256:' + 'a'.repeat(43), command: ['reboot'] }] }), 'clients.gw.healing.steps[0].private_key_file');
  t.equal(key({ steps: [{ type: 'http', url: 'ftp://gw/' }] }), 'clients.gw.healing.steps[0].url');
  t.equal(key({ steps: [step('a')].map((s) => ({ ...s, timeout: 1 })), backoff: 0 }), 'clients.gw.healing.backoff');
  t.equal(key({ steps: [{ type: 'local', command: ['a'] }], max_attempts: 0 }), 'clients.gw.healing.max_attempts');
});

t.test('the manual intervention alert fits one SMS and says what happened', async (t) => {
  const text = downAlert({ type: 'down', client: 'x'.repeat(100), at: T0, lastUp: null, downIntervalMs: 1, transitionId: 'heal-1', intervention: 'healing gave up after 3 attempt(s)' }, 'UTC');
  t.match(text.subject, /^ACTION NEEDED: /);
  t.match(text.body, /still DOWN: healing gave up after 3 attempt\(s\)\. Manual intervention needed\.$/);
  t.ok(text.body.length <= SMS_LIMIT);
});

/** A host with a real log folder, a fake clock and a recording outbox. */
function host(dir = tempDir()) {
  const now = { mono: 0, wall: T0 };
  const alerts: DownEvent[] = [];
  const status = new Map<string, string>();
  const { logger, lines } = captureLogger();
  const logs = new LogDirectory(dir);
  const h: HealingHost = { logs, logger, clock: { now: () => ({ ...now }) }, outbox: { enqueue: (e) => alerts.push(e) }, clientState: (id) => ({ status: status.get(id) ?? 'up' }) };
  const advance = (ms: number): void => { now.mono += ms; now.wall += ms; };
  const records = (client = 'gw') => readLog(join(dir, `${client}.nmlog`));
  return { h, logs, dir, now, alerts, status, lines, advance, records };
}

const DOWN: DownEvent = { type: 'down', client: 'gw', at: T0, lastUp: T0 - 180_000, downIntervalMs: 180_000, transitionId: `down-gw-${T0}` };
const UP: UpEvent = { type: 'up', client: 'gw', at: T0, lastUp: T0, outageMs: 1, transitionId: 'up-gw' };
const OK: StepOutcome = { ok: true, code: 'ok', status: 0, output: 'done', error: null };

t.test('steps run in order, each recorded; after the last attempt one alert asks for manual intervention', async (t) => {
  const env = host();
  await env.logs.create();
  await env.h.logs.append('gw', [{ type: 'down', at: new Date(T0).toISOString(), id: DOWN.transitionId, last_up: null, down_interval_s: 180, interval: null, boot: null }]);
  const ran: string[] = [];
  const runner = new HealingRunner(env.h, new Map([['gw', { ...CONFIG, afterMs: 0, maxAttempts: 2 }]]), async (s) => {
    ran.push((s as { command: string[] }).command[0]!);
    return s === CONFIG.steps[0] ? OK : { ok: false, code: 'exit', status: 1, output: 'nope', error: 'exit status 1' };
  });
  runner.handle(DOWN);
  t.equal(runner.tick(), 1);
  t.equal(runner.tick(), 0, 'one attempt at a time');
  await runner.stop();
  t.same(ran, ['a', 'b']);
  env.advance(10_000);
  runner.tick();
  await runner.stop();
  env.advance(20_000);
  runner.tick();
  await runner.stop();
  t.same(ran, ['a', 'b', 'a', 'b']);
  t.equal(env.alerts.length, 1);
  t.match(env.alerts[0], { type: 'down', client: 'gw', intervention: 'healing gave up after 2 attempt(s)' });
  env.advance(1e6);
  t.equal(runner.tick(), 0, 'nothing more after giving up');
  const healing = env.records().filter((r) => r.type === 'healing');
  t.same(healing.map((r) => `${r.phase}${r.step ?? ''}`), ['attempt', 'step0', 'step1', 'attempt-end', 'attempt', 'step0', 'step1', 'attempt-end', 'gave-up']);
  t.match(healing[2], { ok: false, code: 'exit', output: 'nope', error: 'exit status 1', down: DOWN.transitionId });
});

t.test('a recovery during an attempt ends it and resets the attempts', async (t) => {
  const env = host();
  await env.logs.create();
  let release: (() => void) | null = null;
  const runner = new HealingRunner(env.h, new Map([['gw', { ...CONFIG, afterMs: 0 }]]), () => new Promise((r) => (release = () => r(OK))));
  runner.handle(DOWN);
  runner.tick();
  // The first step starts once the attempt record is on disk; wait for it, not for a fixed time.
  for (let waited = 0; release === null && waited < 10_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  runner.handle(UP);
  release!();
  await runner.stop();
  t.equal(runner.planOf('gw')!.phase, 'idle');
  t.same(env.records().map((r) => `${r.type}:${r.phase}`), ['healing:attempt', 'healing:reset', 'healing:step'], 'the second step never ran');
});

t.test('after a restart mid-attempt, the finished steps are not run again', async (t) => {
  const env = host();
  await env.logs.create();
  const at = (ms: number): string => new Date(T0 + ms).toISOString();
  await env.h.logs.append('gw', asWritten([
    { type: 'down', at: at(0), id: DOWN.transitionId, last_up: null, down_interval_s: 180 },
    { type: 'healing', at: at(1), phase: 'attempt', down: DOWN.transitionId, attempt: 1 },
    { type: 'healing', at: at(2), phase: 'step', down: DOWN.transitionId, attempt: 1, step: 0, ok: true },
  ]));
  env.status.set('gw', 'down');
  const ran: string[] = [];
  const runner = new HealingRunner(env.h, new Map([['gw', CONFIG]]), async (s, event) => {
    ran.push(`${(s as { command: string[] }).command[0]} ${event.type === 'down' ? event.transitionId : ''}`);
    return OK;
  });
  await runner.restore();
  await runner.stop();
  t.same(ran, [`b ${DOWN.transitionId}`], 'only the unfinished step ran, for the same outage');
  t.equal(runner.planOf('gw')!.attempts, 1);
  t.equal(runner.planOf('gw')!.phase, 'waiting');
  t.match(env.lines.join('\n'), /resuming attempt 1 after a restart \(1 step\(s\) already done\)/);
});

t.test('after a restart between attempts, the wait is counted from the end of the last one', async (t) => {
  const env = host();
  await env.logs.create();
  const at = (ms: number): string => new Date(T0 + ms).toISOString();
  env.now.wall = T0 + 5000;
  await env.h.logs.append('gw', asWritten([
    { type: 'down', at: at(0), id: DOWN.transitionId, last_up: null, down_interval_s: 180 },
    { type: 'healing', at: at(1), phase: 'attempt', down: DOWN.transitionId, attempt: 1 },
    { type: 'healing', at: at(1000), phase: 'attempt-end', down: DOWN.transitionId, attempt: 1 },
  ]));
  env.status.set('gw', 'down');
  const runner = new HealingRunner(env.h, new Map([['gw', CONFIG]]), async () => OK);
  await runner.restore();
  t.equal(runner.tick(), 0);
  env.advance(6000);
  t.equal(runner.tick(), 1, 'due 10 s after the first attempt ended');
  await runner.stop();
  t.equal(runner.planOf('gw')!.attempts, 2);
});

t.test('an outage that ended before the restart leaves healing idle', async (t) => {
  const env = host();
  await env.logs.create();
  await env.h.logs.append('gw', asWritten([{ type: 'down', at: new Date(T0).toISOString(), id: 'd1', down_interval_s: 1 }, { type: 'up', at: new Date(T0 + 1).toISOString(), id: 'u1' }]));
  env.status.set('gw', 'down');
  const runner = new HealingRunner(env.h, new Map([['gw', CONFIG]]), async () => OK);
  await runner.restore();
  t.equal(runner.planOf('gw')!.phase, 'idle');
});

t.test('no healing runs while the client is in maintenance: the attempt that was due starts when the window ends', async (t) => {
  const env = host();
  await env.logs.create();
  let windowEnds = T0 + 60_000;
  env.h.maintenanceOf = (id, at) => (id === 'gw' && at < windowEnds ? { id: 'm-1' } : null);
  const ran: string[] = [];
  const runner = new HealingRunner(env.h, new Map([['gw', { ...CONFIG, afterMs: 0 }]]), async (s) => {
    ran.push((s as { command: string[] }).command[0]!);
    return OK;
  });
  runner.handle(DOWN);
  t.equal(runner.tick(), 0, 'due, but in maintenance');
  env.advance(30_000);
  t.equal(runner.tick(), 0);
  t.same(ran, []);
  windowEnds = env.now.wall;
  t.equal(runner.tick(), 1, 'the window is over: the attempt starts');
  await runner.stop();
  t.same(ran, ['a', 'b']);
});
