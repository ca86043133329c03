import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { startServer, writeConfig } from '../peers/serverProcess.js';

const KEY = 'ab'.repeat(32);

t.test('the server warns once at start for each secret file that group or others can read, naming the fix', async (t) => {
  const dir = tempDir();
  const secret = (name: string, text: string, mode: number): string => {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), mode);
    return name;
  };
  const config = writeConfig(dir, {
    client_log_dir: join(dir, 'logs'), listen_address: '127.0.0.1', listen_port: 0,
    smtp_server: '127.0.0.1', smtp_port: 9, smtp_tls: 'none', alert_address: 'me@example.net', username: 'me',
    password_file: secret('smtp.pass', 'hunter2-s3cret\n', 0o644),
    clients: { 'home-gw': { key_file: secret('home-gw.key', KEY, 0o640) }, 'cabin-gw': { key_file: secret('cabin-gw.key', 'cd'.repeat(32), 0o600) } },
    clients_file: secret('fleet.txt', `shop ${'ef'.repeat(32)}\n`, 0o604),
  });
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  const output = server.output();
  for (const [name, key, mode] of [['smtp.pass', 'password_file', '644'], ['home-gw.key', 'clients.home-gw.key_file', '640'], ['fleet.txt', 'clients_file', '604']]) {
    const warning = `the secret file ${join(dir, name!)} (${key}) can be read by group or others (mode ${mode}); run chmod 600 ${join(dir, name!)}`;
    t.equal(output.split(warning).length - 1, 1, `${name} is warned about once`);
  }
  t.notMatch(output, /cabin-gw\.key/, 'a file only its owner can read is not mentioned');
  t.notMatch(output, /hunter2|abab|efef/, 'no content is shown');
  const { code } = await server.stop();
  t.equal(code, 0);
});
