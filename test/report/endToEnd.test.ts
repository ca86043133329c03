import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { encode, type DatagramType } from '../../shared/nm1.js';
import { cliPath, tempDir } from '../helpers.js';
import type { JsonReport } from './logFiles.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

t.test('outages seen by the real server are reported with their cause and length', async (t) => {
  const dir = tempDir();
  const key = randomBytes(32);
  const logDir = join(dir, 'logs');
  const configPath = join(dir, 'server.json');
  writeFileSync(configPath, JSON.stringify({
    client_log_dir: logDir,
    listen_address: '127.0.0.1',
    listen_port: 0,
    down_interval: 1,
    alert_outbox: join(dir, 'outbox.mbox'),
    clients: { gw: { key: key.toString('hex') } },
  }));
  const server = spawn(process.execPath, [cliPath, 'server', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
  });
  let stderr = '';
  server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: server.stdout });
    lines.on('line', (line) => {
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(line);
      if (match !== null) resolve(Number(match[1]));
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });

  const socket = createSocket('udp4');
  t.teardown(() => socket.close());
  const sequence = new Map<number, number>();
  let lastSent = 0;
  const send = async (boot: number, type: DatagramType, uptime: number): Promise<void> => {
    const seq = sequence.get(boot) ?? 0;
    sequence.set(boot, seq + 1);
    const datagram = encode({ sensor: 'gw', boot, seq, type, uptime, interval: 1 }, key);
    await new Promise<void>((resolve, reject) => socket.send(datagram, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
    lastSent = Date.now();
  };
  const beat = async (boot: number, count: number, uptime: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      await send(boot, 'PING', uptime + i * 0.3);
      await sleep(300);
    }
  };

  // Boot 1 runs, falls silent (the network), and the same boot comes back.
  await send(1, 'BOOT', 500);
  await beat(1, 4, 500);
  const firstSilenceFrom = lastSent;
  await sleep(2500);
  const firstBack = Date.now();
  await beat(1, 4, 510);
  // Silent again; this time a new boot comes back whose host has been up for 0.5 s (a power cut).
  const secondSilenceFrom = lastSent;
  await sleep(2500);
  const secondBack = Date.now();
  await send(2, 'BOOT', 0.5);
  await beat(2, 3, 1);
  await sleep(300);
  server.kill('SIGTERM');
  t.equal(await exited, 0, `the server stops cleanly: ${stderr}`);

  const result = spawnSync(process.execPath, [cliPath, 'report', '--log-dir', logDir, '--format', 'json', '--tz', 'UTC'], { encoding: 'utf8' });
  t.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout) as JsonReport;
  t.equal(report.monitor.log_found, true);
  const client = report.clients.find((c) => c.client === 'gw');
  t.ok(client, 'the sensor has a log');
  const [network, power] = client!.outages;
  t.equal(client!.outages.length, 2, JSON.stringify(client!.outages));
  // Each runs from the last datagram before the silence to the first one after it; allow for scheduling on a busy machine.
  t.equal(network!.cause, 'network');
  t.ok(Math.abs(network!.duration_s - (firstBack - firstSilenceFrom) / 1000) < 0.25, `network outage ${network!.duration_s}s vs sent ${(firstBack - firstSilenceFrom) / 1000}s`);
  t.ok(Math.abs(Date.parse(network!.start) - firstSilenceFrom) < 250, 'starts at the last heartbeat');
  t.equal(network!.uncertainty_s, 1, 'the interval the sensor announced');
  t.equal(network!.ongoing, false);
  t.equal(power!.cause, 'power');
  t.ok(Math.abs(power!.duration_s - (secondBack - secondSilenceFrom) / 1000) < 0.25, `power outage ${power!.duration_s}s`);
  t.ok(Math.abs(power!.offline_s! - 0.5) < 0.1, `up without a connection for the 0.5 s of host uptime: ${power!.offline_s}`);
  t.equal(client!.corrupt_lines, 0);
});
