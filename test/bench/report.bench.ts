/**
 * `npm run bench -- report`: a year of logs for 1,000 clients (about two outages a week
 * each, with their alerts, boots and address changes, and the server's alive record every
 * minute), then `netmonitor report` over them in each format. Each run is a fresh process,
 * so its peak RSS is the report's own; the table shows the median of a few runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeLine, type LogRecord } from '../../log/records.js';
import { tempDir } from '../helpers.js';
import { median } from './timing.js';

const CLIENTS = 1000;
const YEAR_MS = 365 * 86_400_000;
const RUNS = 3;
const START = Date.parse('2025-11-01T00:00:00Z');
const END = START + YEAR_MS;

/** A small seeded generator (mulberry32), so every run of the benchmark reads the same logs. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const iso = (ms: number): string => new Date(Math.round(ms)).toISOString();

function clientLog(index: number): string {
  const rand = random(index + 1);
  const id = `gw-${String(index).padStart(4, '0')}`;
  let boot = 1;
  let addr = `198.51.${index % 250}.${1 + (index % 200)}`;
  const lines: string[] = [];
  const push = (record: LogRecord): void => void lines.push(encodeLine(record));
  push({ type: 'up', at: iso(START), id: `up-${id}-${START}`, last_up: null, outage_s: null, first: true, boot, interval: 60, addr });
  push({ type: 'boot', at: iso(START), boot, uptime: 40, interval: 60, addr });
  let t = START;
  for (;;) {
    t += rand() * 7 * 86_400_000; // about two outages a week
    if (t > END - 86_400_000) break;
    const lastUp = t;
    const length = 60_000 + rand() * 3 * 3_600_000;
    const downAt = lastUp + 180_000;
    if (downAt >= lastUp + length) continue;
    push({ type: 'down', at: iso(downAt), id: `down-${id}-${downAt}`, last_up: iso(lastUp), down_interval_s: 180, interval: 60, boot });
    push({ type: 'delivered', at: iso(downAt + 800), ref: `down-${id}-${downAt}`, channel: 'email' });
    const power = rand() < 0.3;
    const endBoot = power ? boot + 1 : boot;
    const end = lastUp + length;
    push({ type: 'up', at: iso(end), id: `up-${id}-${end}`, last_up: iso(lastUp), outage_s: length / 1000, first: false, boot: endBoot, interval: 60, addr });
    if (power) {
      boot = endBoot;
      push({ type: 'boot', at: iso(end), boot, uptime: (length * rand()) / 1000, interval: 60, addr });
    }
    push({ type: 'delivered', at: iso(end + 800), ref: `up-${id}-${end}`, channel: 'email' });
    if (rand() < 0.1) {
      const previous = addr;
      addr = `203.0.${Math.floor(rand() * 250)}.${1 + Math.floor(rand() * 250)}`;
      push({ type: 'addr', at: iso(end), addr, previous });
    }
    t = end;
  }
  return lines.join('');
}

function serverLog(): string {
  const lines: string[] = [encodeLine({ type: 'start', at: iso(START), pid: 1, version: 'bench' })];
  for (let t = START + 60_000; t < END; t += 60_000) {
    // One crash and restart a month: an hour the monitor did not watch.
    if ((t - START) % (30 * 86_400_000) === 0) {
      t += 3_600_000;
      lines.push(encodeLine({ type: 'start', at: iso(t), pid: 1, version: 'bench' }));
      continue;
    }
    lines.push(encodeLine({ type: 'alive', at: iso(t) }));
  }
  return lines.join('');
}


export async function run(): Promise<void> {
  const dir = join(tempDir('netmonitor-bench-'), 'logs');
  mkdirSync(dir);
  try {
    let began = performance.now();
    for (let i = 0; i < CLIENTS; i++) writeFileSync(join(dir, `gw-${String(i).padStart(4, '0')}.nmlog`), clientLog(i));
    writeFileSync(join(dir, '@server.nmlog'), serverLog());
    const bytes = readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
    console.log(`generated ${CLIENTS} client logs and the server log, ${(bytes / 2 ** 20).toFixed(0)} MiB, in ${((performance.now() - began) / 1000).toFixed(1)} s`);

    const mainUrl = new URL('../../report/main.js', import.meta.url).href;
    // Each run in its own process, writing to a discarded string, measured from inside.
    const script = (format: string): string => `
      const { runReport } = await import(${JSON.stringify(mainUrl)});
      const began = performance.now();
      let size = 0;
      await runReport({ logDir: ${JSON.stringify(dir)}, format: ${JSON.stringify(format)}, tz: 'Europe/Berlin', since: ${JSON.stringify(iso(START))}, until: ${JSON.stringify(iso(END))} }, { now: ${END}, write: (text) => (size += text.length) });
      console.log(JSON.stringify({ ms: performance.now() - began, rssKiB: process.resourceUsage().maxRSS, size }));`;
    console.log('\n| format | median time (s) | runs (s) | peak RSS (MiB) | output (MiB) |\n|---|---|---|---|---|');
    for (const format of ['text', 'json', 'csv', 'html']) {
      const results: { ms: number; rssKiB: number; size: number }[] = [];
      for (let i = 0; i < RUNS; i++) {
        began = performance.now();
        const child = spawnSync(process.execPath, ['--input-type=module', '-e', script(format)], { encoding: 'utf8', cwd: fileURLToPath(new URL('.', import.meta.url)) });
        if (child.status !== 0) throw new Error(`report failed: ${child.stderr}`);
        results.push(JSON.parse(child.stdout.trim().split('\n').pop()!) as { ms: number; rssKiB: number; size: number });
      }
      console.log(
        `| ${format} | ${(median(results.map((r) => r.ms)) / 1000).toFixed(2)} | ${results.map((r) => (r.ms / 1000).toFixed(2)).join(', ')} | ` +
          `${(median(results.map((r) => r.rssKiB)) / 1024).toFixed(0)} | ${(results[0]!.size / 2 ** 20).toFixed(1)} |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
