/** The command check: real programs, their exit status, a timeout, and capped output. */
import t from 'tap';
import { runCommandCheck } from '../../../sensor/checks/command.js';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const node = (script: string, timeoutS = 5) => runCommandCheck({ type: 'command', command: [process.execPath, '-e', script], timeoutS }, env);

t.test('exit 0 passes and anything else fails, with the output in the detail', async (t) => {
  t.match(await node('console.log("resolver answers")'), { status: 'ok', detail: /exit 0: resolver answers$/ });
  t.match(await node('console.error("no answer"); process.exit(3)'), { status: 'failed', detail: /exit 3: no answer$/ });
  t.match(await runCommandCheck({ type: 'command', command: ['/nonexistent/check'], timeoutS: 5 }, env), { status: 'failed', detail: /could not run/ });
});

t.test('a program past its timeout is killed and fails the check', async (t) => {
  t.match(await node('setTimeout(() => {}, 60_000)', 1), { status: 'failed', detail: /killed after 1s/ });
});

t.test('a chatty program is neither failed nor killed for its output, which is capped in the detail', async (t) => {
  const result = await node('process.stdout.write("x".repeat(1_000_000))');
  t.equal(result.status, 'ok');
  t.ok(result.detail.length < 500, `detail of ${result.detail.length} characters`);
});

t.test('the program gets only the environment it is given', async (t) => {
  process.env.NETMONITOR_TEST_SECRET = 'do-not-pass';
  t.teardown(() => delete process.env.NETMONITOR_TEST_SECRET);
  t.match(await node('process.exit(process.env.NETMONITOR_TEST_SECRET === undefined ? 0 : 1)'), { status: 'ok' });
});
