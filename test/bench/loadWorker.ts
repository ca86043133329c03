/**
 * One thread of the server benchmark's load generator (test/bench/server.bench.ts). It owns
 * the sensors whose index i has i % workers === worker, keeps their next seq, and for each
 * step encodes its share of the datagrams before any timing starts, then sends them at its
 * share of the rate over one connected UDP socket on loopback.
 *
 * Messages in: {type: 'prepare', from, to, total, rate, kind?, boot?} then {type: 'go'}.
 * Messages out: {type: 'ready', count} and {type: 'done', sent, elapsedMs}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSocket } from 'node:dgram';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { encode } from '../../shared/nm1.js';

export interface WorkerSetup {
  port: number;
  worker: number;
  workers: number;
  sensors: number;
}
export interface Prepare {
  type: 'prepare';
  /** Sensors [from, to) take part, round robin. */
  from: number;
  to: number;
  /** Datagrams over all workers, and their rate per second over all workers. */
  total: number;
  rate: number;
  /** What the datagrams say, and their boot number (1 unless said). */
  kind?: 'PING' | 'BOOT';
  boot?: number;
}

export const sensorId = (index: number): string => `sensor-${index}`;
export const sensorKey = (index: number): Buffer => createHash('sha256').update(`netmonitor-bench-${index}`).digest();

// Sends handed to libuv but not yet completed; bounds memory when the kernel pushes back.
const MAX_PENDING = 4096;

if (parentPort !== null) {
  const setup = workerData as WorkerSetup;
  const port = parentPort;
  const nextSeq = new Float64Array(setup.sensors);
  const bootOf = new Float64Array(setup.sensors).fill(1);
  const socket = createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  // A connected socket reports the ICMP "port unreachable" of a server that has stopped as an
  // error event; the server's own stats say what arrived, so the generator just carries on.
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  await new Promise<void>((resolve) => socket.connect(setup.port, '127.0.0.1', () => resolve()));
  let datagrams: Buffer[] = [];
  let rate = 0;

  port.on('message', (message: Prepare | { type: 'go' } | { type: 'close' }) => {
    if (message.type === 'prepare') {
      const mine: number[] = [];
      for (let i = message.from; i < message.to; i++) if (i % setup.workers === setup.worker) mine.push(i);
      const share = mine.length / (message.to - message.from);
      const count = Math.round(message.total * share);
      datagrams = new Array<Buffer>(count);
      const boot = message.boot ?? 1;
      const type = message.kind ?? 'PING';
      for (let k = 0; k < count; k++) {
        const index = mine[k % mine.length]!;
        if (boot > bootOf[index]!) {
          bootOf[index] = boot;
          nextSeq[index] = 0;
        }
        datagrams[k] = encode({ sensor: sensorId(index), boot, seq: nextSeq[index]!++, type, uptime: type === 'BOOT' ? 12.5 : 4160.97, interval: 30 }, sensorKey(index));
      }
      rate = message.rate * share;
      port.postMessage({ type: 'ready', count });
    } else if (message.type === 'go') {
      const start = performance.now();
      let sent = 0;
      let pending = 0;
      const finished = (): void => {
        pending--;
        if (sent === datagrams.length && pending === 0) port.postMessage({ type: 'done', sent, elapsedMs: performance.now() - start });
      };
      const pump = (): void => {
        const due = Math.min(datagrams.length, Math.floor(((performance.now() - start) * rate) / 1000));
        while (sent < due && pending < MAX_PENDING) {
          pending++;
          socket.send(datagrams[sent++]!, finished);
        }
        if (sent < datagrams.length) setImmediate(pump);
      };
      if (datagrams.length === 0) port.postMessage({ type: 'done', sent: 0, elapsedMs: 0 });
      else pump();
    } else {
      socket.close();
      port.close();
    }
  });
}
