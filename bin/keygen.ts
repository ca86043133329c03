/** `netmonitor keygen`: a new sensor id and key, printed as the two config snippets that use them. */
import { createHash, randomBytes } from 'node:crypto';

export interface KeygenOptions {
  id?: string | undefined;
  server?: string | undefined;
  port?: number | undefined;
}

/** A new sensor: its id (random unless given), its key, and its config file's usual settings. */
function newSensor(options: KeygenOptions, random: (n: number) => Buffer) {
  const id = options.id ?? `sensor-${random(3).toString('hex')}`;
  const key = random(32).toString('hex');
  const server = options.server ?? 'monitor.example.net';
  return { id, key, sensor: { server, port: options.port ?? 7777, id, key, interval: 30 } };
}

export function keygen(options: KeygenOptions, random: (n: number) => Buffer = randomBytes): string {
  const { id, key, sensor } = newSensor(options, random);
  return [
    `# On the gateway: the sensor's config file (for example /etc/netmonitor/sensor.json)`,
    JSON.stringify(sensor, null, 2),
    '',
    `# On the server: add this entry to "clients" in its config file`,
    `${JSON.stringify(id)}: ${JSON.stringify({ key })}`,
    '',
  ].join('\n');
}

export interface ShellKeygenOptions extends KeygenOptions {
  /** The server's HTTP address, which `"transport": "auto"` falls back to. */
  url?: string | undefined;
  /** Where the router is reached by ssh (default: OpenWrt's LAN address). */
  router?: string | undefined;
}

/**
 * `netmonitor keygen --shell`: a new sensor for a gateway without Node, printed as the
 * server's clients entry, the sensor config `netmonitor sensor-script` reads, and the
 * commands that put the script and its procd init script on an OpenWrt router.
 */
export function keygenShell(options: ShellKeygenOptions, random: (n: number) => Buffer = randomBytes): string {
  const { id, key, sensor } = newSensor(options, random);
  const router = options.router ?? 'root@192.168.1.1';
  const config = {
    ...sensor,
    transport: 'auto',
    http_url: baseUrl(options.url ?? `https://${sensor.server}:8443`),
    state_file: '/etc/netmonitor/sensor-state.json',
  };
  return [
    `# On the server: add this entry to "clients" in its config file`,
    `${JSON.stringify(id)}: ${JSON.stringify({ key })}`,
    '',
    `# Where netmonitor is installed: the sensor's config, ${id}.json (it holds the key: mode 0600)`,
    JSON.stringify(config, null, 2),
    '',
    `# Make the shell sensor from it and put it on the router (OpenWrt's dropbear needs scp -O)`,
    `netmonitor sensor-script --config ${id}.json --output ${id}.sh`,
    `ssh ${router} 'mkdir -p /etc/netmonitor'`,
    `scp -O ${id}.sh ${router}:/etc/netmonitor/sensor.sh`,
    `scp -O "$(npm root -g)/netmonitor/sensor/script/netmonitor.init" ${router}:/etc/init.d/netmonitor`,
    `ssh ${router} 'chmod 600 /etc/netmonitor/sensor.sh && chmod 755 /etc/init.d/netmonitor && /etc/init.d/netmonitor enable && /etc/init.d/netmonitor start'`,
    '',
    `# Check it on the router: logread -e netmonitor; the server logs "${id} is UP (first heartbeat)"`,
    '',
    `# On a box with neither procd nor systemd, this crontab line starts it, and starts it again if it stops:`,
    `* * * * * /bin/sh /etc/netmonitor/sensor.sh --pidfile /var/run/netmonitor-sensor.pid >/dev/null 2>&1`,
    '',
  ].join('\n');
}

export interface HttpKeygenOptions {
  client: string;
  /** The server's HTTP address for the curl line (default: the listener's default). */
  url?: string | undefined;
}

/**
 * `netmonitor keygen --http CLIENT`: a new bearer token for an HTTP client, printed once.
 * Only its SHA-256 goes into the server's configuration, so the token itself is shown here
 * and nowhere else.
 */
export function keygenHttp(options: HttpKeygenOptions, random: (n: number) => Buffer = randomBytes): string {
  const { token, hash } = newToken(random);
  const base = baseUrl(options.url);
  const endpoint = `${base}/api/v1/heartbeat/${encodeURIComponent(options.client)}`;
  const curl = `curl -fsS -m 10 --retry 3 -X POST -H 'Authorization: Bearer ${token}' '${endpoint}'`;
  return [
    `# The token for ${options.client} (shown only now; the server keeps only its hash):`,
    token,
    '',
    `# On the server: add this entry to "clients" in its config file`,
    `${JSON.stringify(options.client)}: ${JSON.stringify({ token_sha256: hash })}`,
    '',
    `# On the client: one heartbeat (add ?status=fail to report a failure; a body up to 4 KiB is kept)`,
    curl,
    '',
    `# Or in its crontab: a heartbeat every 5 minutes (set down_interval above that)`,
    `*/5 * * * * ${curl} >/dev/null`,
    '',
  ].join('\n');
}

/**
 * `netmonitor keygen --admin`: a new admin token for the HTTP API's writes (and, with
 * `require_token_for_reads`, its reads), printed once with the `http` entry that takes its hash.
 */
export function keygenAdmin(options: { url?: string | undefined }, random: (n: number) => Buffer = randomBytes): string {
  const { token, hash } = newToken(random);
  return [
    `# The admin token (shown only now; the server keeps only its hash). Keep it like a password:`,
    token,
    '',
    `# On the server: add this entry to the "http" section of its config file`,
    `"admin_token_sha256": ${JSON.stringify(hash)}`,
    '',
    `# Then: enter the token at the bottom of the dashboard, or send it with API writes, e.g.`,
    `curl -fsS -X PATCH -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' -d '{"down_interval": "5m"}' '${baseUrl(options.url)}/api/v1/clients/CLIENT'`,
    '',
  ].join('\n');
}

/** A new bearer token and the SHA-256 (hex) the server keeps of it. */
function newToken(random: (n: number) => Buffer): { token: string; hash: string } {
  const token = random(32).toString('base64url');
  return { token, hash: createHash('sha256').update(token).digest('hex') };
}

const baseUrl = (url: string | undefined): string => (url ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');

/**
 * `netmonitor keygen --librenms`: the bearer token LibreNMS's alert transport sends to
 * `POST /api/v1/librenms/alert`, printed once with the transport's settings.
 */
export function keygenLibrenms(options: { url?: string | undefined }, random: (n: number) => Buffer = randomBytes): string {
  const { token, hash } = newToken(random);
  return [
    `# The token LibreNMS's alert transport sends (shown only now; the server keeps only its hash):`,
    token,
    '',
    `# On the server: add this entry to the "librenms" section of its config file`,
    `"alert_token_sha256": ${JSON.stringify(hash)}`,
    '',
    `# In LibreNMS: Alerts > Alert Transports > Create alert transport, type API, with`,
    `API Method:  POST`,
    `API URL:     ${baseUrl(options.url)}/api/v1/librenms/alert`,
    `headers:     Authorization=Bearer ${token}`,
    `             Content-Type=application/json`,
    `body:        {"device_id": {{ $device_id }}, "hostname": "{{ $hostname }}", "ip": "{{ $ip }}"}`,
    '',
  ].join('\n');
}
