import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { keygen } from '../../bin/keygen.js';
import { validateSensorConfig } from '../../sensor/config.js';
import { validateServerConfig } from '../../server/config/server.js';
import type { JsonObject } from '../../shared/configCheck.js';
import { tokenMatches } from '../../server/http/auth.js';
import { validateLibrenms } from '../../server/config/supervision.js';
import { cliPath, hasKey } from '../helpers.js';

/** The two snippets keygen prints: the sensor's config file and the server's clients entry. */
function snippets(output: string): { sensor: JsonObject; clients: JsonObject } {
  const blocks = output.split(/^#.*$/m).map((block) => block.trim()).filter((block) => block !== '');
  if (blocks.length !== 2) throw new Error(`expected two snippets, got ${blocks.length}:\n${output}`);
  return { sensor: JSON.parse(blocks[0]!) as JsonObject, clients: JSON.parse(`{${blocks[1]!}}`) as JsonObject };
}

function check(t: Test, output: string): void {
  const { sensor, clients } = snippets(output);
  const sensorConfig = validateSensorConfig(sensor, '/etc/netmonitor/sensor.json', { STATE_DIRECTORY: '/var/lib/netmonitor' });
  const serverConfig = validateServerConfig({ client_log_dir: '/var/log/netmonitor', clients }, '/etc/netmonitor/server.json', {});
  const client = serverConfig.clients[0]!;
  t.equal(client.id, sensorConfig.id, 'the clients entry is named by the sensor id');
  t.ok(hasKey(serverConfig, client, sensorConfig.key), "the server's key is the sensor's key");
}

t.test("keygen's snippets are accepted by both sides and share one key", async (t) => {
  check(t, keygen({ id: 'home-gw', server: 'monitor.example.net', port: 7777 }));
});

t.test('keygen with no options makes a valid random id', async (t) => {
  const output = keygen({});
  check(t, output);
  t.match(snippets(output).sensor, { id: /^sensor-[0-9a-f]{6}$/ });
});

t.test('two runs of keygen make different keys', async (t) => {
  t.not(snippets(keygen({ id: 'a' })).sensor.key, snippets(keygen({ id: 'a' })).sensor.key);
});

t.test('`netmonitor keygen` prints the same snippets, and refuses a bad id with exit 2', async (t) => {
  const ok = spawnSync(process.execPath, [cliPath, 'keygen', '--id', 'home-gw', '--port', '7000'], { encoding: 'utf8' });
  t.equal(ok.status, 0, ok.stderr);
  check(t, ok.stdout);
  t.equal(snippets(ok.stdout).sensor.port, 7000);
  const bad = spawnSync(process.execPath, [cliPath, 'keygen', '--id', 'home gw!'], { encoding: 'utf8' });
  t.equal(bad.status, 2, bad.stderr);
});

/** Runs `netmonitor keygen ARGS`: its lines and the token printed under the heading starting with `heading`. */
function printedToken(t: Test, args: string[], heading: string): { output: string; lines: string[]; token: string } {
  const run = spawnSync(process.execPath, [cliPath, 'keygen', ...args], { encoding: 'utf8' });
  t.equal(run.status, 0, run.stderr);
  const lines = run.stdout.split('\n');
  const token = lines[lines.findIndex((line) => line.startsWith(heading)) + 1]!;
  t.match(token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes');
  return { output: run.stdout, lines, token };
}

t.test('`netmonitor keygen --librenms` prints a token, the hash the librenms section accepts, and the transport that sends it', async (t) => {
  const { lines, token } = printedToken(t, ['--librenms', '--url', 'http://monitor.lan:8080/'], '# The token');
  const entry = lines.find((line) => line.startsWith('"alert_token_sha256"'))!;
  const { alert_token_sha256: hash } = JSON.parse(`{${entry}}`) as { alert_token_sha256: string };
  const section = validateLibrenms({ url: 'http://librenms.lan', token: 'api', alert_token_sha256: hash }, '/etc/netmonitor');
  t.ok(tokenMatches(token, section.alertTokenSha256), 'the configured hash takes the printed token');
  t.ok(lines.includes(`headers:     Authorization=Bearer ${token}`), "in LibreNMS's header format");
  t.ok(lines.includes('API URL:     http://monitor.lan:8080/api/v1/librenms/alert'));
  const again = spawnSync(process.execPath, [cliPath, 'keygen', '--librenms'], { encoding: 'utf8' });
  t.notOk(again.stdout.includes(token), 'each run makes a new token');
});

t.test('`netmonitor keygen --admin` prints an admin token and the http entry that takes its hash, no client entry or crontab line', async (t) => {
  const { output, lines, token } = printedToken(t, ['--admin', '--url', 'http://monitor.lan:8080'], '# The admin token');
  const entry = lines.find((line) => line.startsWith('"admin_token_sha256"'))!;
  const http = JSON.parse(`{${entry}}`) as JsonObject;
  const config = validateServerConfig({ client_log_dir: '/var/log/netmonitor', http }, '/etc/netmonitor/server.json', {});
  t.ok(tokenMatches(token, config.http!.listener!.adminTokenSha256), 'the http section takes the printed token');
  t.notMatch(output, /"clients"|crontab|\/api\/v1\/heartbeat/, 'nothing of an HTTP client');
  t.match(output, "'http://monitor.lan:8080/api/v1/clients/CLIENT'");
  const both = spawnSync(process.execPath, [cliPath, 'keygen', '--admin', '--http', 'x'], { encoding: 'utf8' });
  t.equal(both.status, 2, 'not together with --http');
});

t.test('`netmonitor keygen --shell` prints a clients entry and a sensor config that share one key, and the commands that install the script', async (t) => {
  const run = spawnSync(process.execPath, [cliPath, 'keygen', '--shell', '--id', 'cabin', '--server', 'mon.example.net', '--router', 'root@10.0.0.1'], { encoding: 'utf8' });
  t.equal(run.status, 0, run.stderr);
  const [, clientsBlock, sensorBlock, commands] = run.stdout.split(/^# .*$/m).map((block) => block.trim());
  const sensorConfig = validateSensorConfig(JSON.parse(sensorBlock!) as JsonObject, '/x/cabin.json', {});
  const serverConfig = validateServerConfig({ client_log_dir: '/var/log/netmonitor', clients: JSON.parse(`{${clientsBlock!}}`) as JsonObject }, '/x/server.json', {});
  t.ok(hasKey(serverConfig, serverConfig.clients[0]!, sensorConfig.key), 'the same key on both sides');
  t.match(sensorConfig, { id: 'cabin', transport: 'auto', nm1Url: 'https://mon.example.net:8443/api/v1/nm1', stateFile: '/etc/netmonitor/sensor-state.json' }, 'falls back to HTTP, keeps the counter in flash');
  t.match(commands, 'netmonitor sensor-script --config cabin.json --output cabin.sh');
  t.match(commands, 'scp -O cabin.sh root@10.0.0.1:/etc/netmonitor/sensor.sh');
  t.match(commands, '/etc/init.d/netmonitor enable');
  t.match(run.stdout, /^\* \* \* \* \* \/bin\/sh \/etc\/netmonitor\/sensor.sh --pidfile \S+ >\/dev\/null 2>&1$/m, 'and the crontab line for a box without procd');
  const bad = spawnSync(process.execPath, [cliPath, 'keygen', '--shell', '--router', "x'; reboot"], { encoding: 'utf8' });
  t.equal(bad.status, 2, 'a router that is not an ssh destination is a usage error');
});
