/**
 * `npm run bench -- mbox`: the cost of the mbox fallback's composition (server/alerts/mailer.ts
 * fileMailer), per batch of BATCH_SIZE alerts: the direct composition of plain-ASCII alerts
 * (plainMessage) against nodemailer's own composer (a stream transport, as fileMailer uses for
 * every other message), next to the append and fdatasync that the batch costs anyway. The
 * direct composition stays only while nodemailer is far slower than the write it waits for.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { downAlert } from '../../server/alerts/alertText.js';
import { appendDurably, mboxEntry, plainMessage, type OutgoingMail } from '../../server/alerts/mailer.js';
import { BATCH_SIZE, messageIdOf } from '../../server/alerts/outbox.js';
import { tempDir } from '../helpers.js';
import { msPerCall, QUICK } from './timing.js';

const ROUNDS = QUICK ? 5 : 15;
const BATCHES = QUICK ? 10 : 40;

function batch(): OutgoingMail[] {
  const at = Date.parse('2026-11-14T15:09:26Z');
  return Array.from({ length: BATCH_SIZE }, (_, i) => {
    const client = `gw-${String(i).padStart(4, '0')}`;
    const transitionId = `down-${client}-${at}`;
    const { subject, body } = downAlert({ type: 'down', client, at, lastUp: at - 180_000, downIntervalMs: 180_000, transitionId }, 'America/Chicago');
    return { from: 'netmonitor@example.net', to: ['5551234567@sms.example.net'], subject, text: body, messageId: messageIdOf(transitionId), date: new Date(at) };
  });
}

export async function run(): Promise<void> {
  const mails = batch();
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const direct = async (): Promise<string> => mails.map((mail) => mboxEntry(plainMessage(mail)!, mail.date)).join('');
  const viaNodemailer = async (): Promise<string> =>
    (await Promise.all(mails.map(async (mail) => mboxEntry(((await composer.sendMail(mail)).message as Buffer).toString('utf8'), mail.date)))).join('');
  if (mails.some((mail) => plainMessage(mail) === null)) throw new Error('an alert is not plain ASCII');
  const text = await direct();
  const path = join(tempDir('netmonitor-bench-mbox-'), 'outbox.mbox');
  const append = (): Promise<void> => appendDurably(open, path, text);
  const directMs = await msPerCall(direct, BATCHES, ROUNDS);
  const nodemailerMs = await msPerCall(viaNodemailer, BATCHES, ROUNDS);
  const appendMs = await msPerCall(append, BATCHES, ROUNDS);
  console.log(`${BATCH_SIZE} down alerts per batch (${(text.length / 1024).toFixed(0)} KiB of mbox), median of ${ROUNDS} rounds of ${BATCHES} batches; appended to ${path}${QUICK ? ' (quick mode)' : ''}`);
  console.log('\n| per batch | ms | µs per alert | vs direct | vs append + fdatasync |\n|---|---|---|---|---|');
  const row = (what: string, ms: number): void =>
    console.log(`| ${what} | ${ms.toFixed(2)} | ${((ms * 1000) / BATCH_SIZE).toFixed(1)} | ${(ms / directMs).toFixed(1)}x | ${(ms / appendMs).toFixed(2)}x |`);
  row('direct composition (plainMessage)', directMs);
  row('nodemailer stream transport', nodemailerMs);
  row('append + fdatasync of the batch', appendMs);
}
