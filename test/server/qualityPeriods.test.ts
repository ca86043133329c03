import t from 'tap';
import { FakeClock } from '../peers/fakeClock.js';
import { Monitor } from '../../server/core/monitor.js';
import { QualityPeriods } from '../../server/qualityPeriods.js';
import type { RecordOf } from '../../log/records.js';

const START_WALL = Date.parse('2026-11-25T06:59:00.000Z');

t.test('a period closes a slice of clients per call, each record stamped when its counts were taken, and no client twice', async (t) => {
  const monitor = new Monitor();
  const clock = new FakeClock(START_WALL);
  const periods = new QualityPeriods(clock.now().wall, monitor.clients);
  for (let i = 0; i < 12; i++) {
    const client = monitor.clients.add(`gw-${i}`, 120_000);
    monitor.heartbeat(client, { type: 'PING', boot: 1, seq: 1, uptime: 100, interval: 30, addr: '192.0.2.1' }, clock.now());
    monitor.heartbeat(client, { type: 'PING', boot: 1, seq: 3, uptime: 130, interval: 30, addr: '192.0.2.1' }, clock.now());
  }
  t.notOk(periods.due(clock.now().wall), 'not due before the hour');
  clock.advance(60_000);
  const written: [string, RecordOf<'quality'>][] = [];
  const write = (client: string, record: RecordOf<'quality'>): void => void written.push([client, record]);
  const calls: number[] = [];
  while (periods.due(clock.now().wall)) {
    periods.close(clock.now().wall, write, 5);
    calls.push(written.length);
    clock.advance(250);
  }
  t.same(calls, [5, 10, 12], 'five clients per call until all are closed');
  t.same(new Set(written.map(([client]) => client)).size, 12, 'each client once');
  t.ok(written.every(([, record]) => record.from === '2026-11-25T06:59:00.000Z' && record.lost === 1), 'all from the period start, with its counts');
  t.same([...new Set(written.map(([, record]) => record.at))], ['2026-11-25T07:00:00.000Z', '2026-11-25T07:00:00.250Z', '2026-11-25T07:00:00.500Z'], 'stamped when taken');
  t.notOk(periods.due(clock.now().wall), 'the next period is not due until the next hour');
});

t.test('at a clean stop a period being closed is finished, and the open one closed, for every client', async (t) => {
  const monitor = new Monitor();
  const clock = new FakeClock(START_WALL);
  const periods = new QualityPeriods(clock.now().wall, monitor.clients);
  const clients = Array.from({ length: 8 }, (_, i) => monitor.clients.add(`gw-${i}`, 120_000));
  for (const client of clients) monitor.heartbeat(client, { type: 'PING', boot: 1, seq: 1, uptime: 100, interval: 30, addr: '192.0.2.1' }, clock.now());
  clock.advance(60_000);
  const written: string[] = [];
  periods.close(clock.now().wall, (client) => void written.push(client), 3);
  clock.advance(1000);
  monitor.heartbeat(clients[0]!, { type: 'PING', boot: 1, seq: 2, uptime: 130, interval: 30, addr: '192.0.2.1' }, clock.now());
  periods.closeAll(clock.now().wall, (client) => void written.push(client));
  t.same(written.length, 9, 'the 8 of the closing period, then gw-0 again for what it was heard since');
  t.equal(written.at(-1), 'gw-0');
  t.notOk(periods.due(clock.now().wall));
});
