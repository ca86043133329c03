/**
 * A real SMTP server for tests (the smtp-server package on 127.0.0.1, port 0). It records
 * every accepted message, and can be told to answer the next transactions with an error
 * code (421/451 transient, 550 permanent) or to require a login.
 */
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  headers: Map<string, string>;
  subject: string;
  messageId: string;
  body: string;
  receivedAt: number;
}

export interface SmtpPeer {
  port: number;
  mails: ReceivedMail[];
  /** Answer the next `count` DATA commands with `code` (e.g. 451 or 550). */
  failNext(code: number, count?: number): void;
  /** Resolves when `count` mails have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  attempts: number;
  close(): Promise<void>;
}

function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function parseMail(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.slice(split + 4).replace(/\r\n$/, '');
  if (/quoted-printable/i.test(headers.get('content-transfer-encoding') ?? '')) body = decodeQuotedPrintable(body);
  return { headers, body: body.replace(/\r\n/g, '\n') };
}

export async function startSmtpPeer(options: Partial<SMTPServerOptions> = {}, port = 0): Promise<SmtpPeer> {
  const mails: ReceivedMail[] = [];
  const failures: number[] = [];
  const waiters: (() => void)[] = [];
  const peer: SmtpPeer = {
    port: 0,
    mails,
    attempts: 0,
    failNext(code, count = 1) {
      for (let i = 0; i < count; i++) failures.push(code);
    },
    waitFor(count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (mails.length >= count) {
            resolve(mails.slice());
            return true;
          }
          return false;
        };
        if (check()) return;
        const timer = setTimeout(() => reject(new Error(`expected ${count} mail(s) within ${timeoutMs} ms, got ${mails.length}`)), timeoutMs);
        const waiter = (): void => {
          if (check()) {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(waiter), 1);
          }
        };
        waiters.push(waiter);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        peer.attempts++;
        const code = failures.shift();
        if (code !== undefined) {
          const error = Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: code });
          callback(error);
          return;
        }
        const { headers, body } = parseMail(Buffer.concat(chunks).toString('utf8'));
        mails.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          headers,
          subject: headers.get('subject') ?? '',
          messageId: headers.get('message-id') ?? '',
          body,
          receivedAt: Date.now(),
        });
        callback();
        for (const waiter of waiters.slice()) waiter();
      });
    },
  });
  // A netmonitor server killed mid-session resets the connection; that is expected here.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  peer.port = (server.server.address() as { port: number }).port;
  return peer;
}
