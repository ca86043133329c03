import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { parseOriginalLog } from '../../log/originalLog.js';
import { at, firstUp, HOUR, jsonReport, writeLog } from '../report/logFiles.js';

// Entries as the original netmonitor wrote them: Unix seconds as floats.
const ENTRIES = [
  { state: 'up', last_up: 1793606400.25, now: 1793606400.3 },
  { state: 'down', last_up: 1793610000.5, now: 1793610180.6 },
  { state: 'up', last_up: 1793612105.75, now: 1793612105.8 },
  { state: 'down', last_up: 1793620000.0, now: 1793620180.0 },
];
const NOW = 1793630000 * 1000;

t.test('original logs give the outages and durations the original report gave', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, '203.0.113.9.json'), JSON.stringify(ENTRIES));
  const client = (await jsonReport({ logDir: dir, tz: 'UTC' }, NOW)).clients[0]!;
  t.equal(client.client, '203.0.113.9');
  t.same(client.log_formats, ['original']);
  const [first, second] = client.outages;
  // The up entry's last_up minus the preceding down entry's last_up.
  t.equal(first!.duration_s, 1793612105.75 - 1793610000.5);
  t.equal(first!.start, new Date(1793610000500).toISOString().replace('Z', '+00:00'));
  t.equal(first!.uncertainty_s, null, 'the original logs carry no interval, and none is guessed');
  t.equal(first!.cause, 'unknown');
  t.equal(second!.ongoing, true, 'a trailing down is still going on');
  t.equal(second!.duration_s, NOW / 1000 - 1793620000);
});

t.test('a cut-short original file is read as far as it goes, the rest counted', async (t) => {
  const text = JSON.stringify(ENTRIES.slice(0, 3)).slice(0, -20);
  const { entries, corrupt } = parseOriginalLog(text);
  t.equal(entries.length, 2, 'the two whole entries');
  t.equal(corrupt, 1, 'the cut one');
});

t.test('a client with both an original log and a netmonitor log is one client with both histories', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, '203.0.113.9.json'), JSON.stringify(ENTRIES.slice(0, 3)));
  const later = at('2026-11-20T00:00:00Z');
  writeLog(dir, '203.0.113.9', [
    ...firstUp(later, { boot: null, interval: null }),
    { type: 'down', at: new Date(later + 2 * HOUR).toISOString(), id: 'd', last_up: new Date(later + HOUR).toISOString(), down_interval_s: 3600, interval: null, boot: null },
    { type: 'up', at: new Date(later + 3 * HOUR).toISOString(), id: 'u', last_up: new Date(later + HOUR).toISOString(), outage_s: 7200, first: false, boot: null, interval: null, addr: '203.0.113.9' },
  ]);
  const client = (await jsonReport({ logDir: dir, tz: 'UTC' }, later + 4 * HOUR)).clients;
  t.equal(client.length, 1);
  t.same(client[0]!.log_formats, ['original', 'netmonitor']);
  t.same(client[0]!.outages.map((o) => o.duration_s), [1793612105.75 - 1793610000.5, 7200]);
});
