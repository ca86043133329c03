/** Sends datagrams to a server on loopback, as a sensor would. */
import { createSocket } from 'node:dgram';
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
