/**
 * The baseline of the server benchmarks: a plain Node dgram socket on 127.0.0.1 that only
 * counts the datagrams it receives, with the same receive buffer the server asks for. What
 * the server does per datagram is measured against what Node itself costs on the same
 * machine, in the same run, fed by the same generator (test/bench/loadWorker.ts): absolute
 * rates move by tens of percent between runs on shared cores, ratios much less.
 *
 * Says `listening on 127.0.0.1:<port>`; SIGUSR1 prints `stats {"accepted": <count>, ...}` in
 * the server's shape (test/bench/benchServer.ts reads both); SIGTERM ends it.
 */
import { createSocket } from 'node:dgram';
import { RECEIVE_BUFFER_BYTES } from '../../server/intake/udp.js';

let accepted = 0;
const socket = createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
socket.on('message', () => void accepted++);
socket.bind(0, '127.0.0.1', () => {
  const { address, port } = socket.address();
  console.log(`listening on ${address}:${port} (udp, counting only; receive buffer ${socket.getRecvBufferSize()} bytes)`);
});
process.on('SIGUSR1', () => console.log(`stats ${JSON.stringify({ accepted, refused: {}, clients: { up: 0, down: 0, unknown: 0 }, log_pending: 0 })}`));
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
