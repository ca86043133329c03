/**
 * `netmonitor demo`: netmonitor's whole job on one machine, with nothing to set up. A server
 * and a sensor run on loopback; the sensor falls silent (the "outage") and comes back; the
 * down and recovery alerts land in a local outbox file, since no SMTP server is configured.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateSensorConfig } from '../sensor/config.js';
import { Sensor } from '../sensor/sensor.js';
import { validateServerConfig } from '../server/config/server.js';
import { createLogger } from '../server/logger.js';
import { createServer } from '../server/main.js';

const SENSOR_ID = 'demo-gateway';

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the demo timed out waiting for an alert');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function runDemo(options: { dir?: string | undefined; downSeconds: number }): Promise<void> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'netmonitor-demo-')));
  const key = randomBytes(32).toString('hex');
  const rawConfig = {
    client_log_dir: join(dir, 'logs'),
    listen_address: '127.0.0.1',
    listen_port: 0,
    down_interval: { seconds: options.downSeconds },
    alert_outbox: join(dir, 'outbox.mbox'),
    clients: { [SENSOR_ID]: { key } },
  };
  const configPath = join(dir, 'server.json');
  await writeFile(configPath, JSON.stringify(rawConfig, null, 2));
  const say = (text: string): void => console.log(`\n== ${text}`);

  say(`demo folder ${dir}; server config ${configPath}`);
  const server = createServer({ config: validateServerConfig(rawConfig, configPath), logger: createLogger() });
  const { port } = await server.start();
  const sensorConfig = validateSensorConfig({ server: '127.0.0.1', port, id: SENSOR_ID, key, interval: 1, state_file: join(dir, 'sensor-state.json') }, configPath);
  const log = (message: string): void => console.log(`sensor: ${message}`);

  say('a sensor starts sending heartbeats every second');
  let sensor = new Sensor({ config: sensorConfig, boot: 1, log });
  sensor.start();
  await new Promise((resolve) => setTimeout(resolve, 3000));

  say(`the sensor goes silent: the "internet" is down; the server alerts after ${options.downSeconds}s of silence`);
  sensor.stop();
  await until(() => server.outbox.counts.sent >= 1, (options.downSeconds + 10) * 1000);

  say('the sensor comes back (a new boot, as after a power cut); the server sends the recovery');
  // The gateway "rebooted": its new BOOT carries a small uptime, so a report calls it power.
  sensor = new Sensor({ config: sensorConfig, boot: 2, log, uptime: async () => 3 });
  sensor.start();
  await until(() => server.outbox.counts.sent >= 2, 10_000);
  sensor.stop();
  await server.stop();

  say(`the alerts, as they would be e-mailed (${rawConfig.alert_outbox}):`);
  // Undo quoted-printable soft line breaks so each alert reads as one line.
  const mbox = (await readFile(rawConfig.alert_outbox, 'utf8')).replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  console.log(mbox.split('\n').filter((line) => /^(Subject:|Message-ID:|To:)/i.test(line) || /is (DOWN|UP)/.test(line)).join('\n'));
  say(`the durable per-client log (${join(rawConfig.client_log_dir, `${SENSOR_ID}.nmlog`)}):`);
  console.log(await readFile(join(rawConfig.client_log_dir, `${SENSOR_ID}.nmlog`), 'utf8'));
}
