/**
 * `npm run bench -- server`: the real `netmonitor server` under load on loopback.
 *
 *  1. Throughput: for 10, 10,000 and 100,000 configured sensors (each heard once first), the
 *     highest rate of valid, distinct NM1 datagrams the server accepts with ≤ 0.1 % loss, and
 *     its CPU time per datagram, each also as a ratio to the same search against a plain
 *     dgram socket that only counts (test/bench/countingSink.ts), in the same run. Rates step
 *     up a few seconds each, then are bisected between the last lossless rate and the first
 *     lossy one; loss is what the server's own stats (SIGUSR1) did not count as accepted.
 *     The generator's own CPU time is measured too, since it shares the cores: at each
 *     lossless rate the cores the receiver and the generator use together are printed.
 *     source_rate_limit is 0: the generator sends from one address (the limit is for
 *     hostile floods, and costs one Map lookup).
 *  2. Memory: the server's VmRSS with 100,000 and 1,000,000 sensors configured, each heard once.
 *  3. Down-detection lag: 100,000 clients restored from their logs, 1,000 of them silent; from
 *     each one's deadline (the `down` record's `at`) to its alert handed to the mailer (the
 *     `delivered` record's `at`; no smtp_server, so the mailer is the outbox file).
 *  4. Start-up: spawn to `receiving` (the socket bound, heartbeats held) and to `listening`
 *     (every log read) with those 100,000 clients' logs to read.
 *
 * Datagrams are encoded before each timed step, by worker threads (test/bench/loadWorker.ts)
 * that also send them, so the generator is not the server's main thread's competitor for
 * more than the spare cores. NETMONITOR_BENCH_QUICK=1 runs shorter steps and fewer repeats.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeLine, decodeLine } from '../../log/records.js';
import { sensorId } from './loadWorker.js';
import { BenchServer, FAST_SCRATCH, fmt, LoadGenerator, median, quantile, receiveQueueDrops, scratch, sleep, verdict, WORKERS, writeServerConfig } from './benchServer.js';

const QUICK = process.env.NETMONITOR_BENCH_QUICK === '1';
const STEP_MS = QUICK ? 1500 : 2500;
const REPEATS = QUICK ? 1 : 3;
const SIZES = (process.env.NETMONITOR_BENCH_SIZES ?? '10,10000,100000').split(',').map(Number);
const MEMORY_SIZES = (process.env.NETMONITOR_BENCH_MEMORY_SIZES ?? '100000,1000000').split(',').map(Number);
const LAG_CLIENTS = 100_000;
const LAG_SILENT = 1000;
// Longer than the server's start-up with 100,000 logs (about 26 s here): the server counts
// restored clients' deadlines from before it reads the logs, so a shorter down_interval
// declares every client down at start (see docs/benchmarks.md).
const LAG_DOWN_S = 60;
const MAX_LOSS = 0.001;
/** How long the memory figure watches the steady state. */
const STEADY_MS = QUICK ? 30_000 : 60_000;

/** Every sensor heard once (passes repeat until the server counts them all up, or give up). */
async function hearEveryone(server: BenchServer, load: LoadGenerator, count: number, rate: number): Promise<number> {
  let up = 0;
  for (let pass = 0; pass < 4 && up < count; pass++) {
    await load.prepare(0, count, count, rate);
    await load.go();
    // Wait for the first-heard log writes to finish (a client is up before its record is on
    // disk), or for no progress in 1.5 s.
    for (let stable = 0, pending = 1; stable < 3 && (up < count || pending > 0); ) {
      await sleep(500);
      const stats = await server.stats();
      stable = stats.clients.up === up && stats.log_pending === pending ? stable + 1 : 0;
      up = stats.clients.up;
      pending = stats.log_pending;
    }
  }
  return up;
}

interface Step {
  queueDrops: number;
  rate: number;
  sent: number;
  accepted: number;
  loss: number;
  acceptedPerSecond: number;
  cpuPerDatagramUs: number;
  /** This process's CPU time per datagram sent: the generator's threads, which share the machine's cores with the server. */
  generatorCpuUs: number;
}

async function step(server: BenchServer, load: LoadGenerator, sensors: number, rate: number): Promise<Step> {
  const total = Math.round((rate * STEP_MS) / 1000);
  await load.prepare(0, sensors, total, rate);
  const before = await server.stats();
  const cpuBefore = server.cpuSeconds();
  const dropsBefore = receiveQueueDrops();
  const generatorBefore = process.cpuUsage();
  const { sent, seconds } = await load.go();
  const generator = process.cpuUsage(generatorBefore);
  await sleep(300); // what is still queued in the socket buffer
  const after = await server.stats();
  const cpu = server.cpuSeconds() - cpuBefore;
  const accepted = after.accepted - before.accepted;
  return { queueDrops: receiveQueueDrops() - dropsBefore, rate, sent, accepted, loss: 1 - accepted / sent, acceptedPerSecond: accepted / seconds, cpuPerDatagramUs: (cpu / accepted) * 1e6, generatorCpuUs: (generator.user + generator.system) / sent };
}

/** Bisections between the last lossless step and the first lossy one: 1.35^(1/8), about 4 % apart. */
const BISECTIONS = 3;

/**
 * Steps the rate up by 35 % until loss passes 0.1 % or the generator cannot keep the pace,
 * then bisects between the last lossless rate and the first lossy one, so the server and
 * the counting socket are compared to about 4 %, not to the 35 % of a step.
 */
async function highestRate(server: BenchServer, load: LoadGenerator, sensors: number): Promise<{ best: Step | null; limit: string }> {
  let best: Step | null = null;
  let lossy: Step | null = null;
  for (let rate = 20_000; rate <= 1_000_000 && lossy === null; rate = Math.round(rate * 1.35)) {
    const result = await step(server, load, sensors, rate);
    if (result.loss > MAX_LOSS) lossy = result;
    else {
      best = result;
      if (result.acceptedPerSecond < rate * 0.9) return { best, limit: `generator: ${fmt(result.acceptedPerSecond)}/s sent of ${fmt(rate)}/s asked` };
    }
  }
  if (lossy === null) return { best, limit: 'the step table ended' };
  for (let i = 0; i < BISECTIONS && best !== null; i++) {
    const result = await step(server, load, sensors, Math.round(Math.sqrt(best.rate * lossy.rate)));
    if (result.loss > MAX_LOSS) lossy = result;
    else best = result;
  }
  return { best, limit: `server: ${(lossy.loss * 100).toFixed(2)} % lost at ${fmt(lossy.rate)}/s, ${fmt(lossy.queueDrops)} dropped by a full receive queue` };
}

/** The best step, repeated: the median accepted rate and CPU time per datagram, and the losses. */
async function lossless(server: BenchServer, load: LoadGenerator, sensors: number): Promise<{ rate: number; cpu: number; generatorCpu: number; losses: string; limit: string }> {
  const search = await highestRate(server, load, sensors);
  const runs: Step[] = [];
  if (search.best !== null) {
    runs.push(search.best);
    for (let i = 1; i < REPEATS; i++) runs.push(await step(server, load, sensors, search.best.rate));
  }
  return {
    rate: median(runs.map((r) => r.acceptedPerSecond)),
    cpu: median(runs.map((r) => r.cpuPerDatagramUs)),
    generatorCpu: median(runs.map((r) => r.generatorCpuUs)),
    losses: runs.map((r) => `${(r.loss * 100).toFixed(3)}%`).join(' '),
    limit: search.limit,
  };
}

/** The counting socket's lossless rate with the same generator and datagrams: what Node's dgram alone takes here. */
async function baselineRate(sensors: number): Promise<{ rate: number; cpu: number; generatorCpu: number; limit: string }> {
  const sink = await BenchServer.baseline();
  const load = await LoadGenerator.start(sink.port, sensors);
  try {
    return await lossless(sink, load, sensors);
  } finally {
    await load.close();
    await sink.stop();
  }
}

async function throughput(rows: { push(row: string[]): void }): Promise<void> {
  for (const sensors of SIZES) {
    const dir = scratch(FAST_SCRATCH, `tput-${sensors}`);
    const server = await BenchServer.start(writeServerConfig(dir, sensors, { client_log_dir: join(dir, 'logs'), down_interval: 3600 }));
    const load = await LoadGenerator.start(server.port, sensors);
    let measured;
    let heard;
    try {
      heard = await hearEveryone(server, load, sensors, 5000);
      measured = await lossless(server, load, sensors);
    } finally {
      await load.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    const { rate, cpu, generatorCpu, losses, limit } = measured;
    const target = sensors === 100_000 ? `≥ 100,000/s: ${verdict(rate >= 100_000)}` : '';
    rows.push([`accepted/s, ${fmt(sensors)} sensors`, `${fmt(rate)}/s (loss ${losses}; ${heard === sensors ? 'all heard' : `${heard} heard`})`, target]);
    rows.push([`  CPU per datagram, ${fmt(sensors)} sensors`, `${cpu.toFixed(2)} µs (= ${fmt(1e6 / cpu)}/s on one core); the generator ${generatorCpu.toFixed(2)} µs per datagram sent, on the same cores`, `stopped by ${limit}`]);
    // The same search against the counting socket, in the same run: absolute rates move by
    // tens of percent between runs on a shared machine, the ratio much less.
    const base = await baselineRate(sensors);
    rows.push([
      `  against the counting socket, ${fmt(sensors)} sensors`,
      `lossless rate ${(rate / base.rate).toFixed(2)} × its ${fmt(base.rate)}/s (stopped by ${base.limit}); CPU per datagram ${(cpu / base.cpu).toFixed(2)} × its ${base.cpu.toFixed(2)} µs (the generator ${base.generatorCpu.toFixed(2)} µs)`,
      sensors === 100_000 ? `≥ 0.80: ${verdict(rate >= 0.8 * base.rate)}` : '',
    ]);
    // When both use every core, the machine and not either receiver set the rate.
    const cores = (us: number, generatorUs: number, perSecond: number): string => (((us + generatorUs) * perSecond) / 1e6).toFixed(2);
    rows.push([`  cores in use at the lossless rate`, `server and generator ${cores(cpu, generatorCpu, rate)}, counting socket and generator ${cores(base.cpu, base.generatorCpu, base.rate)}, of ${cpus().length}`, '']);
  }
}

async function memory(rows: { push(row: string[]): void }): Promise<void> {
  for (const sensors of MEMORY_SIZES) {
    const dir = scratch(FAST_SCRATCH, `mem-${sensors}`);
    const server = await BenchServer.start(writeServerConfig(dir, sensors, { client_log_dir: join(dir, 'logs'), down_interval: 3600 }));
    const load = await LoadGenerator.start(server.port, sensors);
    try {
      const idle = server.rssMiB();
      const heard = await hearEveryone(server, load, sensors, 5000);
      const firstHeardPeak = server.peakRssMiB();
      // Then the steady state: every sensor sends once per 30 s (the sensor's default
      // interval) for STEADY_MS, with the resident memory sampled every second, a state
      // save every 5 s and the garbage collector doing what it does in production.
      const rate = sensors / 30;
      await load.prepare(0, sensors, Math.round((rate * STEADY_MS) / 1000), rate);
      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(server.rssMiB()), 1000);
      await load.go();
      clearInterval(sampler);
      samples.sort((a, b) => a - b);
      const median = quantile(samples, 0.5);
      const highest = samples[samples.length - 1]!;
      const target = sensors === 1_000_000 ? `≤ 512 MB: ${verdict(highest * 1.048576 <= 512)}` : '';
      rows.push([
        `RSS, ${fmt(sensors)} sensors`,
        `median ${fmt(median)} MiB, highest ${fmt(highest)} MiB, with each sensor heard every 30 s (${fmt(idle)} MiB before any was heard; ${fmt(heard)} heard; ${fmt(firstHeardPeak)} MiB at most while all were heard for the first time)`,
        target,
      ]);
    } finally {
      await load.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

function readRecords(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => decodeLine(line)).filter((r): r is NonNullable<typeof r> => r !== null) as Record<string, unknown>[];
}

/** Recovery time, then the down-detection lag, over the same 100,000 logs on the real disk. */
async function lagAndRecovery(rows: { push(row: string[]): void }, lag: boolean): Promise<void> {
  const dir = scratch(tmpdir(), 'lag');
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const at = new Date(Date.now() - 3_600_000).toISOString();
  for (let i = 0; i < LAG_CLIENTS; i++) {
    const id = sensorId(i);
    writeFileSync(
      join(logs, `${id}.nmlog`),
      encodeLine({ type: 'up', at, id: `up-${id}-1`, last_up: null, outage_s: null, first: true, boot: 1, interval: 30, addr: '127.0.0.1' }) +
        encodeLine({ type: 'boot', at, boot: 1, uptime: 40, interval: 30, addr: '127.0.0.1' }),
    );
  }
  // Storm control off: this measures the path from deadline to mailer, not the policy that
  // deliberately holds a burst of 1,000 alerts for one summary.
  const config = writeServerConfig(dir, LAG_CLIENTS, {
    client_log_dir: logs, down_interval: LAG_DOWN_S, alert_limits: { storm_threshold: 1_000_000, hourly_cap: 1_000_000, flap_changes: 1_000_000, storm_hold: 0 },
  });

  const recoveries: number[] = [];
  const receiving: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const server = await BenchServer.start(config);
    receiving.push((server.receivingAt - server.spawnedAt) / 1000);
    recoveries.push((server.listeningAt - server.spawnedAt) / 1000);
    await server.stop();
  }
  const runs = (values: number[]): string => values.map((s) => s.toFixed(2)).join(', ');
  rows.push([`start-up, ${fmt(LAG_CLIENTS)} clients with logs`, `${median(receiving).toFixed(2)} s to receiving heartbeats (runs: ${runs(receiving)})`, `≤ 5 s: ${verdict(median(receiving) <= 5)}`]);
  rows.push(['  until the logs are read', `${median(recoveries).toFixed(2)} s to listening (runs: ${runs(recoveries)})`, '']);
  if (!lag) return rmSync(dir, { recursive: true, force: true });

  const server = await BenchServer.start(config);
  const load = await LoadGenerator.start(server.port, LAG_CLIENTS);
  try {
    // Everyone but the first LAG_SILENT keeps sending; those go silent at once, from the start.
    const started = performance.now();
    let delivered = 0;
    const silent = Array.from({ length: LAG_SILENT }, (_, i) => sensorId(i));
    while (performance.now() - started < (LAG_DOWN_S + 60) * 1000 && server.child.exitCode === null) {
      await load.prepare(LAG_SILENT, LAG_CLIENTS, LAG_CLIENTS - LAG_SILENT, 40_000);
      await load.go();
      if (performance.now() - started > LAG_DOWN_S * 1000) {
        delivered = silent.filter((id) => readRecords(join(logs, `${id}.nmlog`)).some((r) => r.type === 'delivered')).length;
        if (delivered === LAG_SILENT) break;
      }
      await sleep(2000);
    }
    const lags: number[] = [];
    for (const id of silent) {
      const records = readRecords(join(logs, `${id}.nmlog`));
      const down = records.find((r) => r.type === 'down');
      const sent = down && records.find((r) => r.type === 'delivered' && r.ref === down.id);
      if (down && sent) lags.push(Date.parse(String(sent.at)) - Date.parse(String(down.at)));
    }
    lags.sort((a, b) => a - b);
    const stats = await server.stats();
    const wrongDowns = stats.clients.down - LAG_SILENT;
    const p99 = quantile(lags, 0.99);
    rows.push([`down-detection lag, ${fmt(LAG_SILENT)} of ${fmt(LAG_CLIENTS)} silent`, `p50 ${quantile(lags, 0.5)} ms, p99 ${p99} ms, max ${lags.at(-1)} ms (${lags.length} delivered${wrongDowns > 0 ? `, ${wrongDowns} others down` : ''})`, `p99 ≤ 1 s: ${verdict(lags.length === LAG_SILENT && p99 <= 1000)}`]);
  } finally {
    await load.close();
    const code = await server.stop();
    if (code !== 0) console.log(`the server exited with ${code}:\n${server.output.slice(-3000)}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  console.log(`generator: ${WORKERS} worker thread(s), one connected socket each, from 127.0.0.1; source_rate_limit 0${QUICK ? '; quick mode' : ''}`);
  // Each row is printed as soon as it is measured: the million-sensor run alone takes minutes.
  const rows = {
    push(row: string[]): void {
      console.log(row.map((cell, c) => cell.padEnd([44, 70][c] ?? 0)).join(' | ').trimEnd());
    },
  };
  const sections = (process.env.NETMONITOR_BENCH_ONLY ?? 'throughput,memory,lag').split(',');
  if (sections.includes('throughput')) await throughput(rows);
  if (sections.includes('memory')) await memory(rows);
  if (sections.includes('lag') || sections.includes('startup')) await lagAndRecovery(rows, sections.includes('lag'));
}
