/** Sends datagrams to a server on loopback, as a sensor would. */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { encode, type Heartbeat } from '../../shared/nm1.js';

export class TestSensor {
  private readonly socket = createSocket('udp4');
  seq = 0;

  constructor(
    readonly id: string,
    readonly key: Buffer,
    readonly port: number,
    public boot = 1,
    readonly interval = 1,
  ) {}

  heartbeat(type: 'BOOT' | 'PING' = 'PING', fields: Partial<Heartbeat> = {}): Buffer {
    return encode({ sensor: this.id, boot: this.boot, seq: this.seq++, type, uptime: 100, interval: this.interval, ...fields }, this.key);
  }

  send(datagram: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(datagram, this.port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
  }

  ping(type: 'BOOT' | 'PING' = 'PING'): Promise<void> {
    return this.send(this.heartbeat(type));
  }

  close(): void {
    this.socket.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A UDP socket on 127.0.0.1, port 0, that keeps every datagram it receives; closed when the test ends. */
export async function udpListener(t: { teardown(fn: () => void): void }): Promise<{ socket: Socket; port: number; received: Buffer[] }> {
  const socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (message) => received.push(message));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  t.teardown(() => socket.close());
  return { socket, port: socket.address().port, received };
}
