import t from 'tap';
import { tempDir } from '../helpers.js';
import type { RecordOf } from '../../log/records.js';
import { csvField, CSV_COLUMNS } from '../../report/csvFormat.js';
import { dayRows } from '../../report/timeline.js';
import { clientReport } from '../../log/outages.js';
import { addRecord, finishHistory, newBuilder } from '../../log/history.js';
import { at, firstUp, HOUR, iso, MINUTE, outage, report, serverRun, writeLog, writeServerLog } from './logFiles.js';

const T0 = at('2026-11-02T08:00:00.000Z');
const NOW = at('2026-11-04T08:00:00.000Z');

function logSet(): string {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  writeLog(dir, 'gw', [
    ...firstUp(T0),
    ...outage(T0 + HOUR, T0 + HOUR + 2 * HOUR + 2 * MINUTE + 5000),
    { type: 'addr', at: iso(T0 + 4 * HOUR), addr: '<script>alert(1)</script>', previous: '198.51.100.7' },
  ]);
  writeLog(dir, '<b>odd&name', firstUp(T0));
  return dir;
}

t.test('the text report has a summary and a table with durations written 2h 02m 05s', async (t) => {
  const text = await report({ logDir: logSet(), tz: 'UTC', clients: ['gw'] }, NOW);
  t.match(text, /1 outage, 2h 02m 05s down/);
  t.match(text, /2026-11-02 09:00:00 \+00:00\s+2026-11-02 11:02:05 \+00:00\s+2h 02m 05s\s+±1m 00s\s+network/);
  t.match(text, /1 change:/);
});

t.test('the csv report has a header and one row per outage, times with their offset', async (t) => {
  const csv = await report({ logDir: logSet(), tz: 'America/New_York', format: 'csv' }, NOW);
  const rows = csv.trimEnd().split('\r\n');
  t.equal(rows[0], CSV_COLUMNS.join(','));
  t.equal(rows.length, 2, 'the odd client has no outages, so no rows');
  const cells = rows[1]!.split(',');
  t.equal(cells[0], 'gw');
  t.equal(cells[1], '2026-11-02T04:00:00.000-05:00', 'EST after the November change');
  t.equal(cells[3], '7325');
  t.equal(cells[6], 'network');
});

t.test('csv fields are quoted and defused as a spreadsheet needs', async (t) => {
  t.equal(csvField('a,b'), '"a,b"');
  t.equal(csvField('say "hi"'), '"say ""hi"""');
  t.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  t.equal(csvField(null), '');
  t.equal(csvField(12.5), '12.5');
});

t.test('the html report is one self-contained file with everything from the logs escaped', async (t) => {
  const html = await report({ logDir: logSet(), tz: 'UTC', format: 'html' }, NOW);
  t.match(html, /^<!DOCTYPE html>/);
  t.notMatch(html, /<script/i, 'no script, neither ours nor one smuggled in a log');
  t.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.match(html, /&lt;b&gt;odd&amp;name/);
  t.notMatch(html, /<b>odd/);
  t.notMatch(html, /\b(?:src|href)\s*=/i, 'nothing to fetch');
  t.notMatch(html, /url\(/i, 'no stylesheet fetches');
  t.match(html, /<svg[^>]*class="timeline"/);
  t.match(html, /<rect[^>]*fill="#d62728"><title>2026-11-02 09:00:00 \+00:00, 2h 02m 05s, network<\/title>/, 'the outage is drawn');
});

t.test('a timeline day is as long as the day really is in the zone', async (t) => {
  const builder = newBuilder('gw');
  const start = at('2026-10-24T12:00:00Z');
  for (const record of [...firstUp(start), ...outage(at('2026-10-25T00:30:00Z'), at('2026-10-25T01:30:00Z'))]) addRecord(builder, record);
  const client = clientReport(finishHistory(builder), [], { since: null, until: null }, at('2026-10-26T12:00:00Z'));
  const { rows } = dayRows(client, 'Europe/Berlin', at('2026-10-26T12:00:00Z'));
  const day = rows.find((row) => row.label === 'Sun 2026-10-25')!;
  t.equal(day.dayEnd - day.dayStart, 25 * HOUR, 'the day the clocks go back has 25 hours');
  t.equal(day.segments.length, 1);
  t.equal(day.segments[0]!.start - day.dayStart, 2.5 * HOUR, '02:30 summer time is 2.5 h after midnight');
  t.equal(rows.length, 3, 'the 24th, 25th and 26th');
});

t.test('an outage over midnight is drawn on both days', async (t) => {
  const builder = newBuilder('gw');
  for (const record of [...firstUp(at('2026-11-01T00:00:00Z')), ...outage(at('2026-11-01T23:00:00Z'), at('2026-11-02T01:00:00Z'))]) addRecord(builder, record);
  const client = clientReport(finishHistory(builder), [], { since: null, until: null }, at('2026-11-03T00:00:00Z'));
  const { rows } = dayRows(client, 'UTC', at('2026-11-03T00:00:00Z'));
  t.same(rows.map((row) => row.segments.map((s) => (s.end - s.start) / HOUR)), [[1], [1]]);
});

t.test('an outage that began with an explicit failure shows its reason in every format', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  const [down, ...rest] = outage(T0 + HOUR, T0 + 2 * HOUR);
  writeLog(dir, 'cron-job', [...firstUp(T0), { ...(down as RecordOf<'down'>), reason: 'failure reported over HTTP: rsync: exit 23' }, ...rest]);
  const text = await report({ logDir: dir, tz: 'UTC' }, NOW);
  t.match(text, /failure reported over HTTP: rsync: exit 23/);
  const html = await report({ logDir: dir, tz: 'UTC', format: 'html' }, NOW);
  t.match(html, /<td>failure reported over HTTP: rsync: exit 23<\/td>/);
  const csv = (await report({ logDir: dir, tz: 'UTC', format: 'csv' }, NOW)).trimEnd().split('\r\n');
  t.equal(csv[1]!.split(',')[CSV_COLUMNS.indexOf('failure')], 'failure reported over HTTP: rsync: exit 23');
  const json = JSON.parse(await report({ logDir: dir, tz: 'UTC', format: 'json' }, NOW)) as { clients: { outages: { failure: string | null }[] }[] };
  t.equal(json.clients[0]!.outages[0]!.failure, 'failure reported over HTTP: rsync: exit 23');
});

t.test('an outage of silence has no failure reason', async (t) => {
  const json = JSON.parse(await report({ logDir: logSet(), tz: 'UTC', format: 'json', clients: ['gw'] }, NOW)) as { clients: { outages: { failure: string | null }[] }[] };
  t.equal(json.clients[0]!.outages[0]!.failure, null);
});

t.test('a timeline day draws only its watched part as up: before the first record and after now are unknown', async (t) => {
  const dir = tempDir();
  const first = at('2026-11-03T10:00:00.000Z');
  const now = at('2026-11-03T16:00:00.000Z');
  writeServerLog(dir, serverRun(first - HOUR, now));
  writeLog(dir, 'gw', firstUp(first));
  const html = await report({ logDir: dir, tz: 'UTC', format: 'html' }, now);
  const svg = /<svg[^>]*class="timeline"[\s\S]*?<\/svg>/.exec(html)![0];
  const width = Number(/width="([\d.]+)"/.exec(svg)![1]);
  t.match(svg, /<rect x="120" y="\d+" width="720" height="\d+" class="unknown"\/>/, 'the whole day, unknown');
  t.match(svg, /<rect x="420" y="\d+" width="180" height="\d+" class="dayrow"\/>/, 'up only from 10:00 to 16:00');
  const label24 = /<text x="([\d.]+)"[^>]*text-anchor="middle"[^>]*>24:00<\/text>/.exec(svg);
  t.ok(label24 !== null && Number(label24[1]) + 15 <= width, `the 24:00 label fits in the picture (${width} wide)`);
});
