import t from 'tap';
import { thrown } from '../helpers.js';
import { formatDuration, parseDuration } from '../../shared/duration.js';
import { ConfigError } from '../../shared/errors.js';

t.test('every documented way of writing three minutes parses to 180000 ms', async (t) => {
  for (const written of [{ minutes: 3 }, 180, '180', '3m', 'PT3M', { seconds: 180 }, '2m60s']) {
    t.equal(parseDuration(written, 'down_interval'), 180_000, JSON.stringify(written));
  }
});

t.test('compound, fractional and ISO forms add up', async (t) => {
  t.equal(parseDuration('1h30m', 'k'), 5_400_000);
  t.equal(parseDuration('90s', 'k'), 90_000);
  t.equal(parseDuration('2.5m', 'k'), 150_000);
  t.equal(parseDuration('500ms', 'k'), 500);
  t.equal(parseDuration('P1DT2H', 'k'), 93_600_000);
  t.equal(parseDuration('p1dt2h', 'k'), 93_600_000, 'ISO forms in any case');
  t.equal(parseDuration('P2W', 'k'), 14 * 86_400_000, 'ISO weeks, as the report\'s spans take them');
  t.equal(parseDuration('PT1.5S', 'k'), 1500);
  t.equal(parseDuration('PT0.5H', 'k'), 1_800_000);
  t.equal(parseDuration({ hours: 1, minutes: 30 }, 'k'), 5_400_000);
});


t.test('a zero, negative or unreadable duration is refused with the key it was given under', async (t) => {
  for (const bad of [0, -5, '0s', '-3m', '3x', 'm', '', 'P', 'PT', [], null, true, {}, { minutes: 0 }, { minutes: -1 }, Number.NaN, Number.POSITIVE_INFINITY]) {
    const error = thrown(() => parseDuration(bad, 'down_interval'));
    t.type(error, ConfigError, JSON.stringify(bad));
    t.match(error, { code: 'ECONFIG', key: 'down_interval' }, JSON.stringify(bad));
  }
});

t.test('ISO durations without a fixed length, with a sign or with a dangling T are refused as not a duration', async (t) => {
  for (const bad of ['P1Y', 'P1M', 'P1YT1H', '-PT3M', 'PT-3M', 'P1DT', 'PT3M5']) {
    t.match(thrown(() => parseDuration(bad, 'down_interval')), { code: 'ECONFIG', key: 'down_interval', message: /is not a duration; use .*"PT3M"/ }, bad);
  }
});

t.test('an unknown or non-numeric unit in an object names the unit in the key', async (t) => {
  t.match(thrown(() => parseDuration({ mins: 3 }, 'down_interval')), { code: 'ECONFIG', key: 'down_interval.mins' });
  t.match(thrown(() => parseDuration({ minutes: '3' }, 'clients.gw.down_interval')), { code: 'ECONFIG', key: 'clients.gw.down_interval.minutes' });
});

t.test('formatDuration pads minutes and seconds once a larger unit is shown', async (t) => {
  t.equal(formatDuration(7_325_000), '2h 02m 05s');
  t.equal(formatDuration(206_000), '3m 26s');
  t.equal(formatDuration(45_000), '45s');
  t.equal(formatDuration(3 * 86_400_000 + 4 * 3_600_000), '3d 04h 00m 00s');
  t.equal(formatDuration(0), '0s');
});

t.test('formatDuration rounds to whole seconds, carrying into the next unit', async (t) => {
  t.equal(formatDuration(59_500), '1m 00s');
  t.equal(formatDuration(1_499), '1s');
});

t.test('formatDuration shows years of outage in days', async (t) => {
  t.equal(formatDuration(10 * 365 * 86_400_000 + 1000), '3650d 00h 00m 01s');
});

t.test('a duration that rounds to zero milliseconds is refused like zero', async (t) => {
  for (const tiny of [0.0001, '0.4ms', { microseconds: 1 }]) {
    t.match(thrown(() => parseDuration(tiny, 'down_interval')), { code: 'ECONFIG', key: 'down_interval' }, JSON.stringify(tiny));
  }
});
