/**
 * A log folder with hostile contents, for real: a folder named like a log, a FIFO, a
 * dangling symlink and a line twice the documented maximum. The real `netmonitor server`
 * starts, and the real `netmonitor report` finishes, each saying every problem once.
 */
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeLine } from '../../../log/records.js';
import { MAX_LINE_BYTES } from '../../../log/reader.js';
import { cliPath, tempDir } from '../../helpers.js';
import { startServer, writeConfig } from '../../peers/serverProcess.js';

const up = encodeLine({ type: 'up', at: '2026-11-20T10:00:00.000Z', id: 'u1', last_up: null, outage_s: null, first: true, addr: '192.0.2.7', boot: 1, interval: 60 });

function hostileFolder(): string {
  const dir = tempDir();
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  mkdirSync(join(logs, 'folder-gw.nmlog'));
  execFileSync('mkfifo', [join(logs, 'fifo-gw.nmlog')]);
  symlinkSync(join(dir, 'nowhere.nmlog'), join(logs, 'dangling-gw.nmlog'));
  writeFileSync(join(logs, 'long-gw.nmlog'), up + 'x'.repeat(2 * MAX_LINE_BYTES) + '\n' + up);
  return dir;
}

const count = (text: string, pattern: RegExp): number => text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;

t.test('the server starts over a folder, a FIFO, a dangling symlink and an over-long line, reporting each once', async (t) => {
  const dir = hostileFolder();
  const clients = Object.fromEntries(['folder-gw', 'fifo-gw', 'dangling-gw', 'long-gw'].map((id, n) => [id, { key: String(n + 1).repeat(64) }]));
  const config = writeConfig(dir, { client_log_dir: join(dir, 'logs'), listen_address: '127.0.0.1', listen_port: 0, down_interval: 60, clients });
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  const output = server.output();
  for (const client of ['folder-gw', 'fifo-gw', 'dangling-gw']) {
    t.equal(count(output, new RegExp(`skipping the log of ${client}: .*not a regular file`)), 1, `${client} is reported once`);
  }
  t.match(output, /skipped 1 damaged log line\(s\)/, 'the over-long line is skipped and counted');
  t.match(output, /restored 4 client\(s\) from 2 log record\(s\)/);
  const { code } = await server.stop();
  t.equal(code, 0);
});

t.test('report finishes over the same folder, says each unreadable log once on stderr and counts the long line', async (t) => {
  const dir = hostileFolder();
  const result = spawnSync(process.execPath, [cliPath, 'report', '--log-dir', join(dir, 'logs')], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TZ: 'UTC' } });
  t.equal(result.status, 0, result.stderr);
  for (const client of ['folder-gw', 'fifo-gw', 'dangling-gw']) {
    t.equal(count(result.stderr, new RegExp(`skipped: \\S*${client}\\.nmlog is not a regular file`)), 1, `${client} is said once`);
  }
  t.match(result.stdout, /long-gw/);
  t.match(result.stdout, /skipped 1 damaged log line/);
  t.notMatch(result.stdout, /folder-gw|fifo-gw|dangling-gw/, 'unreadable logs are left out of the report');
});

t.test("a folder, FIFO or symlink where the server's own log belongs stops the start with one line and exit status 3, and frees the folder", async (t) => {
  const make: Record<string, (path: string) => void> = {
    folder: (path) => mkdirSync(path),
    FIFO: (path) => execFileSync('mkfifo', [path]),
    symlink: (path) => symlinkSync('/etc/passwd', path),
  };
  for (const [what, plant] of Object.entries(make)) {
    const dir = tempDir();
    mkdirSync(join(dir, 'logs'));
    plant(join(dir, 'logs', '@server.nmlog'));
    const config = writeConfig(dir, { client_log_dir: join(dir, 'logs'), listen_address: '127.0.0.1', listen_port: 0, clients: { gw: { key: 'ab'.repeat(32) } } });
    const result = spawnSync(process.execPath, [cliPath, 'server', '--config', config], { encoding: 'utf8', timeout: 30_000 });
    t.equal(result.status, 3, `${what}: not restarted by the unit`);
    t.match(result.stderr, /client_log_dir: \S*@server\.nmlog is not a regular file .*move it away/, what);
    t.notOk(existsSync(join(dir, 'logs', '@server.lock')), `${what}: the folder's lock is released`);
  }
});
