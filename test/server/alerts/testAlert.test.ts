import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { cliPath, tempDir } from '../../helpers.js';
import { writeConfig } from '../../peers/serverProcess.js';
import { startSmtpPeer } from '../../peers/smtp.js';

const run = promisify(execFile);
const testAlert = (config: string) =>
  run(process.execPath, [cliPath, 'test-alert', '--config', config]).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

t.test('test-alert sends one message through the configured SMTP server and says so', async (t) => {
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const dir = tempDir();
  const config = writeConfig(dir, { smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_address: '5551234567@sms.example.net', client_log_dir: join(dir, 'logs') });
  const result = await testAlert(config);
  t.equal(result.code, 0);
  t.match(result.stdout, /test alert sent through SMTP 127\.0\.0\.1:\d+ \(none\) to 5551234567@sms\.example\.net/);
  t.equal(smtp.mails.length, 1);
  t.equal(smtp.mails[0]!.subject, 'TEST: netmonitor alerts reach you');
  t.ok(smtp.mails[0]!.body.length <= 160, 'the test message fits one SMS too');
});

t.test('test-alert reports the SMTP error plainly and exits 1', async (t) => {
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  smtp.failNext(550);
  const dir = tempDir();
  const config = writeConfig(dir, { smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_address: 'nobody@example.net', client_log_dir: join(dir, 'logs') });
  const result = await testAlert(config);
  t.equal(result.code, 1);
  t.match(result.stderr, /^netmonitor: test alert NOT sent through SMTP 127\.0\.0\.1:\d+ \(none\): SMTP 550/);
});

t.test('without an SMTP server, test-alert writes to the outbox file', async (t) => {
  const dir = tempDir();
  const config = writeConfig(dir, { client_log_dir: join(dir, 'logs') });
  const result = await testAlert(config);
  t.equal(result.code, 0);
  t.match(result.stdout, /outbox\.mbox/);
});

t.test("test-alert to a server without STARTTLS says what smtp_tls requires, and speaks of no password when none is set", async (t) => {
  const smtp = await startSmtpPeer({ disabledCommands: ['STARTTLS'] });
  t.teardown(() => smtp.close());
  const dir = tempDir();
  const config = writeConfig(dir, { smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'starttls', alert_address: 'me@example.net', client_log_dir: join(dir, 'logs') });
  const result = await testAlert(config);
  t.equal(result.code, 1);
  t.match(result.stderr, /no TLS with the SMTP server, which smtp_tls "starttls" requires, so nothing was sent/);
  t.notMatch(result.stderr, /password/);
  t.equal(smtp.mails.length, 0);
});
