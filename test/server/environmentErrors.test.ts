/**
 * What the machine refuses at start (a port in use, a folder the server may not write) is one
 * line naming the key, the value and what to do, with exit status 3. Real server processes.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bindError, folderError } from '../../server/environmentErrors.js';
import { cliPath, tempDir } from '../helpers.js';
import { writeConfig } from '../peers/serverProcess.js';

const run = promisify(execFile);

async function server(config: string): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [cliPath, 'server', '--config', config], { timeout: 30_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stderr: failure.stdout + failure.stderr };
  }
}

t.test('a UDP port in use exits 3 with one line naming listen_port, the port and what to do', async (t) => {
  const taken = createSocket('udp4');
  t.teardown(() => taken.close());
  await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', () => resolve()));
  const port = taken.address().port;
  const dir = tempDir();
  const config = writeConfig(dir, { alert_address: 'me@example.net', client_log_dir: join(dir, 'logs'), listen_port: port, listen_address: '127.0.0.1' });
  const result = await server(config);
  t.equal(result.code, 3, result.stderr);
  const lines = result.stderr.split('\n').filter((line) => line.includes(String(port)));
  t.equal(lines.length, 1, 'said once', { stderr: result.stderr });
  t.match(lines[0], `netmonitor: listen_port: ${port} is already in use on 127.0.0.1`);
  t.match(lines[0], 'choose another listen_port');
});

t.test('a log folder that cannot be created exits 3 naming client_log_dir and the folder', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a-file'), '');
  const logs = join(dir, 'a-file', 'logs');
  const config = writeConfig(dir, { alert_address: 'me@example.net', client_log_dir: logs, listen_port: 0, listen_address: '127.0.0.1' });
  const result = await server(config);
  t.equal(result.code, 3, result.stderr);
  t.match(result.stderr, `netmonitor: client_log_dir: ${logs} cannot be a folder`);
  t.notMatch(result.stderr, /\bat .*\.js:\d+/, 'no stack trace');
});

// Binding a low port without the capability and a folder without permission need a process
// without root's powers, which these tests do not make: the same errno values are handed to
// the translator instead.
t.test('a port below 1024 refused says which capability to grant', async (t) => {
  const error = bindError(Object.assign(new Error('bind EACCES 0.0.0.0:443'), { code: 'EACCES' }), { portKey: 'listen_port', addressKey: 'listen_address', port: 443, address: '0.0.0.0' });
  t.match(error, { code: 'EENV', message: /^listen_port: 443 is below 1024 .*AmbientCapabilities=CAP_NET_BIND_SERVICE/ });
});

t.test("an unwritable log folder says to give it to the server's user", async (t) => {
  const error = folderError(Object.assign(new Error("EACCES: permission denied, mkdir '/root/nm-logs'"), { code: 'EACCES' }), 'client_log_dir', '/root/nm-logs');
  t.match(error, { code: 'EENV', message: /^client_log_dir: the server may not create or write \/root\/nm-logs .*chown/ });
});

t.test('an address this machine does not have names listen_address', async (t) => {
  const error = bindError(Object.assign(new Error('bind EADDRNOTAVAIL'), { code: 'EADDRNOTAVAIL' }), { portKey: 'http.port', addressKey: 'http.listen_address', port: 8080, address: '192.0.2.1' });
  t.match(error, { code: 'EENV', message: /^http\.listen_address: 192\.0\.2\.1 is not an address of this machine/ });
});

t.test('any other error is passed on unchanged', async (t) => {
  const other = Object.assign(new Error('odd'), { code: 'EIO' });
  t.equal(bindError(other, { portKey: 'listen_port', addressKey: 'listen_address', port: 1, address: '::' }), other);
  t.equal(folderError(other, 'client_log_dir', '/x'), other);
});
