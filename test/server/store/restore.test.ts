import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeLine, type LogRecord, type RecordOf } from '../../../log/records.js';
import { readClientLog } from '../../../server/store/restore.js';
import { downAlert } from '../../../server/alerts/alertText.js';
import type { DownEvent } from '../../../server/core/events.js';
import { tempDir } from '../../helpers.js';

const T = Date.parse('2026-11-25T06:00:00.000Z');
const at = (s: number): string => new Date(T + s * 1000).toISOString();

const firstUp: LogRecord = { type: 'up', at: at(0), id: 'up-gw-1', last_up: null, outage_s: null, first: true, boot: 7, interval: 30, addr: '192.0.2.1' };
const boot: LogRecord = { type: 'boot', at: at(0), boot: 7, uptime: 5, interval: 30, addr: '192.0.2.1' };
const down: LogRecord = { type: 'down', at: at(600), id: 'down-gw-2', last_up: at(420), down_interval_s: 180, interval: 30, boot: 7 };
const up: LogRecord = { type: 'up', at: at(900), id: 'up-gw-3', last_up: at(420), outage_s: 480, first: false, boot: 7, interval: 30, addr: '198.51.100.9' };
const delivered = (ref: string): LogRecord => ({ type: 'delivered', at: at(1000), ref, channel: 'email' });

function logOf(records: LogRecord[], extra = ''): string {
  const path = join(tempDir(), 'gw.nmlog');
  writeFileSync(path, records.map(encodeLine).join('') + extra);
  return path;
}

t.test('a client whose last transition was down is restored down, with the last heartbeat before the outage', async (t) => {
  const state = await readClientLog('gw', logOf([firstUp, boot, down]), { records: 0, corrupt: 0 });
  t.match(state, { status: 'down', lastUpBeforeOutage: T + 420_000, boot: 7, addr: '192.0.2.1', sensorInterval: 30 });
});

t.test('a down alerted on some channel carries its outage over for reminders; one recorded for no channel does not', async (t) => {
  t.match((await readClientLog('gw', logOf([firstUp, { ...down, channels: ['phone'] } as LogRecord]), { records: 0, corrupt: 0 })).outage, { down: 'down-gw-2', downAt: T + 600_000, sent: 0 });
  const logged = await readClientLog('gw', logOf([firstUp, { ...down, channels: [] } as LogRecord]), { records: 0, corrupt: 0 });
  t.equal(logged.status, 'down', 'still down');
  t.equal(logged.outage, null, 'but no reminder is owed for an outage no one was told of');
});

t.test('a client whose last transition was up is restored up, at its latest address', async (t) => {
  const state = await readClientLog('gw', logOf([firstUp, boot, down, up]), { records: 0, corrupt: 0 });
  t.match(state, { status: 'up', lastHeard: T + 900_000, lastUpBeforeOutage: null, addr: '198.51.100.9' });
});

t.test('transitions with no delivered record are undelivered, oldest first; a first up never is', async (t) => {
  const state = await readClientLog('gw', logOf([firstUp, boot, down, up]), { records: 0, corrupt: 0 });
  t.same(state.undelivered.map((e) => ('transitionId' in e ? e.transitionId : e.type)), ['down-gw-2', 'up-gw-3']);
  t.match(state.undelivered[1], { type: 'up', client: 'gw', at: T + 900_000, lastUp: T + 420_000, outageMs: 480_000 });
});

t.test('a delivered record settles its transition', async (t) => {
  const state = await readClientLog('gw', logOf([firstUp, down, delivered('down-gw-2'), up]), { records: 0, corrupt: 0 });
  t.same(state.undelivered.map((e) => ('transitionId' in e ? e.transitionId : e.type)), ['up-gw-3']);
});

t.test('a torn last line is counted and the records before it are restored', async (t) => {
  const counts = { records: 0, corrupt: 0 };
  const state = await readClientLog('gw', logOf([firstUp, down], encodeLine(up).slice(0, 40)), counts);
  t.equal(state.status, 'down');
  t.same(counts, { records: 2, corrupt: 1 });
});

t.test('a record with a valid checksum but values out of bounds restores as unknown values, and the alert shows no garbage', async (t) => {
  const absurd: LogRecord = { type: 'down', at: at(600), id: 'down-gw-9', last_up: '+275760-09-13T00:00:00.000Z', down_interval_s: 1e308, interval: 1e9, boot: 1e300 };
  const state = await readClientLog('gw', logOf([firstUp, absurd]), { records: 0, corrupt: 0 });
  t.match(state.undelivered, [{ type: 'down', downIntervalMs: 0, lastUp: null }]);
  const text = downAlert(state.undelivered[0] as DownEvent, 'UTC');
  t.notMatch(text.body, /Infinity|NaN|275760/);
  const bigUp: LogRecord = { ...up, id: 'up-gw-9', outage_s: 1e308 };
  const after = await readClientLog('gw', logOf([firstUp, down, bigUp]), { records: 0, corrupt: 0 });
  t.match(after.undelivered.at(-1), { type: 'up', outageMs: null });
});

t.test('per channel: a transition is owed to the channels its record names until each has an outcome', async (t) => {
  const routed = { ...down, channels: ['email', 'phone', 'chat'] };
  const records: LogRecord[] = [
    firstUp, routed,
    { type: 'delivered', at: at(601), ref: 'down-gw-2', channel: 'phone' },
    { type: 'undeliverable', at: at(602), ref: 'down-gw-2', channel: 'chat', error: 'HTTP 404: Unknown Webhook' },
    { ...up, channels: ['phone'] },
    { type: 'delivered', at: at(901), ref: 'up-gw-3', channel: 'phone' },
  ];
  const state = await readClientLog('gw', logOf(records), { records: 0, corrupt: 0 });
  t.same(state.undelivered.map((e) => ('transitionId' in e ? e.transitionId : e.type)), ['down-gw-2']);
  t.same([...state.pendingChannels], [['down-gw-2', ['email']]]);
});

t.test('an old log without channel fields means e-mail: a record without `channel` settles e-mail', async (t) => {
  const { channel: _, ...legacyDelivered } = delivered('down-gw-2') as RecordOf<'delivered'>;
  const state = await readClientLog('gw', logOf([firstUp, down, legacyDelivered as LogRecord, up]), { records: 0, corrupt: 0 });
  t.same([...state.pendingChannels], [['up-gw-3', ['email']]]);
});

t.test('a transition routed to no channel is owed nothing', async (t) => {
  const state = await readClientLog('gw', logOf([firstUp, { ...down, channels: [] }]), { records: 0, corrupt: 0 });
  t.same(state.undelivered, []);
});
