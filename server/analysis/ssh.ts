/**
 * A log command run over SSH (ssh2), the host key pinned by SHA-256 as healing's SSH steps
 * pin it (the same runner, server/supervision/sshExec.ts). Unlike a
 * healing step it keeps the output's lines, up to a byte cap, and stdout only: stderr is
 * the remote shell's, not the log's. Never throws; errors never carry the key or password.
 */
import { hostKeyRefusal, sshExec } from '../supervision/sshExec.js';
import type { SshSource } from './config.js';

export type SshResult = { ok: true; stdout: string } | { ok: false; error: string };

export async function runSshCommand(source: SshSource, captureLimit: number): Promise<SshResult> {
  const chunks: Buffer[] = [];
  let kept = 0;
  const keep = (chunk: Buffer): void => {
    if (kept >= captureLimit) return;
    const part = chunk.subarray(0, captureLimit - kept);
    chunks.push(part);
    kept += part.length;
  };
  const outcome = await sshExec({ ...source, username: source.user }, source.command, keep, () => undefined);
  const where = `${source.user}@${source.host}:${source.port}`;
  switch (outcome.kind) {
    case 'exit':
      if (outcome.code === 0) return { ok: true, stdout: Buffer.concat(chunks).toString('utf8') };
      return { ok: false, error: `${source.command[0]} on ${where} ended with ${outcome.code === null ? 'a signal' : `exit status ${outcome.code}`}` };
    case 'timeout':
      return { ok: false, error: `no result from ${where} within ${source.timeoutMs} ms` };
    case 'hostkey':
      return { ok: false, error: hostKeyRefusal(source, outcome.seen) };
    case 'auth':
      return { ok: false, error: `${where} did not accept the ${source.privateKey !== null ? 'key' : 'password'}` };
    case 'exec-refused':
      return { ok: false, error: `${where} refused the command: ${outcome.message}` };
    case 'connect':
      return { ok: false, error: `cannot connect to ${where}: ${outcome.message}` };
    case 'closed':
      return { ok: false, error: `${where} closed the connection before the command ended` };
  }
}
