import t from 'tap';
import fc from 'fast-check';
import { FakeClock } from '../../peers/fakeClock.js';
import { Monitor, type Action, type ClientState, type HeartbeatInfo, type SavedClient } from '../../../server/core/monitor.js';

const MINUTE = 60_000;
const INTERVAL = 3 * MINUTE;
const START_WALL = Date.parse('2026-11-25T06:00:00.000Z');

const ping = (addr = '192.0.2.1', boot: number | null = 7): HeartbeatInfo => ({ type: 'PING', boot, seq: null, uptime: 100, interval: 30, addr });
const bootBeat = (boot: number | null, addr = '192.0.2.1'): HeartbeatInfo => ({ type: 'BOOT', boot, seq: null, uptime: 5, interval: 30, addr });
const types = (actions: readonly Action[]): string[] => actions.map((a) => a.record.type);

function setUp(interval = INTERVAL): { monitor: Monitor; clock: FakeClock; gw: ClientState } {
  const monitor = new Monitor();
  return { monitor, clock: new FakeClock(START_WALL), gw: monitor.clients.add('home-gw', interval) };
}

t.test("a client's first heartbeat ever is an up with first:true and no outage", async (t) => {
  const { monitor, clock, gw } = setUp();
  const actions = monitor.heartbeat(gw, ping(), clock.now());
  t.same(types(actions), ['up']);
  t.match(actions[0]!.record, { type: 'up', first: true, outage_s: null, last_up: null, at: new Date(START_WALL).toISOString() });
  t.match(actions[0]!.event, { type: 'up', client: 'home-gw', outageMs: null, lastUp: null });
});

t.test('a client heard at t is not declared down before t + interval', async (t) => {
  const { monitor, clock, gw } = setUp();
  monitor.heartbeat(gw, ping(), clock.now());
  t.same(monitor.expire(clock.advance(INTERVAL - 1)), []);
  t.equal(gw.status, 'up');
});

t.test('a client heard at t is declared down once, when t + interval passes, stamped at the deadline', async (t) => {
  const { monitor, clock, gw } = setUp();
  monitor.heartbeat(gw, ping(), clock.now());
  const down = monitor.expire(clock.advance(INTERVAL));
  t.same(types(down), ['down']);
  t.match(down[0]!.record, {
    at: new Date(START_WALL + INTERVAL).toISOString(),
    last_up: new Date(START_WALL).toISOString(),
    down_interval_s: 180,
    boot: 7,
    interval: 30,
  });
  t.match(down[0]!.event, { type: 'down', client: 'home-gw', at: START_WALL + INTERVAL, lastUp: START_WALL, downIntervalMs: INTERVAL });
  t.same(monitor.expire(clock.advance(INTERVAL)), [], 'no second down');
  t.same(monitor.expire(clock.advance(10 * INTERVAL)), [], 'nor later');
});

t.test('a down noticed late is still stamped at the moment the deadline passed', async (t) => {
  const { monitor, clock, gw } = setUp();
  monitor.heartbeat(gw, ping(), clock.now());
  const down = monitor.expire(clock.advance(INTERVAL + 5000));
  t.equal(down[0]!.record.at, new Date(START_WALL + INTERVAL).toISOString());
  t.equal(down[0]!.event?.at, START_WALL + INTERVAL);
});

t.test('each heartbeat pushes the deadline a full interval past it', async (t) => {
  const { monitor, clock, gw } = setUp();
  monitor.heartbeat(gw, ping(), clock.now());
  clock.advance(INTERVAL - 1000);
  monitor.heartbeat(gw, ping(), clock.now());
  t.same(monitor.expire(clock.advance(INTERVAL - 1)), []);
  t.same(types(monitor.expire(clock.advance(1))), ['down']);
});

t.test('the first heartbeat after a down is one up whose outage runs from the last heartbeat before it', async (t) => {
  const { monitor, clock, gw } = setUp();
  monitor.heartbeat(gw, ping(), clock.now());
  monitor.expire(clock.advance(INTERVAL));
  clock.advance(7 * MINUTE);
  const up = monitor.heartbeat(gw, ping(), clock.now());
  t.same(types(up), ['up']);
  t.match(up[0]!.record, { first: false, outage_s: (INTERVAL + 7 * MINUTE) / 1000, last_up: new Date(START_WALL).toISOString() });
  t.match(up[0]!.event, { type: 'up', outageMs: INTERVAL + 7 * MINUTE, lastUp: START_WALL });
  t.same(monitor.heartbeat(gw, ping(), clock.advance(30_000)), [], 'the next heartbeat announces nothing');
});

t.test('transition ids differ between transitions of the same client', async (t) => {
  const { monitor, clock, gw } = setUp();
  const ids = [
    ...monitor.heartbeat(gw, ping(), clock.now()),
    ...monitor.expire(clock.advance(INTERVAL)),
    ...monitor.heartbeat(gw, ping(), clock.advance(MINUTE)),
    ...monitor.expire(clock.advance(INTERVAL)),
  ].map((a) => (a.record.type === 'up' || a.record.type === 'down' ? a.record.id : a.record.type));
  t.equal(new Set(ids).size, 4, String(ids));
});

t.test('a restored up client gets a full down interval from the restart', async (t) => {
  const { monitor, clock, gw } = setUp();
  const heardBeforeRestart = clock.wall - 2 * MINUTE;
  const saved: SavedClient = { status: 'up', lastHeard: heardBeforeRestart, lastUpBeforeOutage: null, addr: '192.0.2.1', boot: 7, sensorInterval: 30 };
  monitor.restore(gw, saved, clock.now());
  t.same(monitor.expire(clock.advance(INTERVAL - 1)), [], 'not down one interval after it was last heard');
  const down = monitor.expire(clock.advance(1));
  t.same(types(down), ['down']);
  t.match(down[0]!.record, { at: new Date(START_WALL + INTERVAL).toISOString(), last_up: new Date(heardBeforeRestart).toISOString() });
});

t.test('a restored down client stays down silently, and its next heartbeat gives the up with the whole outage', async (t) => {
  const { monitor, clock, gw } = setUp();
  const lastUp = clock.wall - 30 * MINUTE;
  monitor.restore(gw, { status: 'down', lastHeard: lastUp, lastUpBeforeOutage: lastUp, addr: '192.0.2.1', boot: 7, sensorInterval: 30 }, clock.now());
  t.same(monitor.expire(clock.advance(10 * INTERVAL)), [], 'no down announced again');
  const up = monitor.heartbeat(gw, ping(), clock.now());
  t.same(types(up), ['up']);
  t.match(up[0]!.record, { first: false, outage_s: (30 * MINUTE + 10 * INTERVAL) / 1000 });
});

t.test('a restored client that was never heard (status unknown) has no deadline', async (t) => {
  const { monitor, clock, gw } = setUp();
  monitor.restore(gw, { status: 'unknown', lastHeard: null, lastUpBeforeOutage: null, addr: null, boot: null, sensorInterval: null }, clock.now());
  t.same(monitor.expire(clock.advance(10 * INTERVAL)), []);
  t.equal(monitor.deadlineOf(gw), null);
});

t.test('a wall-clock step forward of an hour between heartbeats causes no down', async (t) => {
  const { monitor, clock, gw } = setUp();
  monitor.heartbeat(gw, ping(), clock.now());
  for (let i = 0; i < 10; i++) {
    clock.advance(30_000);
    if (i === 3) clock.stepWall(3_600_000);
    t.same(monitor.expire(clock.now()), [], `tick ${i}`);
    t.same(monitor.heartbeat(gw, ping(), clock.now()), [], `heartbeat ${i}`);
  }
});

t.test('a wall-clock step back of an hour does not hide a down', async (t) => {
  const { monitor, clock, gw } = setUp();
  monitor.heartbeat(gw, ping(), clock.now());
  clock.advance(MINUTE);
  clock.stepWall(-3_600_000);
  t.same(monitor.expire(clock.advance(INTERVAL - MINUTE - 1)), []);
  const down = monitor.expire(clock.advance(1));
  t.same(types(down), ['down'], 'down exactly one interval of monotonic time after the heartbeat');
  t.equal(down[0]!.event?.at, START_WALL + INTERVAL - 3_600_000, 'stamped on the wall clock as it reads now');
});

t.test('a wall-clock step forward while silent neither advances nor delays the down', async (t) => {
  const { monitor, clock, gw } = setUp();
  monitor.heartbeat(gw, ping(), clock.now());
  clock.stepWall(3_600_000);
  t.same(monitor.expire(clock.advance(INTERVAL - 1)), []);
  t.same(types(monitor.expire(clock.advance(1))), ['down']);
});

t.test('a change of source address gives one addr record naming both addresses', async (t) => {
  const { monitor, clock, gw } = setUp();
  monitor.heartbeat(gw, ping('192.0.2.1'), clock.now());
  const moved = monitor.heartbeat(gw, ping('198.51.100.9'), clock.advance(30_000));
  t.same(types(moved), ['addr']);
  t.match(moved[0]!.record, { addr: '198.51.100.9', previous: '192.0.2.1' });
  t.equal(moved[0]!.event, null, 'an address change alerts nobody');
  t.same(monitor.heartbeat(gw, ping('198.51.100.9'), clock.advance(30_000)), [], 'nothing while it stays');
  const toV6 = monitor.heartbeat(gw, ping('2001:db8::7'), clock.advance(30_000));
  t.match(toV6[0]!.record, { type: 'addr', addr: '2001:db8::7', previous: '198.51.100.9' }, 'IPv6 and IPv4 addresses alike');
  t.same(monitor.heartbeat(gw, ping('2001:db8::7'), clock.advance(30_000)), []);
  t.match(monitor.heartbeat(gw, ping('192.0.2.1'), clock.advance(30_000))[0]!.record, { addr: '192.0.2.1', previous: '2001:db8::7' });
});

t.test('repeats of one BOOT give one boot record; a new boot counter gives another', async (t) => {
  const { monitor, clock, gw } = setUp();
  const first = [bootBeat(7), bootBeat(7), bootBeat(7)].flatMap((beat) => monitor.heartbeat(gw, beat, clock.advance(2000)));
  t.same(types(first), ['up', 'boot']);
  t.match(first[1]!.event, { type: 'boot', boot: 7, uptime: 5, addr: '192.0.2.1' });
  t.same(types(monitor.heartbeat(gw, ping(), clock.advance(30_000))), []);
  t.same(types(monitor.heartbeat(gw, bootBeat(8), clock.advance(30_000))), ['boot']);
});

t.test('a legacy client (no boot counter) gets a boot record for every BOOT', async (t) => {
  const { monitor, clock, gw } = setUp();
  monitor.heartbeat(gw, bootBeat(null), clock.now());
  t.same(types(monitor.heartbeat(gw, bootBeat(null), clock.advance(1000))), ['boot']);
});

t.test('two clients with different intervals are declared down in deadline order', async (t) => {
  const monitor = new Monitor();
  const clock = new FakeClock(START_WALL);
  const slow = monitor.clients.add('slow', 10 * MINUTE);
  const fast = monitor.clients.add('fast', MINUTE);
  const medium = monitor.clients.add('medium', 3 * MINUTE);
  monitor.heartbeat(slow, ping(), clock.now());
  monitor.heartbeat(medium, ping(), clock.advance(1000));
  monitor.heartbeat(fast, ping(), clock.advance(1000));
  t.equal(Math.min(...[slow, medium, fast].map((c) => monitor.deadlineOf(c)!)), clock.mono + MINUTE, 'the earliest deadline is the fast one');
  const downs = monitor.expire(clock.advance(20 * MINUTE));
  t.same(downs.map((a) => a.client), ['fast', 'medium', 'slow']);
  t.same(
    downs.map((a) => a.event?.at),
    [START_WALL + 2000 + MINUTE, START_WALL + 1000 + 3 * MINUTE, START_WALL + 10 * MINUTE],
  );
});

t.test('expire returns exactly the clients whose last heartbeat + interval has passed, for any schedule', async (t) => {
  const intervals = [30_000, 60_000, 180_000];
  // A script of steps: a heartbeat from client i after `gap` ms, or an expire after `gap` ms.
  const step = fc.record({ client: fc.integer({ min: 0, max: 39 }), gap: fc.integer({ min: 0, max: 90_000 }), expire: fc.boolean() });
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 400 }), (script) => {
      const monitor = new Monitor();
      const clock = new FakeClock(START_WALL);
      const clients = Array.from({ length: 40 }, (_, i) => monitor.clients.add(`c${i}`, intervals[i % intervals.length]!));
      const lastHeard = new Map<string, number>(); // mono time of the last heartbeat, while up
      for (const { client, gap, expire } of script) {
        const now = clock.advance(gap);
        if (expire) {
          const expected = [...lastHeard]
            .filter(([id, heard]) => heard + clients[Number(id.slice(1))]!.downIntervalMs <= now.mono)
            .map(([id]) => id)
            .sort();
          const got = monitor.expire(now).map((a) => a.client);
          if (JSON.stringify([...got].sort()) !== JSON.stringify(expected)) return false;
          for (const id of got) lastHeard.delete(id);
        } else {
          monitor.heartbeat(clients[client]!, ping(), now);
          lastHeard.set(`c${client}`, now.mono);
        }
      }
      return true;
    }),
    { numRuns: 200 },
  );
  t.pass('no counterexample');
});

t.test('expire returns the expired clients earliest deadline first', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.record({ client: fc.integer({ min: 0, max: 19 }), gap: fc.integer({ min: 0, max: 20_000 }) }), { maxLength: 200 }), (beats) => {
      const monitor = new Monitor();
      const clock = new FakeClock(START_WALL);
      const clients = Array.from({ length: 20 }, (_, i) => monitor.clients.add(`c${i}`, (1 + (i % 4)) * 30_000));
      for (const { client, gap } of beats) monitor.heartbeat(clients[client]!, ping(), clock.advance(gap));
      const stamps = monitor.expire(clock.advance(10 * MINUTE)).map((a) => a.event!.at);
      return stamps.every((at, i) => i === 0 || stamps[i - 1]! <= at);
    }),
    { numRuns: 200 },
  );
  t.pass('no counterexample');
});
