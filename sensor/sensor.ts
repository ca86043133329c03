/**
 * The sensor: BOOT a few times right after start (UDP may drop one), then a PING every
 * interval with a little jitter. Deliberately small: Node's own modules only, no logger
 * library, so it starts fast on a small gateway.
 *
 * The server's name is looked up again before every datagram, so a changed DNS record (a
 * dynamic address, a moved VM) is followed without a restart. Network trouble is logged
 * once when it starts, once when it changes, and once when it ends, never per datagram.
 *
 * With `"transport": "http"` each datagram is posted to the server's `POST /api/v1/nm1`
 * instead, for networks that drop outbound UDP. `"auto"` sends UDP: that is what works for a
 * sensor that can always send it (the shell sensor has to look for a tool first).
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { encode, type DatagramType } from '../shared/nm1.js';
import { encodeCheck } from '../shared/nm1Check.js';
import { CheckReports, type CheckPayload } from './checkReports.js';
import type { CheckStatus } from './checks/result.js';
import type { SensorConfig } from './config.js';

export const BOOT_REPEATS = 3;
export const BOOT_SPACING_MS = 2000;
export const JITTER = 0.05;
/** A POST that has not been answered by then is given up; the next heartbeat is a new try. */
export const POST_TIMEOUT_MS = 10_000;

export type SensorLog = (message: string) => void;

export interface SensorOptions {
  config: SensorConfig;
  boot: number;
  log: SensorLog;
  /** Reads the host's uptime in seconds; null when it cannot be known. */
  uptime?: () => Promise<number | null>;
  random?: () => number;
}

export async function procUptime(): Promise<number | null> {
  try {
    const first = (await readFile('/proc/uptime', 'utf8')).split(' ')[0];
    const value = Number(first);
    return Number.isFinite(value) && value >= 0 ? value : null;
  } catch {
    return null;
  }
}

export class Sensor {
  private seq = 0;
  private socket4: Socket | null = null;
  private socket6: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private problem: string | null = null;
  private lastAddress: string | null = null;
  private stopped = false;
  sent = 0;
  /** The gateway checks' states, told to the server (CHECK datagrams) on change and with every heartbeat. */
  readonly checks = new CheckReports();

  constructor(private readonly options: SensorOptions) {}

  /** Sends the BOOT datagrams, then keeps sending PINGs until stop(). */
  start(): void {
    const { config, boot, log } = this.options;
    const target = config.transport === 'http' ? config.nm1Url : `${config.server}:${config.port}`;
    log(`sensor ${config.id} boot ${boot}: heartbeats to ${target} every ${config.intervalS}s`);
    let repeats = 0;
    const bootStep = (): void => {
      void this.send('BOOT');
      repeats++;
      const spacing = Math.min(BOOT_SPACING_MS, config.intervalS * 1000);
      this.timer = repeats < BOOT_REPEATS ? setTimeout(bootStep, spacing) : setTimeout(pingStep, this.nextDelayMs());
    };
    const pingStep = (): void => {
      void this.send('PING').then(() => this.repeatChecks());
      this.timer = setTimeout(pingStep, this.nextDelayMs());
    };
    bootStep();
  }

  /** Stops sending. Safe to call more than once (SIGINT and SIGTERM may both arrive). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.socket4?.close();
    this.socket6?.close();
  }

  /** The interval, give or take 5 %, so that many sensors restarted together spread out. */
  nextDelayMs(): number {
    const random = this.options.random ?? Math.random;
    return this.options.config.intervalS * 1000 * (1 + JITTER * (2 * random() - 1));
  }

  private socketFor(family: 4 | 6): Socket {
    const existing = family === 4 ? this.socket4 : this.socket6;
    if (existing !== null) return existing;
    const socket = createSocket(family === 4 ? 'udp4' : 'udp6');
    // ICMP errors for earlier datagrams surface here; they are reported like send errors.
    socket.on('error', (error) => this.trouble(`socket: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    socket.unref();
    if (family === 4) this.socket4 = socket;
    else this.socket6 = socket;
    return socket;
  }

  private trouble(problem: string | null): void {
    if (problem === this.problem) return;
    const { log } = this.options;
    if (problem === null) log(`network ok again: reaching ${this.lastAddress === null ? this.options.config.nm1Url : `${this.options.config.server} (${this.lastAddress})`}`);
    else log(`network problem: ${problem}; still trying every ${this.options.config.intervalS}s`);
    this.problem = problem;
  }

  /**
   * A check's run (sensor/checks/main.ts scheduleChecks): when its state changed, the
   * server is told at once; every state is repeated with the heartbeats anyway.
   */
  reportCheck(name: string, status: CheckStatus, detail: string, alertOn: { failure: boolean; recovery: boolean }): Promise<void> {
    if (!this.checks.update(name, status, detail, alertOn)) return Promise.resolve();
    return this.sendCheck(this.checks.payload(name)!);
  }

  /** Repeats every check's state, so that a lost CHECK datagram is repaired an interval later. */
  async repeatChecks(): Promise<void> {
    for (const payload of this.checks.all()) await this.sendCheck(payload);
  }

  /** One CHECK datagram, numbered in the heartbeats' (boot, seq) sequence. */
  sendCheck(payload: CheckPayload): Promise<void> {
    const { config, boot } = this.options;
    return this.sendDatagram(() => encodeCheck({ sensor: config.id, boot, seq: this.seq, ...payload }, config.key));
  }

  /** Sends one heartbeat; resolves once it was handed to the kernel or failed. */
  async send(type: DatagramType): Promise<void> {
    if (this.stopped) return;
    const { config, boot } = this.options;
    const uptime = await (this.options.uptime ?? procUptime)();
    await this.sendDatagram(() => encode({ sensor: config.id, boot, seq: this.seq, type, uptime, interval: config.intervalS }, config.key));
  }

  /** Makes the next datagram (with the next seq) and sends it by the configured transport. */
  private async sendDatagram(make: () => Buffer): Promise<void> {
    if (this.stopped) return;
    const { config } = this.options;
    const datagram = make();
    this.seq++;
    if (config.transport === 'http') return this.post(datagram, config.nm1Url!);
    let target: { address: string; family: number };
    try {
      target = await lookup(config.server);
    } catch (error) {
      this.trouble(`cannot resolve ${config.server} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return;
    }
    if (this.stopped) return;
    if (this.lastAddress !== null && this.lastAddress !== target.address) {
      this.options.log(`${config.server} now resolves to ${target.address} (was ${this.lastAddress})`);
    }
    this.lastAddress = target.address;
    const socket = this.socketFor(target.family === 6 ? 6 : 4);
    await new Promise<void>((resolve) => {
      socket.send(datagram, config.port, target.address, (error) => {
        if (error !== null && error !== undefined) this.trouble(`cannot send to ${target.address}:${config.port} (${(error as NodeJS.ErrnoException).code ?? error.message})`);
        else {
          this.sent++;
          this.trouble(null);
        }
        resolve();
      });
    });
  }

  /** NM1 over HTTP(S): one POST; anything but 204 is trouble, named by the server's one-word reason. */
  private post(datagram: Buffer, url: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const answered = (response: IncomingMessage): void => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (body.length < 64) body += chunk;
        });
        response.on('end', () => {
          if (response.statusCode === 204) {
            this.sent++;
            this.trouble(null);
          } else {
            // The answer is a word such as "replay"; anything else from a stranger is not logged.
            const word = /^[a-z-]{1,32}$/.test(body) ? ` ${body}` : '';
            this.trouble(`${url} answered ${response.statusCode}${word}`);
          }
          resolve();
        });
      };
      const send = url.startsWith('https:') ? httpsRequest : httpRequest;
      const request = send(url, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': datagram.length }, timeout: POST_TIMEOUT_MS }, answered);
      request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      request.on('error', (error: NodeJS.ErrnoException) => {
        this.trouble(`cannot post to ${url} (${error.code ?? error.message})`);
        resolve();
      });
      request.end(datagram);
    });
  }
}
