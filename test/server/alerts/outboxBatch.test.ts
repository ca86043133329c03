/**
 * Bursts of alerts through the outbox and the mbox file mailer, on the real disk: a batch is
 * one append and one fdatasync, every alert is in the file in order, each gets exactly one
 * `delivered` record, and a stop waits for those records.
 */
import t from 'tap';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { DownEvent, UpEvent } from '../../../server/core/events.js';
import { LogDirectory } from '../../../server/store/logDirectory.js';
import nodemailer from 'nodemailer';
import { downAlert, summaryAlert, upAlert } from '../../../server/alerts/alertText.js';
import { fileMailer, mboxEntry, plainMessage, sendInOrder, type OpenFile, type OutgoingMail } from '../../../server/alerts/mailer.js';
import { AlertOutbox, BATCH_SIZE, messageIdOf } from '../../../server/alerts/outbox.js';
import { outcomeRecords } from '../../../server/alerts/channels/recorder.js';
import { DEFAULT_LIMITS, StormControl } from '../../../server/alerts/storm.js';
import { NetmonitorError } from '../../../shared/errors.js';
import { readLog, tempDir } from '../../helpers.js';
import { captureLogger } from '../../peers/logger.js';

const down = (client: string, at: number): DownEvent => ({ type: 'down', client, at, lastUp: at - 180_000, downIntervalMs: 180_000, transitionId: `down-${client}-${at}` });
const up = (client: string, at: number): UpEvent => ({ type: 'up', client, at, lastUp: at - 600_000, outageMs: 600_000, transitionId: `up-${client}-${at}` });
const gateways = (count: number) => Array.from({ length: count }, (_, i) => `gw-${String(i).padStart(3, '0')}`);

/** The file operations, counting opens and fdatasyncs. */
function countingOpen() {
  const counts = { opens: 0, syncs: 0 };
  const openFile = (async (...args: Parameters<typeof open>) => {
    const handle = await open(...args);
    counts.opens++;
    const datasync = handle.datasync.bind(handle);
    handle.datasync = () => {
      counts.syncs++;
      return datasync();
    };
    return handle;
  }) as OpenFile;
  return { counts, openFile };
}

function fileOutbox(options: { driven?: boolean; mbox?: string } = {}) {
  const dir = tempDir();
  const mbox = options.mbox ?? join(dir, 'outbox.mbox');
  const { counts, openFile } = countingOpen();
  const { logger, lines } = captureLogger();
  // Storm control out of the way: this is about the delivery path, not about holding bursts.
  const storm = new StormControl({ ...DEFAULT_LIMITS, stormThreshold: 1_000_000, hourlyCap: 1_000_000, flapChanges: 1_000_000, holdMs: 0 });
  const box = new AlertOutbox({
    mailer: fileMailer(mbox, openFile), logs: new LogDirectory(dir), logger, from: 'm@example.net', to: ['me@example.net'], timezone: 'UTC', storm,
  });
  // Driven: the test calls deliverBatch() itself, so it decides what one batch holds.
  if (options.driven !== false) (box as unknown as { kick(): void }).kick = () => undefined;
  const headers = (name: string): string[] => [...readFileSync(mbox, 'utf8').matchAll(new RegExp(`^${name}: (.*)$`, 'gim'))].map((m) => m[1]!);
  const logged = (client: string) => readLog(join(dir, `${client}.nmlog`)).map((r) => `${r.type} ${String(r.ref)}`);
  return { box, counts, lines, headers, logged };
}

t.test('a burst of alerts is one append and one fdatasync of the outbox file, all in order, each recorded delivered once', async (t) => {
  const { box, counts, headers, logged } = fileOutbox();
  const clients = gateways(60);
  for (const client of clients) box.enqueue(down(client, 1_000_000));
  box.enqueue(up('gw-000', 2_000_000));
  t.same(await box.deliverBatch(), { sent: 61, dropped: 0, retry: false });
  t.same(counts, { opens: 1, syncs: 1 }, 'one open and one fdatasync for 61 alerts');
  t.same(headers('Subject'), [...clients.map((c) => `DOWN: ${c}`), 'UP: gw-000 after 10m 00s'], 'every alert in the file, in order');
  t.same(headers('Message-ID'), [...clients.map((c) => messageIdOf(`down-${c}-1000000`)), messageIdOf('up-gw-000-2000000')]);
  await box.recorded();
  t.same(logged('gw-000'), ['delivered down-gw-000-1000000', 'delivered up-gw-000-2000000'], 'both of one client, in order');
  t.same(clients.slice(1).map(logged), clients.slice(1).map((c) => [`delivered down-${c}-1000000`]), 'exactly one delivered record for each of the others');
  t.equal(box.counts.sent, 61);
  t.equal(box.depth, 0);
});

t.test(`more than ${BATCH_SIZE} queued alerts go out ${BATCH_SIZE} at a time, in order`, async (t) => {
  const { box, counts, headers } = fileOutbox();
  const clients = [...gateways(BATCH_SIZE + 50)];
  for (const client of clients) box.enqueue(down(client, 1_000_000));
  t.same(await box.deliverBatch(), { sent: BATCH_SIZE, dropped: 0, retry: false });
  t.equal(box.depth, 50);
  t.same(await box.deliverBatch(), { sent: 50, dropped: 0, retry: false });
  t.equal(counts.syncs, 2, 'one fdatasync per batch');
  t.same(headers('Subject'), clients.map((c) => `DOWN: ${c}`));
});

t.test('an outbox file that cannot be written keeps the alerts queued for a retry', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'not-a-folder'), '');
  const { box, lines } = fileOutbox({ mbox: join(dir, 'not-a-folder', 'outbox.mbox') });
  box.enqueue(down('gw-000', 1_000_000));
  box.enqueue(down('gw-001', 1_000_000));
  t.same(await box.deliverBatch(), { sent: 0, dropped: 0, retry: true });
  t.equal(box.depth, 2);
  t.match(box.lastError, /cannot write .*not-a-folder.*: (ENOTDIR|EEXIST)$/);
  t.match(lines.join('\n'), /error alert for gw-000 \(down\) and 1 behind it not delivered, will retry in 1s/);
});

t.test('stop() waits for the delivered records of the alerts it sent', async (t) => {
  const { box, logged } = fileOutbox({ driven: false });
  const clients = gateways(40);
  for (const client of clients) box.enqueue(down(client, 1_000_000));
  await box.stop(30_000);
  t.equal(box.depth, 0, 'the queue was drained within the grace time');
  t.same(clients.map(logged), clients.map((c) => [`delivered down-${c}-1000000`]), 'every record is on disk once stop() resolves');
});

t.test('outcome records are grouped per client, in queue order', async (t) => {
  const grouped = outcomeRecords(
    [down('a', 1000), down('b', 1000), up('a', 2000)],
    { type: 'delivered', channel: 'email' },
    '2026-11-25T06:00:00.000Z',
  );
  t.same([...grouped.keys()], ['a', 'b']);
  t.same(grouped.get('a')!.map((r) => r.ref), ['down-a-1000', 'up-a-2000']);
  t.match(grouped.get('b'), [{ type: 'delivered', channel: 'email', at: '2026-11-25T06:00:00.000Z', ref: 'down-b-1000' }]);
});

t.test('sendInOrder stops at the first failure and never tries a later message', async (t) => {
  const mail = (n: number): OutgoingMail => ({ from: 'm@example.net', to: ['me@example.net'], subject: `S${n}`, text: '', messageId: `<${n}@x>`, date: new Date(0) });
  const tried: string[] = [];
  const result = await sendInOrder(async (m) => {
    tried.push(m.subject);
    if (m.subject === 'S2') throw new Error('connection reset');
  }, [mail(1), mail(2), mail(3)]);
  t.same(tried, ['S1', 'S2']);
  t.equal(result.accepted, 1);
  t.ok(result.error instanceof NetmonitorError);
  t.equal(result.error?.code, 'ESMTP');
  t.equal(result.error?.permanent, false, 'an unknown failure is transient: the alert is kept');
});

t.test('an mbox entry quotes "From " lines of the message so they cannot start a new one', async (t) => {
  t.equal(mboxEntry('Subject: x\n\nFrom here on\nok', new Date(Date.UTC(2026, 10, 25))), 'From netmonitor Wed, 25 Nov 2026 00:00:00 GMT\nSubject: x\n\n>From here on\nok\n\n');
});

t.test('the outbox folder is created when missing', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'new', 'outbox.mbox');
  const mailer = fileMailer(path);
  await mailer.send({ from: 'm@example.net', to: ['me@example.net'], subject: 'TEST', text: 'hi', messageId: '<t@x>', date: new Date() });
  t.match(readFileSync(path, 'utf8'), /^From netmonitor .*\n[\s\S]*Subject: TEST/);
});

t.test('an mbox that is a symlink is refused and its target is never appended to', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'target'), 'keep\n');
  symlinkSync(join(dir, 'target'), join(dir, '@outbox.mbox'));
  const mailer = fileMailer(join(dir, '@outbox.mbox'));
  await t.rejects(mailer.send({ from: 'm@example.net', to: ['me@example.net'], subject: 'TEST', text: 'hi', messageId: '<t@x>', date: new Date() }), { code: 'ESMTP', message: /not a regular file/ });
  t.equal(readFileSync(join(dir, 'target'), 'utf8'), 'keep\n');
});

/** Headers (unfolded, by lower-case name) and decoded text of a message with unix newlines. */
function decoded(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf('\n\n');
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, split).replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let text = raw.slice(split + 2);
  if (headers['content-transfer-encoding'] === 'quoted-printable') {
    text = text.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return { headers, text };
}

t.test('plain alerts are composed without nodemailer, into the message nodemailer would write', async (t) => {
  const compose = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const at = Date.UTC(2026, 10, 25, 6, 0, 0);
  const texts = [
    downAlert(down('home-gw', at), 'America/Chicago'),
    upAlert(up('home-gw', at), 'UTC'),
    summaryAlert({ reason: 'storm', events: gateways(40).map((c) => down(c, at)) }, 'UTC'),
    { subject: 'TEST: short', body: 'a = b\n\nFrom here on, nothing special.' },
  ];
  for (const { subject, body } of texts) {
    const mail: OutgoingMail = { from: 'mailbot@example.net', to: ['5551234567@sms.example.net', 'me@example.com'], subject, text: body, messageId: messageIdOf(`down-x-${at}`), date: new Date(at) };
    const ours = plainMessage(mail);
    const theirs = ((await compose.sendMail(mail)).message as Buffer).toString('utf8');
    t.ok(ours !== null, `plain: ${subject}`);
    const [a, b] = [decoded(ours!), decoded(theirs)];
    t.same(a.text, b.text, 'the same text');
    t.same({ ...a.headers, 'content-transfer-encoding': '' }, { ...b.headers, 'content-transfer-encoding': '' }, 'the same headers');
    // Short lines: nodemailer writes 7bit too, and the bytes are the same.
    if (body.split('\n').every((line) => line.length <= 76)) t.equal(ours, theirs, 'byte for byte');
  }
});

t.test('anything but plain ASCII is left to nodemailer', async (t) => {
  const mail: OutgoingMail = { from: 'mailbot@example.net', to: ['me@example.com'], subject: 'DOWN: home-gw', text: 'home-gw is DOWN.', messageId: '<x@netmonitor>', date: new Date(0) };
  t.type(plainMessage(mail), 'string', 'the plain case');
  t.equal(plainMessage({ ...mail, subject: 'DOWN: café' }), null, 'a non-ASCII subject needs an encoded word');
  t.equal(plainMessage({ ...mail, subject: 'DOWN: =?x?=' }), null, 'text that reads as an encoded word');
  t.equal(plainMessage({ ...mail, text: 'Grüße' }), null, 'a non-ASCII text needs a transfer encoding');
  t.equal(plainMessage({ ...mail, to: ['Me <me@example.com>'] }), null, 'a display name');
  t.equal(plainMessage({ ...mail, to: gateways(8).map((c) => `${c}@example.com`) }), null, 'a header nodemailer would fold');
  t.equal(plainMessage({ ...mail, text: 'x'.repeat(999) }), null, 'a line too long for 7bit');
  t.equal(plainMessage({ ...mail, to: [] }), null);
});
