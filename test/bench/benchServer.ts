/**
 * What the server benchmarks share (test/bench/server.bench.ts, test/bench/burst.bench.ts):
 * the real `netmonitor server` (or the plain counting socket the figures are set against) as
 * a child process with its CPU time and stats, the worker threads that send NM1 datagrams,
 * and the config and scratch folders they run in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { cliPath } from '../helpers.js';
import { sensorId, sensorKey, type Prepare, type WorkerSetup } from './loadWorker.js';

export const CLK_TCK = 100; // Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s
export const WORKERS = Math.max(1, Math.min(4, Number(process.env.NETMONITOR_BENCH_WORKERS ?? availableParallelism() - 1)));
// Scratch on tmpfs where there is one: the benchmark creates up to a million log files, and
// steady-state throughput writes no log records. The lag and recovery runs use the real disk.
export const FAST_SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

// e.g. NETMONITOR_BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the server.
export const SERVER_NODE_FLAGS = (process.env.NETMONITOR_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};
export const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

export interface Stats {
  accepted: number;
  refused: Record<string, number>;
  clients: { up: number; down: number; unknown: number };
  log_pending: number;
}

/** The `netmonitor server` command as a child, with its output, CPU time, RSS and stats. */
export class BenchServer {
  output = '';
  readonly spawnedAt = performance.now();
  listeningAt = 0;
  /** When it said `receiving` (the socket bound, the logs still being read). */
  receivingAt = 0;
  port = 0;
  private readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    const onData = (chunk: Buffer): void => void (this.output += chunk.toString('utf8'));
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static start(configPath: string, timeoutMs = 600_000): Promise<BenchServer> {
    return BenchServer.launch([cliPath, 'server', '--config', configPath], timeoutMs);
  }

  /** The plain dgram socket that only counts (test/bench/countingSink.ts): the baseline. */
  static baseline(): Promise<BenchServer> {
    return BenchServer.launch([fileURLToPath(new URL('./countingSink.js', import.meta.url))], 60_000);
  }

  /** Node with `args`, once it says `listening on <address>:<port>`. */
  static async launch(args: string[], timeoutMs: number): Promise<BenchServer> {
    const server = new BenchServer(spawn(process.execPath, [...SERVER_NODE_FLAGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (server.receivingAt === 0 && server.output.includes('receiving on ')) server.receivingAt = performance.now();
      const match = /listening on \S+:(\d+)/.exec(server.output);
      if (match !== null) {
        server.listeningAt = performance.now();
        if (server.receivingAt === 0) server.receivingAt = server.listeningAt;
        server.port = Number(match[1]);
        return server;
      }
      if (server.child.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start:\n${server.output.slice(-2000)}`);
      await sleep(5);
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  cpuSeconds(): number {
    const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // After the command name: utime and stime are fields 14 and 15 of the whole line.
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  }

  rssMiB(): number {
    return this.statusMiB('VmRSS');
  }

  /** The highest resident memory so far. */
  peakRssMiB(): number {
    return this.statusMiB('VmHWM');
  }

  private statusMiB(field: string): number {
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))![1]) / 1024;
  }

  /** SIGUSR1, then the stats line it prints. */
  async stats(): Promise<Stats> {
    const before = this.output.split('stats {').length;
    this.child.kill('SIGUSR1');
    for (let i = 0; this.output.split('stats {').length === before; i++) {
      if (i > 1200 || this.child.exitCode !== null) throw new Error(`no stats line after SIGUSR1 (exit code ${this.child.exitCode}):\n${this.output.slice(-3000)}`);
      await sleep(25);
    }
    const lines = [...this.output.matchAll(/stats (\{.*\})/g)];
    return JSON.parse(lines.at(-1)![1]!) as Stats;
  }

  /** Resolves with the exit code once the process has ended. */
  exit(): Promise<number | null> {
    return this.exited;
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 120_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Worker threads that encode and send NM1 datagrams for sensors 0..n-1. */
export class LoadGenerator {
  private constructor(private readonly workers: Worker[]) {}

  static async start(port: number, sensors: number, threads = WORKERS): Promise<LoadGenerator> {
    const workers = Array.from({ length: threads }, (_, worker) => {
      const setup: WorkerSetup = { port, worker, workers: threads, sensors };
      return new Worker(new URL('./loadWorker.js', import.meta.url), { workerData: setup });
    });
    return new LoadGenerator(workers);
  }

  private all<T>(message: unknown, reply: string): Promise<T[]> {
    return Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<T>((resolve, reject) => {
            const onMessage = (answer: { type: string } & T): void => {
              if (answer.type !== reply) return;
              worker.off('message', onMessage);
              resolve(answer);
            };
            worker.on('message', onMessage);
            worker.once('error', reject);
            worker.once('message', () => worker.off('error', reject));
            worker.postMessage(message);
          }),
      ),
    );
  }

  /**
   * Encodes `total` datagrams for sensors [from, to), to be sent at `rate` per second: PINGs,
   * or BOOTs of boot number `boot` (a higher boot than before starts the sensor's seq anew).
   */
  async prepare(from: number, to: number, total: number, rate: number, kind: 'PING' | 'BOOT' = 'PING', boot = 1): Promise<void> {
    const message: Prepare = { type: 'prepare', from, to, total, rate, kind, boot };
    await this.all(message, 'ready');
  }

  /** Sends what was prepared; the number sent and the seconds it took. */
  async go(): Promise<{ sent: number; seconds: number }> {
    const results = await this.all<{ sent: number; elapsedMs: number }>({ type: 'go' }, 'done');
    return { sent: results.reduce((s, r) => s + r.sent, 0), seconds: Math.max(...results.map((r) => r.elapsedMs)) / 1000 };
  }

  async close(): Promise<void> {
    for (const worker of this.workers) worker.postMessage({ type: 'close' });
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/**
 * A server config with `count` NM1 sensors, listed in a clients file (one line each, as a
 * large fleet would be configured; docs/configuration.md).
 */
export function writeServerConfig(dir: string, count: number, settings: Record<string, unknown>, downIntervalOf: (index: number) => string = () => ''): string {
  const path = join(dir, 'server.json');
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`${sensorId(i)} ${sensorKey(i).toString('hex')} ${downIntervalOf(i)}\n`);
  writeFileSync(join(dir, 'sensors.txt'), lines.join(''));
  writeFileSync(path, JSON.stringify({ listen_address: '127.0.0.1', listen_port: 0, source_rate_limit: 0, clients_file: 'sensors.txt', ...settings }));
  return path;
}

export function scratch(base: string, name: string): string {
  const dir = join(base, `netmonitor-bench-${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The kernel's count of UDP datagrams dropped because a socket's receive queue was full. */
export function receiveQueueDrops(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((line) => line.startsWith('Udp:'));
  const names = lines[0]!.split(/\s+/);
  return Number(lines[1]!.split(/\s+/)[names.indexOf('RcvbufErrors')]);
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const verdict = (ok: boolean): string => (ok ? 'pass' : 'MISS');
