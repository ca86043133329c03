/** The process check over the real /proc, with processes the test starts and kills. */
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { validateChecks } from '../../../sensor/checks/config.js';
import { evaluateProcesses, readProcesses, runProcessCheck, uidOf } from '../../../sensor/checks/process.js';

const processCheck = (settings: Record<string, unknown>) => {
  const [check] = validateChecks([{ name: 'p', type: 'process', ...settings }]);
  if (check?.type !== 'process') throw new Error('unreachable');
  return check;
};

t.test('processes are counted by command line and user while they run, and missed once killed', async (t) => {
  const marker = `netmonitor-test-${randomBytes(4).toString('hex')}`;
  const children = [0, 1].map(() => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], { stdio: 'ignore' }));
  t.teardown(() => children.forEach((child) => child.kill('SIGKILL')));
  await Promise.all(children.map((child) => once(child, 'spawn')));
  const check = processCheck({ cmdline: `-e .* ${marker}$`, user: userInfo().username, count: { min: 1, max: 2 } });
  const running = await runProcessCheck(check);
  t.equal(running.status, 'ok', running.detail);
  t.match(running.detail, new RegExp(`^2 processes matching .*(pid ${children[0]!.pid}, ${children[1]!.pid})`));
  t.match(await runProcessCheck(processCheck({ cmdline: marker, count: { min: 1, max: 1 } })), { status: 'failed', detail: /^2 processes matching .*, more than 1$/ });
  t.match(await runProcessCheck(processCheck({ cmdline: marker, user: 'nobody' })), { status: 'failed', detail: /^0 processes .* of nobody, fewer than 1$/ }, 'another user owns none of them');
  for (const child of children) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  t.match(await runProcessCheck(check), { status: 'failed', detail: /^0 processes matching .*, fewer than 1$/ });
});

t.test('the name is the kernel\'s (comm), and the command line has its arguments joined by spaces', async (t) => {
  const me = (await readProcesses()).find((info) => info.pid === process.pid);
  t.match(me, { name: 'node', uid: process.getuid!() });
  t.match(me!.cmdline, / build\/test\/sensor\/checks\/process\.test\.js|process\.test/);
  t.match(evaluateProcesses([{ pid: 7, name: 'pppd', cmdline: 'pppd call wan', uid: 0 }], processCheck({ process: 'pppd' }), null), { status: 'ok', detail: '1 pppd (pid 7)' });
  t.match(evaluateProcesses([], processCheck({ process: 'pppd', user: 'ghost' }), null), { status: 'failed', detail: 'user ghost does not exist' });
});

t.test('a user is a name from /etc/passwd or a number', async (t) => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nnetwork:x:101:101::/var:/bin/false\n';
  t.equal(uidOf('network', passwd), 101);
  t.equal(uidOf('1000', passwd), 1000);
  t.equal(uidOf('nobody', passwd), null);
});
