import t from 'tap';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { TlsFiles } from '../../../server/http/tlsFiles.js';
import { cliPath, tempDir } from '../../helpers.js';
import { selfSignedCertificate } from '../../peers/certificate.js';
import { missingProgram } from '../../systemPrograms.js';
import { captureLogger } from '../../peers/logger.js';
import { startInProcess } from './peer.js';

interface Answer {
  status: number;
  body: string;
  /** SHA-256 fingerprint of the certificate the server presented. */
  fingerprint: string;
}

/** A GET over TLS that trusts only `ca`. */
function getTls(url: string, ca: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, agent: false }, (response) => {
      const fingerprint = (response.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body, fingerprint }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A plain-HTTP GET; resolves with the status, or the error code when the connection failed. */
function getPlain(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent: false, timeout: 5000 }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

const NO_OPENSSL = missingProgram('openssl');
const fingerprintOf = (cert: string): string => new X509Certificate(cert).fingerprint256;

t.test('with a certificate and key the listener serves HTTPS with them, and a plain-HTTP request gets no answer', { skip: NO_OPENSSL }, async (t) => {
  const certificate = selfSignedCertificate();
  const peer = await startInProcess({ http: { tls_cert_file: certificate.certFile, tls_key_file: certificate.keyFile } });
  t.teardown(() => peer.stop());
  t.match(peer.base, /^https:\/\/127\.0\.0\.1:\d+$/, 'the log line says https');
  const health = await getTls(`${peer.base}/api/v1/health`, certificate.cert);
  t.equal(health.fingerprint, fingerprintOf(certificate.cert), 'the configured certificate');
  t.match(JSON.parse(health.body), { logs_writable: true, clients: { unknown: 2 } }, 'and the API behind it');
  const plain = await getPlain(peer.base.replace('https:', 'http:') + '/api/v1/health');
  t.not(plain, 200, `plain HTTP gets nothing (${plain})`);
  t.equal(typeof plain, 'string', 'the connection is closed without an HTTP answer');
  t.notOk(peer.lines.some((line) => line.includes('PRIVATE KEY')), 'the key never reaches the log');
});

t.test('a renewed certificate is served without a restart; an unusable one is reported once and the old one kept', { skip: NO_OPENSSL }, async (t) => {
  const dir = tempDir();
  const first = selfSignedCertificate(dir);
  const { logger, lines } = captureLogger();
  const files = new TlsFiles({ certFile: first.certFile, keyFile: first.keyFile }, logger);
  const server: Server = createServer(files.read(), (_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/`;
  t.equal((await getTls(url, first.cert)).fingerprint, fingerprintOf(first.cert));
  t.equal(await files.reload(server), false, 'nothing changed, nothing read');

  // certbot-style renewal: new files renamed over the old ones.
  const renewed = selfSignedCertificate(tempDir());
  copyFileSync(renewed.keyFile, join(dir, 'key.new'));
  copyFileSync(renewed.certFile, join(dir, 'cert.new'));
  renameSync(join(dir, 'key.new'), first.keyFile);
  renameSync(join(dir, 'cert.new'), first.certFile);
  t.equal(await files.reload(server), true);
  t.equal((await getTls(url, renewed.cert)).fingerprint, fingerprintOf(renewed.cert), 'the renewed certificate is served');
  t.match(lines.join('\n'), /serving the renewed TLS certificate/);

  // Half a renewal: a new certificate whose key has not been written yet.
  const other = selfSignedCertificate(tempDir());
  writeFileSync(first.certFile, other.cert);
  t.equal(await files.reload(server), false);
  t.equal(await files.reload(server), false);
  const refusals = lines.filter((line) => /cannot be used together/.test(line));
  t.equal(refusals.length, 1, 'reported once, not at every check');
  t.notOk(lines.some((line) => line.includes('PRIVATE KEY') || line.includes('BEGIN')), 'no file content in the log');
  t.equal((await getTls(url, renewed.cert)).fingerprint, fingerprintOf(renewed.cert), 'the last good certificate is still served');
  writeFileSync(first.keyFile, other.key);
  t.equal(await files.reload(server), true, 'picked up once the pair is complete');
  t.equal((await getTls(url, other.cert)).fingerprint, fingerprintOf(other.cert));

  // A file gone for a while (a renewal tool between steps): reported once, the pair kept.
  renameSync(first.keyFile, join(dir, 'key.away'));
  t.equal(await files.reload(server), false);
  t.equal(await files.reload(server), false);
  t.equal(lines.filter((line) => /cannot read the TLS files \(ENOENT\)/.test(line)).length, 1, 'a missing file is reported once');
  t.equal((await getTls(url, other.cert)).fingerprint, fingerprintOf(other.cert), 'and the pair in use stays');
  files.stop();
});

t.test('bad TLS settings stop the server with status 2 and name the key, never the key file\'s content', { skip: NO_OPENSSL }, async (t) => {
  const dir = tempDir();
  const good = selfSignedCertificate(tempDir());
  const stranger = selfSignedCertificate(tempDir());
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ tls_cert_file: good.certFile }, /http\.tls_key_file: is needed/],
    [{ tls_key_file: good.keyFile }, /http\.tls_cert_file: is needed/],
    [{ tls_cert_file: join(dir, 'missing.pem'), tls_key_file: good.keyFile }, /http\.tls_cert_file: cannot read the file .*missing\.pem \(ENOENT\)/],
    [{ tls_cert_file: good.certFile, tls_key_file: stranger.keyFile }, /http\.tls_cert_file: the certificate and http\.tls_key_file cannot be used together/],
    [{ tls_cert_file: good.keyFile, tls_key_file: good.keyFile }, /http\.tls_cert_file: the certificate and http\.tls_key_file cannot be used together/],
  ];
  for (const [tls, message] of cases) {
    const config = join(dir, 'server.json');
    writeFileSync(config, JSON.stringify({ client_log_dir: join(dir, 'logs'), http: { port: 0, ...tls } }));
    const result = spawnSync(process.execPath, [cliPath, 'server', '--config', config], { encoding: 'utf8' });
    t.equal(result.status, 2, `exit 2 for ${JSON.stringify(Object.keys(tls))}`);
    t.match(result.stderr, message);
    t.notMatch(result.stderr, /PRIVATE KEY|BEGIN/, 'no file content');
  }
});
