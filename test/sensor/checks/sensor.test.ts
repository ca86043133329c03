/** `netmonitor sensor` runs its checks on their own interval next to the heartbeats, logging changes only. */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, tempDir } from '../../helpers.js';

t.test('the sensor runs each check every `every` seconds and logs a result when it changes', async (t) => {
  const dir = tempDir();
  const server = createSocket('udp4');
  server.bind(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const flag = join(dir, 'up');
  const config = join(dir, 'sensor.json');
  // Fails until the flag file exists, then passes: one failure and one recovery.
  const probe = [process.execPath, '-e', `process.exit(require("fs").existsSync(${JSON.stringify(flag)}) ? 0 : 1)`];
  writeFileSync(config, JSON.stringify({
    server: '127.0.0.1', port: server.address().port, id: 'home-gw', key: 'cd'.repeat(32), interval: 30, state_file: join(dir, 'state.json'),
    checks: [{ name: 'wan', type: 'command', every: 1, command: probe, on_recovery: [{ type: 'exec', command: [process.execPath, '-e', ''] }] }],
  }));
  const child = spawn(process.execPath, [cliPath, 'sensor', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  const seen = (text: string): Promise<void> => new Promise((resolve) => {
    const look = (): void => { if (out.includes(text)) resolve(); else setTimeout(look, 50); };
    look();
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await seen('check wan (command): failed (now failing)');
  await new Promise((resolve) => setTimeout(resolve, 2500));
  t.equal(out.split('check wan').length - 1, 1, 'a failure that goes on is logged once');
  writeFileSync(flag, '');
  await seen('check wan (command): ok (recovered)');
  t.match(out, /check wan \(command\): ok \(recovered\).*\n  action .* ok exit 0/);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  t.equal(code, 0, 'SIGTERM stops the checks with the heartbeats');
});
