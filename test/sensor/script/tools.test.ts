/**
 * The shell sensor's other tools, each run against a real server in this process: a
 * netcat with `-u` (OpenBSD's) for UDP when there is no socat, and curl for HTTP when there
 * is no wget, the latter under dash. The PATH is busybox applets plus the one tool, minus the
 * applets that would come first.
 */
import t from 'tap';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { cliPath, tempDir } from '../../helpers.js';
import { busyboxPath } from '../../peers/busybox.js';
import { missingProgram } from '../../systemPrograms.js';
import { writeConfig } from '../../peers/serverProcess.js';
import { sleep } from '../../peers/udp.js';
import { startInProcess, type InProcess } from '../../server/http/peer.js';

const KEY = 'ab'.repeat(32); // home-gw's key in the peer's configuration

/** Why the netcat test cannot run here, or false. */
function noUdpNetcat(): string | false {
  const absent = missingProgram('busybox', 'nc');
  if (absent !== false) return absent;
  const help = spawnSync('nc', ['-h'], { encoding: 'utf8' });
  return /^\s*-u/m.test(`${help.stdout}${help.stderr}`) ? false : 'this netcat has no -u (netcat-openbsd has)';
}

function udpPort(peer: InProcess): number {
  return Number(/listening on \S+:(\d+) \(udp\)/.exec(peer.lines.join('\n'))![1]);
}

/** Makes the script for `config`, runs it with `shell` until `done` or 15 s, and stops it; its stderr. */
async function runUntil(dir: string, config: Record<string, unknown>, shell: string, path: string, done: () => boolean): Promise<string> {
  const script = join(dir, 'sensor.sh');
  execFileSync(process.execPath, [cliPath, 'sensor-script', '--config', writeConfig(dir, config, 'sensor.json'), '--output', script]);
  const child = spawn(shell, [script], { env: { PATH: path }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit');
  const end = Date.now() + 15_000;
  while (!done() && Date.now() < end) await sleep(50);
  child.kill('SIGTERM');
  await exited;
  return stderr;
}

t.test('with a netcat that has -u and no socat, the script sends UDP through nc', { skip: noUdpNetcat() }, async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const dir = tempDir();
  const path = busyboxPath(['nc'])!;
  const config = { server: '127.0.0.1', port: udpPort(peer), id: 'home-gw', key: KEY, interval: 1, state_file: join(dir, 'state.json') };
  const stderr = await runUntil(dir, config, join(path.split(':')[0]!, 'sh'), path, () => peer.server.stats().accepted >= 2);
  t.match(stderr, 'heartbeats by udp (nc)');
  t.ok(peer.server.stats().accepted >= 2, `accepted: ${peer.server.stats().accepted}`);
  t.same(peer.server.stats().refused, {});
});

t.test('under dash with curl and no wget, the script posts NM1 over HTTP with curl, and a refusal is logged with its status', { skip: missingProgram('busybox', 'dash', 'curl') }, async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const dir = tempDir();
  writeConfig(dir, { boot: 10 }, 'state.json');
  const path = busyboxPath(['curl'], ['wget'])!;
  const config = { server: '127.0.0.1', id: 'home-gw', key: KEY, interval: 1, state_file: join(dir, 'state.json'), transport: 'http', http_url: peer.base };
  const stderr = await runUntil(dir, config, '/usr/bin/dash', path, () => peer.server.stats().accepted >= 2);
  t.match(stderr, 'heartbeats by http (curl)');
  t.ok(peer.server.stats().accepted >= 2, `accepted: ${peer.server.stats().accepted}`);
  t.notMatch(stderr, 'network problem');

  t.match(stderr, 'boot 11:', 'the counter went on from the one stored (a JSON file over several lines)');
  // The counter put back behind the server's window: every datagram is now a replay.
  writeConfig(dir, { boot: 4 }, 'state.json');
  const refused = await runUntil(dir, config, '/usr/bin/dash', path, () => (peer.server.stats().refused.replay ?? 0) >= 3);
  t.equal(refused.split('\n').filter((line) => line.includes('network problem')).length, 1, refused);
  t.match(refused, `network problem: ${peer.base}/api/v1/nm1 answered 403`);
});
