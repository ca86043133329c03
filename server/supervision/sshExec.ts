/**
 * One command over SSH (ssh2) with the host key pinned by SHA-256: the only trust is the
 * fingerprint, so an unknown or changed key ends the connection. Used by healing's SSH steps
 * and by log analysis's SSH sources, which each word the outcome their own way; this file
 * owns the connection, the pin, the timeout and the order of events. Never throws, and an
 * outcome never carries the key or the password.
 */
import { createHash } from 'node:crypto';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: string | Buffer | null;
  password: string | null;
  hostKeySha256: string;
  timeoutMs: number;
}

export type SshOutcome =
  | { kind: 'exit'; code: number | null; signal: string | null }
  | { kind: 'timeout' }
  | { kind: 'hostkey'; seen: string }
  | { kind: 'auth' }
  | { kind: 'exec-refused'; message: string }
  | { kind: 'connect'; message: string }
  | { kind: 'closed' };

/** `SHA256:<base64 without padding>` of a raw SSH public key, as ssh-keygen -l prints it. */
export function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Quotes one argument for a POSIX shell: the remote sshd hands the command to the user's shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs `command` (argv, quoted for the remote shell) on `target`; its output goes to the two sinks as it comes. */
export async function sshExec(target: SshTarget, command: readonly string[], stdout: (chunk: Buffer) => void, stderr: (chunk: Buffer) => void): Promise<SshOutcome> {
  // Loaded on first use: ssh2 brings a 16 MiB WebAssembly heap that only SSH users need.
  const { Client } = await import('ssh2');
  return new Promise((resolve) => {
    const client = new Client();
    let seenKey: string | null = null;
    let settled = false;
    const finish = (outcome: SshOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), target.timeoutMs);
    client.on('ready', () => {
      client.exec(command.map(shellQuote).join(' '), (error, stream) => {
        if (error) return finish({ kind: 'exec-refused', message: error.message });
        stream.on('data', stdout);
        stream.stderr.on('data', stderr);
        stream.on('close', (code: number | null, signal?: string) => finish({ kind: 'exit', code: code ?? null, signal: signal ?? null }));
      });
    });
    client.on('error', (error: Error & { level?: string }) => {
      if (seenKey !== null && seenKey !== target.hostKeySha256) finish({ kind: 'hostkey', seen: seenKey });
      else if (error.level === 'client-authentication') finish({ kind: 'auth' });
      else finish({ kind: 'connect', message: error.message });
    });
    client.on('close', () => finish({ kind: 'closed' }));
    client.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      ...(target.privateKey !== null ? { privateKey: target.privateKey } : {}),
      ...(target.password !== null ? { password: target.password } : {}),
      readyTimeout: target.timeoutMs,
      hostVerifier: (key: Buffer) => {
        seenKey = sshFingerprint(key);
        return seenKey === target.hostKeySha256;
      },
    });
  });
}

/** What a refused host key is called, in healing's outcomes and log analysis's errors alike. */
export function hostKeyRefusal(target: Pick<SshTarget, 'host' | 'port' | 'hostKeySha256'>, seen: string): string {
  return `refused: the host key of ${target.host}:${target.port} is ${seen}, not the pinned ${target.hostKeySha256} (unknown or changed key)`;
}
