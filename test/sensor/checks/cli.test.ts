/**
 * `netmonitor check --config FILE [--dry-run]`: one pass, as cron or a systemd timer runs
 * it, with real programs as checks and actions. Exit status: the worst result.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, tempDir } from '../../helpers.js';

const base = { server: '127.0.0.1', port: 7777, id: 'home-gw', key: 'ab'.repeat(32) };

async function check(dir: string, checks: unknown, ...flags: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const config = join(dir, 'sensor.json');
  writeFileSync(config, JSON.stringify({ ...base, state_file: join(dir, 'sensor-state.json'), checks }));
  const child = spawn(process.execPath, [cliPath, 'check', '--config', config, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

const node = (script: string) => [process.execPath, '-e', script];

t.test('all checks passing exits 0; a failed one exits 1, and its actions run with the result in their environment', async (t) => {
  const dir = tempDir();
  const passing = await check(dir, [{ name: 'fine', type: 'command', command: node('') }]);
  t.equal(passing.code, 0, passing.stderr);
  t.match(passing.stdout, 'check fine (command): ok');
  const marker = join(dir, 'fixed.txt');
  const failing = await check(dir, [
    { name: 'fine', type: 'command', command: node('') },
    { name: 'wan', type: 'command', command: node('console.log("no route"); process.exit(1)'),
      on_failure: [{ type: 'exec', command: node(`require("fs").writeFileSync(${JSON.stringify(marker)}, process.env.NETMONITOR_CHECK + " " + process.env.NETMONITOR_CHECK_STATUS + " " + process.env.NETMONITOR_CHECK_DETAIL)`) }] },
  ]);
  t.equal(failing.code, 1, failing.stderr);
  t.match(failing.stdout, /check wan \(command\): failed \(now failing\): .* exit 1: no route\n  action .* ok exit 0/);
  t.match(readFileSync(marker, 'utf8'), /^wan failed .*exit 1: no route$/);
});

t.test('a failed action exits 3, worse than a failed check', async (t) => {
  const result = await check(tempDir(), [{ name: 'wan', type: 'command', command: node('process.exit(1)'), on_failure: [{ type: 'exec', command: node('process.exit(4)') }] }]);
  t.equal(result.code, 3);
  t.match(result.stdout, /action .*: FAILED exit 4/);
});

t.test('--dry-run runs the checks and only prints the actions', async (t) => {
  const dir = tempDir();
  const marker = join(dir, 'ran.txt');
  const result = await check(dir, [{ name: 'wan', type: 'command', command: node('process.exit(1)'),
    on_failure: [{ type: 'exec', command: node(`require("fs").writeFileSync(${JSON.stringify(marker)}, "")`) }, { type: 'route', prefix: 'default', via: '192.0.2.1' }, { type: 'restart', service: 'pppd' }] }], '--dry-run');
  t.equal(result.code, 1, result.stderr);
  t.match(result.stdout, /action ip -4 route replace default via 192\.0\.2\.1 table main: dry run: not run/);
  t.match(result.stdout, /action systemctl restart pppd: dry run: not run/);
  t.notOk(existsSync(marker), 'the exec action did not run');
  t.notOk(existsSync(join(dir, 'checks-state.json')), 'and nothing was remembered');
});

t.test('the budget holds across passes: cron runs do not repeat a fix that does not help', async (t) => {
  const dir = tempDir();
  const count = join(dir, 'count.txt');
  writeFileSync(count, '');
  const checks = [{ name: 'wan', type: 'command', command: node('process.exit(1)'), budget: { actions: 2, window: 3600 },
    on_failure: [{ type: 'exec', command: node(`require("fs").appendFileSync(${JSON.stringify(count)}, "x")`) }] }];
  const codes: (number | null)[] = [];
  let last = '';
  for (let pass = 0; pass < 4; pass++) {
    const result = await check(dir, checks);
    codes.push(result.code);
    last = result.stdout;
  }
  t.same(codes, [1, 1, 1, 1]);
  t.equal(readFileSync(count, 'utf8'), 'xx', 'two actions, then none');
  t.match(last, /not run: the budget of 2 actions in 3600s is spent/);
  t.match(JSON.parse(readFileSync(join(dir, 'checks-state.json'), 'utf8')), { checks: { wan: { status: 'failed' } } });
});

t.test('bad checks exit 2 with the key named, as does a config with none', async (t) => {
  const bad = await check(tempDir(), [{ name: 'wan', type: 'command', command: 'fix-wan --now' }]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, 'checks[0].command');
  const none = await check(tempDir(), []);
  t.equal(none.code, 2);
  t.match(none.stderr, 'checks');
});

t.test('the memory is kept in a folder made for it, and a pass that cannot save it says so', async (t) => {
  const dir = tempDir();
  const nested = join(dir, 'not', 'yet');
  const config = join(dir, 'sensor.json');
  const run = async (stateDir: string) => {
    writeFileSync(config, JSON.stringify({ ...base, state_file: join(stateDir, 'sensor-state.json'), checks: [{ name: 'wan', type: 'command', command: node('process.exit(1)') }] }));
    const child = spawn(process.execPath, [cliPath, 'check', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stderr };
  };
  t.equal((await run(nested)).code, 1);
  t.ok(existsSync(join(nested, 'checks-state.json')), 'the folder was made');
  // A regular file where the folder should be: nothing can be saved there, root or not.
  writeFileSync(join(dir, 'file'), '');
  const blocked = await run(join(dir, 'file'));
  t.equal(blocked.code, 1, 'the check still ran');
  t.match(blocked.stderr, /cannot save .*checks-state\.json \(E[A-Z]+\): action budgets do not hold/);
});
