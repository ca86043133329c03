/**
 * The signed acknowledgement link in alerts: `<public_url>/api/v1/ack?c=<client>&t=<down
 * id>&e=<expiry, unix seconds>&s=<signature>`, the signature an HMAC-SHA-256 over client,
 * down id and expiry with the server's own secret. Anyone holding the link can acknowledge
 * that one outage until it expires, and nothing else. The secret is made once, 32 random
 * bytes in `@ack-secret` in the log folder (mode 0600), and never leaves it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { constants } from 'node:fs';
import { createFresh, openRegular } from '../../shared/fileOpen.js';

export const ACK_SECRET_FILE = '@ack-secret';
/** How long a link works: a week covers an outage noticed after a holiday. */
export const ACK_LINK_TTL_MS = 7 * 24 * 3_600_000;
export const ACK_PATH = '/api/v1/ack';

function signature(secret: Buffer, client: string, down: string, expiry: number): string {
  return createHmac('sha256', secret).update(`${client}\n${down}\n${expiry}`).digest('base64url');
}

export function ackLink(base: string, secret: Buffer, client: string, down: string, now: number): string {
  const expiry = Math.floor((now + ACK_LINK_TTL_MS) / 1000);
  const query = new URLSearchParams({ c: client, t: down, e: String(expiry), s: signature(secret, client, down, expiry) });
  return `${base.replace(/\/+$/, '')}${ACK_PATH}?${query}`;
}

/** The client and down id a link acknowledges, or why it does not. */
export function verifyAckLink(query: URLSearchParams, secret: Buffer, now: number): { client: string; down: string } | { error: string } {
  const client = query.get('c');
  const down = query.get('t');
  const expiry = Number(query.get('e'));
  const given = Buffer.from(query.get('s') ?? '', 'base64url');
  if (client === null || down === null || !Number.isSafeInteger(expiry)) return { error: 'not an acknowledgement link' };
  const wanted = Buffer.from(signature(secret, client, down, expiry), 'base64url');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return { error: 'the link is not valid' };
  if (now > expiry * 1000) return { error: 'the link has expired' };
  return { client, down };
}

/** The server's link secret: read from the log folder, or made there on first use. Never follows a link. */
export async function loadAckSecret(logDir: string): Promise<Buffer> {
  const path = join(logDir, ACK_SECRET_FILE);
  try {
    const file = await openRegular(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const text = (await file.readFile('utf8')).trim();
      if (/^[0-9a-f]{64}$/.test(text)) return Buffer.from(text, 'hex');
    } finally {
      await file.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32);
  const file = await createFresh(path, 0o600);
  try {
    await file.writeFile(`${secret.toString('hex')}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  return secret;
}
