/**
 * Alert delivery against a real SMTP server: TLS before credentials, retries for transient
 * answers, loud and final failures for permanent ones. One deliverOne() call per attempt.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { SmtpConfig } from '../../server/config.js';
import type { DownEvent, UpEvent } from '../../server/events.js';
import { LogDirectory } from '../../server/logDirectory.js';
import { smtpMailer } from '../../server/mailer.js';
import { AlertOutbox } from '../../server/outbox.js';
import { tempDir, readLog } from '../helpers.js';
import { captureLogger } from '../peers/logger.js';
import { startSmtpPeer } from '../peers/smtp.js';

const down = (client: string, at: number): DownEvent => ({ type: 'down', client, at, lastUp: at - 180_000, downIntervalMs: 180_000, transitionId: `down-${client}-${at}` });
const up = (client: string, at: number): UpEvent => ({ type: 'up', client, at, lastUp: at - 600_000, outageMs: 600_000, transitionId: `up-${client}-${at}` });

function outbox(smtp: Partial<SmtpConfig> & { port: number }) {
  const dir = tempDir();
  const { logger, lines } = captureLogger();
  const logs = new LogDirectory(dir);
  const config: SmtpConfig = { host: '127.0.0.1', tls: 'none', username: '', password: '', caFile: null, ...smtp };
  const box = new AlertOutbox({ mailer: smtpMailer(config), logs, logger, from: 'mailbot@example.net', to: ['5551234567@sms.example.net'], timezone: 'UTC' });
  // Deliveries are driven one call at a time by the test, never by the background loop.
  (box as unknown as { kick(): void }).kick = () => undefined;
  const logged = (client: string) =>
    readLog(join(dir, `${client}.nmlog`));
  return { box, lines, logged };
}

function selfSignedCertificate(): { key: string; cert: string; certFile: string } {
  const dir = tempDir();
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), certFile: join(dir, 'cert.pem') };
}

t.test('with STARTTLS the password is sent only inside TLS, and the alert arrives', async (t) => {
  const { key, cert, certFile } = selfSignedCertificate();
  const logins: { user: string; secure: boolean }[] = [];
  const smtp = await startSmtpPeer({
    key, cert, disabledCommands: [],
    onAuth(auth, session, callback) {
      logins.push({ user: auth.username ?? '', secure: session.secure });
      callback(null, { user: auth.username });
    },
  });
  t.teardown(() => smtp.close());
  const { box } = outbox({ port: smtp.port, tls: 'starttls', username: 'mailbot@example.net', password: 's3cret', caFile: certFile });
  box.enqueue(down('home-gw', Date.parse('2026-11-25T06:00:00Z')));
  t.equal(await box.deliverOne(), 'sent');
  t.same(logins, [{ user: 'mailbot@example.net', secure: true }], 'one login, inside TLS');
  t.equal(smtp.mails[0]!.body, 'home-gw is DOWN: no heartbeat for 3m 00s. Last heard 2026-11-25 05:57:00 UTC.');
});

t.test('a server that offers no STARTTLS never sees the password: the alert waits instead', async (t) => {
  const logins: string[] = [];
  const smtp = await startSmtpPeer({
    disabledCommands: ['STARTTLS'], allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      logins.push(auth.password ?? '');
      callback(null, { user: auth.username });
    },
  });
  t.teardown(() => smtp.close());
  const { box, lines } = outbox({ port: smtp.port, tls: 'starttls', username: 'mailbot@example.net', password: 's3cret' });
  box.enqueue(down('home-gw', Date.now()));
  t.equal(await box.deliverOne(), 'retry', 'kept for a retry');
  t.same(logins, [], 'no credentials were sent in clear');
  t.equal(box.depth, 1);
  t.notMatch(lines.join('\n'), /s3cret/, 'the password is never logged');
});

t.test('transient answers (451, 421) are retried with backoff, and alerts arrive in order once SMTP recovers', async (t) => {
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const { box, logged } = outbox({ port: smtp.port });
  smtp.failNext(451);
  smtp.failNext(421);
  box.enqueue(down('home-gw', 1_000_000));
  box.enqueue(up('home-gw', 2_000_000));
  t.equal(await box.deliverOne(), 'retry');
  t.equal(box.backoffMs(), 1000, 'the first retry comes after about a second');
  t.equal(await box.deliverOne(), 'retry');
  t.equal(box.backoffMs(), 2000, 'then the delay doubles');
  t.equal(await box.deliverOne(), 'sent');
  t.equal(await box.deliverOne(), 'sent');
  t.equal(await box.deliverOne(), 'idle');
  t.same(smtp.mails.map((m) => m.subject), ['DOWN: home-gw', 'UP: home-gw after 10m 00s'], 'in the order they happened');
  t.same(logged('home-gw').map((r) => [r.type, r.ref]), [['delivered', 'down-home-gw-1000000'], ['delivered', 'up-home-gw-2000000']]);
});

t.test('the retry delay is capped at five minutes', async (t) => {
  const { box } = outbox({ port: 1 });
  (box as unknown as { failures: number }).failures = 40;
  t.equal(box.backoffMs(), 300_000);
});

t.test('a permanent refusal (550) is logged loudly, recorded undeliverable, and not retried', async (t) => {
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const { box, lines, logged } = outbox({ port: smtp.port });
  smtp.failNext(550);
  box.enqueue(down('home-gw', 1_000_000));
  t.equal(await box.deliverOne(), 'dropped');
  t.equal(box.depth, 0);
  t.match(lines.join('\n'), /error .*REFUSED permanently.*550/);
  t.match(logged('home-gw')[0], { type: 'undeliverable', ref: 'down-home-gw-1000000', channel: 'email' });
  t.equal(box.counts.failed, 1);
});

t.test('refused credentials are reported as an authentication failure, without the password', async (t) => {
  const { key, cert, certFile } = selfSignedCertificate();
  const smtp = await startSmtpPeer({
    key, cert, disabledCommands: [],
    onAuth(_auth, _session, callback) {
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
  });
  t.teardown(() => smtp.close());
  const { box, lines } = outbox({ port: smtp.port, tls: 'starttls', username: 'mailbot@example.net', password: 'wrong-s3cret', caFile: certFile });
  box.enqueue(down('home-gw', Date.now()));
  t.equal(await box.deliverOne(), 'retry', 'kept: the user can fix the password and restart');
  t.match(lines.join('\n'), /error .*refused the login/);
  t.notMatch(lines.join('\n'), /wrong-s3cret/);
});

t.test('a closed SMTP port is a transient failure', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const { box, lines } = outbox({ port });
  box.enqueue(down('home-gw', Date.now()));
  t.equal(await box.deliverOne(), 'retry');
  t.match(lines.join('\n'), /ECONNECTION|ECONNREFUSED/);
});

t.test('with the SMTP server down for a while, queued alerts arrive in order once it is back', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const dir = tempDir();
  const { logger } = captureLogger();
  const box = new AlertOutbox({
    mailer: smtpMailer({ host: '127.0.0.1', port, tls: 'none', username: '', password: '', caFile: null }),
    logs: new LogDirectory(dir), logger, from: 'm@example.net', to: ['me@example.net'], timezone: 'UTC',
  });
  t.teardown(() => box.stop(100));
  // The background loop runs for real here: refused connections, backoff, then delivery.
  box.enqueue(down('home-gw', 1_000_000));
  box.enqueue(up('home-gw', 2_000_000));
  box.enqueue(down('cabin', 3_000_000));
  await new Promise((resolve) => setTimeout(resolve, 2500));
  t.equal(box.depth, 3, 'nothing is lost while SMTP is down');
  t.ok(box.counts.retried >= 2, `retried with backoff (${box.counts.retried} attempts)`);
  const smtp = await startSmtpPeer({}, port);
  t.teardown(() => smtp.close());
  const mails = await smtp.waitFor(3, 15_000);
  t.same(mails.map((m) => m.subject), ['DOWN: home-gw', 'UP: home-gw after 10m 00s', 'DOWN: cabin'], 'in the order they happened');
});
