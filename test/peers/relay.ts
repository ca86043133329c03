/**
 * Recording relays between a sensor and the server on 127.0.0.1: each forwards what it gets
 * (UDP datagrams; POST bodies, answering with the server's own reply) and keeps a copy, so a
 * test can replay exactly what a sensor sent.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Relay {
  port: number;
  /** Everything forwarded so far, in order. */
  captured: Buffer[];
  /** The server's answers to the forwarded POSTs (HTTP relay only). */
  statuses: number[];
  close(): Promise<void>;
}

export async function udpRelay(serverPort: number): Promise<Relay> {
  const socket = createSocket('udp4');
  const captured: Buffer[] = [];
  socket.on('message', (datagram) => {
    captured.push(datagram);
    socket.send(datagram, serverPort, '127.0.0.1');
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { port: socket.address().port, captured, statuses: [], close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

export async function httpRelay(target: string): Promise<Relay> {
  const captured: Buffer[] = [];
  const statuses: number[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      captured.push(body);
      fetch(target, { method: 'POST', body: new Uint8Array(body) }).then(
        async (reply) => {
          statuses.push(reply.status);
          response.writeHead(reply.status, { 'Content-Type': 'text/plain' }).end(reply.status === 204 ? undefined : await reply.text());
        },
        () => response.writeHead(502).end(),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    captured,
    statuses,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
