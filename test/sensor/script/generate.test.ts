/**
 * `netmonitor sensor-script`: what it embeds and how the script behaves on its own, run by
 * real shells with a busybox-only PATH (and bash for /dev/udp), against real sockets.
 */
import t from 'tap';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellQuote } from '../../../sensor/script/generate.js';
import { parseDatagram, verifyMac } from '../../peers/nm1Reference.js';
import { cliPath, tempDir } from '../../helpers.js';
import { busyboxPath } from '../../peers/busybox.js';
import { findProgram, missingProgram } from '../../systemPrograms.js';
import { writeConfig } from '../../peers/serverProcess.js';
import { sleep, udpListener } from '../../peers/udp.js';

const KEY = 'c3'.repeat(32);
const base = { server: '127.0.0.1', port: 9, id: 'home-gw', key: KEY, interval: 1 };

function generate(dir: string, config: Record<string, unknown>): { status: number | null; stderr: string; script: string } {
  const configPath = writeConfig(dir, config, 'sensor.json');
  const script = join(dir, 'sensor.sh');
  const run = spawnSync(process.execPath, [cliPath, 'sensor-script', '--config', configPath, '--output', script], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr, script };
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await sleep(50);
}

/** Runs the script for `ms`, then SIGTERM; its exit code and stderr. */
async function runFor(shell: string, script: string, path: string, ms: number): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(shell, [script], { env: { PATH: path }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGTERM'), ms);
  const [code] = (await exited) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}

t.test('a quoted value expands to exactly itself in sh, whatever it holds', { skip: missingProgram('dash') }, async (t) => {
  for (const value of ["it's", '$(touch /tmp/x)', '`id`', 'a\nb', '\\"\\', "''", '', '$HOME ${PATH}', '-n']) {
    const out = execFileSync('/usr/bin/dash', ['-c', `v=${shellQuote(value)}; printf %s "$v"`], { encoding: 'utf8' });
    t.equal(out, value, JSON.stringify(value));
  }
});

t.test('the script is written with mode 0600, and printed without --output', async (t) => {
  const dir = tempDir();
  const { status, script } = generate(dir, base);
  t.equal(status, 0);
  t.equal(statSync(script).mode & 0o777, 0o600, 'it holds the key');
  const printed = execFileSync(process.execPath, [cliPath, 'sensor-script', '--config', join(dir, 'sensor.json')], { encoding: 'utf8' });
  t.equal(printed, readFileSync(script, 'utf8'));
  t.match(printed, /^#!\/bin\/sh\n/);
  t.match(printed, `NM_KEY='${KEY}'`);
  t.match(printed, "NM_STATE_FILE=''", 'without state_file the script chooses where the counter goes, on the gateway');
});

t.test('with key_file the script holds no key, only the path of the file', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'home-gw.key'), `${KEY}\n`);
  const { status, script } = generate(dir, { ...base, key: undefined, key_file: 'home-gw.key' });
  t.equal(status, 0);
  const text = readFileSync(script, 'utf8');
  t.notMatch(text, KEY);
  t.match(text, `NM_KEY_FILE='${join(dir, 'home-gw.key')}'`);
});

t.test('a host name that is not one, or a bad transport, is a configuration error naming the key', async (t) => {
  const dir = tempDir();
  for (const [config, key] of [
    [{ ...base, server: "x'; touch pwned; '" }, 'server'],
    [{ ...base, server: 'host,fork,exec:/bin/sh' }, 'server'],
    [{ ...base, transport: 'http' }, 'http_url'],
  ] as const) {
    const { status, stderr, script } = generate(dir, config);
    t.equal(status, 2, stderr);
    t.match(stderr, `invalid configuration: ${key}:`);
    t.notOk(existsSync(script), 'no script is written');
  }
  t.notOk(existsSync(join(dir, 'pwned')));
});

t.test('a hostile state_file path is used as it is, never run; a dead server is logged once, not per datagram', { skip: missingProgram('busybox') }, async (t) => {
  const dir = tempDir();
  const stateFile = join(dir, "$(touch pwned)`touch pwned2`'it's\"here");
  const { status, script } = generate(dir, { ...base, state_file: stateFile, transport: 'http', http_url: 'http://127.0.0.1:9' });
  t.equal(status, 0);
  const path = busyboxPath()!;
  const { code, stderr } = await runFor(join(path, 'sh'), script, path, 3500);
  t.equal(code, 0, `SIGTERM stops it at once with status 0: ${stderr}`);
  t.equal(readFileSync(stateFile, 'utf8'), '{"boot":1}\n', 'the counter is at that very path');
  t.notOk(existsSync(join(process.cwd(), 'pwned')) || existsSync(join(dir, 'pwned')) || existsSync('pwned2'), 'nothing in it ran');
  const problems = stderr.split('\n').filter((line) => line.includes('network problem'));
  t.equal(problems.length, 1, stderr);
  t.match(problems[0], 'cannot post to http://127.0.0.1:9/api/v1/nm1 with wget');
});

t.test('without state_file the counter goes to $STATE_DIRECTORY; with --pidfile a second copy leaves the running one alone', { skip: missingProgram('busybox') }, async (t) => {
  const dir = tempDir();
  const { script } = generate(dir, { ...base, transport: 'http', http_url: 'http://127.0.0.1:9' });
  const path = busyboxPath()!;
  const pidfile = join(dir, 'sensor.pid');
  const env = { PATH: path, STATE_DIRECTORY: join(dir, 'state') };
  const first = spawn(join(path, 'sh'), [script, '--pidfile', pidfile], { env, stdio: 'ignore' });
  t.teardown(() => first.kill('SIGKILL'));
  await until(() => existsSync(join(dir, 'state', 'sensor-state.json')));
  t.equal(readFileSync(join(dir, 'state', 'sensor-state.json'), 'utf8'), '{"boot":1}\n');
  t.equal(readFileSync(pidfile, 'utf8'), `${first.pid}\n`, 'the pid file names the running copy');
  const second = spawnSync(join(path, 'sh'), [script, '--pidfile', pidfile], { env, encoding: 'utf8', timeout: 10_000 });
  t.equal(second.status, 0, 'a second copy exits at once');
  t.equal(readFileSync(join(dir, 'state', 'sensor-state.json'), 'utf8'), '{"boot":1}\n', 'without counting a boot');
  first.kill('SIGTERM');
  await once(first, 'exit');
  const third = spawn(join(path, 'sh'), [script, '--pidfile', pidfile], { env, stdio: 'ignore' });
  t.teardown(() => third.kill('SIGKILL'));
  await until(() => readFileSync(join(dir, 'state', 'sensor-state.json'), 'utf8') === '{"boot":2}\n');
  t.equal(readFileSync(pidfile, 'utf8'), `${third.pid}\n`, 'once it stopped, the next copy takes over');
  third.kill('SIGTERM');
  await once(third, 'exit');
});

t.test('a damaged counter restarts from the Unix time, never from 1', { skip: missingProgram('busybox') }, async (t) => {
  const dir = tempDir();
  const stateFile = join(dir, 'state.json');
  writeFileSync(stateFile, 'garbage\n');
  const { script } = generate(dir, { ...base, state_file: stateFile, transport: 'http', http_url: 'http://127.0.0.1:9' });
  const path = busyboxPath()!;
  const before = Math.floor(Date.now() / 1000);
  await runFor(join(path, 'sh'), script, path, 300);
  const boot = (JSON.parse(readFileSync(stateFile, 'utf8')) as { boot: number }).boot;
  t.ok(boot > before && boot <= Math.floor(Date.now() / 1000) + 1, `${boot}`);
});

t.test('transport udp with no UDP tool at hand stops with a reason instead of sending nothing', { skip: missingProgram('busybox') }, async (t) => {
  const dir = tempDir();
  const { script } = generate(dir, { ...base, state_file: join(dir, 'state.json') });
  const path = busyboxPath()!;
  const { code, stderr } = await runFor(join(path, 'sh'), script, path, 5000);
  t.equal(code, 1);
  t.match(stderr, 'no way to send UDP here: install socat');
  t.notOk(existsSync(join(dir, 'state.json')), 'and it did not count a boot');
});

t.test("under bash with no socat or UDP netcat, the script sends UDP through bash's /dev/udp, signed with the key of its key_file", { skip: missingProgram('busybox', 'bash') }, async (t) => {
  const { port, received } = await udpListener(t);
  const dir = tempDir();
  writeFileSync(join(dir, 'home-gw.key'), `${KEY}\n`);
  const { script } = generate(dir, { ...base, key: undefined, key_file: 'home-gw.key', port, state_file: join(dir, 'state.json') });
  const path = busyboxPath()!;
  const run = runFor(findProgram('bash')!, script, path, 2500);
  const { stderr } = await run;
  await sleep(100);
  t.match(stderr, 'heartbeats by udp (bash)');
  t.ok(received.length >= 2, `${received.length} datagrams`);
  for (const datagram of received) {
    const parsed = parseDatagram(datagram);
    t.ok(parsed.ok && verifyMac(Buffer.from(KEY, 'hex'), parsed.signed, parsed.mac), `${datagram.toString()} is signed with the key`);
  }
});
