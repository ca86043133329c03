import t from 'tap';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, tempDir } from '../helpers.js';

/**
 * Loader hooks for the child: every module resolution is appended to a file, so the test
 * sees everything `netmonitor sensor` loads, however deep the import.
 */
const HOOKS = `
import { appendFileSync } from 'node:fs';
let logFile;
export async function initialize(data) { logFile = data.logFile; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(logFile, specifier + ' ' + result.url + '\\n');
  return result;
}`;
const REGISTER = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { logFile: process.env.NETMONITOR_TEST_RESOLVE_LOG } });`;

t.test('`netmonitor sensor` loads no server-side module or dependency', async (t) => {
  const dir = tempDir();
  const server = createSocket('udp4');
  server.bind(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const configPath = join(dir, 'sensor.json');
  writeFileSync(configPath, JSON.stringify({ server: '127.0.0.1', port: server.address().port, id: 'home-gw', key: 'cd'.repeat(32), interval: 1, state_file: join(dir, 'state.json') }));
  const resolveLog = join(dir, 'resolved.txt');
  writeFileSync(resolveLog, '');

  const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, cliPath, 'sensor', '--config', configPath], {
    env: { ...process.env, NETMONITOR_TEST_RESOLVE_LOG: resolveLog, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit');
  // The first heartbeat shows the sensor is fully running; then stop it as systemd would.
  const first = once(server, 'message');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await Promise.race([first, exited]);
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  clearTimeout(timer);
  t.equal(code, 0, stderr);

  const resolved = readFileSync(resolveLog, 'utf8');
  t.match(resolved, '/build/sensor/sensor.js', 'the hook saw the sensor load');
  for (const forbidden of ['nodemailer', 'winston', 'luxon', '/build/server/']) {
    t.notMatch(resolved, forbidden, `${forbidden} is not loaded`);
  }
});
