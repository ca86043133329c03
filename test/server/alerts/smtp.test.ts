/**
 * Alert delivery against a real SMTP server: TLS before credentials, retries for transient
 * answers, loud and final failures for permanent ones. One deliverBatch() call per attempt,
 * then bursts: one connection for many alerts, and order kept around failures in a batch.
 */
import t, { type Test } from 'tap';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { SmtpConfig } from '../../../server/config/server.js';
import type { DownEvent, UpEvent } from '../../../server/core/events.js';
import { LogDirectory } from '../../../server/store/logDirectory.js';
import { smtpMailer } from '../../../server/alerts/mailer.js';
import { AlertOutbox } from '../../../server/alerts/outbox.js';
import { DEFAULT_LIMITS, StormControl } from '../../../server/alerts/storm.js';
import { tempDir, readLog } from '../../helpers.js';
import { captureLogger } from '../../peers/logger.js';
import { startSmtpPeer } from '../../peers/smtp.js';
import { selfSignedCertificate } from '../../peers/certificate.js';
import { missingProgram } from '../../systemPrograms.js';

const down = (client: string, at: number): DownEvent => ({ type: 'down', client, at, lastUp: at - 180_000, downIntervalMs: 180_000, transitionId: `down-${client}-${at}` });
const report = (sent: number, dropped = 0, retry = false) => ({ sent, dropped, retry });
const up = (client: string, at: number): UpEvent => ({ type: 'up', client, at, lastUp: at - 600_000, outageMs: 600_000, transitionId: `up-${client}-${at}` });

function outbox(t: Test, smtp: Partial<SmtpConfig> & { port: number }) {
  const dir = tempDir();
  const { logger, lines } = captureLogger();
  const logs = new LogDirectory(dir);
  const config: SmtpConfig = { host: '127.0.0.1', tls: 'none', username: '', password: '', caFile: null, ...smtp };
  const mailer = smtpMailer(config);
  // Teardowns run last-registered first: the pooled connection is closed before the peer,
  // which would otherwise wait for it.
  t.teardown(() => mailer.close());
  // Storm control out of the way: these tests are about delivery, not about holding bursts.
  const storm = new StormControl({ ...DEFAULT_LIMITS, stormThreshold: 1_000_000, hourlyCap: 1_000_000, flapChanges: 1_000_000, holdMs: 0 });
  const box = new AlertOutbox({ mailer, logs, logger, from: 'mailbot@example.net', to: ['5551234567@sms.example.net'], timezone: 'UTC', storm });
  // Deliveries are driven one call at a time by the test, never by the background loop.
  (box as unknown as { kick(): void }).kick = () => undefined;
  // Delivery records are written in the background; wait for them before reading a log.
  const logged = async (client: string) => {
    await box.recorded();
    return readLog(join(dir, `${client}.nmlog`));
  };
  return { box, lines, logged };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Polls `condition` (the machine may be loaded, so no fixed sleeps). */
async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

t.test('with STARTTLS the password is sent only inside TLS, and the alert arrives', { skip: missingProgram('openssl') }, async (t) => {
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
  const { box } = outbox(t, { port: smtp.port, tls: 'starttls', username: 'mailbot@example.net', password: 's3cret', caFile: certFile });
  box.enqueue(down('home-gw', Date.parse('2026-11-25T06:00:00Z')));
  t.same(await box.deliverBatch(), report(1));
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
  const { box, lines } = outbox(t, { port: smtp.port, tls: 'starttls', username: 'mailbot@example.net', password: 's3cret' });
  box.enqueue(down('home-gw', Date.now()));
  t.same(await box.deliverBatch(), report(0, 0, true), 'kept for a retry');
  t.same(logins, [], 'no credentials were sent in clear');
  t.equal(box.depth, 1);
  t.match(lines.join('\n'), /error .*no TLS with the SMTP server/, 'said loudly, as a TLS failure');
  t.notMatch(lines.join('\n'), /s3cret/, 'the password is never logged');
});

t.test('transient answers (451, 421) are retried with backoff, and alerts arrive in order once SMTP recovers', async (t) => {
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const { box, logged } = outbox(t, { port: smtp.port });
  smtp.failNext(451);
  smtp.failNext(421);
  box.enqueue(down('home-gw', 1_000_000));
  box.enqueue(up('home-gw', 2_000_000));
  t.same(await box.deliverBatch(), report(0, 0, true));
  t.equal(box.backoffMs(), 1000, 'the first retry comes after about a second');
  t.same(await box.deliverBatch(), report(0, 0, true));
  t.equal(box.backoffMs(), 2000, 'then the delay doubles');
  t.same(await box.deliverBatch(), report(2), 'both go out once SMTP answers again');
  t.same(await box.deliverBatch(), report(0), 'nothing left');
  t.same(smtp.mails.map((m) => m.subject), ['DOWN: home-gw', 'UP: home-gw after 10m 00s'], 'in the order they happened');
  t.same((await logged('home-gw')).map((r) => [r.type, r.ref]), [['delivered', 'down-home-gw-1000000'], ['delivered', 'up-home-gw-2000000']]);
});

t.test('the retry delay is capped at five minutes', async (t) => {
  const { box } = outbox(t, { port: 1 });
  (box as unknown as { failures: number }).failures = 40;
  t.equal(box.backoffMs(), 300_000);
});

t.test('a permanent refusal (550) is logged loudly, recorded undeliverable, and not retried', async (t) => {
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const { box, lines, logged } = outbox(t, { port: smtp.port });
  smtp.failNext(550);
  box.enqueue(down('home-gw', 1_000_000));
  t.same(await box.deliverBatch(), report(0, 1));
  t.equal(box.depth, 0);
  t.match(lines.join('\n'), /error .*REFUSED permanently.*550/);
  t.match((await logged('home-gw'))[0], { type: 'undeliverable', ref: 'down-home-gw-1000000', channel: 'email' });
  t.equal(box.counts.failed, 1);
});

t.test('refused credentials are reported as an authentication failure, without the password', { skip: missingProgram('openssl') }, async (t) => {
  const { key, cert, certFile } = selfSignedCertificate();
  const smtp = await startSmtpPeer({
    key, cert, disabledCommands: [],
    onAuth(_auth, _session, callback) {
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
  });
  t.teardown(() => smtp.close());
  const { box, lines } = outbox(t, { port: smtp.port, tls: 'starttls', username: 'mailbot@example.net', password: 'wrong-s3cret', caFile: certFile });
  box.enqueue(down('home-gw', Date.now()));
  t.same(await box.deliverBatch(), report(0, 0, true), 'kept: the user can fix the password and restart');
  t.match(lines.join('\n'), /error .*refused the login/);
  t.notMatch(lines.join('\n'), /wrong-s3cret/);
});

t.test('a closed SMTP port is a transient failure', async (t) => {
  const { box, lines } = outbox(t, { port: await freePort() });
  box.enqueue(down('home-gw', Date.now()));
  t.same(await box.deliverBatch(), report(0, 0, true));
  t.match(lines.join('\n'), /ECONNECTION|ECONNREFUSED/);
});

t.test('with the SMTP server down for a while, queued alerts arrive in order once it is back', async (t) => {
  const port = await freePort();
  const dir = tempDir();
  const { logger } = captureLogger();
  const mailer = smtpMailer({ host: '127.0.0.1', port, tls: 'none', username: '', password: '', caFile: null });
  const box = new AlertOutbox({ mailer, logs: new LogDirectory(dir), logger, from: 'm@example.net', to: ['me@example.net'], timezone: 'UTC', storm: new StormControl({ ...DEFAULT_LIMITS, holdMs: 0 }) });
  // The background loop runs for real here: refused connections, backoff, then delivery.
  box.enqueue(down('home-gw', 1_000_000));
  box.enqueue(up('home-gw', 2_000_000));
  box.enqueue(down('cabin', 3_000_000));
  await until(() => box.counts.retried >= 2, 15_000);
  t.equal(box.depth, 3, 'nothing is lost while SMTP is down');
  const smtp = await startSmtpPeer({}, port);
  t.teardown(() => smtp.close());
  // Registered after the peer's, so it runs first: the peer waits for open connections.
  t.teardown(async () => {
    await box.stop(100);
    mailer.close();
  });
  const mails = await smtp.waitFor(3, 15_000);
  t.same(mails.map((m) => m.subject), ['DOWN: home-gw', 'UP: home-gw after 10m 00s', 'DOWN: cabin'], 'in the order they happened');
});

/** Answers MAIL FROM of the `nth` transaction (1-based) with `code`, like a server refusing one message. */
function refuseTransaction(nth: number, code: number) {
  let transactions = 0;
  return {
    onMailFrom(_address: unknown, _session: unknown, callback: (error?: Error | null) => void) {
      transactions++;
      if (transactions === nth) callback(Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: code }));
      else callback();
    },
  };
}

/** Counts the TCP connections the SMTP server accepts. */
function connectionCounter() {
  const counter = {
    connections: 0,
    onConnect(_session: unknown, callback: (error?: Error | null) => void) {
      counter.connections++;
      callback();
    },
  };
  return counter;
}

const gateways = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `gw-${String(from + i).padStart(3, '0')}`);

t.test('a burst of alerts goes out in order over one SMTP connection, and later batches reuse it', async (t) => {
  const counter = connectionCounter();
  const smtp = await startSmtpPeer({ onConnect: counter.onConnect });
  t.teardown(() => smtp.close());
  const { box, logged } = outbox(t, { port: smtp.port });
  for (const client of gateways(30)) box.enqueue(down(client, 1_000_000));
  t.same(await box.deliverBatch(), report(30), 'the whole burst in one batch');
  for (const client of gateways(5, 30)) box.enqueue(down(client, 1_000_000));
  t.same(await box.deliverBatch(), report(5));
  t.equal(counter.connections, 1, 'one connection (one EHLO, one login) for all 35 alerts');
  t.same(smtp.mails.map((m) => m.subject), gateways(35).map((c) => `DOWN: ${c}`), 'in the order they were queued');
  const records = await Promise.all(gateways(35).map(async (client) => (await logged(client)).map((r) => `${r.type} ${String(r.ref)}`)));
  t.same(records, gateways(35).map((client) => [`delivered down-${client}-1000000`]), 'exactly one delivered record per alert');
  t.equal(box.counts.sent, 35);
});

t.test('a transient failure in the middle of a batch keeps that alert and every later one, in order, for the retry', async (t) => {
  const smtp = await startSmtpPeer(refuseTransaction(3, 451));
  t.teardown(() => smtp.close());
  const { box, lines, logged } = outbox(t, { port: smtp.port });
  const clients = gateways(5);
  for (const client of clients) box.enqueue(down(client, 1_000_000));
  t.same(await box.deliverBatch(), report(2, 0, true), 'two sent, then the third was refused for now');
  t.equal(box.depth, 3, 'the third and everything after it still queued');
  t.same(smtp.mails.map((m) => m.subject), ['DOWN: gw-000', 'DOWN: gw-001'], 'nothing after the failed one went out ahead of it');
  t.match(lines.join('\n'), /alert for gw-002 \(down\) and 2 behind it not delivered, will retry in 1s: SMTP 451/);
  t.same((await logged('gw-002')), [], 'not recorded as delivered');
  t.same(await box.deliverBatch(), report(3), 'the retry sends the rest');
  t.same(smtp.mails.map((m) => m.subject), clients.map((c) => `DOWN: ${c}`), 'every alert, in the order they happened');
  for (const client of clients) t.same((await logged(client)).map((r) => r.type), ['delivered'], `exactly one delivered record for ${client}`);
  t.equal(box.counts.retried, 1);
});

t.test('a permanent refusal in the middle of a batch drops only that alert; the rest go out in order', async (t) => {
  const smtp = await startSmtpPeer(refuseTransaction(3, 550));
  t.teardown(() => smtp.close());
  const { box, lines, logged } = outbox(t, { port: smtp.port });
  const clients = gateways(5);
  for (const client of clients) box.enqueue(down(client, 1_000_000));
  t.same(await box.deliverBatch(), report(4, 1), 'four sent, one refused, nothing left for a retry');
  t.equal(box.depth, 0);
  t.same(smtp.mails.map((m) => m.subject), ['DOWN: gw-000', 'DOWN: gw-001', 'DOWN: gw-003', 'DOWN: gw-004']);
  t.match(lines.join('\n'), /error alert for gw-002 \(down\) REFUSED permanently .*550/);
  t.match(await logged('gw-002'), [{ type: 'undeliverable', ref: 'down-gw-002-1000000', channel: 'email' }]);
  for (const client of ['gw-000', 'gw-001', 'gw-003', 'gw-004']) t.same((await logged(client)).map((r) => r.type), ['delivered'], client);
  t.same(box.counts, { sent: 4, failed: 1, retried: 0, held: 0, summaries: 0, withheld: 0 });
});
