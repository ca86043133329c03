/** A winston logger whose lines the test can read. */
import { Writable } from 'node:stream';
import winston from 'winston';

export function captureLogger(): { logger: winston.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8').trim());
      done();
    },
  });
  const logger = winston.createLogger({
    format: winston.format.printf(({ level, message }) => `${level} ${String(message)}`),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, lines };
}
