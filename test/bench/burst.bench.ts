/**
 * `npm run bench -- burst`: the real `netmonitor server` taking a burst of BOOTs on loopback,
 * set against a plain dgram socket that only counts (test/bench/countingSink.ts), fed by the
 * same generator in the same run.
 *
 *  1. First heard: N configured sensors never heard before all BOOT at RATE per second (a
 *     fleet's first start, or a region's power coming back on a new server).
 *  2. Known and down: N sensors whose logs say they are down (their down alert delivered)
 *     all come back with a new boot within N / RATE seconds (5 s at full scale).
 *
 * During each burst STEADY other sensors that are already up keep sending a PING a second
 * with a 5 s down interval: a `down` record for any of them is a false down, the server too
 * busy with the burst to hear them. Reported per scenario: datagrams lost (sensors the
 * server's `stats` never counted as heard, against what was sent: each sends one BOOT), the
 * time from the burst's first datagram until every record is durable (`log_pending` 0, then
 * checked in the logs), false downs, the alerts sent, and the server's CPU time per
 * datagram while the burst arrives, as a ratio to the counting socket's (and its CPU time
 * per BOOT until everything is durable). The logs are on the real disk (fsync costs
 * what it costs in production).
 *
 * NETMONITOR_BENCH_BURST_SENSORS (100000) and NETMONITOR_BENCH_BURST_RATE (20000) scale it
 * down while developing; NETMONITOR_BENCH_ONLY=first,known runs one scenario.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeLine, encodeLine } from '../../log/records.js';
import { sensorId } from './loadWorker.js';
import { BenchServer, fmt, LoadGenerator, receiveQueueDrops, scratch, sleep, verdict, writeServerConfig, type Stats } from './benchServer.js';

const SENSORS = Number(process.env.NETMONITOR_BENCH_BURST_SENSORS ?? 100_000);
const RATE = Number(process.env.NETMONITOR_BENCH_BURST_RATE ?? 20_000);
const STEADY = 1000;
/** The steady sensors' down interval: a stall of the server longer than this is a false down. */
const STEADY_DOWN = '5s';
/** How long the steady sensors keep sending after the burst's last datagram. */
const STEADY_AFTER_S = 20;
const DURABLE_WITHIN_S = 60;
const MAX_LOSS = 0.01;

interface BurstStats extends Stats {
  alerts: { sent: number; queued: number; held_now: number };
}

interface Sent {
  sent: number;
  seconds: number;
  cpuSeconds: number;
  queueDrops: number;
}

/** Sends the prepared burst to `target`, measuring its CPU time and the kernel's drops. */
async function burst(target: BenchServer, load: LoadGenerator): Promise<Sent> {
  const cpuBefore = target.cpuSeconds();
  const dropsBefore = receiveQueueDrops();
  const { sent, seconds } = await load.go();
  await sleep(300); // what is still queued in the socket buffer
  return { sent, seconds, cpuSeconds: target.cpuSeconds() - cpuBefore, queueDrops: receiveQueueDrops() - dropsBefore };
}

/** The baseline: the counting socket fed the same burst by the same generator. */
async function baseline(): Promise<{ loss: number; cpuPerDatagramUs: number }> {
  const sink = await BenchServer.baseline();
  const load = await LoadGenerator.start(sink.port, SENSORS);
  try {
    await load.prepare(0, SENSORS, SENSORS, RATE, 'BOOT', 2);
    const before = (await sink.stats()).accepted;
    const sent = await burst(sink, load);
    const counted = (await sink.stats()).accepted - before;
    return { loss: 1 - counted / sent.sent, cpuPerDatagramUs: (sent.cpuSeconds / counted) * 1e6 };
  } finally {
    await load.close();
    await sink.stop();
  }
}

function records(path: string): Record<string, unknown>[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((line) => decodeLine(line)).filter((r): r is NonNullable<typeof r> => r !== null) as Record<string, unknown>[];
}

/** Until nothing is left to write and nothing more arrives; the seconds since `since`, or null after `limitS`. */
async function untilDurable(server: BenchServer, since: number, limitS: number): Promise<{ seconds: number | null; stats: BurstStats }> {
  let last = -1;
  for (;;) {
    const stats = (await server.stats()) as BurstStats;
    const seconds = (performance.now() - since) / 1000;
    if (stats.log_pending === 0 && stats.accepted === last) return { seconds, stats };
    if (seconds > limitS) return { seconds: null, stats };
    last = stats.accepted;
    await sleep(250);
  }
}

/** The steady sensors N..N+STEADY-1, heard once and then sending a PING a second for `seconds`. */
async function steadyTraffic(port: number, seconds: number): Promise<{ load: LoadGenerator; done: Promise<unknown> }> {
  const load = await LoadGenerator.start(port, SENSORS + STEADY, 1);
  await load.prepare(SENSORS, SENSORS + STEADY, Math.round(STEADY * seconds), STEADY);
  return { load, done: load.go() };
}

/**
 * Steady sensors with a `down` record from while they were still sending (before
 * `stoppedAt`, ms): after their traffic ends they go down as they should, while the
 * benchmark waits for the burst's records to become durable.
 */
const falseDowns = (logs: string, stoppedAt = Infinity): number => {
  let downs = 0;
  for (let i = SENSORS; i < SENSORS + STEADY; i++) {
    if (records(join(logs, `${sensorId(i)}.nmlog`)).some((r) => r.type === 'down' && Date.parse(r.at as string) < stoppedAt)) downs++;
  }
  return downs;
};

const mboxMessages = (path: string): number => {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((line) => line.startsWith('From ')).length;
  } catch {
    return 0;
  }
};

interface Outcome {
  name: string;
  /** The burst as it arrived: its CPU time is the server's while the datagrams come in. */
  sent: Sent;
  /** The server's CPU time from the burst's first datagram until every record is durable. */
  untilDurableCpuSeconds: number;
  /** Burst sensors the server never heard. */
  unheard: number;
  durableS: number | null;
  /** Burst sensors whose log holds every record the scenario owes them. */
  logged: number;
  falseDowns: number;
  alerts: string;
}

function report(rows: { push(row: string[]): void }, outcome: Outcome, base: { loss: number; cpuPerDatagramUs: number }): void {
  const loss = outcome.unheard / outcome.sent.sent;
  const heard = outcome.sent.sent - outcome.unheard;
  const cpuUs = (outcome.sent.cpuSeconds / heard) * 1e6;
  const durableUs = (outcome.untilDurableCpuSeconds / heard) * 1e6;
  const ok = loss <= MAX_LOSS && outcome.durableS !== null && outcome.durableS <= DURABLE_WITHIN_S && outcome.falseDowns === 0 && outcome.logged === outcome.sent.sent - outcome.unheard;
  rows.push([
    `${outcome.name}: ${fmt(SENSORS)} BOOTs at ${fmt(RATE)}/s`,
    `${(loss * 100).toFixed(2)} % lost (${fmt(outcome.unheard)}; ${fmt(outcome.sent.queueDrops)} dropped by a full receive queue; baseline ${(base.loss * 100).toFixed(2)} %)`,
    `≤ 1 %: ${verdict(loss <= MAX_LOSS)}`,
  ]);
  rows.push([
    '  every record durable',
    outcome.durableS === null ? `not within ${DURABLE_WITHIN_S * 2} s` : `${outcome.durableS.toFixed(1)} s after the first BOOT (${fmt(outcome.logged)} sensors' logs complete)`,
    `≤ ${DURABLE_WITHIN_S} s: ${verdict(outcome.durableS !== null && outcome.durableS <= DURABLE_WITHIN_S)}`,
  ]);
  rows.push(['  false downs of steady sensors', `${outcome.falseDowns} of ${STEADY}`, `0: ${verdict(outcome.falseDowns === 0)}`]);
  rows.push(['  alerts', outcome.alerts, '']);
  rows.push([
    '  CPU per datagram',
    `${cpuUs.toFixed(1)} µs = ${(cpuUs / base.cpuPerDatagramUs).toFixed(1)} × the counting socket's ${base.cpuPerDatagramUs.toFixed(1)} µs while the burst arrives; ${durableUs.toFixed(0)} µs per BOOT heard until all is durable (alerts, steady traffic and state saves included)`,
    ok ? 'all targets met' : '',
  ]);
}

/** Scenario 1: every sensor heard for the first time. */
async function firstHeard(): Promise<Outcome> {
  const dir = scratch(tmpdir(), 'burst-first');
  const logs = join(dir, 'logs');
  const config = writeServerConfig(dir, SENSORS + STEADY, { client_log_dir: logs, down_interval: 3600 }, (i) => (i >= SENSORS ? STEADY_DOWN : ''));
  const server = await BenchServer.start(config);
  const load = await LoadGenerator.start(server.port, SENSORS);
  try {
    await load.prepare(0, SENSORS, SENSORS, RATE, 'BOOT', 2);
    const steady = await steadyTraffic(server.port, SENSORS / RATE + STEADY_AFTER_S + 2);
    await sleep(2000); // every steady sensor heard once, and up
    const cpuBefore = server.cpuSeconds();
    const started = performance.now();
    const sent = await burst(server, load);
    await steady.done;
    const steadyStopped = Date.now();
    await steady.load.close();
    const durable = await untilDurable(server, started, DURABLE_WITHIN_S * 2);
    const untilDurableCpuSeconds = server.cpuSeconds() - cpuBefore;
    let logged = 0;
    for (let i = 0; i < SENSORS; i++) {
      const found = records(join(logs, `${sensorId(i)}.nmlog`));
      if (found.some((r) => r.type === 'up') && found.some((r) => r.type === 'boot')) logged++;
    }
    return { name: 'first heard', sent, untilDurableCpuSeconds, unheard: durable.stats.clients.unknown, durableS: durable.seconds, logged, falseDowns: falseDowns(logs, steadyStopped), alerts: `${durable.stats.alerts.sent} sent (first-heard sensors raise none)` };
  } finally {
    await load.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Scenario 2: every sensor known and down, its down alert delivered, then all boot again. */
async function knownAndDown(): Promise<Outcome> {
  const dir = scratch(tmpdir(), 'burst-known');
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  const twoHoursAgo = new Date(Date.now() - 7_200_000).toISOString();
  const now = new Date().toISOString();
  for (let i = 0; i < SENSORS + STEADY; i++) {
    const id = sensorId(i);
    let text = encodeLine({ type: 'up', at: i < SENSORS ? twoHoursAgo : now, id: `up-${id}-1`, channels: ['email'], last_up: null, outage_s: null, first: true, boot: 1, interval: 30, addr: '127.0.0.1' });
    if (i < SENSORS) {
      text += encodeLine({ type: 'down', at: hourAgo, id: `down-${id}-1`, channels: ['email'], last_up: twoHoursAgo, down_interval_s: 3600, interval: 30, boot: 1 });
      text += encodeLine({ type: 'delivered', at: hourAgo, ref: `down-${id}-1`, channel: 'email' });
    }
    writeFileSync(join(logs, `${id}.nmlog`), text);
  }
  const config = writeServerConfig(dir, SENSORS + STEADY, { client_log_dir: logs, down_interval: 3600 }, (i) => (i >= SENSORS ? STEADY_DOWN : ''));
  const server = await BenchServer.start(config);
  // At once: the steady sensors were restored up, with their 5 s from when the logs were read.
  const steady = await steadyTraffic(server.port, SENSORS / RATE + STEADY_AFTER_S + 2);
  const load = await LoadGenerator.start(server.port, SENSORS);
  try {
    await load.prepare(0, SENSORS, SENSORS, RATE, 'BOOT', 2);
    await sleep(1000);
    const cpuBefore = server.cpuSeconds();
    const started = performance.now();
    const sent = await burst(server, load);
    await steady.done;
    const steadyStopped = Date.now();
    const durable = await untilDurable(server, started, DURABLE_WITHIN_S * 2);
    // Storm control holds the recoveries for one summary: wait until it has gone out.
    let stats = durable.stats;
    for (let i = 0; i < 240 && (stats.alerts.queued > 0 || stats.alerts.held_now > 0 || stats.log_pending > 0); i++) {
      await sleep(500);
      stats = (await server.stats()) as BurstStats;
    }
    const untilDurableCpuSeconds = server.cpuSeconds() - cpuBefore;
    let logged = 0;
    for (let i = 0; i < SENSORS; i++) {
      const found = records(join(logs, `${sensorId(i)}.nmlog`));
      if (found.some((r) => r.type === 'up' && r.first === false) && found.some((r) => r.type === 'boot' && r.boot === 2)) logged++;
    }
    const messages = mboxMessages(join(logs, '@outbox.mbox'));
    const wrong = falseDowns(logs, steadyStopped);
    // The burst sensors still down: the server's count, less the steady sensors down since their traffic ended.
    const recovered = SENSORS - (stats.clients.down - falseDowns(logs));
    return { name: 'known, down, back', sent, untilDurableCpuSeconds, unheard: SENSORS - recovered, durableS: durable.seconds, logged, falseDowns: wrong, alerts: `${messages} message(s) in the outbox for ${fmt(recovered)} recoveries (storm control's summary)` };
  } finally {
    await steady.load.close();
    await load.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const only = (process.env.NETMONITOR_BENCH_ONLY ?? 'first,known').split(',');
  console.log(`${fmt(SENSORS)} burst sensors at ${fmt(RATE)} BOOT/s, ${STEADY} steady sensors at 1 PING/s (down interval ${STEADY_DOWN}); logs on ${tmpdir()}`);
  const rows = {
    push(row: string[]): void {
      console.log(row.map((cell, c) => cell.padEnd([44, 70][c] ?? 0)).join(' | ').trimEnd());
    },
  };
  const base = await baseline();
  rows.push(['baseline: counting socket, same burst', `${(base.loss * 100).toFixed(2)} % lost, ${base.cpuPerDatagramUs.toFixed(1)} µs CPU per datagram`, '']);
  if (only.includes('first')) report(rows, await firstHeard(), base);
  if (only.includes('known')) report(rows, await knownAndDown(), base);
}
