/**
 * Disk faults. A real tiny filesystem (a 256 KiB tmpfs, mounted by the test as root) fills
 * up or turns read-only under the running server; the fsync failure is the one fault no real
 * filesystem here can produce on demand, so it alone is injected through LogDirectory's
 * file operations.
 */
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { encodeLine } from '../../log/records.js';
import { validateServerConfig } from '../../server/config/server.js';
import { createServer } from '../../server/main.js';
import type { SyncFileOps } from '../../server/store/logDirectory.js';
import type { NetmonitorError } from '../../shared/errors.js';
import { tempDir, readLog } from '../helpers.js';
import { captureLogger } from '../peers/logger.js';
import { startServer, writeConfig } from '../peers/serverProcess.js';
import { startSmtpPeer } from '../peers/smtp.js';
import { sleep, TestSensor } from '../peers/udp.js';

function tryMountTmpfs(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Writes a file until the filesystem refuses more. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

const records = readLog;

async function runOnTinyDisk(t: Test, breakDisk: (mount: string) => void, repairDisk: (mount: string) => void) {
  const dir = tempDir();
  const mount = join(dir, 'disk');
  mkdirSync(mount);
  if (!tryMountTmpfs(mount)) {
    t.plan(0, 'mounting a tmpfs needs root; this fault test cannot run here');
    return;
  }
  t.teardown(() => execFileSync('umount', ['-l', mount]));
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const key = randomBytes(32);
  const logDir = join(mount, 'logs');
  const config = writeConfig(dir, {
    smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_address: 'me@example.net',
    client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', down_interval: 1,
    clients: { 'home-gw': { key: key.toString('hex') } },
  });
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  const sensor = new TestSensor('home-gw', key, server.port);
  t.teardown(() => sensor.close());
  // The disk breaks before the client is first heard, so its log file cannot even be
  // created (tmpfs would still let an existing file grow into its last page's slack).
  breakDisk(mount);
  await sensor.ping('BOOT');
  const [down] = await smtp.waitFor(1); // silent past down_interval
  t.equal(down!.subject, 'DOWN: home-gw', 'the alert goes out although its record cannot be written');
  await server.waitForOutput(/cannot write .*home-gw\.nmlog.*kept in memory/);
  server.child.kill('SIGUSR1');
  const stats = JSON.parse((await server.waitForOutput(/stats (\{.*\})/))[1]!) as { log_errors: number; log_backlog: number };
  t.ok(stats.log_errors > 0, `the error is counted (${stats.log_errors})`);
  t.ok(stats.log_backlog >= 1, 'the record waits in memory');
  t.notOk(records(join(logDir, 'home-gw.nmlog')).some((r) => r.type === 'down'), 'nothing reached the disk meanwhile');

  repairDisk(mount);
  await server.waitForOutput(/log writes resumed/, 15_000);
  const log = records(join(logDir, 'home-gw.nmlog'));
  t.same(log.map((r) => r.type), ['up', 'boot', 'down', 'delivered'], 'the kept records are written, in order, once the disk takes them');
  const { code } = await server.stop();
  t.equal(code, 0);
}

t.test('with the log folder full, the server keeps alerting and writes the log once space returns', (t) =>
  runOnTinyDisk(t, (mount) => fill(join(mount, 'filler')), (mount) => rmSync(join(mount, 'filler'))));

t.test('with the log folder read-only, the server keeps alerting and writes the log once it is writable', (t) =>
  runOnTinyDisk(
    t,
    (mount) => execFileSync('mount', ['-o', 'remount,ro', mount]),
    (mount) => execFileSync('mount', ['-o', 'remount,rw', mount]),
  ));

t.test('a failed fsync is fatal: the server asks to stop instead of trusting the disk', async (t) => {
  const dir = tempDir();
  let failSync = false;
  const faulty: SyncFileOps = {
    ...fs,
    fdatasyncSync: (fd) => {
      if (failSync) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      fs.fdatasyncSync(fd);
    },
  };
  const fatal: NetmonitorError[] = [];
  const { logger, lines } = captureLogger();
  const config = validateServerConfig({ client_log_dir: join(dir, 'logs'), listen_address: '127.0.0.1', listen_port: 0, clients: { 'home-gw': { key: randomBytes(32).toString('hex') } } }, join(dir, 'server.json'));
  const server = createServer({ config, logger, fileOps: faulty, onFatal: (error) => fatal.push(error as NetmonitorError) });
  await server.start();
  t.teardown(() => server.stop());
  failSync = true;
  server.heartbeatFrom('home-gw', { type: 'BOOT', boot: 1, seq: null, uptime: 5, interval: 30, addr: '127.0.0.1' });
  await server.logs.settle();
  await sleep(50);
  t.equal(fatal[0]?.code, 'EFSYNC');
  t.match(lines.join('\n'), /fatal: the disk could not make .*home-gw\.nmlog durable \(EIO\)/);
  failSync = false;
});

t.test('damaged log lines and a damaged state file never stop a start; they are counted and skipped', async (t) => {
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const good = encodeLine({ type: 'down', at: '2026-11-25T06:00:00.000Z', id: 'down-home-gw-1', last_up: '2026-11-25T05:57:00.000Z', down_interval_s: 180, interval: null, boot: null });
  writeFileSync(join(logDir, 'home-gw.nmlog'), `garbage line\n${good}${good.slice(0, 30)}`);
  writeFileSync(join(logDir, '@state.json'), '{"sensors": {"home-gw": [1, 2');
  const config = writeConfig(dir, { client_log_dir: logDir, listen_address: '127.0.0.1', listen_port: 0, clients: { 'home-gw': { key: randomBytes(32).toString('hex') } } });
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  t.match(server.output(), /skipped 2 damaged log line\(s\)/);
  t.match(server.output(), /@state\.json is damaged/);
  const { code } = await server.stop();
  t.equal(code, 0);
});
