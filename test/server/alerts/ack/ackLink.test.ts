/**
 * The signed acknowledgement link as pure code on an injected clock, and its secret file.
 */
import t from 'tap';
import { lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACK_LINK_TTL_MS, ackLink, loadAckSecret, verifyAckLink } from '../../../../server/alerts/ackLink.js';
import { tempDir } from '../../../helpers.js';

const secret = Buffer.alloc(32, 7);
const query = (link: string): URLSearchParams => new URL(link).searchParams;

t.test('a link acknowledges exactly its client and outage until it expires', async (t) => {
  const link = ackLink('https://monitor.example.net/', secret, 'home-gw', 'down-1', 0);
  t.match(link, /^https:\/\/monitor\.example\.net\/api\/v1\/ack\?c=home-gw&t=down-1&e=\d+&s=[\w-]+$/);
  t.same(verifyAckLink(query(link), secret, ACK_LINK_TTL_MS), { client: 'home-gw', down: 'down-1' });
  t.same(verifyAckLink(query(link), secret, ACK_LINK_TTL_MS + 1000), { error: 'the link has expired' });
});

t.test('a changed client, outage or expiry, or another secret, makes the link invalid', async (t) => {
  const link = new URL(ackLink('http://x', secret, 'home-gw', 'down-1', 0));
  for (const [key, value] of [['c', 'cabin'], ['t', 'down-2'], ['e', String(Number(link.searchParams.get('e')) + 86400)]] as const) {
    const changed = new URLSearchParams(link.searchParams);
    changed.set(key, value);
    t.same(verifyAckLink(changed, secret, 0), { error: 'the link is not valid' }, `changed ${key}`);
  }
  t.same(verifyAckLink(link.searchParams, Buffer.alloc(32, 8), 0), { error: 'the link is not valid' });
  t.same(verifyAckLink(new URLSearchParams('c=a'), secret, 0), { error: 'not an acknowledgement link' });
});

t.test('the secret is made once in the log folder, private, and a planted link in its place is not followed', async (t) => {
  const dir = tempDir();
  const first = await loadAckSecret(dir);
  t.equal(first.length, 32);
  t.same(await loadAckSecret(dir), first, 'the same secret after a restart');
  t.equal(lstatSync(join(dir, '@ack-secret')).mode & 0o777, 0o600);
  const other = tempDir();
  writeFileSync(join(other, 'target'), 'keep me\n');
  symlinkSync(join(other, 'target'), join(other, '@ack-secret'));
  await t.rejects(loadAckSecret(other), { code: 'ENOTREG' });
  t.equal(readFileSync(join(other, 'target'), 'utf8'), 'keep me\n', 'the target is untouched');
});
