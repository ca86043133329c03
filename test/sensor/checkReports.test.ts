/** What the sensor tells the server of its checks: states on change, repeated, with their age. */
import t from 'tap';
import { CheckReports } from '../../sensor/checkReports.js';

t.test('a change is sent at once, a repeat is not, and every state is repeated with its age and notify', async (t) => {
  let now = 1_000_000;
  const reports = new CheckReports(() => now);
  const alertOn = { failure: true, recovery: false };
  t.equal(reports.update('conntrack', 'unavailable', 'no conntrack', alertOn), false, 'not available: nothing to tell');
  t.same(reports.all(), [], 'and nothing to repeat');
  t.equal(reports.update('wan', 'failed', 'default route missing', alertOn), true, 'a first state is a change');
  now += 40_500;
  t.equal(reports.update('wan', 'failed', 'default route missing (ip -j route)', alertOn), false, 'the same state again is no change');
  t.equal(reports.update('wan', 'unavailable', 'x', alertOn), false, 'not available keeps the state');
  t.same(reports.all(), [{ check: 'wan', state: 'failed', notify: 'alert', age: 40, detail: 'default route missing (ip -j route)' }], 'the repeat carries the age and the latest detail');
  t.equal(reports.update('wan', 'ok', 'default via 192.0.2.1', alertOn), true, 'a recovery is a change');
  t.match(reports.payload('wan'), { state: 'ok', notify: 'log', age: 0 }, 'without an alert action in on_recovery it is only logged');
  t.equal(reports.payload('dhcp'), undefined);
});
