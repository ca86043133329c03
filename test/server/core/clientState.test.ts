import t from 'tap';
import { ClientTable } from '../../../server/core/clientState.js';
import { ALWAYS, type Schedule } from '../../../server/core/schedule.js';

t.test("many clients' states keep their own values, nulls included, as the table grows", async (t) => {
  const table = new ClientTable();
  const states = Array.from({ length: 3000 }, (_, i) => table.add(`c-${i}`, 1000 + i, i % 2 === 0 ? i : -1));
  const value = (i: number, field: number): number | null => ((i + field) % 3 === 0 ? null : i * 10 + field + 0.5);
  states.forEach((state, i) => {
    state.lastHeard = value(i, 1);
    state.lastUpBeforeOutage = value(i, 2);
    state.boot = value(i, 3) === null ? null : i;
    state.sensorInterval = value(i, 4) === null ? null : 30;
    state.status = (['unknown', 'up', 'down'] as const)[i % 3]!;
    state.graceMs = i;
  });
  const wrong = states.filter((state, i) =>
    state.id !== `c-${i}` || state.downIntervalMs !== 1000 + i || state.keySlot !== (i % 2 === 0 ? i : -1) ||
    state.lastHeard !== value(i, 1) || state.lastUpBeforeOutage !== value(i, 2) ||
    state.boot !== (value(i, 3) === null ? null : i) || state.sensorInterval !== (value(i, 4) === null ? null : 30) ||
    state.status !== (['unknown', 'up', 'down'] as const)[i % 3] || state.graceMs !== i);
  t.same(wrong.map((state) => state.id), []);
  const fresh = table.add('fresh', 5000);
  t.match(fresh, { status: 'unknown', lastHeard: null, lastUpBeforeOutage: null, boot: null, sensorInterval: null, addr: null, graceMs: 0, keySlot: -1 });
});

t.test('an IPv4 address is kept packed and an IPv6 one as text, and each reads back as it came', async (t) => {
  const state = new ClientTable().add('gw', 60_000);
  t.notOk(state.hasAddr('192.0.2.1'), 'a client never heard has no address');
  state.addr = '192.0.2.1';
  t.equal(state.addr, '192.0.2.1');
  t.ok(state.hasAddr('192.0.2.1'));
  t.notOk(state.hasAddr('192.0.2.10'));
  t.notOk(state.hasAddr('::ffff:192.0.2.1'), 'only the very same text is the same address');
  state.addr = '2001:db8::1';
  t.equal(state.addr, '2001:db8::1');
  t.ok(state.hasAddr('2001:db8::1'));
  t.notOk(state.hasAddr('192.0.2.1'), 'the IPv4 address it had is gone');
  state.addr = '010.0.0.1';
  t.equal(state.addr, '010.0.0.1', 'a non-canonical form is kept as text, not rewritten');
  state.addr = null;
  t.equal(state.addr, null);
  t.notOk(state.hasAddr('010.0.0.1'));
});

t.test('a view of a row made later reads and writes the same client', async (t) => {
  const office: Schedule = { kind: 'hours', days: ['mon', 'tue'], startMinute: 8 * 60, endMinute: 18 * 60, zone: 'Europe/Berlin' };
  const table = new ClientTable();
  const state = table.add('office', 60_000);
  const other = table.add('other', 60_000);
  t.equal(state.schedule, ALWAYS, 'no schedule unless one is set');
  state.schedule = office;
  const view = table.at(state.row);
  t.equal(view.id, 'office');
  t.equal(view.schedule, office, 'the very schedule object that was set');
  t.equal(other.schedule, ALWAYS, 'and only for that client');
  view.status = 'up';
  view.addr = '198.51.100.4';
  t.equal(state.status, 'up');
  t.equal(state.addr, '198.51.100.4');
  view.schedule = ALWAYS;
  t.equal(state.schedule, ALWAYS);
});

t.test('a pass over many clients sees each row in turn through one view', async (t) => {
  const table = new ClientTable();
  const states = ['a', 'b', 'c'].map((id, i) => table.add(`pass-${id}`, 1000 * (i + 1)));
  const seen = [...table.each(states.map((state) => state.row))];
  t.equal(new Set(seen).size, 1, 'one view object');
  const ids: string[] = [];
  for (const state of table.each(states.map((s) => s.row))) ids.push(`${state.id}:${state.downIntervalMs}`);
  t.same(ids, ['pass-a:1000', 'pass-b:2000', 'pass-c:3000']);
});

t.test('each table has rows of its own: two servers in one process share no client', async (t) => {
  const first = new ClientTable();
  const second = new ClientTable();
  const a = first.add('gw', 60_000);
  const b = second.add('gw', 60_000);
  a.status = 'down';
  a.addr = '192.0.2.1';
  t.equal(b.status, 'unknown', "the other table's row is untouched");
  t.equal(b.addr, null);
  t.equal(first.size, 1);
  t.equal(second.size, 1);
});

t.test('the counts by status follow every change of status, without a pass over the rows', async (t) => {
  const table = new ClientTable();
  const counts = (): Record<string, number> => ({ up: table.count('up'), down: table.count('down'), unknown: table.count('unknown') });
  const [a, b, c] = ['a', 'b', 'c'].map((id) => table.add(id, 60_000)) as [ReturnType<ClientTable['add']>, ReturnType<ClientTable['add']>, ReturnType<ClientTable['add']>];
  t.same(counts(), { up: 0, down: 0, unknown: 3 }, 'new clients are unknown');
  a.status = 'up';
  b.status = 'up';
  t.same(counts(), { up: 2, down: 0, unknown: 1 });
  a.status = 'down';
  a.status = 'down';
  t.same(counts(), { up: 1, down: 1, unknown: 1 }, 'setting the same status again counts once');
  Object.assign(c, { status: 'down' });
  table.at(b.row).status = 'unknown';
  t.same(counts(), { up: 0, down: 2, unknown: 1 }, 'through any view of the row');
});
