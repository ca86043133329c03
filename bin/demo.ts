/**
 * `netmonitor demo`: netmonitor's whole job on one machine, with nothing to set up. A server
 * and a sensor run on loopback; the sensor falls silent (the "outage") and comes back; the
 * down and recovery alerts land in a local outbox file, since no SMTP server is configured.
 *
 * A temporary folder is removed at the end. With `--dir` the files stay, and a second run
 * in the same folder goes on from the first: the sensor's boot counter is kept in the
 * folder (as on a real gateway), so the server takes its datagrams as new ones, and only
 * what this run added to the outbox and the log is shown.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextBoot } from '../sensor/bootCounter.js';
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

/** The size of a file, 0 when it does not exist yet. */
async function sizeOf(path: string): Promise<number> {
  return stat(path).then((info) => info.size, () => 0);
}

/** What was appended to `path` after it had `from` bytes. */
async function addedTo(path: string, from: number): Promise<string> {
  return (await readFile(path)).subarray(from).toString('utf8');
}

export async function runDemo(options: { dir?: string | undefined; downSeconds: number }): Promise<void> {
  const temporary = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'netmonitor-demo-')));
  try {
    await demoIn(dir, options.downSeconds);
  } finally {
    if (temporary) await rm(dir, { recursive: true, force: true });
  }
  if (temporary) console.log(`\n== removed the demo folder ${dir} (run with --dir FOLDER to keep the files)`);
}

async function demoIn(dir: string, downSeconds: number): Promise<void> {
  const key = randomBytes(32).toString('hex');
  const rawConfig = {
    client_log_dir: join(dir, 'logs'),
    listen_address: '127.0.0.1',
    listen_port: 0,
    down_interval: { seconds: downSeconds },
    alert_outbox: join(dir, 'outbox.mbox'),
    // One sensor: no storm to wait for, and the demo shows the alert as soon as it is due.
    alert_limits: { storm_hold: 0 },
    clients: { [SENSOR_ID]: { key } },
  };
  const configPath = join(dir, 'server.json');
  await writeFile(configPath, JSON.stringify(rawConfig, null, 2));
  const logPath = join(rawConfig.client_log_dir, `${SENSOR_ID}.nmlog`);
  const before = { outbox: await sizeOf(rawConfig.alert_outbox), log: await sizeOf(logPath) };
  const say = (text: string): void => console.log(`\n== ${text}`);

  say(`demo folder ${dir}; server config ${configPath}`);
  const server = createServer({ config: validateServerConfig(rawConfig, configPath), logger: createLogger() });
  const { port } = await server.start();
  const sensorConfig = validateSensorConfig({ server: '127.0.0.1', port, id: SENSOR_ID, key, interval: 1, state_file: join(dir, 'sensor-state.json') }, configPath);
  const log = (message: string): void => console.log(`sensor: ${message}`);

  say('a sensor starts sending heartbeats every second');
  let sensor = new Sensor({ config: sensorConfig, boot: await nextBoot(sensorConfig.stateFile), log });
  sensor.start();
  await new Promise((resolve) => setTimeout(resolve, 3000));

  say(`the sensor goes silent: the "internet" is down; the server alerts after ${downSeconds}s of silence`);
  sensor.stop();
  await until(() => server.outbox.counts.sent >= 1, (downSeconds + 10) * 1000);

  say('the sensor comes back (a new boot, as after a power cut); the server sends the recovery');
  // The gateway "rebooted": its new BOOT carries a small uptime, so a report calls it power.
  sensor = new Sensor({ config: sensorConfig, boot: await nextBoot(sensorConfig.stateFile), log, uptime: async () => 3 });
  sensor.start();
  await until(() => server.outbox.counts.sent >= 2, 10_000);
  sensor.stop();
  await server.stop();

  say(`the alerts, as they would be e-mailed (${rawConfig.alert_outbox}):`);
  // Undo quoted-printable soft line breaks so each alert reads as one line.
  const mbox = (await addedTo(rawConfig.alert_outbox, before.outbox)).replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  console.log(mbox.split('\n').filter((line) => /^(Subject:|Message-ID:|To:)/i.test(line) || /is (DOWN|UP)/.test(line)).join('\n'));
  say(`the durable per-client log (${logPath})${before.log > 0 ? ', what this run added' : ''}:`);
  console.log(await addedTo(logPath, before.log));
}
