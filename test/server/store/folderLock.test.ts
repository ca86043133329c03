/**
 * One server per log folder: real `netmonitor server` processes on one client_log_dir.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lockFolder, LOCK_FILE } from '../../../server/store/folderLock.js';
import { cliPath, tempDir } from '../../helpers.js';
import { startServer, writeConfig } from '../../peers/serverProcess.js';

const run = promisify(execFile);

/** Runs the CLI to its end: exit code and everything it printed. */
async function cli(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], { timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, output: failure.stdout + failure.stderr };
  }
}

function setup() {
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  const config = writeConfig(dir, {
    alert_address: 'me@example.net', client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1',
    clients: { 'home-gw': { key: randomBytes(32).toString('hex') } },
  });
  return { dir, logDir, config };
}

t.test('a second server on a folder in use exits 2 naming the folder and the holder, and writes nothing there', async (t) => {
  const { logDir, config } = setup();
  const first = await startServer(config);
  t.teardown(() => first.kill9());
  const serverLog = join(logDir, '@server.nmlog');
  const before = readFileSync(serverLog, 'utf8');
  const second = await cli(['server', '--config', config]);
  t.equal(second.code, 2, 'exit status 2', { output: second.output });
  t.match(second.output, logDir, 'names the folder');
  t.match(second.output, `pid ${first.child.pid}`, "names the holder's pid");
  t.equal(readFileSync(serverLog, 'utf8'), before, 'no start record from the second server');
});

t.test('netmonitor report reads a folder while its server holds the lock', async (t) => {
  const { logDir, config } = setup();
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  const report = await cli(['report', '--log-dir', logDir]);
  t.equal(report.code, 0, 'the report runs', { output: report.output });
});

t.test('a server killed with -9 leaves a lock the next server takes over', async (t) => {
  const { logDir, config } = setup();
  const first = await startServer(config);
  await first.kill9();
  t.ok(existsSync(join(logDir, LOCK_FILE)), 'the lock file is left behind');
  const second = await startServer(config);
  t.teardown(() => second.kill9());
  t.equal(readFileSync(join(logDir, LOCK_FILE), 'utf8').trim(), String(second.child.pid), 'the new server holds it');
});

t.test('a clean stop removes the lock', async (t) => {
  const { logDir, config } = setup();
  const server = await startServer(config);
  const { code } = await server.stop();
  t.equal(code, 0);
  t.notOk(existsSync(join(logDir, LOCK_FILE)));
});

t.test('a second lock on one folder in the same process is refused, and released it can be taken again', async (t) => {
  const dir = tempDir();
  const lock = await lockFolder(dir);
  const refused = await lockFolder(dir).catch((error: unknown) => error);
  t.match(refused, { code: 'ELOCKED' });
  await lock.release();
  const again = await lockFolder(dir);
  await again.release();
  t.notOk(existsSync(join(dir, LOCK_FILE)));
});

t.test('a lock naming this pid that this process does not hold is stale (a restarted container)', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, LOCK_FILE), `${process.pid}\n`);
  const lock = await lockFolder(dir);
  t.equal(readFileSync(join(dir, LOCK_FILE), 'utf8').trim(), String(process.pid));
  await lock.release();
});

t.test('a symlink in place of the lock file is replaced, not followed', async (t) => {
  const dir = tempDir();
  const target = join(dir, 'elsewhere');
  writeFileSync(target, 'untouched');
  symlinkSync(target, join(dir, LOCK_FILE));
  const lock = await lockFolder(dir);
  t.equal(readFileSync(target, 'utf8'), 'untouched');
  await lock.release();
  t.notOk(existsSync(join(dir, LOCK_FILE)), 'removed at release');
});
