/**
 * Quiet hours and their digest as pure code on an injected wall clock.
 */
import t from 'tap';
import { DateTime } from 'luxon';
import { digestText } from '../../../../server/alerts/quiet/digest.js';
import { parseQuietHours, quietUntil } from '../../../../server/alerts/quiet/hours.js';
import type { DownEvent, UpEvent } from '../../../../server/core/events.js';
import { thrown } from '../../../helpers.js';

const berlin = (text: string): number => DateTime.fromISO(text, { zone: 'Europe/Berlin' }).toMillis();
const night = parseQuietHours({ from: '22:00', to: '07:00', timezone: 'Europe/Berlin' }, 'channels.phone.quiet_hours', 'UTC');

t.test('a window over midnight is quiet from its start to its end the next morning, in its own time zone', async (t) => {
  t.equal(quietUntil(berlin('2026-12-01T21:59:59'), night), null);
  t.equal(quietUntil(berlin('2026-12-01T22:00:00'), night), berlin('2026-12-02T07:00:00'));
  t.equal(quietUntil(berlin('2026-12-02T03:30:00'), night), berlin('2026-12-02T07:00:00'));
  t.equal(quietUntil(berlin('2026-12-02T07:00:00'), night), null, 'the end is no longer quiet');
});

t.test('the window follows daylight saving time: it ends at 07:00 local on the morning the clocks change', async (t) => {
  t.equal(quietUntil(berlin('2026-03-28T23:00:00'), night), berlin('2026-03-29T07:00:00'));
  t.equal(new Date(berlin('2026-03-29T07:00:00')).toISOString(), '2026-03-29T05:00:00.000Z', 'summer time: UTC+2');
});

t.test('a window within one day, with seconds', async (t) => {
  const lunch = parseQuietHours({ from: '12:00:30', to: '13:00' }, 'q', 'UTC');
  t.equal(lunch.timezone, 'UTC', 'the default zone');
  t.equal(quietUntil(Date.parse('2026-12-02T12:00:29Z'), lunch), null);
  t.equal(quietUntil(Date.parse('2026-12-02T12:00:30Z'), lunch), Date.parse('2026-12-02T13:00:00Z'));
});

t.test('bad quiet hours name the key', async (t) => {
  t.match(thrown(() => parseQuietHours({ from: '25:00', to: '07:00' }, 'channels.phone.quiet_hours', 'UTC')), { code: 'ECONFIG', message: /channels\.phone\.quiet_hours\.from/ });
  t.match(thrown(() => parseQuietHours({ from: '22:00', to: '22:00' }, 'channels.phone.quiet_hours', 'UTC')), { code: 'ECONFIG', message: /quiet_hours\.to/ });
  t.match(thrown(() => parseQuietHours({ from: '22:00', to: '07:00', timezone: 'Mars/Olympus' }, 'channels.phone.quiet_hours', 'UTC')), { code: 'ECONFIG', message: /quiet_hours\.timezone/ });
  t.match(thrown(() => parseQuietHours({ from: '22:00', to: '07:00', tz: 'UTC' }, 'channels.phone.quiet_hours', 'UTC')), { code: 'ECONFIG', message: /quiet_hours\.tz/ });
});

t.test('the digest gives one line per outage with its times, length and reason, and says what is still down', async (t) => {
  const at = (hhmm: string): number => berlin(`2026-12-02T${hhmm}:00`);
  const down = (client: string, time: string, reason?: string): DownEvent => ({ type: 'down', client, at: at(time), lastUp: at(time) - 60_000, downIntervalMs: 60_000, transitionId: `d-${client}-${time}`, ...(reason === undefined ? {} : { reason }) });
  const up = (client: string, time: string, outageMs: number): UpEvent => ({ type: 'up', client, at: at(time), lastUp: at(time) - outageMs, outageMs, transitionId: `u-${client}-${time}` });
  const text = digestText([down('home-gw', '02:13', 'power'), down('cabin', '03:00'), up('home-gw', '02:41', 28 * 60_000), up('shop', '04:00', 7200_000)], 'Europe/Berlin');
  t.equal(text.subject, 'QUIET HOURS OVER: 3 changes, 1 down');
  t.equal(text.body, [
    'home-gw down 02:13\u201302:41 (28m 00s, power)',
    'cabin down since 03:00, still down',
    'shop up again at 04:00 after 2h 00m 00s',
    'Still down: cabin.',
  ].join('\n'));
});

t.test('a digest of a large fleet names the first outages and counts the rest, so it fits a provider', async (t) => {
  const downs: DownEvent[] = Array.from({ length: 100 }, (_, i) => ({ type: 'down', client: `shop-${i}`, at: i * 1000, lastUp: 0, downIntervalMs: 60_000, transitionId: `d${i}` }));
  const text = digestText(downs, 'UTC');
  t.equal(text.subject, 'QUIET HOURS OVER: 100 changes, 100 down');
  const lines = text.body.split('\n');
  t.equal(lines.length, 32);
  t.equal(lines[30], '… and 70 more');
  t.match(lines[31], /^Still down: shop-0, .*shop-29 \(\+70 more\)\.$/);
  t.ok(text.body.length < 4096);
});
