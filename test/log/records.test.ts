import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeLine, encodeLine, FIELDS, iso, LAST_TIME_MS, type LogRecord } from '../../log/records.js';
import { repoRoot } from '../helpers.js';
import { addRecord, finishHistory, newBuilder } from '../../log/history.js';

const record: LogRecord = {
  type: 'down',
  at: '2026-11-25T06:13:21.380Z',
  id: 'down-home-gw-1795587201380',
  last_up: '2026-11-25T06:10:17.380Z',
  down_interval_s: 180,
  interval: 30,
  boot: 7,
  reason: 'probe: Zürich ✓', // non-ASCII survives: the checksum is over the UTF-8 bytes
};

/** The line as a reader sees it: without its newline. */
const line = encodeLine(record).slice(0, -1);

t.test('an encoded record decodes to the same record', async (t) => {
  t.same(decodeLine(line), record);
});

t.test('an encoded record is one line ending in a newline, checksum first', async (t) => {
  const encoded = encodeLine(record);
  t.match(encoded, /^[0-9a-f]{8} \{[^\n]*\}\n$/);
});

t.test('a line written with CRLF endings still decodes', async (t) => {
  t.same(decodeLine(line + '\r'), record);
});

t.test('a line torn at any position never decodes to a record', async (t) => {
  const torn: number[] = [];
  for (let cut = 0; cut < line.length; cut++) if (decodeLine(line.slice(0, cut)) !== null) torn.push(cut);
  t.same(torn, [], 'cut positions that decoded');
});

t.test('changing any one character of a line is detected', async (t) => {
  const undetected: number[] = [];
  for (let i = 0; i < line.length; i++) {
    const flipped = line.slice(0, i) + String.fromCharCode(line.charCodeAt(i) ^ 0x01) + line.slice(i + 1);
    if (decodeLine(flipped) !== null) undetected.push(i);
  }
  t.same(undetected, [], 'positions whose change went unnoticed');
});

t.test('a line with a valid checksum but no type or at is not a record', async (t) => {
  for (const value of [{ type: 'up' }, { at: 'x' }, [1, 2], 'text', null, { type: 1, at: 'x' }]) {
    const text = encodeLine(value as unknown as LogRecord).slice(0, -1);
    t.equal(decodeLine(text), null, JSON.stringify(value));
  }
});

t.test('a checksum in upper case is refused (the format says lowercase)', async (t) => {
  t.equal(decodeLine(line.slice(0, 8).toUpperCase() + line.slice(8)), null);
});

t.test('a line whose checksum matches text that is not JSON is refused, not thrown', async (t) => {
  const { crc32 } = await import('node:zlib');
  const text = '{"type":"up","at":';
  t.equal(decodeLine(`${crc32(text).toString(16).padStart(8, '0')} ${text}`), null);
});

const AT = '2026-11-25T06:13:21.380Z';
/** One record of every member of the union, as the server writes it. */
const EVERY_TYPE: LogRecord[] = [
  { type: 'up', at: AT, id: 'up-gw-1', last_up: null, outage_s: null, first: true, boot: 1, interval: 30, addr: '192.0.2.1' },
  record,
  { type: 'boot', at: AT, boot: null, uptime: null, interval: null, addr: '192.0.2.1' },
  { type: 'addr', at: AT, addr: '198.51.100.9', previous: '192.0.2.1' },
  { type: 'ack', at: AT, down: 'down-gw-2', by: 'api' },
  { type: 'reminder', at: AT, id: 'down-gw-2~r1', down: 'down-gw-2', n: 1, last_up: '2026-11-25T06:10:17.380Z', channels: ['email', 'phone'] },
  { type: 'delivered', at: AT, ref: 'down-gw-2', channel: 'email', via: 'summary' },
  { type: 'undeliverable', at: AT, ref: 'down-gw-2', channel: 'email', error: '550 no such user' },
  { type: 'withheld', at: AT, ref: 'down-gw-3', channel: 'phone', why: 'maintenance' },
  { type: 'maintenance', at: AT, id: 'm-0123456789ab', from: AT, until: '2026-11-25T07:13:21.380Z', clients: ['gw'], reason: 'new modem' },
  { type: 'rtt', at: AT, from: '2026-11-25T06:08:21.380Z', count: 10, lost: 1, min_ms: 1.5, avg_ms: 2, max_ms: 4 },
  { type: 'quality', at: AT, from: '2026-11-25T05:00:00.000Z', expected: 120, heard: 117, lost: 3, jitter_ms: 12.5, jitter_max_ms: 80.2 },
  { type: 'healing', at: AT, phase: 'attempt', down: 'down-gw-2', attempt: 1, of: 3 },
  { type: 'healing', at: AT, phase: 'step', down: 'down-gw-2', attempt: 1, step: 0, kind: 'local', what: 'local restart-modem', ok: false, code: 'exit', status: 3, output: 'relay stuck', error: 'exit status 3' },
  { type: 'healing', at: AT, phase: 'attempt-end', down: 'down-gw-2', attempt: 1 },
  { type: 'healing', at: AT, phase: 'gave-up', down: 'down-gw-2', attempts: 3 },
  { type: 'healing', at: AT, phase: 'reset', down: null, attempts: 2 },
  { type: 'librenms', at: AT, phase: 'unsupervised', device_id: 12, hostname: 'gw.lan', ip: '127.0.0.254', original_ip: '192.0.2.1' },
  { type: 'librenms', at: AT, phase: 'poll', device_id: 12, hostname: 'gw.lan', ok: true, code: 'ok', status: 0, output: '' },
  { type: 'librenms', at: AT, phase: 'still-down', device_id: 12, hostname: 'gw.lan', port_id: 5, if_oper_status: 'down', next_check_s: 2400 },
  { type: 'librenms', at: AT, phase: 'recovered', device_id: 12, hostname: 'gw.lan', port_id: 5, if_oper_status: 'up', restored_ip: '192.0.2.1' },
  { type: 'librenms', at: AT, phase: 'api-error', device_id: 12, hostname: 'gw.lan', error: 'HTTP 502', retry_s: 10 },
  { type: 'start', at: AT, pid: 4242, version: '1.0.0' },
  { type: 'alive', at: AT },
  { type: 'stop', at: AT },
];
const nameOf = (r: LogRecord): string => ('phase' in r ? `${r.type}/${r.phase}` : r.type);
const lineOf = (value: object): string => encodeLine(value as LogRecord).slice(0, -1);

t.test('a record of every type in the union reads back exactly as it was written', async (t) => {
  t.same(EVERY_TYPE.map(nameOf).sort(), Object.keys(FIELDS).sort(), 'the examples cover the union');
  for (const written of EVERY_TYPE) t.same(decodeLine(lineOf(written)), written, nameOf(written));
});

t.test('a field left out when it does not apply stays left out', async (t) => {
  const { reason: _reason, ...down } = record;
  t.same(decodeLine(lineOf(down)), down);
});

t.test('a field of the wrong type reads as null, and the rest of the record as written', async (t) => {
  const up = { ...EVERY_TYPE[0]!, addr: 42, boot: '7' };
  t.same(decodeLine(lineOf(up)), { ...up, addr: null, boot: null });
});

t.test('a field a record lacks (a log from before the field existed) reads as null', async (t) => {
  const down = { type: 'down', at: AT, id: 'down-gw-1', last_up: '2026-11-25T06:10:17.380Z', down_interval_s: 180 };
  t.same(decodeLine(lineOf(down)), { ...down, interval: null, boot: null });
});

t.test('a record of a type no reader knows is kept as unknown, with its time and its type name', async (t) => {
  t.same(decodeLine(lineOf({ type: 'rainbow', at: AT, colour: 'red' })), { type: 'unknown', at: AT, name: 'rainbow' });
});

t.test('a healing or librenms record of a phase no reader knows is unknown too', async (t) => {
  t.same(decodeLine(lineOf({ type: 'healing', at: AT, phase: 'dance', down: 'd' })), { type: 'unknown', at: AT, name: 'healing' });
  t.same(decodeLine(lineOf({ type: 'librenms', at: AT, device_id: 12 })), { type: 'unknown', at: AT, name: 'librenms' });
});

/** The history of these records as written to a log, read back line by line. */
function historyOf(values: object[]): ReturnType<typeof finishHistory> {
  const builder = newBuilder('gw');
  for (const value of values) addRecord(builder, decodeLine(lineOf(value))!);
  return finishHistory(builder);
}

t.test('an unknown record counts as a record and its time as one the client was logged, and changes nothing else', async (t) => {
  const history = historyOf([{ type: 'rainbow', at: '2026-11-25T05:00:00.000Z', addr: '203.0.113.7' }, EVERY_TYPE[0]!]);
  t.equal(history.records, 2);
  t.equal(history.firstSeen, Date.parse('2026-11-25T05:00:00.000Z'));
  t.same([history.firstAddress, history.outages.length, history.actions.listed.length], ['192.0.2.1', 0, 0]);
});

t.test('an up whose addr is unreadable still ends its outage', async (t) => {
  const up = { type: 'up', at: AT, id: 'up-gw-3', last_up: '2026-11-25T06:10:17.380Z', outage_s: 184, first: false, boot: 7, interval: 30, addr: ['192.0.2.1'] };
  const history = historyOf([record, up]);
  t.same(history.outages.map((o) => [o.start, o.end]), [[Date.parse(record.last_up!), Date.parse(AT)]]);
  t.equal(history.lastAddress, null);
});

t.test('docs/log-format.md lists every record type of the union with each of its fields', async (t) => {
  const page = readFileSync(join(repoRoot, 'docs', 'log-format.md'), 'utf8');
  for (const [name, fields] of Object.entries(FIELDS)) {
    const [type, phase] = name.split('/');
    const row = page.split('\n').find((line) => line.startsWith(phase === undefined ? `| \`${type}\` |` : `| \`${type}\` \`${phase}\` |`));
    if (row === undefined) {
      t.fail(`no table row for ${name}`);
      continue;
    }
    t.same(Object.keys(fields).filter((field) => !row.includes(`\`${field}\``)), [], `${name}: fields missing from its row`);
  }
});

t.test('iso() writes every time exactly as toISOString does', async (t) => {
  const times = [0, 1, 999, 1000, 86_399_999, 86_400_000, Date.UTC(2026, 2, 29, 0, 59, 59, 7), Date.UTC(2024, 1, 29, 23, 59, 59, 999), LAST_TIME_MS, -1, LAST_TIME_MS + 1, 1.5];
  let seed = 7;
  for (let n = 0; n < 2000; n++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    times.push(Math.floor((seed / 2 ** 31) * 4_102_444_800_000));
  }
  const wrong = times.filter((ms) => iso(ms) !== new Date(ms).toISOString());
  t.same(wrong, [], `${times.length} times, from 1970 to 2100 and at the edges`);
  t.throws(() => iso(Number.NaN), RangeError, 'an invalid time still throws');
});
