/**
 * Maintenance windows and the alert gate as pure code on scripted wall-clock times,
 * across the daylight saving changes of the windows' own time zones.
 */
import t from 'tap';
import { DateTime } from 'luxon';
import { MaintenanceGate, type GatedAlert } from '../../../../server/alerts/maintenance/gate.js';
import { MaintenanceSchedule, parseMaintenance } from '../../../../server/alerts/maintenance/windows.js';
import type { DownEvent, UpEvent } from '../../../../server/core/events.js';
import { thrown } from '../../../helpers.js';

const berlin = (text: string): number => DateTime.fromISO(text, { zone: 'Europe/Berlin' }).toMillis();
const utc = (ms: number): string => new Date(ms).toISOString();
const sundays = parseMaintenance([{ every: ['Sun'], from: '02:30', duration: '1h', timezone: 'Europe/Berlin', clients: ['home-gw'], reason: 'router update' }], 'UTC');

t.test('a recurring window covers its clients on its weekdays, from its local start for its duration', async (t) => {
  const schedule = new MaintenanceSchedule(sundays);
  const window = schedule.of('home-gw', berlin('2026-12-06T02:45'));
  t.ok(window !== null, 'a Sunday at 02:45 is in the window');
  t.equal(window!.id, `maintenance[0]@${utc(berlin('2026-12-06T02:30'))}`);
  t.equal(window!.until, berlin('2026-12-06T03:30'));
  t.equal(window!.reason, 'router update');
  t.equal(schedule.of('home-gw', berlin('2026-12-06T03:30')), null, 'the end is outside');
  t.equal(schedule.of('home-gw', berlin('2026-12-06T02:29:59')), null);
  t.equal(schedule.of('home-gw', berlin('2026-12-05T02:45')), null, 'a Saturday is not');
  t.equal(schedule.of('office', berlin('2026-12-06T02:45')), null, 'a client not listed is not');
});

t.test('on the night summer time starts, a start inside the skipped hour begins after the change and lasts its full duration', async (t) => {
  // 2026-03-29 in Berlin: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
  const schedule = new MaintenanceSchedule(sundays);
  const [night] = schedule.between(berlin('2026-03-29T00:00'), berlin('2026-03-30T00:00'));
  t.equal(utc(night!.from), '2026-03-29T01:30:00.000Z', '03:30 CEST: as far past the change as 02:30 is past 02:00');
  t.equal(night!.until - night!.from, 3_600_000, 'one real hour');
  t.equal(schedule.of('home-gw', Date.parse('2026-03-29T01:29:59Z')), null);
  t.ok(schedule.of('home-gw', Date.parse('2026-03-29T02:29:59Z')) !== null);
});

t.test('on the night summer time ends, the window starts at the first 02:30 and still lasts one real hour', async (t) => {
  // 2026-10-25 in Berlin: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
  const schedule = new MaintenanceSchedule(sundays);
  const [night] = schedule.between(berlin('2026-10-25T00:00'), berlin('2026-10-26T00:00'));
  t.equal(utc(night!.from), '2026-10-25T00:30:00.000Z', 'the first 02:30, in summer time');
  t.equal(utc(night!.until), '2026-10-25T01:30:00.000Z', 'which is 02:30 again, in winter time');
  t.equal(schedule.between(berlin('2026-10-25T00:00'), berlin('2026-10-26T00:00')).length, 1, 'once, not twice');
});

t.test('a window over midnight and one of every client; one-off windows beside them', async (t) => {
  const [nightly] = parseMaintenance([{ every: 'daily', from: '23:30', duration: '2h' }], 'America/New_York');
  t.equal(nightly!.timezone, 'America/New_York', 'the alert time zone is the default');
  const schedule = new MaintenanceSchedule([nightly!], [{ id: 'm-1', from: Date.parse('2026-12-02T12:00Z'), until: Date.parse('2026-12-02T13:00Z'), clients: null, reason: null }]);
  const late = DateTime.fromISO('2026-12-03T01:00', { zone: 'America/New_York' }).toMillis();
  t.equal(schedule.of('anyone', late)?.from, DateTime.fromISO('2026-12-02T23:30', { zone: 'America/New_York' }).toMillis(), 'the window begun the evening before');
  t.equal(schedule.of('anyone', Date.parse('2026-12-02T12:30Z'))?.id, 'm-1');
  t.equal(schedule.of('anyone', Date.parse('2026-12-02T12:30Z'))?.source, 'api');
  t.same(schedule.between(Date.parse('2026-12-02T00:00Z'), Date.parse('2026-12-03T00:00Z')).map((o) => o.source), ['config', 'api'], 'by start: the window of the evening before, then the one-off');
  t.notOk(schedule.empty);
  t.ok(new MaintenanceSchedule([]).empty);
});

t.test('overlapping windows: the client is in the one that ends last', async (t) => {
  const schedule = new MaintenanceSchedule(parseMaintenance([
    { every: ['Wed'], from: '10:00', duration: '1h', timezone: 'UTC' },
    { every: ['Wednesday'], from: '10:30', duration: '2h', timezone: 'UTC', clients: ['a'] },
  ], 'UTC'));
  t.equal(schedule.of('a', Date.parse('2026-12-02T10:45Z'))?.until, Date.parse('2026-12-02T12:30Z'));
  t.equal(schedule.of('b', Date.parse('2026-12-02T10:45Z'))?.until, Date.parse('2026-12-02T11:00Z'));
});

t.test('each bad key of a window is refused by name', async (t) => {
  const bad = (value: unknown): string => String(thrown(() => parseMaintenance(value, "UTC")));
  t.match(bad({}), /maintenance: must be a list/);
  t.match(bad(['x']), /maintenance\[0\]: must be an object/);
  t.match(bad([{ every: ['Sun'], from: '03:00', duration: '1h', when: 1 }]), /maintenance\[0\]\.when: unknown key/);
  t.match(bad([{ every: [], from: '03:00', duration: '1h' }]), /maintenance\[0\]\.every: must be a non-empty list/);
  t.match(bad([{ every: ['Sun', 'Funday'], from: '03:00', duration: '1h' }]), /maintenance\[0\]\.every\[1\]: must be a weekday/);
  t.match(bad([{ every: ['Sun'], from: '3am', duration: '1h' }]), /maintenance\[0\]\.from: must be a time of day/);
  t.match(bad([{ every: ['Sun'], from: '03:00' }]), /maintenance\[0\]\.duration/);
  t.match(bad([{ every: ['Sun'], from: '03:00', duration: '30s' }]), /maintenance\[0\]\.duration: must be from 1 minute to 7 days/);
  t.match(bad([{ every: ['Sun'], from: '03:00', duration: '8d' }]), /maintenance\[0\]\.duration: must be from 1 minute to 7 days/);
  t.match(bad([{ every: ['Sun'], from: '03:00', duration: '1h', timezone: 'Mars/Olympus' }]), /maintenance\[0\]\.timezone: must be an IANA time zone/);
  t.match(bad([{ every: ['Sun'], from: '03:00', duration: '1h', clients: [] }]), /maintenance\[0\]\.clients: must be a non-empty list/);
  t.match(bad([{ every: ['Sun'], from: '03:00', duration: '1h', reason: 'a\nb' }]), /maintenance\[0\]\.reason: must be one line/);
  t.same(parseMaintenance(undefined, 'UTC'), [], 'no windows without the key');
});

const at = (text: string): number => Date.parse(text);
const down = (client: string, when: string, extra: Partial<DownEvent> = {}): GatedAlert => ({ event: { type: 'down', client, at: at(when), lastUp: at(when) - 60_000, downIntervalMs: 60_000, transitionId: `${client}-d-${when}`, ...extra }, channels: ['email', 'phone'] });
const up = (client: string, when: string): GatedAlert => ({ event: { type: 'up', client, at: at(when), lastUp: at(when) - 600_000, outageMs: 600_000, transitionId: `${client}-u-${when}` } satisfies UpEvent, channels: ['email'] });

t.test('the gate: a down and its recovery inside the window go out to nobody', async (t) => {
  const gate = new MaintenanceGate(() => new MaintenanceSchedule(sundays));
  const gone = down('home-gw', '2026-12-06T01:40:00Z');
  t.same(gate.offer(gone), { send: [], withhold: [] }, 'the down waits');
  t.equal(gate.held, 1);
  t.same(gate.due(at('2026-12-06T02:00:00Z')), [], 'nothing is due while the window runs');
  const back = up('home-gw', '2026-12-06T02:10:00Z');
  t.same(gate.offer(back), { send: [], withhold: [gone, back] }, 'both are withheld');
  t.same(gate.due(at('2026-12-06T03:00:00Z')), [], 'nothing goes out when the window ends');
});

t.test('the gate: a client still down when the window ends gets its down alert then, once', async (t) => {
  const gate = new MaintenanceGate(() => new MaintenanceSchedule(sundays));
  const gone = down('home-gw', '2026-12-06T01:40:00Z');
  gate.offer(gone);
  t.same(gate.due(at('2026-12-06T02:29:59Z')), []);
  t.same(gate.due(at('2026-12-06T02:30:00Z')), [gone], 'at the end');
  t.same(gate.due(at('2026-12-06T02:30:01Z')), [], 'once');
  const back = up('home-gw', '2026-12-06T04:00:00Z');
  t.same(gate.offer(back), { send: [back], withhold: [] }, 'its recovery after the window goes out as usual');
});

t.test('the gate: a restart re-offering an outage inside a past window decides by the events\' own times', async (t) => {
  const gate = new MaintenanceGate(() => new MaintenanceSchedule(sundays));
  const gone = down('home-gw', '2026-12-06T01:40:00Z');
  const back = up('home-gw', '2026-12-06T02:10:00Z');
  t.same(gate.offer(gone), { send: [], withhold: [] });
  t.same(gate.offer(back), { send: [], withhold: [gone, back] }, 'still nothing, though the window is long over');
  const again = down('home-gw', '2026-12-06T02:20:00Z');
  const later = up('home-gw', '2026-12-06T05:00:00Z');
  gate.offer(again);
  t.same(gate.offer(later), { send: [again, later], withhold: [] }, 'a recovery after the window lets the waiting down go first');
});

t.test('the gate: reminders and "action needed" in a window are withheld; alerts outside pass; a recovery of an outage begun before the window is withheld', async (t) => {
  const gate = new MaintenanceGate(() => new MaintenanceSchedule(sundays));
  const reminder = down('home-gw', '2026-12-06T01:50:00Z', { reminder: { n: 1, downAt: at('2026-12-06T01:00:00Z'), down: 'd0' } });
  t.same(gate.offer(reminder), { send: [], withhold: [reminder] });
  const intervention = down('home-gw', '2026-12-06T01:55:00Z', { intervention: 'healing gave up' });
  t.same(gate.offer(intervention), { send: [], withhold: [intervention] });
  const other = down('office', '2026-12-06T01:50:00Z');
  t.same(gate.offer(other), { send: [other], withhold: [] }, 'a client the window does not cover');
  const back = up('home-gw', '2026-12-06T02:00:00Z');
  t.same(gate.offer(back), { send: [], withhold: [back] });
  t.ok(gate.inMaintenance('home-gw', at('2026-12-06T02:00:00Z')));
});

t.test('the gate: a window deleted while a down waits lets the down go at the next look', async (t) => {
  let schedule = new MaintenanceSchedule([], [{ id: 'm-1', from: at('2026-12-02T12:00Z'), until: at('2026-12-02T14:00Z'), clients: null, reason: null }]);
  const gate = new MaintenanceGate(() => schedule);
  const gone = down('a', '2026-12-02T12:10:00Z');
  gate.offer(gone);
  t.same(gate.due(at('2026-12-02T12:20Z')), []);
  schedule = new MaintenanceSchedule([]);
  t.same(gate.due(at('2026-12-02T12:21Z')), [gone]);
});
