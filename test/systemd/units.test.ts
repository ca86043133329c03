/**
 * The shipped systemd units, checked by systemd's own tools where they exist:
 *  1. `systemd-analyze verify` finds nothing to say about either unit;
 *  2. `systemd-analyze security --offline=true` rates the server's sandbox at most
 *     SERVER_EXPOSURE_LIMIT (and the sensor's at most SENSOR_EXPOSURE_LIMIT).
 * The units start `/usr/bin/env netmonitor`, so the same text verifies whether npm put
 * netmonitor in /usr/local/bin or /usr/bin (or, as here, nowhere yet): the checks run on the
 * shipped files as they are.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { repoRoot, tempDir } from '../helpers.js';
import { findProgram, missingProgram } from '../systemPrograms.js';

const run = promisify(execFile);

const SYSTEMD_ANALYZE = findProgram('systemd-analyze');
const LAUNCHER = '/usr/bin/env netmonitor';
const UNITS = ['netmonitor-sensor.service', 'netmonitor-server.service'] as const;
/**
 * Measured 1.1 with systemd 252. Other systemd versions weigh settings a little
 * differently, so leave some room, but little enough that dropping the system call filter
 * (2.7 with systemd 252) fails.
 */
const SERVER_EXPOSURE_LIMIT = 2.0;
/** The sensor's hardening is deliberately lighter (measured 1.7 with systemd 252). */
const SENSOR_EXPOSURE_LIMIT = 3.0;


interface Outcome {
  code: number;
  output: string;
}

/** Runs systemd-analyze with an argv list (no shell) and returns its exit code and output. */
async function analyze(args: string[], cwd: string): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(SYSTEMD_ANALYZE!, args, { cwd, timeout: 60_000, env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' } });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failure.code !== 'number') throw error;
    return { code: failure.code, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

/** Copies both units, unchanged, into a temporary folder (systemd-analyze reads a folder's units). */
function unitCopies(test: Test): string {
  const dir = tempDir('netmonitor-units-');
  test.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const unit of UNITS) writeFileSync(join(dir, unit), readFileSync(join(repoRoot, 'systemd', unit), 'utf8'));
  return dir;
}

/** The values of `key=` lines in one of the shipped units. */
function settings(unit: string, key: string): string[] {
  const text = readFileSync(join(repoRoot, 'systemd', unit), 'utf8');
  return text.split('\n').filter((line) => line.startsWith(`${key}=`)).map((line) => line.slice(key.length + 1));
}

for (const unit of UNITS) {
  t.test(`${unit} starts netmonitor through ${LAUNCHER}, so both npm prefixes work`, async (t) => {
    t.match(settings(unit, 'ExecStart'), [new RegExp(`^${LAUNCHER} `)]);
  });
}

t.test('the server unit does not restart after the exit statuses a restart cannot fix', async (t) => {
  // 2: invalid configuration or a folder another server holds; 3: what the machine refuses
  // (bin/cli.ts exitCodeOf); 127: env found no netmonitor.
  const statuses = settings('netmonitor-server.service', 'RestartPreventExitStatus').join(' ').split(/\s+/);
  for (const status of ['2', '3', '127']) t.ok(statuses.includes(status), `status ${status}`, { statuses });
});

/** The overall exposure score from `systemd-analyze security`, or null when there is none. */
function exposureScore(output: string): number | null {
  const match = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(output);
  return match === null ? null : Number(match[1]);
}

const missing = missingProgram('systemd-analyze');

t.test('systemd-analyze verify finds no problem in either unit as shipped', { skip: missing }, async (t) => {
  const dir = unitCopies(t);
  const paths = UNITS.map((unit) => join(dir, unit));
  const result = await analyze(['verify', '--man=no', ...paths], dir);
  // The host's other units may draw warnings of their own; only lines naming ours count.
  const ours = result.output.split('\n').filter((line) => UNITS.some((unit) => line.includes(unit)));
  t.same(ours, [], 'no messages about our units', { output: result.output });
  t.equal(result.code, 0, 'verify succeeds', { output: result.output });
});

t.test('systemd-analyze verify notices a unit whose command does not exist', { skip: missing }, async (t) => {
  // Proves the check above can fail: the same copy with a command that is not there.
  const dir = unitCopies(t);
  const path = join(dir, 'netmonitor-server.service');
  writeFileSync(path, readFileSync(path, 'utf8').split(`ExecStart=${LAUNCHER} `).join(`ExecStart=${join(dir, 'no-such-netmonitor')} `));
  const result = await analyze(['verify', '--man=no', path], dir);
  const ours = result.output.split('\n').filter((line) => line.includes('netmonitor-server.service'));
  t.not(ours.length, 0, 'a message names the unit', { output: result.output });
  t.not(result.code, 0, 'verify fails', { output: result.output });
});

/** Why the offline security review cannot run here, or false when it can. */
async function securityReviewMissing(): Promise<string | false> {
  if (missing !== false) return missing;
  const help = await analyze(['--help'], repoRoot);
  return help.output.includes('--offline') ? false : 'this systemd-analyze has no --offline option (systemd 250 and later have it)';
}
const securityMissing = await securityReviewMissing();

for (const [unit, limit] of [['netmonitor-server.service', SERVER_EXPOSURE_LIMIT], ['netmonitor-sensor.service', SENSOR_EXPOSURE_LIMIT]] as const) {
  t.test(`systemd-analyze security rates ${unit} at most ${limit}`, { skip: securityMissing }, async (t) => {
    const dir = unitCopies(t);
    const result = await analyze(['security', '--offline=true', join(dir, unit)], dir);
    const score = exposureScore(result.output);
    t.comment(`${unit}: overall exposure ${score ?? 'unknown'} (limit ${limit})`);
    t.equal(result.code, 0, 'security review succeeds', { output: result.output });
    t.not(score, null, 'the review states an overall exposure level', { output: result.output });
    t.ok(score !== null && score <= limit, `exposure ${score} is at most ${limit}`, { output: result.output });
  });
}

t.test('the server unit sets one open-file limit, so its system call filter cannot leave Node with a lower soft one', { skip: missing }, async (t) => {
  const unit = readFileSync(join(repoRoot, 'systemd', 'netmonitor-server.service'), 'utf8');
  const filters = [...unit.matchAll(/^SystemCallFilter=~(.*)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
  const groups = await Promise.all(filters.map((group) => analyze(['syscall-filter', group], repoRoot)));
  const denied = new Set(groups.flatMap((group) => group.output.split('\n').map((line) => line.trim())));
  // Node raises the soft limit with setrlimit or prlimit64, depending on the libc.
  t.ok(denied.has('setrlimit') || denied.has('prlimit64'), 'the filter denies one of the calls that raise a limit');
  const limit = /^LimitNOFILE=(\S+)$/m.exec(unit)?.[1];
  t.match(limit, /^\d+$/, 'LimitNOFILE= is one number, so the soft limit is the hard limit');
  t.ok(Number(limit) >= 4096, `LimitNOFILE=${limit} leaves room for connections, logs and SMTP`);
});

/** The shell sensor's unit runs /bin/sh on its credential, so it is checked as shipped (measured 1.6 with systemd 252). */
const SHELL_SENSOR_UNIT = 'netmonitor-shell-sensor.service';
const SHELL_SENSOR_EXPOSURE_LIMIT = 2.5;

t.test(`systemd-analyze verify finds no problem in ${SHELL_SENSOR_UNIT}, and security rates it at most ${SHELL_SENSOR_EXPOSURE_LIMIT}`, { skip: securityMissing }, async (t) => {
  const dir = tempDir('netmonitor-units-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, SHELL_SENSOR_UNIT);
  writeFileSync(path, readFileSync(join(repoRoot, 'systemd', SHELL_SENSOR_UNIT), 'utf8'));
  const verify = await analyze(['verify', '--man=no', path], dir);
  t.same(verify.output.split('\n').filter((line) => line.includes(SHELL_SENSOR_UNIT)), [], 'no messages about the unit', { output: verify.output });
  t.equal(verify.code, 0, 'verify succeeds', { output: verify.output });
  const security = await analyze(['security', '--offline=true', path], dir);
  const score = exposureScore(security.output);
  t.ok(score !== null && score <= SHELL_SENSOR_EXPOSURE_LIMIT, `exposure ${score} is at most ${SHELL_SENSOR_EXPOSURE_LIMIT}`, { output: security.output });
});
