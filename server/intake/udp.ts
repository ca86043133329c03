/**
 * The UDP socket heartbeats arrive on. Each datagram goes to the sink's receive() with its
 * source address; the handler is made once, at bind, so a datagram costs no closure here.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from 'winston';
import { bindError } from '../environmentErrors.js';

/**
 * The socket's receive buffer asked of the kernel (SO_RCVBUF). Linux grants at most
 * `net.core.rmem_max` (often 208 KiB or 4 MiB) and doubles it for its bookkeeping; each
 * queued NM1 datagram takes about 830 bytes of it, so 32 MiB holds about 80,000 datagrams:
 * four seconds of a 20,000 BOOT/s burst that the server cannot take as fast as it comes
 * (docs/benchmarks.md has the figures and the `rmem_max` advice).
 */
export const RECEIVE_BUFFER_BYTES = 32 * 1024 * 1024;

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);

export class UdpIntake {
  private socket: Socket | null = null;

  constructor(private readonly sink: { receive(datagram: Buffer, sourceAddress: string): void }, private readonly logger: Logger) {}

  /**
   * Binds to `address`:`port` (port 0: any free one); resolves with where it listens. A bind
   * the machine refuses (port in use, no such address) rejects with one EENV error naming the
   * configuration keys (server/environmentErrors.ts).
   */
  async bind(address: string, port: number): Promise<{ address: string; port: number }> {
    // A large receive buffer lets a real heartbeat survive bursts of junk in the queue, and
    // a burst of real ones (a region's power back) wait instead of being dropped.
    const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
    this.socket = socket;
    socket.on('message', (datagram, remote) => this.sink.receive(datagram, remote.address));
    await new Promise<void>((resolve, reject) => {
      const refused = (error: Error): void => {
        this.socket = null;
        socket.close();
        reject(bindError(error, { portKey: 'listen_port', addressKey: 'listen_address', port, address }));
      };
      socket.once('error', refused);
      socket.bind(port, address, () => {
        socket.off('error', refused);
        resolve();
      });
    });
    // Only once bound: a failed bind is the start's error, said once.
    socket.on('error', (error) => this.logger.error(`socket error: ${error.message}`));
    // Linux grants twice what it allows (the doubling is its bookkeeping); less means a
    // `net.core.rmem_max` below the request, which a fleet that boots together outgrows.
    const granted = socket.getRecvBufferSize();
    if (granted < 2 * RECEIVE_BUFFER_BYTES) this.logger.info(`udp receive buffer: ${mib(granted)} MiB granted for ${mib(2 * RECEIVE_BUFFER_BYTES)} MiB asked; for bursts of BOOTs raise net.core.rmem_max (docs/benchmarks.md)`);
    const bound = socket.address();
    return { address: bound.address, port: bound.port };
  }

  /** Closes the socket; nothing arrives after this resolves. Harmless when not bound. */
  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
