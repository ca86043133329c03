/** `netmonitor keygen`: a new sensor id and key, printed as the two config snippets that use them. */
import { randomBytes } from 'node:crypto';

export interface KeygenOptions {
  id?: string | undefined;
  server?: string | undefined;
  port?: number | undefined;
}

export function keygen(options: KeygenOptions, random: (n: number) => Buffer = randomBytes): string {
  const id = options.id ?? `sensor-${random(3).toString('hex')}`;
  const key = random(32).toString('hex');
  const sensor = { server: options.server ?? 'monitor.example.net', port: options.port ?? 7777, id, key, interval: 30 };
  return [
    `# On the gateway: the sensor's config file (for example /etc/netmonitor/sensor.json)`,
    JSON.stringify(sensor, null, 2),
    '',
    `# On the server: add this entry to "clients" in its config file`,
    `${JSON.stringify(id)}: ${JSON.stringify({ key })}`,
    '',
  ].join('\n');
}
