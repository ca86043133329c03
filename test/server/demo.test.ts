import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliPath, tempDir } from '../helpers.js';

const run = promisify(execFile);

t.test('the README demo shows an outage caught: a down alert, a recovery alert and the log', async (t) => {
  const { stdout } = await run(process.execPath, [cliPath, 'demo', '--dir', tempDir(), '--down-seconds', '2'], { timeout: 60_000 });
  t.match(stdout, /Subject: DOWN: demo-gateway/);
  t.match(stdout, /demo-gateway is UP again at .* The outage lasted \d+s\./);
  t.match(stdout, /^[0-9a-f]{8} \{"type":"down"/m, 'the checksummed log lines are printed');
});

t.test('--help and --version work for every command', async (t) => {
  const { stdout: version } = await run(process.execPath, [cliPath, '--version']);
  t.match(version.trim(), /^\d+\.\d+\.\d+$/);
  for (const command of ['server', 'sensor', 'keygen', 'report', 'test-alert', 'demo']) {
    const { stdout } = await run(process.execPath, [cliPath, command, '--help']);
    t.match(stdout, new RegExp(`netmonitor ${command}`), `${command} --help`);
  }
});

t.test('an unknown command or a missing --config is a usage error with exit status 2', async (t) => {
  for (const args of [['frobnicate'], ['server'], ['keygen', '--id', 'bad id']]) {
    const failure = await run(process.execPath, [cliPath, ...args]).then(() => null, (error: { code: number; stderr: string }) => error);
    t.equal(failure?.code, 2, args.join(' '));
    t.match(failure?.stderr ?? '', /^netmonitor: /);
  }
});

t.test('the demo removes its temporary folder at the end', async (t) => {
  const { stdout } = await run(process.execPath, [cliPath, 'demo', '--down-seconds', '1'], { timeout: 60_000 });
  const folder = /removed the demo folder (\S+)/.exec(stdout)?.[1];
  t.ok(folder !== undefined, 'it says so', { stdout });
  t.notOk(existsSync(folder!), `${folder} is gone`);
});

t.test('a second demo in the same folder tells the same story, with no datagram refused', async (t) => {
  const dir = tempDir();
  await run(process.execPath, [cliPath, 'demo', '--dir', dir, '--down-seconds', '1'], { timeout: 60_000 });
  const { stdout } = await run(process.execPath, [cliPath, 'demo', '--dir', dir, '--down-seconds', '1'], { timeout: 60_000 });
  t.notMatch(stdout, /refused datagram/);
  t.equal(stdout.match(/Subject: DOWN: demo-gateway/g)?.length, 1, "only this run's down alert is shown");
  t.match(stdout, /demo-gateway is UP again at .* The outage lasted \d+s\./);
  t.ok(existsSync(join(dir, 'server.json')), 'a folder given with --dir is kept');
});
