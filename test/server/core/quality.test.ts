import t from 'tap';
import { FakeClock } from '../../peers/fakeClock.js';
import { Monitor, type ClientState } from '../../../server/core/monitor.js';
import { lostOf, type QualityCounts } from '../../../server/core/quality.js';

const INTERVAL_S = 30;
const START_WALL = Date.parse('2026-11-25T06:00:00.000Z');

function setUp(): { monitor: Monitor; clock: FakeClock; gw: ClientState; beat: (boot: number, seq: number, afterMs?: number) => void; take: () => QualityCounts } {
  const monitor = new Monitor();
  const clock = new FakeClock(START_WALL);
  const gw = monitor.clients.add('home-gw', 4 * INTERVAL_S * 1000);
  const beat = (boot: number, seq: number, afterMs = INTERVAL_S * 1000): void => {
    clock.advance(afterMs);
    monitor.expire(clock.now());
    monitor.heartbeat(gw, { type: 'PING', boot, seq, uptime: 100, interval: INTERVAL_S, addr: '192.0.2.1' }, clock.now());
  };
  const take = (): QualityCounts => monitor.clients.quality.take(gw.row, { expected: 0, heard: 0, jitterMeanMs: NaN, jitterMaxMs: NaN });
  return { monitor, clock, gw, beat, take };
}

t.test('every heartbeat of an unbroken run is expected and heard, with no jitter when they keep time', async (t) => {
  const { beat, take } = setUp();
  for (let seq = 1; seq <= 10; seq++) beat(1, seq);
  const counts = take();
  t.same({ expected: counts.expected, heard: counts.heard, lost: lostOf(counts) }, { expected: 10, heard: 10, lost: 0 });
  t.equal(counts.jitterMeanMs, 0);
});

t.test('dropped seqs count as lost, and the gap they leave is not taken for jitter', async (t) => {
  const { beat, take } = setUp();
  for (const seq of [1, 2, 3, 5, 6, 9, 10]) beat(1, seq, seq === 5 ? 60_000 : seq === 9 ? 90_000 : 30_000);
  const counts = take();
  t.same({ expected: counts.expected, heard: counts.heard, lost: lostOf(counts) }, { expected: 10, heard: 7, lost: 3 });
  t.equal(counts.jitterMaxMs, 0, 'only consecutive seqs measure jitter');
});

t.test('a heartbeat that arrives late inside the replay window is heard, not lost', async (t) => {
  const { beat, take } = setUp();
  for (const seq of [1, 2, 4, 3, 5]) beat(1, seq);
  const counts = take();
  t.same({ expected: counts.expected, heard: counts.heard, lost: lostOf(counts) }, { expected: 5, heard: 5, lost: 0 });
});

t.test('jitter is how far the time between consecutive heartbeats strays from the announced interval', async (t) => {
  const { beat, take } = setUp();
  beat(1, 1);
  beat(1, 2, 30_400);
  beat(1, 3, 29_800);
  const counts = take();
  t.equal(counts.jitterMeanMs, 300);
  t.equal(counts.jitterMaxMs, 400);
});

t.test('a reboot starts a new run: the seqs the old boot never sent are not lost', async (t) => {
  const { beat, take } = setUp();
  for (let seq = 1; seq <= 5; seq++) beat(1, seq);
  beat(2, 1);
  beat(2, 2);
  const counts = take();
  t.same({ expected: counts.expected, heard: counts.heard }, { expected: 7, heard: 7 });
});

t.test('the heartbeats an outage swallowed are the outage, not loss while up', async (t) => {
  const { monitor, gw, beat, take } = setUp();
  beat(1, 1);
  beat(1, 2);
  beat(1, 50, 25 * 60_000);
  t.equal(gw.status, 'up');
  t.ok(monitor.clients.quality.has(gw.row));
  const counts = take();
  t.same({ expected: counts.expected, heard: counts.heard, lost: lostOf(counts) }, { expected: 3, heard: 3, lost: 0 });
});

t.test('after a server restart the first heartbeat starts a run: the seqs sent while the monitor was off are not lost', async (t) => {
  const first = setUp();
  for (let seq = 1; seq <= 3; seq++) first.beat(1, seq);
  // A restart: a new table, the client restored as up, its run not carried over.
  const { monitor, clock, gw, beat, take } = setUp();
  monitor.restore(gw, { status: 'up', lastHeard: clock.now().wall, lastUpBeforeOutage: null, addr: '192.0.2.1', boot: 1, sensorInterval: INTERVAL_S }, clock.now());
  beat(1, 40);
  beat(1, 41);
  const counts = take();
  t.same({ expected: counts.expected, heard: counts.heard }, { expected: 2, heard: 2 });
});

t.test('closing a period zeroes its counts and keeps the run, so a loss across the hour counts in the next', async (t) => {
  const { beat, take } = setUp();
  beat(1, 1);
  beat(1, 2);
  t.same(take().expected, 2);
  beat(1, 5);
  const counts = take();
  t.same({ expected: counts.expected, heard: counts.heard, lost: lostOf(counts) }, { expected: 3, heard: 1, lost: 2 });
  t.same(take().expected, 0);
});

t.test('a late heartbeat of the closed period never makes the next period lose less than nothing', async (t) => {
  const { beat, take } = setUp();
  beat(1, 1);
  beat(1, 3);
  take();
  beat(1, 2);
  t.equal(lostOf(take()), 0);
});
