import t from 'tap';
import { DeadlineQueues } from '../../../server/core/deadlines.js';
import { validateSchedule } from '../../../server/config/clientSettings.js';
import { Monitor, type HeartbeatInfo } from '../../../server/core/monitor.js';
import { ALWAYS, downAllowedFrom, isOpen, scheduleJson, type Schedule } from '../../../server/core/schedule.js';
import { FakeClock } from '../../peers/fakeClock.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (iso: string): number => Date.parse(iso);
const berlinOffice = validateSchedule({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00', timezone: 'Europe/Berlin' }, 'schedule');
const nightShift = validateSchedule({ days: ['fri'], start: '22:00', end: '06:00', timezone: 'America/Chicago' }, 'schedule');

t.test('always is open at every instant and allows a down at once, whatever the grace', async (t) => {
  t.ok(isOpen(ALWAYS, at('2026-11-25T03:00:00Z')));
  t.equal(downAllowedFrom(ALWAYS, HOUR, 1234), 1234);
});

t.test('business hours are open on the listed days between start and end, in their own zone', async (t) => {
  // Wednesday 2026-11-25: Berlin is UTC+1.
  t.notOk(isOpen(berlinOffice, at('2026-11-25T06:59:59Z')), '07:59:59 Berlin is before the start');
  t.ok(isOpen(berlinOffice, at('2026-11-25T07:00:00Z')), '08:00 Berlin opens the window');
  t.ok(isOpen(berlinOffice, at('2026-11-25T16:59:59Z')), '17:59:59 Berlin is inside');
  t.notOk(isOpen(berlinOffice, at('2026-11-25T17:00:00Z')), '18:00 Berlin closes it');
  t.notOk(isOpen(berlinOffice, at('2026-11-28T10:00:00Z')), 'Saturday is not a listed day');
});

t.test('an overnight window runs from its start day into the next morning', async (t) => {
  // Friday 2026-11-27 22:00 CST is 2026-11-28T04:00Z; Saturday 06:00 CST is 12:00Z.
  t.notOk(isOpen(nightShift, at('2026-11-28T03:59:00Z')), 'Friday 21:59 is before it');
  t.ok(isOpen(nightShift, at('2026-11-28T04:00:00Z')), 'Friday 22:00 opens it');
  t.ok(isOpen(nightShift, at('2026-11-28T11:59:00Z')), 'Saturday 05:59 is still inside');
  t.notOk(isOpen(nightShift, at('2026-11-28T12:00:00Z')), 'Saturday 06:00 closes it');
  t.notOk(isOpen(nightShift, at('2026-11-29T05:00:00Z')), 'Saturday 23:00 is not a window: only Friday starts one');
});

t.test('outside the window a down is allowed only at the next opening plus the grace', async (t) => {
  const grace = 10 * MINUTE;
  t.equal(downAllowedFrom(berlinOffice, grace, at('2026-11-25T05:00:00Z')), at('2026-11-25T07:10:00Z'), 'before opening: 08:10 Berlin');
  t.equal(downAllowedFrom(berlinOffice, grace, at('2026-11-25T07:05:00Z')), at('2026-11-25T07:10:00Z'), 'in the grace: its end');
  t.equal(downAllowedFrom(berlinOffice, grace, at('2026-11-25T09:00:00Z')), at('2026-11-25T09:00:00Z'), 'later in the window: at once');
  t.equal(downAllowedFrom(berlinOffice, grace, at('2026-11-27T18:00:00Z')), at('2026-11-30T07:10:00Z'), 'Friday evening: Monday 08:10');
  t.equal(downAllowedFrom(berlinOffice, 11 * HOUR, at('2026-11-25T05:00:00Z')), null, 'a grace longer than every window never allows a down');
});

t.test('DST: the window follows local time on the days the clocks change', async (t) => {
  // Europe/Berlin springs forward on Sunday 2026-03-29 and falls back on Sunday 2026-10-25.
  const everyDay = validateSchedule({ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '08:00', end: '18:00', timezone: 'Europe/Berlin' }, 's');
  t.ok(isOpen(everyDay, at('2026-03-28T07:00:00Z')), 'Saturday before: 08:00 CET is 07:00Z');
  t.ok(isOpen(everyDay, at('2026-03-29T06:00:00Z')), 'the Sunday of the change: 08:00 CEST is 06:00Z');
  t.notOk(isOpen(everyDay, at('2026-03-29T05:59:00Z')), 'and 07:59 CEST is still closed');
  t.ok(isOpen(everyDay, at('2026-10-25T07:00:00Z')), 'the fall-back Sunday: 08:00 CET is 07:00Z');
  t.notOk(isOpen(everyDay, at('2026-10-25T06:30:00Z')), '07:30 CET is closed');
  t.equal(downAllowedFrom(everyDay, 0, at('2026-10-25T17:30:00Z')), at('2026-10-26T07:00:00Z'), 'after closing, Monday 08:00 CET');
});

t.test('DST: a window starting in the skipped hour opens when the clocks have moved on', async (t) => {
  const early = validateSchedule({ days: ['sun'], start: '02:30', end: '05:00', timezone: 'Europe/Berlin' }, 's');
  // 02:30 does not exist on 2026-03-29; 03:30 CEST (01:30Z) is the same moment as "02:30" moved forward.
  t.notOk(isOpen(early, at('2026-03-29T00:59:00Z')), '01:59 CET, before the change, is closed');
  t.ok(isOpen(early, at('2026-03-29T01:30:00Z')), 'the window is open after the jump');
  t.ok(isOpen(early, at('2026-03-29T02:59:00Z')), '04:59 CEST is inside');
  t.notOk(isOpen(early, at('2026-03-29T03:00:00Z')), '05:00 CEST closes it');
});

t.test('a schedule is shown as it is written', async (t) => {
  t.equal(scheduleJson(ALWAYS), 'always');
  t.same(scheduleJson(nightShift), { days: ['fri'], start: '22:00', end: '06:00', timezone: 'America/Chicago' });
});


const ping: HeartbeatInfo = { type: 'PING', boot: 1, seq: null, uptime: 10, interval: 30, addr: '192.0.2.9' };

function office(schedule: Schedule, graceMs: number, startWall: number) {
  const monitor = new Monitor();
  const clock = new FakeClock(startWall, 5_000_000);
  const client = monitor.clients.add('office', 3 * MINUTE);
  monitor.reconfigure(client, { downIntervalMs: 3 * MINUTE, graceMs, schedule }, clock.now());
  return { monitor, clock, client };
}

/** Advances in one-minute ticks until a down or `limitMs`; returns the down's stamp (wall ms) or null. */
function runUntilDown(monitor: Monitor, clock: FakeClock, limitMs: number): number | null {
  for (let spent = 0; spent < limitMs; spent += MINUTE) {
    const actions = monitor.expire(clock.advance(MINUTE));
    const down = actions.find((a) => a.record.type === 'down');
    if (down !== undefined) return (down.event as { at: number }).at;
  }
  return null;
}

t.test('a client silent after hours is never declared down until the window opens and its grace has passed', async (t) => {
  // Wednesday 17:58 Berlin: last heartbeat; its deadline (18:01) falls after closing.
  const { monitor, clock, client } = office(berlinOffice, 15 * MINUTE, at('2026-11-25T16:58:00Z'));
  monitor.heartbeat(client, ping, clock.now());
  const downAt = runUntilDown(monitor, clock, 20 * HOUR);
  t.equal(downAt, at('2026-11-26T07:15:00Z'), 'down at Thursday 08:15 Berlin, stamped at the end of the grace');
  t.equal(client.status, 'down');
});

t.test('a client that comes back within its grace after the window opens is never declared down', async (t) => {
  const { monitor, clock, client } = office(berlinOffice, 15 * MINUTE, at('2026-11-25T16:58:00Z'));
  monitor.heartbeat(client, ping, clock.now());
  t.equal(runUntilDown(monitor, clock, 14 * HOUR + 12 * MINUTE), null, 'nothing before 08:10');
  t.same(monitor.heartbeat(client, ping, clock.now()).map((a) => a.record.type), [], 'its heartbeat at 08:10 is an ordinary one');
  t.equal(client.status, 'up');
});

t.test('inside the window a silent client goes down at its deadline as usual', async (t) => {
  const { monitor, clock, client } = office(berlinOffice, 15 * MINUTE, at('2026-11-25T10:00:00Z'));
  monitor.heartbeat(client, ping, clock.now());
  t.equal(runUntilDown(monitor, clock, HOUR), at('2026-11-25T10:03:00Z'), 'last heartbeat + 3 min');
});

t.test('a failure reported outside the window declares nothing; inside it, the client is down at once', async (t) => {
  const { monitor, clock, client } = office(berlinOffice, 0, at('2026-11-25T20:00:00Z'));
  monitor.heartbeat(client, ping, clock.now());
  t.same(monitor.fail(client, clock.now(), 'disk full'), [], 'at 21:00 Berlin nothing happens');
  clock.advance(12 * HOUR);
  monitor.heartbeat(client, ping, clock.now());
  t.same(monitor.fail(client, clock.now(), 'disk full').map((a) => a.record.type), ['down'], 'at 09:00 it is down');
});

t.test('reconfiguring a client gives it a full new interval from now', async (t) => {
  const { monitor, clock, client } = office(ALWAYS, 0, at('2026-11-25T10:00:00Z'));
  monitor.heartbeat(client, ping, clock.now());
  clock.advance(2 * MINUTE);
  monitor.reconfigure(client, { downIntervalMs: 10 * MINUTE, graceMs: 0, schedule: ALWAYS }, clock.now());
  t.equal(runUntilDown(monitor, clock, HOUR), at('2026-11-25T10:12:00Z'));
});

t.test('fixed-moment deadlines are rounded up to a whole second and expire with the others, earliest first', async (t) => {
  const queues = new DeadlineQueues();
  const [a, b, c] = [7, 8, 9];
  queues.scheduleAt(a, 10_200);
  queues.scheduleAt(b, 10_900);
  queues.schedule(c, 0, 5000);
  t.equal(queues.deadlineOf(a), 11_000, 'rounded up, never early');
  t.equal(queues.deadlineOf(b), 11_000, 'both wait for the same whole second');
  t.same(queues.takeExpired(10_999), [c], 'nothing fixed expires before its second');
  t.same(queues.takeExpired(11_000), [a, b]);
  t.same([a, b, c].map((slot) => queues.deadlineOf(slot)), [null, null, null], 'none is pending any more');
  queues.scheduleAt(a, 10_500);
  t.same(queues.takeExpired(11_000), [a], 'a second whose waiters all left can be waited for again');
});
