/**
 * A fleet heard for the first time: the first 100 "is UP (first heartbeat)" lines are logged
 * one by one and the rest are summarised with their count, while every client is tracked
 * and logged on disk as usual. The clock stands still (a fake, the one thing not real here):
 * the budget refills each second, and on a loaded machine writing 350 new logs can take
 * longer than that, which would let a 101st line through.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { validateServerConfig } from '../../server/config/server.js';
import { NetmonitorServer } from '../../server/server.js';
import { encode } from '../../shared/nm1.js';
import { readLog, tempDir } from '../helpers.js';
import { FakeClock } from '../peers/fakeClock.js';
import { captureLogger } from '../peers/logger.js';

t.test('350 sensors heard at once give 100 first-heartbeat lines and one summary of the other 250', async (t) => {
  const dir = tempDir();
  const key = (i: number): Buffer => createHash('sha256').update(`fleet-${i}`).digest();
  const clients = Object.fromEntries(Array.from({ length: 350 }, (_, i) => [`shop-${i}`, { key: key(i).toString('hex') }]));
  const config = validateServerConfig({ client_log_dir: join(dir, 'logs'), listen_address: '127.0.0.1', listen_port: 0, source_rate_limit: 0, clients }, join(dir, 'server.json'));
  const { logger, lines } = captureLogger();
  const server = new NetmonitorServer({ config, logger, clock: new FakeClock(Date.now()) });
  await server.start();
  for (let i = 0; i < 350; i++) server.receive(encode({ sensor: `shop-${i}`, boot: 1, seq: 1, type: 'BOOT', uptime: 5, interval: 30 }, key(i)), '127.0.0.1');
  await server.logs.settle();
  await server.stop();
  const firstLines = lines.filter((line) => line.includes('is UP (first heartbeat)'));
  t.equal(firstLines.length, 100, 'the first hundred one by one');
  t.match(lines.filter((line) => line.includes('heard for the first time')), ['info 250 more client(s) heard for the first time (not logged one by one)']);
  t.equal(server.stats().clients.up, 350, 'every client is up');
  t.match(readLog(join(dir, 'logs', 'shop-349.nmlog')), [{ type: 'up', first: true }, { type: 'boot' }], 'and has its records on disk');
});
