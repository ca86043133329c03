/**
 * A hostile sender for test/load/flood.test.ts, run as its own process so the test's honest
 * sensor keeps its 200 ms rhythm while this one saturates a core. It sends, round robin and as
 * fast as its sockets take them, forged datagrams for a real sensor id (wrong key), NM1
 * datagrams for unknown ids, replays of a real datagram, random bytes and oversized ones,
 * all from one loopback address, for a fixed time; then prints `{"sent": N}` and exits.
 *
 * Arguments (one JSON object in argv[2]): port, source address, sensor id, replay (hex),
 * duration in ms, sockets.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { encode } from '../../shared/nm1.js';

interface FloodOptions {
  port: number;
  source: string;
  sensor: string;
  replayHex: string;
  durationMs: number;
  sockets: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as FloodOptions;
// Sends awaiting their callback per socket: enough to keep the kernel queue busy without
// letting libuv's own queue grow without bound.
const IN_FLIGHT = 32;

function pool(): Buffer[] {
  const forgedKey = randomBytes(32);
  const replay = Buffer.from(options.replayHex, 'hex');
  const datagrams: Buffer[] = [];
  for (let i = 0; i < 500; i++) {
    datagrams.push(encode({ sensor: options.sensor, boot: 1, seq: 1000 + i, type: 'PING', uptime: 50, interval: 1 }, forgedKey));
    datagrams.push(encode({ sensor: `stranger-${i}`, boot: 1, seq: i, type: 'PING', uptime: 50, interval: 1 }, forgedKey));
    datagrams.push(replay);
    datagrams.push(randomBytes(1 + (i % 200)));
    datagrams.push(Buffer.alloc(300 + ((i * 7) % 1100), 'NM1 x '));
  }
  return datagrams;
}

async function main(): Promise<void> {
  const datagrams = pool();
  const deadline = Date.now() + options.durationMs;
  let sent = 0;
  let next = 0;
  const sockets: Socket[] = [];
  for (let i = 0; i < options.sockets; i++) {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, options.source, () => resolve()));
    sockets.push(socket);
  }
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          let inFlight = 0;
          const pump = (): void => {
            while (inFlight < IN_FLIGHT && Date.now() < deadline) {
              inFlight++;
              socket.send(datagrams[next++ % datagrams.length]!, options.port, '127.0.0.1', (error) => {
                inFlight--;
                if (!error) sent++;
                pump();
              });
            }
            if (inFlight === 0) resolve();
          };
          pump();
        }),
    ),
  );
  for (const socket of sockets) socket.close();
  process.stdout.write(`${JSON.stringify({ sent })}\n`);
}

await main();
