/**
 * A real OpenSSH server on loopback for tests: its own host key, one authorized client key,
 * everything in a temporary folder, started as `sshd -D -e -f CONFIG -p PORT` and killed at
 * teardown. `sshdUnavailable()` says why not when sshd is missing or cannot run here.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { findProgram, missingProgram } from '../../systemPrograms.js';

const SSHD = findProgram('sshd');

export interface SshdPeer {
  port: number;
  user: string;
  /** The client's private key (OpenSSH format). */
  clientKey: string;
  hostFingerprint: string;
  output(): string;
  stop(): Promise<void>;
}

export function sshdUnavailable(): string | null {
  const missing = missingProgram('sshd', 'ssh-keygen');
  if (missing !== false) return missing;
  try {
    // sshd refuses to start without its privilege separation folder.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  } catch (error) {
    return `cannot create /run/sshd: ${(error as Error).message}`;
  }
  return null;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export function keygen(dir: string, name: string): { privateKey: string; fingerprint: string; publicKey: string } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path], { stdio: 'ignore' });
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return { privateKey: readFileSync(path, 'utf8'), fingerprint, publicKey: readFileSync(`${path}.pub`, 'utf8') };
}

export async function startSshd(dir: string): Promise<SshdPeer> {
  const host = keygen(dir, 'host_ed25519');
  const client = keygen(dir, 'client_ed25519');
  writeFileSync(join(dir, 'authorized_keys'), client.publicKey, { mode: 0o600 });
  const config = join(dir, 'sshd_config');
  writeFileSync(config, [
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    '',
  ].join('\n'));
  const port = await freePort();
  const child: ChildProcess = spawn(SSHD!, ['-D', '-e', '-f', config, '-p', String(port), '-o', 'StrictModes=no', '-o', 'UsePAM=no', '-o', `PidFile=${join(dir, 'sshd.pid')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const end = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > end) throw new Error(`sshd did not start: ${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    user: userInfo().username,
    clientKey: client.privateKey,
    hostFingerprint: host.fingerprint,
    output: () => text,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
