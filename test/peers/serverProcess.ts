/**
 * The real `netmonitor server` command as a child process: started with a config file,
 * ready when it prints `listening on ADDRESS:PORT`, stopped with SIGTERM or killed with -9.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath } from '../helpers.js';

export interface ServerProcess {
  port: number;
  child: ChildProcess;
  output(): string;
  /** Resolves when the output matches `pattern` (checked against everything printed so far). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<{ code: number | null; output: string }>;
  kill9(): Promise<void>;
}

export function writeConfig(dir: string, config: Record<string, unknown>, name = 'server.json'): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** `wrapper` runs the command under another one by argv, e.g. ['prlimit', '--nofile=1024', '--']. */
export async function startServer(configPath: string, env: NodeJS.ProcessEnv = {}, wrapper: readonly string[] = []): Promise<ServerProcess> {
  const argv = [...wrapper, process.execPath, cliPath, 'server', '--config', configPath];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const waitForOutput = (pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = text.match(pattern);
        if (match === null) return false;
        listeners.delete(check as () => void);
        clearTimeout(timer);
        resolve(match);
        return true;
      };
      const timer = setTimeout(() => {
        listeners.delete(check as () => void);
        reject(new Error(`server did not print ${pattern} within ${timeoutMs} ms; output:\n${text}`));
      }, timeoutMs);
      if (!check()) {
        listeners.add(check as () => void);
        void exited.then(() => {
          if (listeners.has(check as () => void)) {
            listeners.delete(check as () => void);
            clearTimeout(timer);
            reject(new Error(`server exited before printing ${pattern}; output:\n${text}`));
          }
        });
      }
    });

  const listening = await waitForOutput(/listening on \S+:(\d+) \(udp\)/);
  return {
    port: Number(listening[1]),
    child,
    output: () => text,
    waitForOutput,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      return { code, output: text };
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
