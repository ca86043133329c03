import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allClients, validateServerConfig, type Environment } from '../../../server/config/server.js';
import { ConfigError } from '../../../shared/errors.js';
import type { JsonObject } from '../../../shared/configCheck.js';
import { cliPath, hasKey, tempDir, thrown } from '../../helpers.js';

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
    { id: '203.0.113.7', legacy: true, keySlot: null, downIntervalMs: 180_000 },
  ]);
  t.ok(hasKey(config, config.clients[0]!, KEY), 'the sensor has its key');
});

const INVALID: [string, JsonObject, string][] = [
  ['a label of two lines', { ...ORIGINAL, clients: { x: { key: KEY, label: 'Jane\nDoe' } } }, 'clients.x.label'],
  ['a degraded alert switch that is not true or false', { ...ORIGINAL, evidence: { degraded_alert: 'yes' } }, 'evidence.degraded_alert'],
  ['an account that is not text', { ...ORIGINAL, clients: { x: { key: KEY, account: 12345 } } }, 'clients.x.account'],
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
  t.ok(hasKey(good, good.clients[0]!, KEY));
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

t.test('clients_file lists sensors one per line, with comments, blank lines, tabs, CRLF and an optional down interval', async (t) => {
  const dir = tempDir();
  const other = 'cd'.repeat(32);
  writeFileSync(join(dir, 'sensors.txt'), `# the fleet\n\nshop-1 ${KEY}\r\n  shop-2\t${other.toUpperCase()}   5m\n# end\n`);
  const config = validate({ ...ORIGINAL, clients: { 'home-gw': { key: KEY } }, clients_file: 'sensors.txt' }, NO_ENV, join(dir, 'server.json'));
  const all = [...allClients(config)];
  t.match(all, [
    { id: 'home-gw', kind: 'nm1' },
    { id: 'shop-1', kind: 'nm1', legacy: false, downIntervalMs: 180_000, http: null, supervision: null },
    { id: 'shop-2', kind: 'nm1', downIntervalMs: 300_000 },
  ]);
  t.equal(all.length, 3);
  t.equal(config.clients.length, 1, 'clients holds only the clients of the JSON file');
  t.equal(config.fleet.size, 2);
  t.ok(hasKey(config, all[1]!, KEY), 'shop-1 has its key');
  t.ok(hasKey(config, all[2]!, other), 'shop-2 has its key, whatever the case of its hex digits');
  t.notOk(hasKey(config, all[2]!, KEY));
  t.same(config.fleet.configAt(all[2]!.keySlot!), all[2], 'a sensor of the file is found by its key slot');
  t.equal(config.fleet.configAt(all[0]!.keySlot!), undefined, 'and a sensor of clients is not');
});

t.test('a bad clients_file line is named by its number, and a key is never repeated in the message', async (t) => {
  const dir = tempDir();
  const cases: [string, string, RegExp][] = [
    ['a short key', `gw ${KEY}\nshop ${KEY.slice(0, 40)}\n`, /clients_file line 2: the key \(second field\) must be 64 hex digits/],
    ['a key that is not hex', `shop ${'zz'.repeat(32)}\n`, /clients_file line 1: the key \(second field\)/],
    ['a bad id', `shop/1 ${KEY}\n`, /clients_file line 1: the sensor id \(first field\) must be/],
    ['an id twice', `shop ${KEY}\n\nshop ${KEY}\n`, /clients_file line 3: the sensor id \(first field\) is also on line 1/],
    ['an id also in clients', `home-gw ${KEY}\n`, /clients_file line 1: the sensor id \(first field\) is also configured in clients/],
    ['swapped columns', `${KEY} shop\n`, /clients_file line 1: a client id is a key \(64 hex digits\)/],
    ['swapped columns twice', `${'cd'.repeat(32)} zzzz\n`, /clients_file line 1: a client id is a key/],
    ['a key pasted twice', `shop ${KEY} ${KEY}\n`, /clients_file line 1: the down interval \(third field\) must be a duration/],
    ['a dot id', `. ${KEY}\n`, /clients_file line 1: a client id cannot be "\."/],
    ['a prototype name', `__proto__ ${KEY}\n`, /clients_file line 1: a client id cannot be "__proto__"/],
    ['a missing key', `shop\n`, /clients_file line 1: must be "<sensor id> <key/],
    ['too many fields', `shop ${KEY} 5m extra\n`, /clients_file line 1: must be/],
    ['a bad down interval', `shop ${KEY} soon\n`, /clients_file line 1: the down interval/],
  ];
  for (const [what, text, message] of cases) {
    writeFileSync(join(dir, 'sensors.txt'), text);
    const error = thrown(() => validate({ ...ORIGINAL, clients: { 'home-gw': { key: KEY } }, clients_file: 'sensors.txt' }, NO_ENV, join(dir, 'server.json')));
    t.match(error, { code: 'ECONFIG', message }, what);
    t.notMatch((error as Error).message, /abab|cdcd|zzzz/, `${what}: no key in the message`);
  }
  const missing = thrown(() => validate({ ...ORIGINAL, clients_file: 'absent.txt' }, NO_ENV, join(dir, 'server.json')));
  t.match(missing, { code: 'ECONFIG', key: 'clients_file', message: /cannot read the file .*absent\.txt \(ENOENT\)/ });
});

t.test('clients_file may come from systemd credentials with %d/', async (t) => {
  const credentials = tempDir();
  writeFileSync(join(credentials, 'fleet'), `shop ${KEY}\n`);
  const config = validate({ ...ORIGINAL, clients_file: '%d/fleet' }, { CREDENTIALS_DIRECTORY: credentials });
  const all = [...allClients(config)];
  t.match(all, [{ id: 'shop', kind: 'nm1' }]);
  t.ok(hasKey(config, all[0]!, KEY));
});

t.test('netmonitor server exits with status 2 naming the clients_file line', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'sensors.txt'), `shop ${KEY.slice(2)}\n`);
  writeFileSync(join(dir, 'server.json'), JSON.stringify({ client_log_dir: join(dir, 'logs'), clients_file: 'sensors.txt' }));
  const run = spawnSync(process.execPath, [cliPath, 'server', '--config', join(dir, 'server.json')], { encoding: 'utf8' });
  t.equal(run.status, 2);
  t.match(run.stderr, /clients_file line 1: the key \(second field\) must be 64 hex digits/);
  t.notMatch(run.stderr, KEY.slice(2, 20));
});

t.test('a client keyed by its key, ".", "..", and names every object has are refused without showing the key', async (t) => {
  for (const id of [KEY, '.', '..', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    // JSON.parse makes "__proto__" an own key, as a configuration file would.
    const clients = JSON.parse(`{${JSON.stringify(id)}: {"key": "${'cd'.repeat(32)}"}}`) as JsonObject;
    const error = thrown(() => validate({ ...ORIGINAL, clients }));
    t.match(error, { code: 'ECONFIG', key: 'clients', message: /a client id (is a key|cannot be)/ }, id.slice(0, 12));
    t.notMatch((error as Error).message, /abab|cdcd/, 'no key in the message');
  }
});

t.test('JSON syntax errors name the line and column and never quote the text around them', async (t) => {
  const dir = tempDir();
  const cases: [string, string][] = [
    ['{\n  "password": "hunter2-s3cret"\n  "smtp_port": 25\n}', 'line 3, column 3'],
    ['{\n  "password": hunter2-s3cret\n}', 'line 2, column 15'],
    ['{\n  "password": "hunter2-s3cret', 'line 2, column 30'],
    ['{"key": "abab"}}', 'line 1, column 16'],
  ];
  for (const [text, place] of cases) {
    writeFileSync(join(dir, 'server.json'), text);
    const result = spawnSync(process.execPath, [cliPath, 'server', '--config', join(dir, 'server.json')], { encoding: 'utf8' });
    t.equal(result.status, 2);
    t.match(result.stderr, `is not valid JSON (at ${place})`, place);
    t.notMatch(result.stderr, /hunter2|abab/, 'nothing of the file is quoted');
  }
});

t.test('values of secret settings are not echoed, and URLs show only their scheme and host', async (t) => {
  const cases: [JsonObject, RegExp][] = [
    [{ password: 12345678 }, /password/],
    [{ self_check_url: 'http://[hunter2-s3cret' }, /self_check_url: must be an http/],
    [{ self_check_url: 'ftp://user:hunter2-s3cret@ping.example.net/hunter2-s3cret?token=hunter2-s3cret' }, /self_check_url/],
    [{ hooks: [{ command: 'hunter2-s3cret' }] }, /hooks/],
    [{ librenms: { url: 'https://user:hunter2-s3cret@', token: 'x' } }, /librenms\.url/],
  ];
  for (const [extra, key] of cases) {
    const error = thrown(() => validate({ ...ORIGINAL, ...extra }));
    t.match(error, { code: 'ECONFIG', message: key }, JSON.stringify(Object.keys(extra)));
    t.notMatch((error as Error).message, /hunter2|12345678/, 'the value is not shown');
  }
});

t.test("a client's label and account, for the report, are accepted beside its key", async (t) => {
  const config = validate({ ...ORIGINAL, clients: { 'home-gw': { key: KEY, label: 'Jane Doe, 12 Elm St', account: '0012345' } } });
  t.equal(config.clients[0]!.id, 'home-gw');
});
