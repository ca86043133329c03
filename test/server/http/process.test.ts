/**
 * The HTTP side in the real `netmonitor server` command: a token from `netmonitor keygen
 * --http`, heartbeats with curl (or fetch), a down e-mail to a real SMTP server, hostile
 * requests, bad configuration, and the self-check ping to a local HTTP server.
 */
import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliPath, tempDir } from '../../helpers.js';
import { writeConfig } from '../../peers/serverProcess.js';
import { startSmtpPeer } from '../../peers/smtp.js';
import { sleep } from '../../peers/udp.js';
import { bearer, httpConfig, newToken, sha256Hex, startProcess } from './peer.js';

const run = promisify(execFile);

t.test('a token from keygen --http works with its curl line, and a silent HTTP client gets a down e-mail like a sensor', async (t) => {
  const dir = tempDir();
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const keygen = spawnSync(process.execPath, [cliPath, 'keygen', '--http', 'nightly-backup', '--url', 'http://127.0.0.1:1'], { encoding: 'utf8' });
  t.equal(keygen.status, 0, keygen.stderr);
  const token = keygen.stdout.split('\n')[1]!;
  const entry = JSON.parse(`{${keygen.stdout.split('\n').find((line) => line.startsWith('"nightly-backup"'))!}}`) as Record<string, { token_sha256: string }>;
  t.equal(entry['nightly-backup']!.token_sha256, sha256Hex(token), 'the printed hash is the SHA-256 of the printed token');
  const server = await startProcess(dir, {
    client_log_dir: join(dir, 'logs'), listen_address: '127.0.0.1', listen_port: 0, down_interval: 2,
    smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_limits: { storm_hold: 0 }, alert_address: 'me@example.net',
    http: { port: 0 },
    clients: entry,
  });
  t.teardown(() => server.kill9());
  const curlLine = keygen.stdout.split('\n').find((line) => line.startsWith('curl '))!;
  t.match(curlLine, /^curl -fsS .*-X POST -H 'Authorization: Bearer [A-Za-z0-9_-]+' 'http:\/\/127\.0\.0\.1:1\/api\/v1\/heartbeat\/nightly-backup'$/);
  if (existsSync('/usr/bin/curl')) {
    // The printed line, with its quotes taken apart as a shell would, pointed at this server.
    const args = [...curlLine.slice('curl '.length).matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!).map((a) => a.replace('http://127.0.0.1:1', server.base));
    const { stdout } = await run('/usr/bin/curl', args);
    t.match(stdout, /"state":"up"/, 'curl brought the client up');
  } else {
    await fetch(`${server.base}/api/v1/heartbeat/nightly-backup`, { method: 'POST', headers: bearer(token) });
  }
  const [down] = await smtp.waitFor(1, 10_000);
  t.equal(down!.subject, 'DOWN: nightly-backup', 'the silence became a down e-mail');
  const { code } = await server.stop();
  t.equal(code, 0);
});

t.test('hostile requests never crash the server and never cause an alert', async (t) => {
  const dir = tempDir();
  const tokens = { admin: newToken(), cron: newToken() };
  const server = await startProcess(dir, httpConfig(dir, tokens, { down_interval: 60 }));
  t.teardown(() => server.kill9());
  const base = server.base;
  const attempts: Promise<unknown>[] = [];
  const paths = ['/api/v1/heartbeat/%E0%A4%A', '/api/v1/heartbeat/..%2F..%2Fetc%2Fpasswd', '/api/v1/clients/%00', '/' + 'a'.repeat(6000), '/api/v1/clients/cron-job/outages?since=%ZZ'];
  for (const path of paths) {
    attempts.push(fetch(base + path, { method: 'POST', headers: bearer('x') }).catch(() => null));
    attempts.push(fetch(base + path).catch(() => null));
  }
  attempts.push(fetch(`${base}/api/v1/clients/cron-job`, { method: 'PATCH', headers: bearer(tokens.admin), body: '{"schedule": {"days": "all"}}' }));
  attempts.push(fetch(`${base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: { Authorization: 'Bearer ' + 'z'.repeat(100_000) } }).catch(() => null));
  await Promise.all(attempts);
  // Raw garbage that is not HTTP at all.
  const url = new URL(base);
  await new Promise<void>((resolve) => {
    const socket = connect(Number(url.port), '127.0.0.1', () => socket.end('\x16\x03\x01 not http\r\n\r\n'));
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
  const health = await fetch(`${base}/api/v1/health`);
  t.equal(health.status, 200, 'the server still answers');
  const clients = (await (await fetch(`${base}/api/v1/clients`)).json()) as { clients: { id: string; state: string }[] };
  t.ok(clients.clients.every((c) => c.state === 'unknown'), 'no client changed state');
  const { code, output } = await server.stop();
  t.equal(code, 0);
  t.notMatch(output, /DOWN|Error: |at .*\.js:\d+/, 'no stack trace and no down in the log');
  t.match(output, /"accepted":0,.*"alerts":\{"sent":0,"failed":0/, 'nothing was accepted and no alert sent');
});

t.test('bad HTTP configuration stops the server with status 2 and names the key', async (t) => {
  const dir = tempDir();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ http: { port: 70000 } }, /http\.port/],
    [{ http: { admin_token_sha256: 'hunter2' } }, /http\.admin_token_sha256: .*its value is not shown/],
    [{ http: { listen_address: 'everywhere' } }, /http\.listen_address/],
    [{ http: { require_token_for_reads: true } }, /http\.require_token_for_reads/],
    [{ http: { colour: 'red' } }, /http\.colour/],
    [{ self_check_url: 'ftp://example.net/' }, /self_check_url/],
    [{ clients: { 'a-job': { token_sha256: 'xyz' } } }, /clients\.a-job\.token_sha256/],
    [{ clients: { office: { key: 'ab'.repeat(32), schedule: { days: ['mon'], start: '08:00', end: '17:00', timezone: 'Nowhere/City' } } } }, /clients\.office\.schedule\.timezone/],
    [{ clients: { office: { key: 'ab'.repeat(32), schedule: { days: ['someday'], start: '08:00', end: '17:00', timezone: 'UTC' } } } }, /clients\.office\.schedule\.days/],
    [{ clients: { office: { key: 'ab'.repeat(32), grace: 'soon' } } }, /clients\.office\.grace/],
  ];
  for (const [extra, key] of cases) {
    const config = writeConfig(dir, { client_log_dir: join(dir, 'logs'), ...extra });
    const result = spawnSync(process.execPath, [cliPath, 'server', '--config', config], { encoding: 'utf8' });
    t.equal(result.status, 2, `exit 2 for ${JSON.stringify(extra)}`);
    t.match(result.stderr, key);
    t.notMatch(result.stderr, /hunter2/, 'a secret-looking value is not repeated');
  }
});

t.test('while healthy the server pings self_check_url every interval', async (t) => {
  const dir = tempDir();
  const pings: string[] = [];
  const deadMansSwitch = createServer((request, response) => {
    pings.push(`${request.method} ${request.url} ${request.headers['user-agent']}`);
    response.end('OK');
  });
  await new Promise<void>((resolve) => deadMansSwitch.listen(0, '127.0.0.1', resolve));
  t.teardown(() => deadMansSwitch.close());
  const port = (deadMansSwitch.address() as { port: number }).port;
  const server = await startProcess(dir, httpConfig(dir, { admin: newToken(), cron: newToken() }, {
    self_check_url: `http://127.0.0.1:${port}/ping/abc`,
    self_check_interval: 0.5,
  }));
  t.teardown(() => server.kill9());
  await sleep(1300);
  t.ok(pings.length >= 2, `pinged ${pings.length} times in 1.3 s`);
  t.match(pings[0], /^GET \/ping\/abc netmonitor self-check$/);
  await server.stop();
});
