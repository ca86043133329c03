/**
 * The generated shell sensor against the real `netmonitor server` command, with real SMTP:
 *  - under a PATH of busybox applets only (busybox nc has no UDP, as on stock OpenWrt),
 *    `"transport": "auto"` falls back to NM1 over HTTP with busybox wget;
 *  - with socat on that PATH too, it sends UDP.
 * Each way: its datagrams are accepted and counted, a silence gives the down alert, a
 * restart gives BOOT with a higher boot counter, and a replay of everything it sent (over
 * both transports) changes nothing. A recording relay in between captures the datagrams.
 */
import t, { type Test } from 'tap';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, readLog, tempDir } from '../../helpers.js';
import { busyboxPath } from '../../peers/busybox.js';
import { missingProgram } from '../../systemPrograms.js';
import { httpRelay, udpRelay, type Relay } from '../../peers/relay.js';
import { writeConfig } from '../../peers/serverProcess.js';
import { startSmtpPeer } from '../../peers/smtp.js';
import { sleep, TestSensor } from '../../peers/udp.js';
import { startProcess } from '../../server/http/peer.js';

async function until(what: string, condition: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface ScriptRun {
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

function runScript(script: string, path: string): ScriptRun {
  const shell = join(path.split(':')[0]!, 'sh');
  const child = spawn(shell, [script], { env: { PATH: path }, stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exited = once(child, 'exit');
  return {
    child,
    stderr: () => text,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function scenario(t: Test, way: 'http' | 'udp'): Promise<void> {
  const path = busyboxPath(way === 'udp' ? ['socat'] : [])!;
  const dir = tempDir();
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const key = randomBytes(32).toString('hex');
  const logs = join(dir, 'logs');
  const server = await startProcess(dir, {
    smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_limits: { storm_hold: 0 }, alert_address: 'me@example.net',
    client_log_dir: logs, listen_address: '127.0.0.1', listen_port: 0, down_interval: 2,
    http: { listen_address: '127.0.0.1', port: 0 },
    clients: { 'home-gw': { key } },
  });
  t.teardown(() => server.kill9());
  const relay: Relay = way === 'http' ? await httpRelay(`${server.base}/api/v1/nm1`) : await udpRelay(server.udpPort);
  t.teardown(() => relay.close());

  const stateFile = join(dir, 'gateway', 'etc', 'sensor-state.json');
  // The UDP port and the HTTP address both lead to the relay; auto picks by the tools at hand.
  const sensorConfig = writeConfig(dir, {
    server: '127.0.0.1', port: way === 'udp' ? relay.port : 9, id: 'home-gw', key, interval: 1, state_file: stateFile,
    transport: 'auto', http_url: way === 'http' ? `http://127.0.0.1:${relay.port}` : 'http://127.0.0.1:9',
  }, 'sensor.json');
  const script = join(dir, 'netmonitor-sensor.sh');
  execFileSync(process.execPath, [cliPath, 'sensor-script', '--config', sensorConfig, '--output', script]);

  let sensor = runScript(script, path);
  t.teardown(() => sensor.child.kill('SIGKILL'));
  await until('the BOOTs and a PING', () => relay.captured.length >= 4);
  await sensor.stop();
  t.match(sensor.stderr(), way === 'http' ? 'heartbeats by http (wget)' : 'heartbeats by udp (socat)', `auto chose ${way}`);
  t.notMatch(sensor.stderr(), 'network problem', 'no network trouble was logged');
  if (way === 'http') t.ok(relay.statuses.every((status) => status === 204), `every POST was answered 204 (${relay.statuses.join(' ')})`);
  const first = relay.captured.map((d) => d.toString().split(' '));
  t.same(first.slice(0, 4).map((f) => [f[2], f[3], f[4]]), [['1', '0', 'BOOT'], ['1', '1', 'BOOT'], ['1', '2', 'BOOT'], ['1', '3', 'PING']], 'boot 1: three BOOTs, then PINGs, seq from 0');
  t.equal(readFileSync(stateFile, 'utf8'), '{"boot":1}\n', 'the boot counter was stored before the first datagram');

  const [down] = await smtp.waitFor(1, 10_000);
  t.equal(down!.subject, 'DOWN: home-gw', 'the silence gave the down alert');

  sensor = runScript(script, path);
  const [, up] = await smtp.waitFor(2, 15_000);
  t.match(up!.subject, /^UP: home-gw after \d+s$/, 'the restarted script brought it back up');
  const sentBefore = relay.captured.length;
  await until('the restarted BOOTs', () => relay.captured.length >= sentBefore + 3);
  await sensor.stop();
  t.equal(readFileSync(stateFile, 'utf8'), '{"boot":2}\n');
  const boots = readLog(join(logs, 'home-gw.nmlog')).flatMap((r) => (r.type === 'boot' ? [r.boot] : []));
  t.same(boots, [1, 2], 'the server recorded BOOT with boot counter 1, then 2');

  // Everything the script sent, played back over both transports.
  const logBefore = readFileSync(join(logs, 'home-gw.nmlog'), 'utf8');
  const captured = relay.captured.slice();
  const replayer = new TestSensor('home-gw', Buffer.from(key, 'hex'), server.udpPort);
  t.teardown(() => replayer.close());
  for (const datagram of captured) {
    const reply = await fetch(`${server.base}/api/v1/nm1`, { method: 'POST', body: new Uint8Array(datagram) });
    t.equal(await reply.text(), 'replay', `over HTTP: ${datagram.toString()}`);
    await replayer.send(datagram);
  }
  await sleep(500);
  t.equal(readFileSync(join(logs, 'home-gw.nmlog'), 'utf8'), logBefore, 'the replays changed nothing in the log');
  t.equal(smtp.mails.length, 2, 'and sent no alert');
  const { output } = await server.stop();
  const stats = JSON.parse(/stats (\{.*\})/.exec(output)![1]!) as { accepted: number; refused: Record<string, number> };
  t.equal(stats.accepted, captured.length, `every datagram the script sent was accepted (${captured.length})`);
  t.same(stats.refused, { replay: 2 * captured.length }, 'every replayed one was refused as a replay, over HTTP and over UDP');
}

t.test('under busybox alone, auto sends NM1 over HTTP with wget: accepted, down on silence, BOOT after a restart, replays refused', { skip: missingProgram('busybox') }, (t) => scenario(t, 'http'));

t.test('with socat on the PATH, auto sends UDP: accepted, down on silence, BOOT after a restart, replays refused', { skip: missingProgram('busybox', 'socat') }, (t) => scenario(t, 'udp'));
