/**
 * A down alert that goes out alone says ISP-wide when others of its group are down already:
 * the real server process, four sensors of one group on loopback UDP, alerts to the mbox file.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers.js';
import { startServer, writeConfig } from '../../peers/serverProcess.js';
import { sleep, TestSensor } from '../../peers/udp.js';

/** The bodies of the alerts in the mbox whose subject is `subject`. */
function bodies(mbox: string, subject: string): string[] {
  if (!existsSync(mbox)) return [];
  return readFileSync(mbox, 'utf8')
    .split(/^From netmonitor /m)
    .filter((mail) => mail.includes(`\nSubject: ${subject}\n`))
    .map((mail) => mail.slice(mail.search(/\r?\n\r?\n/)).trim());
}

t.test('the second of four clients of a group to go down is alerted alone as ISP-wide, with since when; the first is not', async (t) => {
  const dir = tempDir();
  const mbox = join(dir, 'outbox.mbox');
  const keys = new Map(['gw-1', 'gw-2', 'gw-3', 'gw-4'].map((id) => [id, randomBytes(32)]));
  const config = writeConfig(dir, {
    client_log_dir: join(dir, 'logs'), listen_port: 0, listen_address: '127.0.0.1', down_interval: 1, alert_outbox: mbox, alert_timezone: 'UTC',
    alert_limits: { storm_hold: 0 },
    clients: Object.fromEntries([...keys].map(([id, key]) => [id, { key: key.toString('hex'), group: 'comcast-denver' }])),
  });
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  const sensors = new Map([...keys].map(([id, key]) => [id, new TestSensor(id, key, server.port)]));
  t.teardown(() => sensors.forEach((sensor) => sensor.close()));
  const until = async (condition: () => boolean): Promise<void> => {
    for (let waited = 0; !condition(); waited += 50) {
      if (waited > 15_000) throw new Error('condition not met in time');
      await sleep(50);
    }
  };
  /** Heartbeats every 300 ms from the sensors not yet silenced. */
  const silent = new Set<string>();
  let running = true;
  const beating = (async () => {
    for (let first = true; running; first = false) {
      for (const [id, sensor] of sensors) if (!silent.has(id)) await sensor.ping(first ? 'BOOT' : 'PING');
      await sleep(300);
    }
  })();
  t.teardown(async () => {
    running = false;
    await beating;
  });
  await sleep(900);
  silent.add('gw-1');
  const firstSilence = Date.now();
  await until(() => bodies(mbox, 'DOWN: gw-1').length === 1);
  silent.add('gw-2');
  await until(() => bodies(mbox, 'DOWN: gw-2').length === 1);
  const [first] = bodies(mbox, 'DOWN: gw-1');
  const [second] = bodies(mbox, 'DOWN: gw-2');
  t.match(first, /^gw-1 is DOWN: no heartbeat for 1s\./, 'alone in its group when it went down: nothing to add');
  const since = new Date(firstSilence - 400).toISOString().slice(11, 16);
  const sinceLater = new Date(firstSilence).toISOString().slice(11, 16);
  t.match(second, new RegExp(`^ISP-wide: 2 of 4 clients of group comcast-denver down since (${since}|${sinceLater})\\. gw-2 is DOWN: `));
  t.ok(second!.length <= 160, 'one SMS');
});
