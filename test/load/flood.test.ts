/**
 * Floods against the real `netmonitor server` command on loopback: a hostile sender must
 * neither hide an honest sensor (no false down alert) nor grow the server's memory with
 * every new id or source address it makes up. Only 127.0.0.0/8 traffic; no timing
 * assertions, since the machine is shared: the counts and the absence of alerts are what
 * must hold, however fast the flood went.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, readLog } from '../helpers.js';
import { startServer, writeConfig, type ServerProcess } from '../peers/serverProcess.js';
import { startSmtpPeer } from '../peers/smtp.js';
import { sleep, TestSensor } from '../peers/udp.js';

const FLOOD_MS = 5000;
const FLOOD_SOURCE = '127.0.0.2';
const SOURCE_LIMIT = 50; // the default source_rate_limit, per second

interface Stats {
  accepted: number;
  refused: Record<string, number>;
}

function lastStats(output: string): Stats {
  const lines = [...output.matchAll(/stats (\{.*\})/g)];
  return JSON.parse(lines.at(-1)![1]!) as Stats;
}

function vmRssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
}

/** Asks the running server for its counts (SIGUSR1) and waits for the new stats line. */
async function statsNow(server: ServerProcess): Promise<Stats> {
  const before = server.output().split('stats {').length;
  server.child.kill('SIGUSR1');
  for (let i = 0; i < 100 && server.output().split('stats {').length === before; i++) await sleep(50);
  return lastStats(server.output());
}

t.test('a flood of forged, replayed and garbage datagrams from one address neither hides an honest sensor nor stops the server', async (t) => {
  const dir = tempDir();
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const key = randomBytes(32);
  const logDir = join(dir, 'logs');
  const server = await startServer(
    writeConfig(dir, {
      smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_address: 'me@example.net',
      client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', down_interval: 1.5,
      clients: { 'home-gw': { key: key.toString('hex') } },
    }),
  );
  t.teardown(() => server.kill9());

  // 1. The honest sensor starts and keeps a 200 ms rhythm from 127.0.0.1 throughout.
  const honest = new TestSensor('home-gw', key, server.port);
  t.teardown(() => honest.close());
  const boot = honest.heartbeat('BOOT');
  await honest.send(boot);
  let honestSent = 1;
  const rhythm = setInterval(() => {
    honestSent++;
    void honest.ping();
  }, 200);
  t.teardown(() => clearInterval(rhythm));

  // 2. The flood, from another process and another address, for FLOOD_MS.
  const floodStart = Date.now();
  const flooder = spawn(
    process.execPath,
    [fileURLToPath(new URL('../peers/floodSender.js', import.meta.url)), JSON.stringify({ port: server.port, source: FLOOD_SOURCE, sensor: 'home-gw', replayHex: boot.toString('hex'), durationMs: FLOOD_MS, sockets: 4 })],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let floodOutput = '';
  flooder.stdout.on('data', (chunk: Buffer) => (floodOutput += chunk.toString()));
  const floodCode = await new Promise<number | null>((resolve) => flooder.on('exit', resolve));
  const floodSeconds = (Date.now() - floodStart) / 1000;
  t.equal(floodCode, 0, 'the flood sender ran to its end');
  const { sent } = JSON.parse(floodOutput) as { sent: number };

  // 3. A little more honest rhythm, then the server is asked for its counts while it runs.
  await sleep(1000);
  t.equal(server.child.exitCode, null, 'the server is still running after the flood');
  const running = await statsNow(server);
  clearInterval(rhythm);

  // 4. Stop before the sensor's silence could reach the 1.5 s deadline.
  const { code, output } = await server.stop();
  t.equal(code, 0, 'SIGTERM after the flood stops the server with status 0');
  const stats = lastStats(output);
  t.ok(running.refused['rate-limited']! > 0, `the SIGUSR1 stats line during the run counts rate-limited datagrams (${running.refused['rate-limited']})`);

  t.equal(smtp.mails.length, 0, 'no alert was sent: the honest sensor never looked down');
  const records = readLog(join(logDir, 'home-gw.nmlog'));
  t.same(records.filter((r) => r.type === 'down'), [], 'no down record in the client log');
  t.ok(records.some((r) => r.type === 'up' && r.first === true), 'the honest sensor was marked up');
  t.ok(stats.accepted >= 1 && stats.accepted <= honestSent, `only honest datagrams were accepted (${stats.accepted} of ${honestSent} sent)`);

  const rateLimited = stats.refused['rate-limited'] ?? 0;
  const pastLimiter = Object.entries(stats.refused).filter(([reason]) => reason !== 'rate-limited').reduce((sum, [, n]) => sum + n, 0);
  t.ok(rateLimited > 10 * pastLimiter, `most of the flood was dropped by the per-source limit: ${rateLimited} rate-limited, ${pastLimiter} other refusals, ${sent} sent`);
  // The limiter lets at most SOURCE_LIMIT a second through from the flooding address; one
  // more second on each side for windows the flood only partly covered.
  t.ok(pastLimiter <= SOURCE_LIMIT * (Math.ceil(floodSeconds) + 2), `at most ${SOURCE_LIMIT}/s reached the parser (${pastLimiter} in ${floodSeconds.toFixed(1)} s)`);
  for (const reason of ['bad-mac', 'unknown-sensor', 'replay', 'too-long']) {
    t.ok((stats.refused[reason] ?? 0) > 0, `what passed the limiter was refused for what it is: ${reason} ${stats.refused[reason] ?? 0}`);
  }
  t.ok((stats.refused.malformed ?? 0) + (stats.refused['not-ascii'] ?? 0) > 0, 'random bytes were refused by their shape');
  const logged = output.split('\n').filter((line) => line.includes('refused datagram')).length;
  t.ok(logged <= 12 + Math.ceil(floodSeconds + 2) / 6, `refusals were logged at a bounded rate (${logged} lines)`);
});

t.test('200,000 datagrams with distinct unknown ids from 5,000 loopback addresses leave the server memory bounded', async (t) => {
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  const server = await startServer(
    writeConfig(dir, {
      client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', down_interval: 60,
      clients: { 'home-gw': { key: randomBytes(32).toString('hex') } },
    }),
  );
  t.teardown(() => server.kill9());
  const pid = server.child.pid!;

  const SOURCES = 5000;
  const PER_SOURCE = 40; // under the 50/s limit, so most reach the parser and its unknown-id path
  let id = 0;
  const mac = '0'.repeat(32);
  /** Sends PER_SOURCE datagrams, each with an id never seen before, from 127.1.x.y. */
  const fromSource = async (index: number): Promise<void> => {
    const address = `127.1.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
    const sends: Promise<void>[] = [];
    for (let i = 0; i < PER_SOURCE; i++) {
      const datagram = Buffer.from(`NM1 ghost-${id++}-${randomBytes(6).toString('hex')} 1 ${i} PING - 30 ${mac}`);
      sends.push(new Promise((resolve) => socket.send(datagram, server.port, '127.0.0.1', () => resolve())));
    }
    await Promise.all(sends);
    socket.close();
  };
  /** Paces the sources in small groups so the receive queue is not simply overrun. */
  const flood = async (from: number, to: number): Promise<void> => {
    for (let index = from; index < to; index += 25) {
      await Promise.all(Array.from({ length: Math.min(25, to - index) }, (_, k) => fromSource(index + k)));
      await sleep(2);
    }
  };

  // Warm up first, so what is measured is growth, not the first allocation of every path.
  await flood(0, 250);
  await sleep(500);
  const before = vmRssKiB(pid);
  const countedBefore = await statsNow(server);
  await flood(250, 250 + SOURCES);
  await sleep(1000);
  const after = vmRssKiB(pid);
  const counted = await statsNow(server);
  const reached = (counted.refused['unknown-sensor'] ?? 0) + (counted.refused['rate-limited'] ?? 0) - (countedBefore.refused['unknown-sensor'] ?? 0) - (countedBefore.refused['rate-limited'] ?? 0);

  t.ok(reached >= (SOURCES * PER_SOURCE) / 2, `most of the ${SOURCES * PER_SOURCE} datagrams reached the server (${reached} counted)`);
  t.ok((counted.refused['unknown-sensor'] ?? 0) > 0, 'they were refused as unknown sensors');
  t.equal(counted.accepted, 0, 'none was accepted');
  const growthMiB = (after - before) / 1024;
  t.ok(growthMiB < 64, `resident memory grew by ${growthMiB.toFixed(1)} MiB (${(before / 1024).toFixed(1)} → ${(after / 1024).toFixed(1)} MiB)`);
  t.notOk(existsSync(join(logDir, 'ghost-1.nmlog')), 'no log file was made for an unknown id');

  const { code } = await server.stop();
  t.equal(code, 0, 'the server still stops cleanly');
});
