/**
 * Descriptor exhaustion, for real: the server runs under `prlimit --nofile=1024` (what a
 * hardened unit may leave it with) while one client holds about 1,100 idle TCP connections
 * to its HTTP port. The listener's bounds (connectionLimits.ts) must keep enough descriptors
 * for the log and the SMTP connection that a silent client is still alerted on time.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { tempDir } from '../../helpers.js';
import { startSmtpPeer } from '../../peers/smtp.js';
import { sleep } from '../../peers/udp.js';
import { bearer, httpConfig, newToken, startProcess } from './peer.js';
import { join } from 'node:path';

const softLimit = (limits: string): string => /^Max open files\s+(\S+)/m.exec(limits)![1]!;

t.test('node raises its soft open-file limit to the hard limit at start, so the unit sets the limit', async (t) => {
  const limits = execFileSync('prlimit', ['--nofile=256:2048', '--', process.execPath, '-e', "process.stdout.write(require('fs').readFileSync('/proc/self/limits', 'utf8'))"], { encoding: 'utf8' });
  t.equal(softLimit(limits), '2048');
});

/** Opens `count` connections from `localAddress` that never send a byte; resolves when each is connected or refused. */
async function idleConnections(port: number, localAddress: string, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  await Promise.all(Array.from({ length: count }, () => new Promise<void>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    sockets.push(socket);
    socket.on('connect', () => resolve());
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  })));
  return sockets;
}

t.test('with 1,100 idle connections against a 1,024 open-file limit, a silent client is alerted on time and /health answers', async (t) => {
  const dir = tempDir();
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const tokens = { admin: newToken(), cron: newToken() };
  const config = httpConfig(dir, tokens, { down_interval: 3, smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_address: 'me@example.net', client_log_dir: join(dir, 'logs') });
  const server = await startProcess(dir, config, ['prlimit', '--nofile=1024:1024', '--']);
  t.teardown(() => server.kill9());
  t.match(server.output(), /http: at most 256 connections, 32 per source \(open-file limit 1024\)/);
  const port = Number(new URL(server.base).port);
  const sockets = await idleConnections(port, '127.0.0.2', 1100);
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  const beat = await fetch(`${server.base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: bearer(tokens.cron), signal: AbortSignal.timeout(5_000) });
  t.equal(beat.status, 200, 'a heartbeat from another address is served');
  const heardAt = Date.now();
  // More idle connections while the client is silent: the attack goes on.
  sockets.push(...(await idleConnections(port, '127.0.0.2', 200)));
  const health = await fetch(`${server.base}/api/v1/health`, { signal: AbortSignal.timeout(5_000) });
  t.equal(health.status, 200, '/health answers during the attack');
  const [down] = await smtp.waitFor(1, 15_000);
  const lateMs = Date.now() - heardAt - 3_000;
  t.equal(down!.subject, 'DOWN: cron-job');
  // The deadline is checked once a second; a few seconds of slack for a loaded machine.
  t.ok(lateMs < 4_000, `the alert came ${lateMs} ms after the deadline`);
  t.notMatch(server.output(), /EMFILE/, 'no operation ran out of descriptors');
  await sleep(100);
  const { code } = await server.stop();
  t.equal(code, 0);
});
