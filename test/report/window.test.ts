import t from 'tap';
import { tempDir } from '../helpers.js';
import { parseTimeArgument, parseWindow, resolveZone } from '../../report/window.js';
import { at, firstUp, HOUR, jsonReport, outage, report, serverRun, writeLog, writeServerLog } from './logFiles.js';

const NOW = at('2026-11-15T12:00:00.000Z');
const CLI = { since: '--since', until: '--until' };
const SINCE = { end: 'since', name: '--since' } as const;
const UNTIL = { end: 'until', name: '--until' } as const;

t.test('a date or time without an offset is read in the chosen zone', async (t) => {
  t.equal(parseTimeArgument(SINCE, '2026-11-01', 'Europe/Berlin', NOW), at('2026-10-31T23:00:00Z'), 'midnight in Berlin is 23:00 UTC in November');
  t.equal(parseTimeArgument(SINCE, '2026-07-01T08:00', 'America/Chicago', NOW), at('2026-07-01T13:00:00Z'), 'CDT is UTC-5');
  t.equal(parseTimeArgument(SINCE, '2026-07-01T08:00Z', 'America/Chicago', NOW), at('2026-07-01T08:00:00Z'), 'an explicit offset wins');
});

t.test('a date-only --until includes that day, month or year', async (t) => {
  t.equal(parseTimeArgument(UNTIL, '2026-10-31', 'UTC', NOW), at('2026-11-01T00:00:00Z'));
  t.equal(parseTimeArgument(UNTIL, '2026-10', 'UTC', NOW), at('2026-11-01T00:00:00Z'));
  // 25 October 2026 is 25 hours long in Berlin: the day after starts at 23:00 UTC.
  t.equal(parseTimeArgument(UNTIL, '2026-10-25', 'Europe/Berlin', NOW), at('2026-10-25T23:00:00Z'));
});

t.test('a span counts back from now', async (t) => {
  t.equal(parseTimeArgument(SINCE, '30d', 'UTC', NOW), NOW - 30 * 24 * HOUR);
  t.equal(parseTimeArgument(SINCE, '1h30m', 'UTC', NOW), NOW - 1.5 * HOUR);
  t.equal(parseTimeArgument(SINCE, 'P2W', 'UTC', NOW), NOW - 14 * 24 * HOUR, 'an ISO 8601 span, weeks included');
});

t.test('bad times, zones and windows are usage errors naming the option', async (t) => {
  t.throws(() => parseTimeArgument(SINCE, 'last tuesday', 'UTC', NOW), { code: 'EUSAGE', message: /--since/ });
  t.throws(() => parseTimeArgument(UNTIL, '2026-13-01', 'UTC', NOW), { code: 'EUSAGE', message: /--until/ });
  t.throws(() => parseTimeArgument(SINCE, '30', 'UTC', NOW), { code: 'EUSAGE' }, 'a bare number is neither a date nor a span');
  t.throws(() => resolveZone('Mars/Olympus', '--tz'), { code: 'EUSAGE', message: /--tz/ });
  t.throws(() => parseWindow({ since: '2026-11-10', until: '2026-11-01' }, CLI, 'UTC', NOW), { code: 'EUSAGE', message: /^--since \(2026-11-10\) must be before --until/ });
  t.throws(() => parseTimeArgument({ end: 'since', name: 'since' }, 'soon', 'UTC', NOW), { code: 'EUSAGE', message: /^since: "soon" is neither/ }, 'the caller names the parameter');
  t.equal(resolveZone('Europe/Berlin', '--tz'), 'Europe/Berlin');
});

t.test('outages are clipped to the window and say so', async (t) => {
  const dir = tempDir();
  const T0 = at('2026-10-01T00:00:00Z');
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  // 22:00 on 31 October to 02:00 on 1 November (UTC), 4 h; and one well inside November.
  writeLog(dir, 'gw', [...firstUp(T0), ...outage(at('2026-10-31T22:00:00Z'), at('2026-11-01T02:00:00Z')), ...outage(at('2026-11-05T10:00:00Z'), at('2026-11-05T10:10:00Z'))]);
  const json = await jsonReport({ logDir: dir, tz: 'UTC', since: '2026-11-01', until: '2026-11-05T10:05Z' }, NOW);
  t.equal(json.window.clipped, true);
  const [first, second] = json.clients[0]!.outages;
  t.equal(first!.start, '2026-11-01T00:00:00.000+00:00');
  t.equal(first!.duration_s, 2 * 3600, 'only the 2 h inside the window');
  t.equal(first!.full_duration_s, 4 * 3600);
  t.ok(first!.clipped_start && !first!.clipped_end);
  t.equal(second!.end, '2026-11-05T10:05:00.000+00:00', 'ends at the window end');
  t.equal(second!.duration_s, 300);
  t.ok(second!.clipped_end && !second!.ongoing, 'it ended after the window, it is not ongoing');
  t.equal(json.clients[0]!.downtime_s, 2 * 3600 + 300);
  const observed = (at('2026-11-05T10:05:00Z') - at('2026-11-01T00:00:00Z')) / 1000;
  t.equal(json.clients[0]!.observed_s, observed);
  const text = await report({ logDir: dir, tz: 'UTC', since: '2026-11-01', until: '2026-11-05T10:05Z' }, NOW);
  t.match(text, /outages are clipped to this window/);
  t.match(text, /began before the window; whole outage 4h 00m 00s/);
});

t.test('across a DST change, times show their own offsets and durations are real elapsed time', async (t) => {
  const dir = tempDir();
  const T0 = at('2026-03-01T00:00:00Z');
  writeServerLog(dir, serverRun(T0, at('2026-11-01T00:00:00Z')));
  writeLog(dir, 'gw', [
    ...firstUp(T0),
    // Spring forward in Berlin (02:00 -> 03:00 on 29 March): 01:30 +01:00 to 03:30 +02:00 is one hour.
    ...outage(at('2026-03-29T00:30:00Z'), at('2026-03-29T01:30:00Z')),
    // Fall back (03:00 -> 02:00 on 25 October): 02:30 +02:00 to 02:30 +01:00 is one hour too.
    ...outage(at('2026-10-25T00:30:00Z'), at('2026-10-25T01:30:00Z')),
  ]);
  const now = at('2026-11-01T00:00:00Z');
  const json = await jsonReport({ logDir: dir, tz: 'Europe/Berlin' }, now);
  const [spring, autumn] = json.clients[0]!.outages;
  t.equal(spring!.start, '2026-03-29T01:30:00.000+01:00');
  t.equal(spring!.end, '2026-03-29T03:30:00.000+02:00');
  t.equal(spring!.duration_s, 3600);
  t.equal(autumn!.start, '2026-10-25T02:30:00.000+02:00');
  t.equal(autumn!.end, '2026-10-25T02:30:00.000+01:00', 'the same wall time, an hour later');
  t.equal(autumn!.duration_s, 3600);
  const text = await report({ logDir: dir, tz: 'Europe/Berlin' }, now);
  t.match(text, /2026-10-25 02:30:00 \+02:00\s+2026-10-25 02:30:00 \+01:00\s+1h 00m 00s/);
});
