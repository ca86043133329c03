/** A gateway check's client in the pure state machine: transitions from reports, stamped by their age, never from silence. */
import t from 'tap';
import { Monitor, type HeartbeatInfo } from '../../../server/core/monitor.js';
import { CheckClients } from '../../../server/core/checkClients.js';

const beat: HeartbeatInfo = { type: 'PING', boot: 3, seq: 9, uptime: null, interval: null, addr: '192.0.2.7' };
const WALL = Date.parse('2026-12-02T14:00:00Z');

t.test('a failed report makes the check down, stamped by its age but never before the previous report, and repeats change nothing', async (t) => {
  const monitor = new Monitor();
  const sensor = monitor.clients.add('home-gw', 60_000, 0);
  const checks = new CheckClients({ add: (id, ms) => monitor.clients.add(id, ms), get: () => undefined }, 5);
  const route = checks.clientOf(sensor, 'route')!;
  t.equal(route.id, 'home-gw/route');
  const at = (s: number) => ({ mono: s * 1000, wall: WALL + s * 1000 });
  const first = monitor.check(route, { state: 'ok', detail: 'fine', ageS: 0, alert: true, beat }, at(0));
  t.match(first[0]!.record, { type: 'up', first: true }, 'a first ok is a first up, which alerts nobody');
  const down = monitor.check(route, { state: 'failed', detail: 'default route missing', ageS: 40, alert: true, beat }, at(30));
  t.match(down[0]!.record, { type: 'down', reason: 'default route missing', at: new Date(WALL).toISOString() }, 'an age reaching before the last report is held at it');
  t.equal(down[0]!.event?.type, 'down', 'with alert, an event goes to the alert path');
  t.same(monitor.check(route, { state: 'failed', detail: 'default route missing', ageS: 70, alert: true, beat }, at(60)), [], 'a repeat is no transition');
  t.same(monitor.expire(at(100_000)), [], 'silence never makes a check client down');
  const up = monitor.check(route, { state: 'ok', detail: '-', ageS: 5, alert: false, beat }, at(90));
  t.match(up[0]!.record, { type: 'up', channels: [], outage_s: 85 }, 'the recovery is stamped 5 s back; without alert it names no channel');
  t.equal(up[0]!.event, null, 'and goes to nobody');
  t.equal(monitor.check(route, { state: 'failed', detail: '', ageS: 0, alert: false, beat }, at(95))[0]!.record.type, 'down');
});

t.test('a sensor makes at most its limit of check clients, and an existing one is found again', async (t) => {
  const monitor = new Monitor();
  const made = new Map<string, ReturnType<typeof monitor.clients.add>>();
  const checks = new CheckClients({ add: (id, ms) => { const c = monitor.clients.add(id, ms); made.set(id, c); return c; }, get: (id) => made.get(id) }, 2);
  const sensor = monitor.clients.add('home-gw', 60_000, 0);
  const a = checks.clientOf(sensor, 'a');
  t.ok(a !== null && checks.clientOf(sensor, 'b') !== null);
  t.equal(checks.clientOf(sensor, 'c'), null, 'a third is refused');
  t.equal(checks.clientOf(sensor, 'a')?.row, a!.row, 'the first is found again, over the limit or not');
});
