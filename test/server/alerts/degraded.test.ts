import t from 'tap';
import { degradedStep, DegradedStretches, qualityEvent } from '../../../server/alerts/degraded.js';
import { qualityAlert, SMS_LIMIT } from '../../../server/alerts/alertText.js';
import { digestText } from '../../../server/alerts/quiet/digest.js';
import { pushMessage } from '../../../server/alerts/channels/text.js';
import type { RecordOf } from '../../../log/records.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-25T09:00:00.000Z');
const period = (hour: number, lost: number, expected = 120): RecordOf<'quality'> => ({
  type: 'quality', at: new Date(T0 + (hour + 1) * HOUR).toISOString(), from: new Date(T0 + hour * HOUR).toISOString(), expected, heard: expected - lost, lost, jitter_ms: null, jitter_max_ms: null,
});

t.test('a period over the threshold starts a stretch with one alert; one at or under it ends the stretch with a recovery', async (t) => {
  t.same(degradedStep(false, { expected: 120, lost: 3 }, 2), { inStretch: true, alert: 'degraded' }, '2.5 % > 2 %');
  t.same(degradedStep(true, { expected: 120, lost: 6 }, 2), { inStretch: true, alert: null }, 'still degraded: nothing more');
  t.same(degradedStep(true, { expected: 100, lost: 2 }, 2), { inStretch: false, alert: 'recovered' }, 'exactly 2 % is not degraded');
  t.same(degradedStep(false, { expected: 100, lost: 2 }, 2), { inStretch: false, alert: null });
  t.same(degradedStep(true, { expected: 0, lost: 0 }, 2), { inStretch: true, alert: null }, 'nothing expected: no news either way');
});

t.test('a client degraded for five hours gets one alert, then one recovery note, per stretch', async (t) => {
  const stretches = new DegradedStretches(2);
  const losses = [0, 5, 9, 4, 6, 3, 0, 0, 12, 0];
  const alerts = losses.map((lost, hour) => stretches.closed('gw', period(hour, lost)));
  t.same(alerts, [null, 'degraded', null, null, null, null, 'recovered', null, 'degraded', 'recovered']);
  t.equal(stretches.closed('other', period(0, 0)), null, 'clients are apart');
});

t.test('after a restart a stretch goes on from the last logged period: no second alert for it', async (t) => {
  const stretches = new DegradedStretches(2);
  stretches.resume('gw', { expected: 120, lost: 10 });
  stretches.resume('fine', { expected: 120, lost: 0 });
  t.ok(stretches.has('gw'));
  t.notOk(stretches.has('fine'));
  t.equal(stretches.closed('gw', period(0, 10)), null);
  t.equal(stretches.closed('gw', period(1, 0)), 'recovered');
  t.equal(stretches.closed('fine', period(0, 10)), 'degraded');
});

t.test('a quality alert says how much was lost, when, against which threshold, within one SMS', async (t) => {
  const degraded = qualityAlert(qualityEvent('home-gw', period(0, 5), 'degraded', 2), 'UTC');
  t.equal(degraded.subject, 'DEGRADED: home-gw lost 4.17 % of heartbeats');
  t.equal(degraded.body, 'home-gw is up but DEGRADED: lost 4.17 % of its heartbeats (5 of 120) 09:00-10:00 UTC, over the 2 % threshold.');
  const recovered = qualityAlert(qualityEvent('home-gw', period(3, 0), 'recovered', 2), 'UTC');
  t.equal(recovered.subject, 'QUALITY OK: home-gw');
  t.equal(recovered.body, 'home-gw heartbeats back under the 2 % threshold: lost 0.00 % (0 of 120) 12:00-13:00 UTC.');
  const long = qualityAlert(qualityEvent('g'.repeat(200), period(0, 5), 'degraded', 2), 'America/Argentina/Buenos_Aires');
  t.ok(long.body.length <= SMS_LIMIT);
  t.match(long.body, /over the 2 % threshold\.$/, 'the name gives way, not the facts');
});

t.test('a quality alert has a stable id from its period, and reads on push channels and in a digest', async (t) => {
  const event = qualityEvent('home-gw', period(0, 5), 'degraded', 2);
  t.equal(event.transitionId, `quality-home-gw-${T0 + HOUR}`);
  t.equal(event.from, T0);
  const push = pushMessage('x', { kind: 'alert', event }, qualityAlert(event, 'UTC'));
  t.match(push, { kind: 'quality', client: 'home-gw', priority: 'default', title: 'DEGRADED: home-gw lost 4.17 % of heartbeats' });
  const back = pushMessage('y', { kind: 'alert', event: qualityEvent('home-gw', period(1, 0), 'recovered', 2) }, { subject: 's', body: 'b' });
  t.same(back.tags, ['chart_with_upwards_trend']);
  const digest = digestText([event, qualityEvent('home-gw', period(1, 0), 'recovered', 2)], 'UTC');
  t.match(digest.body, /home-gw degraded: 4\.17 % of heartbeats lost 09:00\u201310:00/);
  t.match(digest.body, /home-gw back to normal: 0\.00 % of heartbeats lost 10:00\u201311:00/);
});
