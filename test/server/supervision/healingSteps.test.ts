import t from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { DownEvent } from '../../../server/core/events.js';
import type { HttpStep, SshStep } from '../../../server/config/supervision.js';
import { runHttpStep, runLocalStep, runSshStep } from '../../../server/supervision/healing/steps.js';
import { shellQuote, sshFingerprint } from '../../../server/supervision/sshExec.js';
import { tempDir } from '../../helpers.js';
import { freePort, keygen, sshdUnavailable, startSshd } from './sshdPeer.js';
import { missingProgram } from '../../systemPrograms.js';

const DOWN: DownEvent = { type: 'down', client: 'gw', at: Date.UTC(2024, 0, 1), lastUp: null, downIntervalMs: 180_000, transitionId: 'down-gw-1' };

t.test('a local step runs its argv without a shell and keeps its output short', async (t) => {
  const ok = await runLocalStep({ type: 'local', command: [process.execPath, '-e', 'console.log("restarted " + process.env.NETMONITOR_CLIENT + " $HOME"); console.log("x".repeat(5000))'], timeoutMs: 5000 }, DOWN);
  t.match(ok, { ok: true, code: 'ok', status: 0 });
  t.match(ok.output, /^restarted gw \$HOME x+…$/, 'the event is in the environment; $HOME is not expanded');
  t.ok(ok.output.length <= 401, 'output truncated');
});

t.test('a local step that fails, hangs or cannot start says so', async (t) => {
  t.match(await runLocalStep({ type: 'local', command: [process.execPath, '-e', 'process.exit(3)'], timeoutMs: 5000 }, DOWN), { ok: false, code: 'exit', status: 3 });
  t.match(await runLocalStep({ type: 'local', command: [process.execPath, '-e', 'setTimeout(() => {}, 60000)'], timeoutMs: 300 }, DOWN), { ok: false, code: 'timeout' });
  t.match(await runLocalStep({ type: 'local', command: ['/nonexistent/heal'], timeoutMs: 1000 }, DOWN), { ok: false, code: 'spawn', error: /ENOENT/ });
});

t.test('arguments are quoted one by one for the remote shell', async (t) => {
  t.equal(shellQuote('restart'), 'restart');
  t.equal(shellQuote('a b'), "'a b'");
  t.equal(shellQuote("it's; rm -rf /"), "'it'\\''s; rm -rf /'");
});

function httpPeer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
  }));
}

t.test('an HTTP step sends the configured request and judges the status', async (t) => {
  const seen: { method?: string; url?: string; body: string; auth?: string }[] = [];
  const peer = await httpPeer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body, auth: req.headers.authorization });
      if (req.url === '/slow') return;
      res.writeHead(req.url === '/fail' ? 503 : 200).end('rebooting');
    });
  });
  t.teardown(() => peer.close());
  const step = (path: string, extra: Partial<HttpStep> = {}): HttpStep => ({ type: 'http', method: 'POST', url: peer.url + path, headers: { authorization: 'Bearer t' }, body: '{"reboot":true}', timeoutMs: 1000, expectStatus: null, ...extra });
  t.match(await runHttpStep(step('/reboot')), { ok: true, status: 200, output: 'rebooting' });
  t.same(seen[0], { method: 'POST', url: '/reboot', body: '{"reboot":true}', auth: 'Bearer t' });
  t.match(await runHttpStep(step('/fail')), { ok: false, code: 'status', status: 503 });
  t.match(await runHttpStep(step('/fail', { expectStatus: [503] })), { ok: true }, 'expect_status decides what counts as success');
  t.match(await runHttpStep(step('/slow', { timeoutMs: 200 })), { ok: false, code: 'timeout' });
  const closed = `http://127.0.0.1:${await freePort()}/`;
  t.match(await runHttpStep({ ...step(''), url: closed }), { ok: false, code: 'connect', error: 'ECONNREFUSED' });
});

const noSshd = sshdUnavailable();
t.test('against a real sshd: key authentication with the pinned host key runs the command', { skip: noSshd ?? false }, async (t) => {
  const dir = tempDir();
  const sshd = await startSshd(dir);
  t.teardown(() => sshd.stop());
  const step: SshStep = { type: 'ssh', host: '127.0.0.1', port: sshd.port, username: sshd.user, privateKey: sshd.clientKey, password: null, hostKeySha256: sshd.hostFingerprint, command: ['echo', 'healed', "it's"], timeoutMs: 10_000 };
  const ok = await runSshStep(step);
  t.match(ok, { ok: true, code: 'ok', status: 0, output: "healed it's" }, sshd.output());
  t.match(await runSshStep({ ...step, command: ['sh', '-c', 'exit 4'] }), { ok: false, code: 'exit', status: 4 });
  const other = keygen(dir, 'other');
  const changed = await runSshStep({ ...step, hostKeySha256: other.fingerprint });
  t.match(changed, { ok: false, code: 'hostkey' });
  t.match(changed.error, new RegExp(`is ${sshd.hostFingerprint.replace(/[+/]/g, '\\$&')}, not the pinned`), 'says which key it saw and which it expected');
  t.match(await runSshStep({ ...step, privateKey: other.privateKey }), { ok: false, code: 'auth' }, 'an unauthorized key is refused');
});

t.test('against the ssh2 server: password authentication, refusal and a command that never ends', { skip: missingProgram('ssh-keygen') }, async (t) => {
  const hostKey = keygen(tempDir(), 'ssh2_host').privateKey;
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (conn) => {
    conn.on('authentication', (ctx) => (ctx.method === 'password' && ctx.password === 's3cret' ? ctx.accept() : ctx.reject(['password'])));
    conn.on('ready', () => conn.on('session', (accept) => accept().on('exec', (acceptExec, _reject, info) => {
      const stream = acceptExec();
      if (info.command === 'hang') return;
      stream.write(`ran ${info.command}`);
      stream.exit(0);
      stream.end();
    })));
    conn.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  // The fingerprint of the server's key, as a client sees it on the first connection.
  const probe = await runSshStep({ type: 'ssh', host: '127.0.0.1', port, username: 'u', privateKey: null, password: 's3cret', hostKeySha256: 'SHA256:' + 'A'.repeat(43), command: ['x'], timeoutMs: 5000 });
  t.match(probe, { code: 'hostkey' }, 'an unknown key is refused before authentication');
  const fingerprint = /is (SHA256:\S+),/.exec(probe.error ?? '')![1]!;
  const step: SshStep = { type: 'ssh', host: '127.0.0.1', port, username: 'u', privateKey: null, password: 's3cret', hostKeySha256: fingerprint, command: ['reboot', 'now'], timeoutMs: 5000 };
  t.match(await runSshStep(step), { ok: true, output: 'ran reboot now' });
  t.match(await runSshStep({ ...step, password: 'wrong' }), { ok: false, code: 'auth' });
  t.match(await runSshStep({ ...step, command: ['hang'], timeoutMs: 500 }), { ok: false, code: 'timeout' });
  t.match(sshFingerprint(Buffer.from('x')), /^SHA256:[A-Za-z0-9+/]{43}$/);
});
