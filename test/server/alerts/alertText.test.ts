import t from 'tap';
import { Settings } from 'luxon';
import { downAlert, SMS_LIMIT, upAlert } from '../../../server/alerts/alertText.js';
import type { DownEvent, UpEvent } from '../../../server/core/events.js';

const AT = Date.parse('2026-11-25T06:13:21.380Z');
const YEAR = 365.25 * 86_400_000;
const ZONES = ['UTC', 'America/Chicago', 'Asia/Kolkata', 'Pacific/Chatham', 'America/St_Johns', 'Europe/Moscow', 'Australia/Lord_Howe'];
const CLIENTS = ['home-gw', 'a'.repeat(64), 'Z9._-'.repeat(12) + 'Z9._', '2001:db8:85a3:1234:5678:8a2e:370:7334', '::ffff:203.0.113.7', '203.0.113.7'];

const down = (client: string, fields: Partial<DownEvent> = {}): DownEvent => ({
  type: 'down', client, at: AT, lastUp: AT - 180_000, downIntervalMs: 180_000, transitionId: `down-${client}-${AT}`, ...fields,
});
const up = (client: string, fields: Partial<UpEvent> = {}): UpEvent => ({
  type: 'up', client, at: AT, lastUp: AT - 206_000, outageMs: 206_000, transitionId: `up-${client}-${AT}`, ...fields,
});

function allAlerts(): { what: string; subject: string; body: string; client: string; state: 'DOWN' | 'UP' }[] {
  const alerts = [];
  for (const zone of ZONES) {
    for (const client of CLIENTS) {
      for (const downIntervalMs of [1000, 180_000, 86_400_000, 10 * YEAR]) {
        alerts.push({ what: `down ${client} ${zone} ${downIntervalMs}`, client, state: 'DOWN' as const, ...downAlert(down(client, { downIntervalMs }), zone) });
      }
      alerts.push({ what: `down ${client} ${zone} never heard`, client, state: 'DOWN' as const, ...downAlert(down(client, { lastUp: null }), zone) });
      for (const reason of ['failure reported over HTTP', `failure reported over HTTP: ${'disk full, é '.repeat(20)}`]) {
        alerts.push({ what: `down ${client} ${zone} failed ${reason.length}`, client, state: 'DOWN' as const, ...downAlert(down(client, { reason }), zone) });
      }
      for (const outageMs of [null, 0, 45_000, 7_325_000, 3 * YEAR, 120 * YEAR]) {
        alerts.push({ what: `up ${client} ${zone} ${outageMs}`, client, state: 'UP' as const, ...upAlert(up(client, { outageMs }), zone) });
      }
    }
  }
  return alerts;
}

t.test('every alert body fits one SMS and is printable ASCII', async (t) => {
  for (const alert of allAlerts()) {
    t.ok(alert.body.length <= SMS_LIMIT, `${alert.what}: ${alert.body.length} chars`);
    t.match(alert.body, /^[\x20-\x7e]+$/, alert.what);
  }
});

t.test('every body names the client (or a recognisable prefix of it) and the state', async (t) => {
  for (const alert of allAlerts()) {
    t.ok(alert.body.startsWith(alert.client.slice(0, 8)), `${alert.what}: ${alert.body}`);
    t.match(alert.body, new RegExp(`\\b${alert.state}\\b`), alert.what);
  }
});

t.test('the subject alone says which client and the state', async (t) => {
  for (const alert of allAlerts()) {
    t.match(alert.subject, new RegExp(`^${alert.state}\\b`), alert.what);
    t.ok(alert.subject.includes(alert.client), alert.what);
    t.match(alert.subject, /^[\x20-\x7e]+$/, alert.what);
  }
});

t.test('the up body gives the time of recovery in the configured zone, with the zone', async (t) => {
  t.match(upAlert(up('home-gw'), 'UTC').body, '2026-11-25 06:13:21 UTC');
  t.match(upAlert(up('home-gw'), 'America/Chicago').body, '2026-11-25 00:13:21 CST');
  t.match(upAlert(up('home-gw'), 'Asia/Kolkata').body, '2026-11-25 11:43:21 GMT+5:30');
});

t.test('the down body gives the last-heard time in the configured zone, with the zone', async (t) => {
  t.match(downAlert(down('home-gw'), 'America/Chicago').body, '2026-11-25 00:10:21 CST');
});

t.test('the bodies give the lengths in the readable form', async (t) => {
  t.match(downAlert(down('home-gw'), 'UTC').body, '3m 00s');
  t.match(upAlert(up('home-gw', { outageMs: 7_325_000 }), 'UTC').body, '2h 02m 05s');
  t.match(upAlert(up('home-gw', { outageMs: 7_325_000 }), 'UTC').subject, '2h 02m 05s');
});

t.test("a long client name is shortened in the body, never the facts", async (t) => {
  const client = 'x'.repeat(64);
  const body = upAlert(up(client, { outageMs: 120 * YEAR }), 'Australia/Lord_Howe').body;
  t.ok(body.length <= SMS_LIMIT);
  t.match(body, /\.$/, 'the body ends with its full stop');
  t.match(body, '43830d 00h 00m 00s');
});

t.test('the bodies stay ASCII whatever the default locale of the process', async (t) => {
  const before = Settings.defaultLocale;
  t.teardown(() => {
    Settings.defaultLocale = before;
  });
  for (const locale of ['ar-EG', 'ru-RU', 'hi-IN-u-nu-deva', 'zh-CN']) {
    Settings.defaultLocale = locale;
    for (const zone of ['UTC', 'Europe/Moscow', 'Asia/Shanghai']) {
      t.match(upAlert(up('home-gw'), zone).body, /^[\x20-\x7e]+$/, `${locale} ${zone}`);
      t.match(downAlert(down('home-gw'), zone).body, /^[\x20-\x7e]+$/, `${locale} ${zone}`);
    }
  }
});

t.test('an explicit failure says what failed and why, not a silence that did not happen', async (t) => {
  const { body } = downAlert(down('cron-job', { lastUp: AT - 25, reason: 'failure reported over HTTP: rsync: exit 23' }), 'America/Chicago');
  t.equal(body, 'cron-job is DOWN: failure reported over HTTP: rsync: exit 23. Last heard 2026-11-25 00:13:21 CST.');
  t.notMatch(body, /no heartbeat/);
});

t.test("a failure's long reason is shortened to fit, keeping the client's name and the last heartbeat", async (t) => {
  const client = 'b'.repeat(64);
  const { body } = downAlert(down(client, { reason: `tcp probe of 192.0.2.1: ${'x'.repeat(190)}` }), 'UTC');
  t.equal(body.length, SMS_LIMIT);
  t.match(body, /^b{23}~ is DOWN: tcp probe of 192\.0\.2\.1: x+~\. Last heard 2026-11-25 06:10:21 UTC\.$/);
});
