import t from 'tap';
import { combineHeld, heldUntil, planDelivery } from '../../../server/analysis/quiet.js';
import type { PendingMessage } from '../../../server/analysis/state.js';
import type { ChannelAttention } from '../../../server/alerts/channels/config.js';

const at = (iso: string): number => Date.parse(iso);
const NIGHT: ChannelAttention = { quiet: { from: 22 * 3600, to: 7 * 3600, timezone: 'Europe/Berlin' }, urgent: false };
const URGENT: ChannelAttention = { ...NIGHT, urgent: true };
// 07:00 in Berlin on 3 December 2026 (UTC+1 in winter).
const END = at('2026-12-03T06:00:00Z');

const message = (n: number, extra: Partial<PendingMessage['message']> = {}): PendingMessage['message'] => ({
  id: `finding-f${n}-1000`, fingerprints: [`f${n}`], subject: `HIGH: Finding ${n} (router)`, body: `[high] router: Finding ${n} (2×)\n> evidence ${n}`, high: true, at: 1000 + n, ...extra,
});

t.test('a channel in its quiet hours holds a finding until the window ends; outside them, or without quiet hours, it goes now', async (t) => {
  t.equal(heldUntil(at('2026-12-03T02:00:00Z'), NIGHT, false), END, '03:00 in Berlin is quiet until 07:00 there');
  t.equal(heldUntil(END - 1, NIGHT, true), END, 'a critical finding waits on a channel that is not urgent');
  t.equal(heldUntil(END, NIGHT, false), null, 'at 07:00 the window is over');
  t.equal(heldUntil(at('2026-12-03T12:00:00Z'), NIGHT, false), null);
  t.equal(heldUntil(at('2026-12-03T02:00:00Z'), undefined, false), null, 'a channel without attention settings');
  t.equal(heldUntil(at('2026-12-03T02:00:00Z'), { quiet: null, urgent: true }, false), null);
});

t.test('an urgent channel takes a critical finding in its quiet hours and holds the others', async (t) => {
  t.equal(heldUntil(at('2026-12-03T02:00:00Z'), URGENT, true), null);
  t.equal(heldUntil(at('2026-12-03T02:00:00Z'), URGENT, false), END);
  const pending: PendingMessage[] = [{ message: message(1, { critical: true }), channels: ['phone'] }, { message: message(2), channels: ['phone'] }];
  const plan = planDelivery(pending, at('2026-12-03T02:00:00Z'), { phone: URGENT });
  t.same(plan.sends, [{ channel: 'phone', message: pending[0]!.message, entries: [0] }]);
  t.same(plan.holds, [{ index: 1, channel: 'phone', until: END }]);
});

t.test('in quiet hours the plan holds each pair once, sends on the other channels, and holds nothing twice', async (t) => {
  const pending: PendingMessage[] = [{ message: message(1), channels: ['phone', 'email'] }];
  const night = at('2026-12-03T02:00:00Z');
  const plan = planDelivery(pending, night, { phone: NIGHT });
  t.same(plan.holds, [{ index: 0, channel: 'phone', until: END }]);
  t.same(plan.sends, [{ channel: 'email', message: pending[0]!.message, entries: [0] }]);
  const marked: PendingMessage[] = [{ message: message(1), channels: ['phone'], held: { phone: END } }];
  t.same(planDelivery(marked, night + 60_000, { phone: NIGHT }), { holds: [], sends: [] }, 'already held until the same end: nothing to do');
  t.same(planDelivery(pending, night, { email: NIGHT }).holds, [{ index: 0, channel: 'email', until: END }], 'the e-mail channel\'s quiet hours are read as well');
});

t.test('when the window ends, the findings held on a channel go out as one message; one held finding goes out as it was', async (t) => {
  const pending: PendingMessage[] = [
    { message: message(1), channels: ['phone', 'pager'], held: { phone: END, pager: END } },
    { message: message(2), channels: ['phone'], held: { phone: END } },
    { message: message(3), channels: ['email'] },
  ];
  const plan = planDelivery(pending, END, { phone: NIGHT, pager: NIGHT });
  t.same(plan.holds, []);
  t.equal(plan.sends.length, 3);
  t.same(plan.sends[0], { channel: 'email', message: pending[2]!.message, entries: [2] });
  const phone = plan.sends.find((s) => s.channel === 'phone')!;
  t.same(phone.entries, [0, 1]);
  t.match(phone.message, { subject: 'QUIET HOURS OVER: 2 log findings', body: '[high] router: Finding 1 (2×)\n[high] router: Finding 2 (2×)', fingerprints: ['f1', 'f2'], high: true, at: 1002 });
  t.match(phone.message.id, /^findings-quiet-[0-9a-f]{16}$/);
  t.same(plan.sends.find((s) => s.channel === 'pager'), { channel: 'pager', message: pending[0]!.message, entries: [0] });
});

t.test('a combined message keeps a digest\'s lines, says when it holds a critical finding, and has the same id for the same findings', async (t) => {
  const digest = message(9, { id: 'findings-router-5', fingerprints: ['a', 'b', 'c', 'd'], body: 'l1\nl2\nl3\nl4', high: false });
  const combined = combineHeld('phone', [message(1, { high: false, critical: true }), digest]);
  t.match(combined, { subject: 'QUIET HOURS OVER: 5 log findings', body: '[high] router: Finding 1 (2×)\nl1\nl2\nl3\nl4', critical: true, high: false });
  t.equal(combineHeld('phone', [message(1), digest]).id, combineHeld('phone', [message(1), digest]).id);
  t.not(combineHeld('phone', [message(1), digest]).id, combineHeld('pager', [message(1), digest]).id, 'each channel has its own message id');
  t.notOk('critical' in combineHeld('phone', [message(1), message(2)]));
});
