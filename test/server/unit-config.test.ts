import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateServerConfig, type Environment } from '../../server/config.js';
import { ConfigError } from '../../shared/errors.js';
import type { JsonObject } from '../../shared/configCheck.js';
import { cliPath, tempDir, thrown } from '../helpers.js';

const PASSWORD = 'hunter2-s3cret';
const KEY = 'ab'.repeat(32);
const NO_ENV: Environment = {};

/** The original netmonitor's example configuration, exactly as its README gave it. */
const ORIGINAL: JsonObject = {
  username: 'netmonitor@example.com',
  password: PASSWORD,
  smtp_server: 'smtp.example.com',
  smtp_port: 587,
  alert_address: '5551234567@sms.example.net',
  client_log_dir: '/var/log/netmonitor',
  listen_port: 7777,
  listen_address: '0.0.0.0',
  down_interval: { minutes: 3 },
};

const validate = (raw: JsonObject, env: Environment = NO_ENV, path = '/etc/netmonitor/server.json') => validateServerConfig(raw, path, env);


t.test("the original netmonitor's example configuration is accepted unchanged", async (t) => {
  const config = validate(ORIGINAL);
  t.match(config, {
    listenAddress: '0.0.0.0',
    listenPort: 7777,
    clientLogDir: '/var/log/netmonitor',
    downIntervalMs: 180_000,
    smtp: { host: 'smtp.example.com', port: 587, tls: 'starttls', username: 'netmonitor@example.com', password: PASSWORD },
    alertAddresses: ['5551234567@sms.example.net'],
    alertFrom: 'netmonitor@example.com',
  });
});

t.test('the validated configuration is frozen', async (t) => {
  const config = validate(ORIGINAL);
  t.ok(Object.isFrozen(config));
  t.ok(Object.isFrozen(config.smtp));
  t.ok(Object.isFrozen(config.alertAddresses));
});

t.test('alert_address may be one address or a list', async (t) => {
  t.same(validate({ ...ORIGINAL, alert_address: ['a@example.net', 'b@example.net'] }).alertAddresses, ['a@example.net', 'b@example.net']);
});

t.test('clients give NM1 sensors with their key and legacy clients by address', async (t) => {
  const config = validate({ ...ORIGINAL, clients: { 'home-gw': { key: KEY, down_interval: '90s' }, '203.0.113.7': { legacy: true } } });
  t.match(config.clients, [
    { id: 'home-gw', legacy: false, downIntervalMs: 90_000 },
    { id: '203.0.113.7', legacy: true, key: null, downIntervalMs: 180_000 },
  ]);
  t.equal(config.clients[0]!.key!.toString('hex'), KEY);
});

const INVALID: [string, JsonObject, string][] = [
  ['listen_port out of range', { ...ORIGINAL, listen_port: 70000 }, 'listen_port'],
  ['listen_address not an address', { ...ORIGINAL, listen_address: 'everywhere' }, 'listen_address'],
  ['smtp_tls unknown', { ...ORIGINAL, smtp_tls: 'ssl' }, 'smtp_tls'],
  ['a short sensor key', { ...ORIGINAL, clients: { x: { key: 'abcd1234' } } }, 'clients.x.key'],
  ['a sensor key that is not hex', { ...ORIGINAL, clients: { x: { key: 'zz'.repeat(32) } } }, 'clients.x.key'],
  ['a legacy client not named by an IP address', { ...ORIGINAL, clients: { gateway: { legacy: true } } }, 'clients.gateway'],
  ['a legacy client with a key', { ...ORIGINAL, clients: { '203.0.113.7': { legacy: true, key: KEY } } }, 'clients.203.0.113.7.key'],
  ['an unknown client setting', { ...ORIGINAL, clients: { x: { key: KEY, kye: KEY } } }, 'clients.x.kye'],
  ['an unknown time zone', { ...ORIGINAL, alert_timezone: 'Mars/Base' }, 'alert_timezone'],
  ['an unknown top-level key', { ...ORIGINAL, listen_prot: 7777 }, 'listen_prot'],
  ['a hook command that is not a list', { ...ORIGINAL, hooks: [{ command: '/usr/local/bin/notify --all' }] }, 'hooks[0].command'],
  ['a hook for an unknown event', { ...ORIGINAL, hooks: [{ command: ['/bin/true'], events: ['sideways'] }] }, 'hooks[0].events'],
  ['both password and password_file', { ...ORIGINAL, password_file: 'smtp-password' }, 'password_file'],
  ['an unencrypted password to a remote server', { ...ORIGINAL, smtp_tls: 'none' }, 'smtp_tls'],
  ['a password without a username', { ...ORIGINAL, username: '' }, 'username'],
  ['a zero down interval', { ...ORIGINAL, down_interval: { minutes: 0 } }, 'down_interval'],
  ['an alert address that is not one', { ...ORIGINAL, alert_address: ['ok@example.net', 'not an address'] }, 'alert_address[1]'],
  ['no client_log_dir', { ...ORIGINAL, client_log_dir: undefined }, 'client_log_dir'],
  ['a password that is not a string', { ...ORIGINAL, password: 31415926535 }, 'password'],
];

t.test('each invalid setting is refused with a ConfigError whose key names it', async (t) => {
  for (const [what, raw, key] of INVALID) {
    const error = thrown(() => validate(raw));
    t.type(error, ConfigError, what);
    t.match(error, { code: 'ECONFIG', key }, what);
  }
});

t.test('no configuration error message repeats the password or a key', async (t) => {
  for (const [what, raw] of INVALID) {
    const message = String((thrown(() => validate(raw)) as Error).message);
    for (const secret of [PASSWORD, KEY, 'abcd1234', '31415926535']) t.notMatch(message, secret, `${what}: ${message}`);
  }
});

t.test('an unencrypted password is allowed to a server on this machine', async (t) => {
  t.equal(validate({ ...ORIGINAL, smtp_server: '127.0.0.1', smtp_tls: 'none' }).smtp?.tls, 'none');
  t.equal(validate({ ...ORIGINAL, smtp_server: 'localhost', smtp_tls: 'none' }).smtp?.tls, 'none');
});

t.test('the password can come from password_file, relative to the config file', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'smtp-password'), `${PASSWORD}\n`);
  const { password: _, ...rest } = ORIGINAL;
  t.equal(validate({ ...rest, password_file: 'smtp-password' }, NO_ENV, join(dir, 'server.json')).smtp?.password, PASSWORD);
});

t.test('the password can come from NETMONITOR_SMTP_PASSWORD', async (t) => {
  const { password: _, ...rest } = ORIGINAL;
  t.equal(validate(rest, { NETMONITOR_SMTP_PASSWORD: PASSWORD }).smtp?.password, PASSWORD);
});

t.test("the password can come from systemd's credentials folder with %d/", async (t) => {
  const credentials = tempDir();
  writeFileSync(join(credentials, 'smtp'), PASSWORD);
  const { password: _, ...rest } = ORIGINAL;
  t.equal(validate({ ...rest, password_file: '%d/smtp' }, { CREDENTIALS_DIRECTORY: credentials }).smtp?.password, PASSWORD);
});

t.test('%d/ without CREDENTIALS_DIRECTORY is a configuration error on password_file', async (t) => {
  const { password: _, ...rest } = ORIGINAL;
  t.match(thrown(() => validate({ ...rest, password_file: '%d/smtp' })), { code: 'ECONFIG', key: 'password_file' });
});

t.test('an unreadable password_file names the key and not its content', async (t) => {
  const { password: _, ...rest } = ORIGINAL;
  t.match(thrown(() => validate({ ...rest, password_file: join(tempDir(), 'missing') })), { code: 'ECONFIG', key: 'password_file' });
});

t.test('a sensor key can come from key_file; a bad one names key_file and not its content', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'good.key'), `${KEY}\n`);
  writeFileSync(join(dir, 'bad.key'), PASSWORD);
  const good = validate({ ...ORIGINAL, clients: { gw: { key_file: 'good.key' } } }, NO_ENV, join(dir, 'server.json'));
  t.equal(good.clients[0]!.key!.toString('hex'), KEY);
  const error = thrown(() => validate({ ...ORIGINAL, clients: { gw: { key_file: 'bad.key' } } }, NO_ENV, join(dir, 'server.json')));
  t.match(error, { code: 'ECONFIG', key: 'clients.gw.key_file' });
  t.notMatch((error as Error).message, PASSWORD);
});

function runServerCommand(configPath: string): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [cliPath, 'server', '--config', configPath], { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stderr: result.stderr };
}

t.test('`netmonitor server` with an invalid config exits 2 and names the key on stderr', async (t) => {
  const dir = tempDir();
  mkdirSync(join(dir, 'logs'));
  const path = join(dir, 'bad.json');
  writeFileSync(path, JSON.stringify({ ...ORIGINAL, client_log_dir: join(dir, 'logs'), listen_port: 70000 }));
  const { status, stderr } = runServerCommand(path);
  t.equal(status, 2, stderr);
  t.match(stderr, 'listen_port');
  t.notMatch(stderr, PASSWORD);
});

t.test('`netmonitor server` with a missing config file exits 2', async (t) => {
  const { status, stderr } = runServerCommand(join(tempDir(), 'nowhere.json'));
  t.equal(status, 2, stderr);
  t.match(stderr, 'nowhere.json');
});
