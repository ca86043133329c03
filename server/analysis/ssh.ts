/**
 * A log command run over SSH (ssh2), the host key pinned by SHA-256 as healing's SSH steps
 * pin it (server/supervision/healing/steps.ts: the same fingerprint and quoting). Unlike a
 * healing step it keeps the output's lines, up to a byte cap, and stdout only: stderr is
 * the remote shell's, not the log's. Never throws; errors never carry the key or password.
 */
import { shellQuote, sshFingerprint } from '../supervision/healing/steps.js';
import type { SshSource } from './config.js';

export type SshResult = { ok: true; stdout: string } | { ok: false; error: string };

export async function runSshCommand(source: SshSource, captureLimit: number): Promise<SshResult> {
  // Loaded on first use: ssh2 brings a 16 MiB WebAssembly heap only SSH sources need.
  const { Client } = await import('ssh2');
  return new Promise((resolve) => {
    const client = new Client();
    const chunks: Buffer[] = [];
    let kept = 0;
    let seenKey: string | null = null;
    let settled = false;
    const finish = (result: SshResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      resolve(result);
    };
    const where = `${source.user}@${source.host}:${source.port}`;
    const timer = setTimeout(() => finish({ ok: false, error: `no result from ${where} within ${source.timeoutMs} ms` }), source.timeoutMs);
    client.on('ready', () => {
      client.exec(source.command.map(shellQuote).join(' '), (error, stream) => {
        if (error) return finish({ ok: false, error: `${where} refused the command: ${error.message}` });
        stream.on('data', (chunk: Buffer) => {
          if (kept >= captureLimit) return;
          const part = chunk.subarray(0, captureLimit - kept);
          chunks.push(part);
          kept += part.length;
        });
        stream.stderr.resume();
        stream.on('close', (code: number | null) => {
          if (code === 0) finish({ ok: true, stdout: Buffer.concat(chunks).toString('utf8') });
          else finish({ ok: false, error: `${source.command[0]} on ${where} ended with ${code === null || code === undefined ? 'a signal' : `exit status ${code}`}` });
        });
      });
    });
    client.on('error', (error: Error & { level?: string }) => {
      if (seenKey !== null && seenKey !== source.hostKeySha256) {
        finish({ ok: false, error: `refused: the host key of ${source.host}:${source.port} is ${seenKey}, not the pinned ${source.hostKeySha256} (unknown or changed key)` });
      } else if (error.level === 'client-authentication') {
        finish({ ok: false, error: `${where} did not accept the ${source.privateKey !== null ? 'key' : 'password'}` });
      } else finish({ ok: false, error: `cannot connect to ${where}: ${error.message}` });
    });
    client.on('close', () => finish({ ok: false, error: `${where} closed the connection before the command ended` }));
    client.connect({
      host: source.host,
      port: source.port,
      username: source.user,
      ...(source.privateKey !== null ? { privateKey: source.privateKey } : {}),
      ...(source.password !== null ? { password: source.password } : {}),
      readyTimeout: source.timeoutMs,
      hostVerifier: (key: Buffer) => {
        seenKey = sshFingerprint(key);
        return seenKey === source.hostKeySha256;
      },
    });
  });
}
