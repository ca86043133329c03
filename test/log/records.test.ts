import t from 'tap';
import { decodeLine, encodeLine, type LogRecord } from '../../log/records.js';

const record: LogRecord = {
  type: 'down',
  at: '2026-11-25T06:13:21.380Z',
  id: 'down-home-gw-1795587201380',
  last_up: '2026-11-25T06:10:17.380Z',
  down_interval_s: 180,
  interval: 30,
  boot: 7,
  note: 'Zürich ✓', // non-ASCII survives: the checksum is over the UTF-8 bytes
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
