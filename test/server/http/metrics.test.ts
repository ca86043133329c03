import t from 'tap';
import { join } from 'node:path';
import { validateServerConfig } from '../../../server/config/server.js';
import { metricsRegistry } from '../../../server/http/metrics.js';
import { createServer } from '../../../server/main.js';
import { tempDir } from '../../helpers.js';
import { captureLogger } from '../../peers/logger.js';

t.test('a scrape reads the server counts once, and every metric shows that one reading', async (t) => {
  const dir = tempDir();
  const config = validateServerConfig(
    { client_log_dir: join(dir, 'logs'), listen_address: '127.0.0.1', listen_port: 0, alert_outbox: join(dir, 'outbox.mbox'), clients: { '192.0.2.7': { legacy: true } } },
    join(dir, 'server.json'),
  );
  const server = createServer({ config, logger: captureLogger().logger });
  await server.start();
  t.teardown(() => server.stop());
  const metrics = metricsRegistry(server, () => 0);
  const real = server.stats.bind(server);
  let reads = 0;
  server.stats = () => {
    reads++;
    return real();
  };
  server.receive(Buffer.from('PING'), '192.0.2.7');
  server.receive(Buffer.from('junk'), '198.51.100.1');
  const text = await metrics.metrics();
  t.equal(reads, 1, 'one stats() for the whole scrape');
  t.match(text, /netmonitor_clients\{state="up"\} 1/);
  t.match(text, /netmonitor_heartbeats_accepted_total 1/);
  t.match(text, /netmonitor_datagrams_refused_total\{reason="[a-z-]+"\} 1/);
  t.match(text, /netmonitor_log_errors 0/);
});

t.test('a scrape shows the heartbeats sent and lost while up over the closed quality periods', async (t) => {
  const dir = tempDir();
  const config = validateServerConfig({ client_log_dir: join(dir, 'logs'), listen_address: '127.0.0.1', listen_port: 0, alert_outbox: join(dir, 'outbox.mbox') }, join(dir, 'server.json'));
  const server = createServer({ config, logger: captureLogger().logger });
  await server.start();
  t.teardown(() => server.stop());
  const real = server.stats.bind(server);
  // The counts themselves are the server's (test/server/quality.test.ts); here only how a scrape shows them.
  server.stats = () => ({ ...real(), heartbeats_expected: 360, heartbeats_lost: 7 });
  const text = await metricsRegistry(server, () => 0).metrics();
  t.match(text, /netmonitor_heartbeats_expected_total 360/);
  t.match(text, /netmonitor_heartbeats_lost_total 7/);
});
