/**
 * The socket listens before the logs are read: heartbeats that arrive while a large fleet's
 * logs are read are judged at once (keys, replay windows), held, and put through the state
 * machine once the logs say how each client was. Real UDP on loopback, the server in
 * process with real log files.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeLine } from '../../log/records.js';
import { validateServerConfig } from '../../server/config/server.js';
import { createServer } from '../../server/main.js';
import { readLog, tempDir } from '../helpers.js';
import { captureLogger } from '../peers/logger.js';
import { sleep, TestSensor } from '../peers/udp.js';

const CLIENTS = 2000;
const key = (i: number): Buffer => createHash('sha256').update(`held-${i}`).digest();

t.test('a BOOT heard while the logs are read is kept over a later PING and logged as the recovery of a client that was down', async (t) => {
  const dir = tempDir();
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  for (let i = 0; i < CLIENTS; i++) {
    writeFileSync(join(logs, `shop-${i}.nmlog`),
      encodeLine({ type: 'up', at: hourAgo, id: `up-${i}`, last_up: null, outage_s: null, first: true, boot: 1, interval: 30, addr: '127.0.0.1' }) +
      encodeLine({ type: 'down', at: hourAgo, id: `down-${i}`, last_up: hourAgo, down_interval_s: 60, interval: 30, boot: 1 }) +
      encodeLine({ type: 'delivered', at: hourAgo, ref: `down-${i}`, channel: 'email' }));
  }
  const clients = Object.fromEntries(Array.from({ length: CLIENTS }, (_, i) => [`shop-${i}`, { key: key(i).toString('hex') }]));
  const config = validateServerConfig({ client_log_dir: logs, listen_address: '127.0.0.1', listen_port: 0, source_rate_limit: 0, down_interval: 3600, clients, alert_limits: { storm_hold: 0 } }, join(dir, 'server.json'));
  const { logger, lines } = captureLogger();
  const server = createServer({ config, logger });
  const started = server.start();
  let port = 0;
  for (const giveUp = Date.now() + 30_000; port === 0; ) {
    if (Date.now() > giveUp) throw new Error('no "receiving" line');
    port = Number(/receiving on \S+:(\d+)/.exec(lines.join('\n'))?.[1] ?? 0);
    if (port === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  t.notOk(lines.some((line) => line.includes('listening on')), 'the logs are still being read');
  const sensor = new TestSensor('shop-0', key(0), port, 2);
  t.teardown(() => sensor.close());
  await sensor.ping('BOOT');
  await sensor.ping('PING');
  await sensor.send(Buffer.from('NM1 shop-1 2 0 BOOT 1.00 30 00000000000000000000000000000000'));
  await started;
  t.teardown(() => server.stop());
  await sleep(100);
  await server.logs.settle();
  t.ok(lines.some((line) => line === 'info 1 client(s) heard while the logs were read'), 'the heartbeats waited for the logs');
  const stats = server.stats();
  t.equal(stats.refused['bad-mac'], 1, 'a forged datagram is refused while the logs are read, and never held');
  t.equal(stats.clients.up, 1, 'only the sensor heard is up');
  const records = readLog(join(logs, 'shop-0.nmlog'));
  t.match(records.slice(3), [{ type: 'up', first: false, boot: 2 }, { type: 'boot', boot: 2 }], 'its recovery and its boot are logged after the down');
  t.ok((records[3]!.outage_s as number) >= 3599, `the outage spans the hour it was down (${String(records[3]!.outage_s)} s)`);
  const start = readLog(join(logs, '@server.nmlog')).find((r) => r.type === 'start')!;
  t.ok(Date.parse(records[3]!.at) >= Date.parse(start.at), 'and is put through once the logs are read');
});
