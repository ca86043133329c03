/**
 * Hands alerts to the mail system: nodemailer's pooled SMTP transport, or, when no SMTP server
 * is configured, an append-only mbox file (fdatasync'd), so a demo or a test needs no mail
 * server. Failures become NetmonitorErrors whose `permanent` flag tells the outbox whether to
 * retry.
 *
 * Both take a batch of messages and hand them over in order, stopping at the first failure,
 * so a burst of alerts costs one fdatasync per batch (file) or one authenticated connection
 * (SMTP) rather than one per alert, and the messages after a failed one are never sent
 * before it.
 */
import { readFileSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { APPEND, notRegularFile, writeFailure } from '../../shared/fileOpen.js';
import { dirname } from 'node:path';
import nodemailer from 'nodemailer';
import { NetmonitorError } from '../../shared/errors.js';
import type { SmtpConfig } from '../config/server.js';

export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** Stable per transition: a re-send after a crash is recognisably the same message. */
  messageId: string;
  date: Date;
}

/** What a batch came to: messages are handed over in order, so the accepted ones come first. */
export interface BatchResult {
  /** How many messages, from the first, the mail system accepted. */
  accepted: number;
  /** Why message number `accepted` was not; null when all were. No later message was tried. */
  error: NetmonitorError | null;
}

export interface Mailer {
  readonly description: string;
  send(mail: OutgoingMail): Promise<void>;
  /** Sends in order and stops at the first failure; mailers without it get one send() per message. */
  sendBatch?(mails: readonly OutgoingMail[]): Promise<BatchResult>;
  close(): void;
}

/** A pooled SMTP connection is replaced after this many messages: many servers limit them per session. */
export const SMTP_MESSAGES_PER_CONNECTION = 100;
/** An unused SMTP connection is closed after this long: a burst and its stragglers share it. */
export const SMTP_IDLE_MS = 60_000;

/**
 * Classifies an SMTP failure: 5xx answers and refused credentials are not worth retrying
 * as-is. `withPassword` says whether a login was configured, so a missing STARTTLS is not
 * blamed on protecting a password there is none of.
 */
export function deliveryError(error: unknown, withPassword = true): NetmonitorError {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const answer = e.response ?? e.message ?? String(error);
  if (e.code === 'ETLS') {
    // Not retried as permanent: the alert is kept until the server (or our config) is fixed.
    const message = withPassword
      ? `no TLS with the SMTP server, so the password was not sent: ${answer}`
      : `no TLS with the SMTP server, which smtp_tls "starttls" requires, so nothing was sent (set smtp_tls to "none" only for a server on this machine): ${answer}`;
    return new NetmonitorError('ETLS', message, { cause: error });
  }
  if (e.code === 'EAUTH') {
    return new NetmonitorError('EAUTH', `the SMTP server refused the login: ${answer}`, { permanent: true, cause: error });
  }
  const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
  const what = typeof e.responseCode === 'number' ? `SMTP ${e.responseCode}: ${answer}` : `${e.code ?? 'error'}: ${answer}`;
  return new NetmonitorError('ESMTP', what, { permanent, cause: error });
}

/** Any failure as a delivery error; unknown ones are transient, so the alert is kept. */
export function asDeliveryError(error: unknown): NetmonitorError {
  if (error instanceof NetmonitorError) return error;
  return new NetmonitorError('ESMTP', error instanceof Error ? error.message : String(error), { cause: error });
}

/** Sends one message after another and stops at the first failure, so order is kept. */
export async function sendInOrder(send: (mail: OutgoingMail) => Promise<void>, mails: readonly OutgoingMail[]): Promise<BatchResult> {
  for (const [index, mail] of mails.entries()) {
    try {
      await send(mail);
    } catch (error) {
      return { accepted: index, error: asDeliveryError(error) };
    }
  }
  return { accepted: mails.length, error: null };
}

/** A batch through whichever path the mailer has; never rejects, so the outbox always gets an answer. */
export async function sendBatch(mailer: Mailer, mails: readonly OutgoingMail[]): Promise<BatchResult> {
  if (mailer.sendBatch === undefined) return sendInOrder((mail) => mailer.send(mail), mails);
  try {
    return await mailer.sendBatch(mails);
  } catch (error) {
    return { accepted: 0, error: asDeliveryError(error) };
  }
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
    // A burst of alerts reuses one authenticated session instead of connect, EHLO, STARTTLS
    // and AUTH per alert. One connection, and one message at a time on it (sendInOrder), so
    // alerts reach the server in the order they happened. The pool opens a new connection
    // when the server drops an idle one, and sends a message again over a new one only when
    // not a byte of it went out over the old.
    pool: true,
    maxConnections: 1,
    maxMessages: SMTP_MESSAGES_PER_CONNECTION,
    idleTimeout: SMTP_IDLE_MS,
  });
  const send = async (mail: OutgoingMail): Promise<void> => {
    try {
      await transport.sendMail({ ...mail, messageId: mail.messageId });
    } catch (error) {
      throw deliveryError(error, smtp.password !== '');
    }
  };
  return {
    description: `SMTP ${smtp.host}:${smtp.port} (${smtp.tls})`,
    send,
    sendBatch: (mails) => sendInOrder(send, mails),
    // Called once delivery has stopped: a message still in flight then has had its grace
    // time, and it is sent again after the restart, so the connection is not waited for.
    close: () => transport.close({ force: true }),
  };
}

const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$/;
/** Printable ASCII words with single spaces, and no "=?" that a reader would take for an encoded word. */
const PLAIN_HEADER = /^(?!.*=\?)[\x21-\x7e]+( [\x21-\x7e]+)*$/;
/** 7bit allows lines of up to 998 characters. */
const PLAIN_LINE = /^[\x20-\x7e]{0,998}$/;
const MESSAGE_ID = /^<[\x21-\x3b\x3d\x3f-\x7e]+>$/;

/**
 * The message, with unix newlines, when every part of it is plain ASCII: the headers
 * nodemailer writes for such a message, and the text as 7bit. Null for anything else (a
 * name, an encoded word, a long header, other characters), which nodemailer then composes.
 * Alerts are plain ASCII by design, and nodemailer spends about half a millisecond of CPU on
 * each message: a burst of a thousand would spend most of its lag there.
 */
export function plainMessage(mail: OutgoingMail): string | null {
  const headers = [
    `From: ${mail.from}`,
    `To: ${mail.to.join(', ')}`,
    `Subject: ${mail.subject}`,
    `Message-ID: ${mail.messageId}`,
    `Date: ${mail.date.toUTCString().replace(/GMT$/, '+0000')}`,
    'Content-Transfer-Encoding: 7bit',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
  const lines = mail.text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  const plain =
    mail.to.length > 0 &&
    [mail.from, ...mail.to].every((address) => ADDRESS.test(address)) &&
    PLAIN_HEADER.test(mail.subject) &&
    MESSAGE_ID.test(mail.messageId) &&
    !Number.isNaN(mail.date.getTime()) &&
    headers.every((header) => header.length <= 78) && // nodemailer would fold longer ones
    lines.every((line) => PLAIN_LINE.test(line));
  return plain ? `${headers.join('\n')}\n\n${lines.join('\n')}\n` : null;
}

/** One mbox entry: the "From " separator line, the message with its own "From " lines quoted. */
export function mboxEntry(raw: string, date: Date): string {
  return `From netmonitor ${date.toUTCString()}\n${raw.replace(/^From /gm, '>From ')}\n\n`;
}

/** The file operations used; tests replace them only to count or fail fdatasyncs. */
export type OpenFile = typeof open;

/** Appends text to a file and makes it durable before resolving (test/bench/mbox.bench.ts times it). */
export async function appendDurably(openFile: OpenFile, path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Never through a link planted as the mbox, and only into a regular file (fileOpen.ts).
  const file = await openFile(path, APPEND, 0o640);
  try {
    if (!(await file.stat()).isFile()) throw notRegularFile(path);
    await file.write(text);
    await file.datasync();
  } finally {
    await file.close();
  }
}

/** Appends alerts to an mbox file; used when no smtp_server is configured. */
export function fileMailer(path: string, openFile: OpenFile = open): Mailer {
  const compose = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const entryOf = async (mail: OutgoingMail): Promise<string> => {
    const plain = plainMessage(mail);
    if (plain !== null) return mboxEntry(plain, mail.date);
    const info = await compose.sendMail(mail);
    return mboxEntry((info.message as Buffer).toString('utf8'), mail.date);
  };
  const sendBatch = async (mails: readonly OutgoingMail[]): Promise<BatchResult> => {
    if (mails.length === 0) return { accepted: 0, error: null };
    try {
      // The whole batch in one append and one fdatasync: a burst costs one disk flush.
      await appendDurably(openFile, path, (await Promise.all(mails.map(entryOf))).join(''));
    } catch (error) {
      return { accepted: 0, error: new NetmonitorError('ESMTP', `cannot write ${path}: ${writeFailure(error)}`, { cause: error }) };
    }
    return { accepted: mails.length, error: null };
  };
  return {
    description: `the file ${path} (no smtp_server configured)`,
    async send(mail) {
      const { error } = await sendBatch([mail]);
      if (error !== null) throw error;
    },
    sendBatch,
    close: () => undefined,
  };
}
