/**
 * `npm run bench -- sensor`: the footprint of a sensor on its gateway. Each sensor sends
 * heartbeats every second to a sink on 127.0.0.1 (a UDP socket, or an HTTP server that
 * answers 204); its process is measured from /proc, the same way for each:
 *  - CPU per heartbeat: utime + stime + cutime + cstime of the sensor's process (the shell's
 *    helpers, sha256sum, socat or wget and the subshells, are its children, so they count)
 *    between the first PING and HEARTBEATS heartbeats later, divided by HEARTBEATS;
 *  - memory: the sensor process's VmHWM (peak resident) at the end, and for the shell the
 *    largest resident size of any process in its tree (GNU time's %M, or busybox `time -v`),
 *    since sha256sum, socat or wget run next to the shell.
 * The shell sensor runs under busybox sh with a PATH of busybox applets only, as on OpenWrt.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { cliPath, tempDir } from '../helpers.js';
import { busyboxPath } from '../peers/busybox.js';
import { findProgram } from '../systemPrograms.js';
import { writeConfig } from '../peers/serverProcess.js';
import { sleep } from '../peers/udp.js';

const HEARTBEATS = Number(process.env.NETMONITOR_BENCH_HEARTBEATS ?? 20);
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const KEY = 'ab'.repeat(32);

interface Sink {
  port: number;
  count(): number;
  close(): void;
}

async function udpSink(): Promise<Sink> {
  const socket = createSocket('udp4');
  let count = 0;
  socket.on('message', () => count++);
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { port: socket.address().port, count: () => count, close: () => socket.close() };
}

async function httpSink(): Promise<Sink> {
  let count = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      count++;
      response.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, count: () => count, close: () => server.close() };
}

/** CPU ticks of a process and of its waited-for children. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // After the name: state is field 3, so utime..cstime (14..17) are at 11..14 here.
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
}

function statusKiB(pid: number, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(20);
}

interface Footprint {
  name: string;
  cpuMsPerBeat: number;
  peakKiB: number;
  treePeakKiB: number | null;
}

/** Measures `pid` (the sensor) while `sink` counts its heartbeats. */
async function measure(name: string, child: ChildProcess, pid: () => number, sink: Sink, treePeak?: () => Promise<number>): Promise<Footprint> {
  await until(() => sink.count() >= 4); // the BOOTs and the first PING
  const start = sink.count();
  const before = cpuTicks(pid());
  await until(() => sink.count() >= start + HEARTBEATS);
  const ticks = cpuTicks(pid()) - before;
  const peakKiB = statusKiB(pid(), 'VmHWM');
  // The tree holds the sensor process too (time reads its figure a moment later).
  const tree = treePeak === undefined ? null : Math.max(peakKiB, await treePeak());
  child.kill('SIGTERM');
  sink.close();
  return { name, cpuMsPerBeat: (ticks * 1000) / TICKS_PER_SECOND / HEARTBEATS, peakKiB, treePeakKiB: tree };
}

async function nodeSensor(dir: string, way: 'udp' | 'http'): Promise<Footprint> {
  const sink = way === 'udp' ? await udpSink() : await httpSink();
  const config = writeConfig(dir, {
    server: '127.0.0.1', port: sink.port, id: 'bench', key: KEY, interval: 1, state_file: join(dir, `node-${way}-state.json`),
    transport: way, http_url: `http://127.0.0.1:${sink.port}`,
  }, `node-${way}.json`);
  const child = spawn(process.execPath, [cliPath, 'sensor', '--config', config], { stdio: 'ignore' });
  return measure(`Node sensor, ${way === 'udp' ? 'UDP' : 'HTTP'}`, child, () => child.pid!, sink);
}

async function shellSensor(dir: string, way: 'udp' | 'http'): Promise<Footprint | string> {
  const busybox = findProgram('busybox');
  if (busybox === null) return 'busybox is not installed';
  if (way === 'udp' && findProgram('socat') === null) return 'socat is not installed';
  const sink = way === 'udp' ? await udpSink() : await httpSink();
  const config = writeConfig(dir, {
    server: '127.0.0.1', port: sink.port, id: 'bench', key: KEY, interval: 1, state_file: join(dir, `sh-${way}-state.json`),
    transport: way, http_url: `http://127.0.0.1:${sink.port}`,
  }, `sh-${way}.json`);
  const script = join(dir, `sh-${way}.sh`);
  execFileSync(process.execPath, [cliPath, 'sensor-script', '--config', config, '--output', script]);
  const path = busyboxPath(way === 'udp' ? ['socat'] : [])!;
  // time reports the largest resident size of the tree once the shell exits. GNU time's
  // own fork is small; busybox's is as large as busybox, which then counts as the peak.
  const gnuTime = findProgram('time');
  const timeArgv = gnuTime === null ? [busybox, 'time', '-v'] : [gnuTime, '-f', 'Maximum resident set size (kbytes): %M'];
  const child = spawn(timeArgv[0]!, [...timeArgv.slice(1), join(path.split(':')[0]!, 'sh'), script], { env: { PATH: path }, stdio: ['ignore', 'ignore', 'pipe'] });
  let report = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (report += chunk));
  const exited = once(child, 'exit');
  const shell = (): number => Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0]);
  const treePeak = async (): Promise<number> => {
    process.kill(shell(), 'SIGTERM');
    await exited;
    return Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(report)![1]);
  };
  return measure(`shell sensor, ${way === 'udp' ? 'UDP (socat)' : 'HTTP (busybox wget)'}`, child, shell, sink, treePeak);
}

export async function run(): Promise<void> {
  const dir = tempDir('netmonitor-bench-sensor-');
  console.log(`${HEARTBEATS} heartbeats each, 1 s apart, to 127.0.0.1; clock ticks of ${1000 / TICKS_PER_SECOND} ms`);
  console.log('| sensor | CPU per heartbeat | peak resident (sensor process) | peak resident (largest process of its tree) |');
  console.log('|---|---|---|---|');
  for (const measurement of [() => nodeSensor(dir, 'udp'), () => nodeSensor(dir, 'http'), () => shellSensor(dir, 'udp'), () => shellSensor(dir, 'http')]) {
    const result = await measurement();
    if (typeof result === 'string') {
      console.log(`| skipped | ${result} | | |`);
      continue;
    }
    const tree = result.treePeakKiB === null ? '(one process)' : `${(result.treePeakKiB / 1024).toFixed(1)} MiB`;
    console.log(`| ${result.name} | ${result.cpuMsPerBeat.toFixed(1)} ms | ${(result.peakKiB / 1024).toFixed(1)} MiB | ${tree} |`);
  }
}
