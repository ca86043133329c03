import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventEnvironment, runHook } from '../../../server/hooks/execHook.js';
import type { HookConfig } from '../../../server/config/server.js';
import type { BootEvent, DownEvent, UpEvent } from '../../../server/core/events.js';
import { tempDir } from '../../helpers.js';

const AT = Date.parse('2026-11-25T06:13:21.380Z');
const down: DownEvent = { type: 'down', client: 'home-gw', at: AT, lastUp: AT - 180_000, downIntervalMs: 180_000, transitionId: `down-home-gw-${AT}` };
const up: UpEvent = { type: 'up', client: 'home-gw', at: AT, lastUp: AT - 206_000, outageMs: 206_000, transitionId: `up-home-gw-${AT}` };

/**
 * A hook that writes its arguments and environment as JSON to the file named by its first
 * argument (hook output is squeezed to a few hundred characters for the log, too little here).
 */
function reporterHook(extraArgs: string[] = []): { hook: HookConfig; report: string } {
  const dir = tempDir();
  const program = join(dir, 'reporter.mjs');
  const report = join(dir, 'report.json');
  writeFileSync(program, `import { readFileSync, writeFileSync } from 'node:fs';
writeFileSync(process.argv[2], JSON.stringify({ argv: process.argv.slice(3), env: process.env }));\n`);
  return { hook: { command: [process.execPath, program, report, ...extraArgs], events: ['down', 'up', 'boot'], timeoutMs: 10_000 }, report };
}

async function runReporter(event: Parameters<typeof runHook>[1], extraArgs: string[] = []): Promise<{ argv: string[]; env: Record<string, string> }> {
  const { hook, report } = reporterHook(extraArgs);
  const result = await runHook(hook, event);
  if (result.exitCode !== 0) throw new Error(`hook failed: ${JSON.stringify(result)}`);
  return JSON.parse(readFileSync(report, 'utf8')) as { argv: string[]; env: Record<string, string> };
}

t.test('a hook runs the configured program with the event in NETMONITOR_* variables', async (t) => {
  const { env } = await runReporter(up);
  t.match(env, {
    NETMONITOR_EVENT: 'up',
    NETMONITOR_CLIENT: 'home-gw',
    NETMONITOR_AT: '2026-11-25T06:13:21.380Z',
    NETMONITOR_LAST_UP: '2026-11-25T06:09:55.380Z',
    NETMONITOR_OUTAGE_S: '206',
    NETMONITOR_TRANSITION_ID: up.transitionId,
  });
});

t.test("a hook does not see the server's other environment variables, such as the SMTP password", async (t) => {
  const saved = process.env.NETMONITOR_SMTP_PASSWORD;
  process.env.NETMONITOR_SMTP_PASSWORD = 'fake-password-for-test';
  process.env.NETMONITOR_TEST_OTHER = 'other';
  t.teardown(() => {
    if (saved === undefined) delete process.env.NETMONITOR_SMTP_PASSWORD;
    else process.env.NETMONITOR_SMTP_PASSWORD = saved;
    delete process.env.NETMONITOR_TEST_OTHER;
  });
  const { env } = await runReporter(down);
  t.equal(env.NETMONITOR_SMTP_PASSWORD, undefined);
  t.equal(env.NETMONITOR_TEST_OTHER, undefined);
  t.notMatch(JSON.stringify(env), 'fake-password-for-test');
  t.equal(env.NETMONITOR_DOWN_INTERVAL_S, '180');
});

t.test('a string from a datagram reaches only the environment, never argv', async (t) => {
  // The source address and uptime of a BOOT come from the network; the id is configured
  // but the hook cannot tell, so none of them may appear in its arguments.
  const hostile = '$(touch /tmp/netmonitor-pwned); rm -rf ~';
  const boot: BootEvent = { type: 'boot', client: 'home-gw', at: AT, boot: 7, uptime: 12.5, addr: hostile };
  const { argv, env } = await runReporter(boot, ['--from-config']);
  t.same(argv, ['--from-config']);
  t.equal(env.NETMONITOR_ADDRESS, hostile, 'the address arrives as data');
  t.equal(env.NETMONITOR_UPTIME_S, '12.5');
  t.equal(env.NETMONITOR_BOOT, '7');
});

t.test('a shell script given as a file in argv runs without a shell interpreting the event', async (t) => {
  const dir = tempDir();
  const script = join(dir, 'hook.sh');
  writeFileSync(script, 'printf "%s|%s|%s" "$#" "$NETMONITOR_EVENT" "$NETMONITOR_CLIENT"\n');
  const result = await runHook({ command: ['/bin/sh', script], events: ['down'], timeoutMs: 10_000 }, down);
  t.same(result, { exitCode: 0, timedOut: false, output: '0|down|home-gw' });
});

t.test('a hook that runs past its timeout is killed and reported as timed out', async (t) => {
  const started = Date.now();
  const result = await runHook({ command: [process.execPath, '-e', 'setTimeout(() => {}, 30000)'], events: ['down'], timeoutMs: 300 }, down);
  t.equal(result.timedOut, true);
  t.equal(result.exitCode, null);
  t.ok(Date.now() - started < 10_000, 'it did not wait for the hook to finish');
});

t.test('a hook that fails reports its exit code and output, and is not a timeout', async (t) => {
  const result = await runHook({ command: [process.execPath, '-e', 'console.error("no route"); process.exit(3)'], events: ['down'], timeoutMs: 10_000 }, down);
  t.same(result, { exitCode: 3, timedOut: false, output: 'no route' });
});

t.test('a hook whose program does not exist is a failure, not a timeout', async (t) => {
  const result = await runHook({ command: [join(tempDir(), 'missing-program')], events: ['down'], timeoutMs: 10_000 }, down);
  t.equal(result.timedOut, false);
  t.not(result.exitCode, 0);
  t.match(result.output, 'ENOENT');
});

t.test('a hook that prints a great deal is not reported as timed out', async (t) => {
  const result = await runHook({ command: [process.execPath, '-e', 'process.stdout.write("x".repeat(200000))'], events: ['down'], timeoutMs: 10_000 }, down);
  t.same({ exitCode: result.exitCode, timedOut: result.timedOut }, { exitCode: 0, timedOut: false }, result.output.slice(-200));
  t.ok(result.output.length <= 401, 'output is squeezed for the log');
});

t.test('a chatty hook that is still running is not killed for its output', async (t) => {
  const script = 'process.stdout.write("x".repeat(200000)); setTimeout(() => process.exit(4), 300)';
  const result = await runHook({ command: [process.execPath, '-e', script], events: ['down'], timeoutMs: 10_000 }, down);
  t.equal(result.exitCode, 4, 'it ran to its own end');
});

t.test('a timed-out hook whose background child keeps the output open is reported without waiting for it', async (t) => {
  const script = join(tempDir(), 'hook.sh');
  writeFileSync(script, 'sleep 3 &\nsleep 3\n');
  const started = Date.now();
  const result = await runHook({ command: ['/bin/sh', script], events: ['down'], timeoutMs: 200 }, down);
  t.equal(result.timedOut, true);
  t.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
});

t.test('the event environment of a client never heard has no last-up time', async (t) => {
  t.notOk('NETMONITOR_LAST_UP' in eventEnvironment({ ...down, lastUp: null }));
  t.notOk('NETMONITOR_OUTAGE_S' in eventEnvironment({ ...up, outageMs: null, lastUp: null }));
});
