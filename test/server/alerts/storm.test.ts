/**
 * Storm control as a pure policy with a fake monotonic clock, then the real outbox and a
 * real SMTP server: one summary names many clients, flapping is damped, the hourly cap
 * holds, and every held alert is covered by exactly one summary.
 */
import t from 'tap';
import { summaryAlert, SMS_LIMIT } from '../../../server/alerts/alertText.js';
import type { DownEvent, UpEvent } from '../../../server/core/events.js';
import { LogDirectory } from '../../../server/store/logDirectory.js';
import { smtpMailer } from '../../../server/alerts/mailer.js';
import { AlertOutbox } from '../../../server/alerts/outbox.js';
import { DEFAULT_LIMITS, StormControl, type AlertEvent, type Release, type Summary } from '../../../server/alerts/storm.js';
import { readRecords } from '../../../log/reader.js';
import { tempDir } from '../../helpers.js';
import { captureLogger } from '../../peers/logger.js';
import { startSmtpPeer } from '../../peers/smtp.js';

const down = (client: string, at: number): DownEvent => ({ type: 'down', client, at, lastUp: at - 180_000, downIntervalMs: 180_000, transitionId: `down-${client}-${at}` });
const up = (client: string, at: number): UpEvent => ({ type: 'up', client, at, lastUp: at - 60_000, outageMs: 60_000, transitionId: `up-${client}-${at}` });
/** The rules after the hold, alone: each alert is decided as it arrives. */
const NO_HOLD = { ...DEFAULT_LIMITS, holdMs: 0 };
const summaryOf = (release: Release | undefined): Summary | undefined => (release?.kind === 'summary' ? release.summary : undefined);

t.test('a lone down alert waits storm_hold, then goes out as itself', async (t) => {
  const storm = new StormControl();
  t.equal(storm.offer(down('home-gw', 0), 0), 'hold');
  t.equal(storm.held, 1, 'a waiting alert counts as held');
  t.same(storm.due(9_999), [], 'nothing before the hold has passed');
  t.same(storm.due(10_000), [{ kind: 'alert', event: down('home-gw', 0) }]);
  t.equal(storm.held, 0);
  t.same(storm.due(20_000), [], 'it goes out once');
});

t.test('downs arriving during the hold go out as one message naming them all', async (t) => {
  const storm = new StormControl();
  for (let i = 0; i < 40; i++) t.equal(storm.offer(down(`s${i}`, 1_000 + i), 100 * i), 'hold');
  const released = storm.due(10_000);
  t.equal(released.length, 1, 'one message for forty clients');
  const summary = summaryOf(released[0]);
  t.equal(summary?.reason, 'hold');
  t.same(summary?.events.map((e) => e.client), Array.from({ length: 40 }, (_, i) => `s${i}`), 'every one, oldest first');
  const text = summaryAlert(summary!, 'UTC');
  t.equal(text.subject, 'DOWN: 40 clients');
  t.ok(text.body.length <= SMS_LIMIT, text.body);
  t.match(text.body, /^40 clients DOWN since 1970-01-01 00:00:01 UTC: s0, s1, .*\(\+\d+ more\)\.$/);
});

t.test('recoveries wait in a group of their own, and a down goes out before the recovery that follows it', async (t) => {
  const storm = new StormControl();
  storm.offer(down('a', 0), 0);
  storm.offer(down('b', 0), 2_000);
  storm.offer(up('a', 5_000), 5_000);
  t.same(storm.due(10_000).map((r) => (r.kind === 'alert' ? r.event.type : r.summary.reason)), ['hold'], 'the downs first');
  const [recovery] = storm.due(15_000);
  t.same(recovery, { kind: 'alert', event: up('a', 5_000) }, 'the lone recovery as itself');
  storm.offer(down('c', 20_000), 20_000);
  storm.offer(up('b', 21_000), 21_000);
  t.same(storm.due(31_000).map((r) => (r.kind === 'alert' ? r.event.client : r.summary.reason)), ['c', 'b'], 'both due at once: the older group first');
});

t.test('an alert that needs action is not held', async (t) => {
  const storm = new StormControl();
  t.equal(storm.offer({ ...down('home-gw', 0), intervention: 'healing gave up after 3 attempts' }, 0), 'send');
});

t.test('groups count as single messages against the storm threshold', async (t) => {
  const storm = new StormControl({ ...DEFAULT_LIMITS, stormThreshold: 2 });
  const sent: number[] = [];
  for (let group = 0; group < 4; group++) {
    const at = group * 11_000;
    storm.offer(down(`x${group}`, at), at);
    storm.offer(down(`y${group}`, at), at + 1);
    sent.push(storm.due(at + 10_000).length);
  }
  t.same(sent, [1, 1, 0, 0], 'two groups go out; later ones join the storm summary');
  const summary = summaryOf(storm.due(22_000 + 10_000 + 60_000)[0]);
  t.equal(summary?.reason, 'storm');
  t.same(summary?.events.map((e) => e.client), ['x2', 'y2', 'x3', 'y3']);
});

t.test('a few clients going down are alerted one by one', async (t) => {
  const storm = new StormControl(NO_HOLD);
  t.same([down('a', 0), down('b', 0), down('c', 0)].map((e, i) => storm.offer(e, i * 1000)), ['send', 'send', 'send']);
});

t.test('many clients going down within the storm window are held for one summary at its end', async (t) => {
  const storm = new StormControl(NO_HOLD);
  const decisions = Array.from({ length: 40 }, (_, i) => storm.offer(down(`gw-${i}`, i), 100 * i));
  t.same(decisions.slice(0, 3), ['send', 'send', 'send'], 'the first ones go out at once');
  t.ok(decisions.slice(3).every((d) => d === 'storm'), 'the rest are held');
  t.same(storm.due(300 + 59_999), [], 'nothing before the window since the first held one has passed');
  const summary = summaryOf(storm.due(300 + 60_000)[0]);
  t.equal(summary?.reason, 'storm');
  t.equal(summary?.events.length, 37, 'one summary covers every held alert');
  t.equal(storm.held, 0);
  const text = summaryAlert(summary!, 'UTC');
  t.equal(text.subject, 'STORM: 37 clients DOWN');
  t.ok(text.body.length <= SMS_LIMIT, text.body);
  t.match(text.body, /^37 more clients DOWN since .*: gw-3, gw-4, .*\(\+\d+ more\)\.$/);
});

t.test('recoveries after a storm are summarised the same way, separately from the downs', async (t) => {
  const storm = new StormControl(NO_HOLD);
  for (let i = 0; i < 10; i++) storm.offer(down(`gw-${i}`, 0), 0);
  const ups = Array.from({ length: 10 }, (_, i) => storm.offer(up(`gw-${i}`, 1), 5000));
  t.same(ups.slice(0, 3), ['send', 'send', 'send']);
  const summaries = storm.due(70_000).map(summaryOf);
  t.same(summaries.map((s) => [s?.reason, s?.events[0]!.type, s?.events.length]), [['storm', 'down', 7], ['storm', 'up', 7]]);
});

t.test('a flapping client is damped, then summarised once it keeps one state', async (t) => {
  const storm = new StormControl({ ...NO_HOLD, flapChanges: 4, flapQuietMs: 600_000 });
  const minute = 60_000;
  const events: AlertEvent[] = [];
  for (let i = 0; i < 10; i++) events.push(i % 2 === 0 ? down('home-gw', i * minute) : up('home-gw', i * minute));
  const decisions = events.map((e, i) => storm.offer(e, i * minute));
  t.same(decisions, ['send', 'send', 'send', 'send', 'flapping', 'flapping', 'flapping', 'flapping', 'flapping', 'flapping']);
  t.same(storm.due(9 * minute + 599_000), [], 'still flapping recently: nothing yet');
  const summary = summaryOf(storm.due(9 * minute + 600_000)[0]);
  t.equal(summary?.events.length, 6);
  const text = summaryAlert(summary!, 'UTC');
  t.equal(text.subject, 'FLAPPING: home-gw (6 changes)');
  t.match(text.body, /home-gw is flapping: 6 changes since .*; UP since /, 'the summary says the state it settled in');
  t.equal(storm.offer(down('home-gw', 100 * minute), 100 * minute), 'send', 'a client quiet for an hour alerts normally again');
});

t.test('past the hourly cap alerts are held and summarised when the hour has room', async (t) => {
  const storm = new StormControl({ ...NO_HOLD, hourlyCap: 3, stormThreshold: 100 });
  const minute = 60_000;
  const decisions = ['a', 'b', 'c', 'd', 'e'].map((c, i) => storm.offer(down(c, i), i * minute));
  t.same(decisions, ['send', 'send', 'send', 'cap', 'cap']);
  t.same(storm.due(30 * minute), [], 'the hour is still full');
  const summary = summaryOf(storm.due(60 * minute + 1)[0]);
  t.same(summary?.events.map((e) => e.client), ['d', 'e']);
  t.match(summaryAlert(summary!, 'UTC').subject, /^HELD: 2 alerts over the hourly limit$/);
});

t.test('every held alert is delivered in exactly one summary through a real SMTP server and marked in its log', async (t) => {
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const dir = tempDir();
  let mono = 0;
  const { logger } = captureLogger();
  const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, tls: 'none', username: '', password: '', caFile: null });
  const box = new AlertOutbox({
    mailer, logs: new LogDirectory(dir), logger, from: 'm@example.net', to: ['me@example.net'], timezone: 'UTC',
    monotonic: () => mono, storm: new StormControl(NO_HOLD),
  });
  // Runs before the peer's teardown (last registered, first run): the peer waits for open connections.
  t.teardown(async () => {
    await box.stop(100);
    mailer.close();
  });
  for (let i = 0; i < 25; i++) box.enqueue(down(`gw-${String(i).padStart(2, '0')}`, 1_000_000 + i));
  await smtp.waitFor(3);
  t.equal(box.counts.held, 22);
  mono = 61_000;
  t.equal(box.releaseSummaries(), 1);
  const mails = await smtp.waitFor(4);
  t.equal(mails[3]!.subject, 'STORM: 22 clients DOWN');
  t.match(mails[3]!.messageId, /^<summary-storm-[0-9a-f]{24}@netmonitor>$/);
  // The peer has the message a moment before the outbox has its answer: wait for that, then
  // for the delivered records written in the background.
  while (box.counts.summaries < 1) await new Promise((resolve) => setTimeout(resolve, 10));
  await box.recorded();
  let marked = 0;
  for (let i = 3; i < 25; i++) {
    for await (const record of readRecords(`${dir}/gw-${String(i).padStart(2, '0')}.nmlog`)) {
      if (record.type === 'delivered' && record.via === 'summary') marked++;
    }
  }
  t.equal(marked, 22, "each held alert is marked delivered in its client's log");
});

t.test("a storm of downs goes out with what the server knows of them: ISP-wide, or the monitor's uplink", async (t) => {
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  let mono = 0;
  const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, tls: 'none', username: '', password: '', caFile: null });
  const asked: string[][] = [];
  const box = new AlertOutbox({
    mailer, logs: new LogDirectory(tempDir()), logger: captureLogger().logger, from: 'm@example.net', to: ['me@example.net'], timezone: 'UTC',
    monotonic: () => mono, storm: new StormControl(NO_HOLD),
    correlate: (clients) => (asked.push([...clients]), "all 5 clients DOWN: likely the monitor's own uplink."),
  });
  t.teardown(async () => {
    await box.stop(100);
    mailer.close();
  });
  for (let i = 0; i < 5; i++) box.enqueue(down(`gw-${i}`, 1_000_000 + i));
  await smtp.waitFor(3);
  mono = 61_000;
  box.releaseSummaries();
  const mails = await smtp.waitFor(4);
  t.same(asked, [['gw-3', 'gw-4']], 'asked once, about the held clients');
  t.match(mails[3]!.body, /^all 5 clients DOWN: likely the monitor's own uplink\. 2 more clients DOWN since /);
});
