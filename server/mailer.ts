/**
 * Hands an alert to the mail system: nodemailer's SMTP transport, or, when no SMTP server is
 * configured, an append-only mbox file (fsync'd), so a demo or a test needs no mail server.
 * Failures become NetmonitorErrors whose `permanent` flag tells the outbox whether to retry.
 */
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import nodemailer from 'nodemailer';
import { NetmonitorError } from '../shared/errors.js';
import type { SmtpConfig } from './config.js';

export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** Stable per transition: a re-send after a crash is recognisably the same message. */
  messageId: string;
  date: Date;
}

export interface Mailer {
  readonly description: string;
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** Classifies an SMTP failure: 5xx answers and refused credentials are not worth retrying as-is. */
export function deliveryError(error: unknown): NetmonitorError {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const answer = e.response ?? e.message ?? String(error);
  if (e.code === 'ETLS') {
    // Not retried as permanent: the alert is kept until the server (or our config) is fixed.
    return new NetmonitorError('ETLS', `no TLS with the SMTP server, so the password was not sent: ${answer}`, { cause: error });
  }
  if (e.code === 'EAUTH') {
    return new NetmonitorError('EAUTH', `the SMTP server refused the login: ${answer}`, { permanent: true, cause: error });
  }
  const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
  const what = typeof e.responseCode === 'number' ? `SMTP ${e.responseCode}: ${answer}` : `${e.code ?? 'error'}: ${answer}`;
  return new NetmonitorError('ESMTP', what, { permanent, cause: error });
}

export function smtpMailer(smtp: SmtpConfig): Mailer {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls === 'tls',
    requireTLS: smtp.tls === 'starttls',
    ignoreTLS: smtp.tls === 'none',
    auth: smtp.password === '' ? undefined : { user: smtp.username, pass: smtp.password },
    tls: smtp.caFile === null ? undefined : { ca: readFileSync(smtp.caFile) },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  return {
    description: `SMTP ${smtp.host}:${smtp.port} (${smtp.tls})`,
    async send(mail) {
      try {
        await transport.sendMail({ ...mail, messageId: mail.messageId });
      } catch (error) {
        throw deliveryError(error);
      }
    },
    close: () => transport.close(),
  };
}

/** Appends each alert to an mbox file; used when no smtp_server is configured. */
export function fileMailer(path: string): Mailer {
  const compose = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `the file ${path} (no smtp_server configured)`,
    async send(mail) {
      const info = await compose.sendMail(mail);
      const message = (info.message as Buffer).toString('utf8').replace(/^From /gm, '>From ');
      await mkdir(dirname(path), { recursive: true });
      const file = await open(path, 'a', 0o640);
      try {
        await file.write(`From netmonitor ${mail.date.toUTCString()}\n${message}\n\n`);
        await file.datasync();
      } finally {
        await file.close();
      }
    },
    close: () => undefined,
  };
}
