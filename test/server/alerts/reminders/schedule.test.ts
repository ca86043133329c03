/**
 * The reminder schedule as a pure plan on an injected wall clock, and the reminder's words.
 */
import t from 'tap';
import { downAlert, SMS_LIMIT } from '../../../../server/alerts/alertText.js';
import { validateReminders, reminderPolicyOf } from '../../../../server/alerts/reminders/config.js';
import { ReminderPlan, reminderId, waitBefore, type Outage } from '../../../../server/alerts/reminders/schedule.js';
import { thrown } from '../../../helpers.js';

const HOUR = 3_600_000;
const policy = { everyMs: HOUR, maxMs: 24 * HOUR };
const outage = (over: Partial<Outage> = {}): Outage => ({ client: 'home-gw', down: 'd1', downAt: 0, lastUp: -180_000, sent: 0, lastAt: 0, policy, ...over });

/** Every reminder time from 0 to `until`, polling once a minute as the server's second would. */
function remindersUntil(plan: ReminderPlan, until: number): number[] {
  const at: number[] = [];
  for (let now = 0; now <= until; now += 60_000) for (const _ of plan.due(now)) at.push(now / HOUR);
  return at;
}

t.test('reminders come after the first wait, then after doubling waits, never more than remind_max apart', async (t) => {
  const plan = new ReminderPlan();
  plan.track(outage());
  t.same(remindersUntil(plan, 100 * HOUR), [1, 3, 7, 15, 31, 55, 79]);
  t.equal(waitBefore(1000, policy), 24 * HOUR, 'the doubling stays bounded');
});

t.test('a recovery stops the reminders; an acknowledgement stops only those of its outage', async (t) => {
  const plan = new ReminderPlan();
  plan.track(outage());
  t.notOk(plan.stop('home-gw', 'an-older-down'), 'an ack of another outage changes nothing');
  t.equal(plan.nextAt('home-gw'), HOUR);
  t.ok(plan.stop('home-gw', 'd1'));
  t.same(plan.due(10 * HOUR), []);
  plan.track(outage({ down: 'd2' }));
  t.ok(plan.stop('home-gw'));
  t.equal(plan.size, 0);
});

t.test('after a server that was off past several due times, one reminder goes out at once and the next a full wait later', async (t) => {
  const plan = new ReminderPlan();
  // The log showed one reminder, at 1 h; the server comes back at 10 h.
  plan.track(outage({ sent: 1, lastAt: HOUR }));
  const first = plan.due(10 * HOUR);
  t.same(first.map((o) => o.sent), [2], 'one reminder, numbered after the last recorded');
  t.same(plan.due(10 * HOUR + 1000), [], 'not the missed ones in a burst');
  t.equal(plan.nextAt('home-gw'), 14 * HOUR, 'the next wait (4 h) counts from it');
});

t.test("a reminder's id derives from the down's, and its text says how long the client has been down", async (t) => {
  t.equal(reminderId('home-gw-20261202T042014Z', 3), 'home-gw-20261202T042014Z~r3');
  const text = downAlert({ type: 'down', client: 'home-gw', at: 2 * HOUR, lastUp: 0, downIntervalMs: 0, transitionId: 'x~r1', reminder: { n: 1, downAt: 180_000, down: 'x' } }, 'UTC');
  t.equal(text.subject, 'STILL DOWN: home-gw for 2h 00m 00s');
  t.equal(text.body, 'home-gw is still DOWN, for 2h 00m 00s: last heard 1970-01-01 00:00:00 UTC.');
  t.ok(text.body.length <= SMS_LIMIT);
});

t.test('remind_every and remind_max: top level, per client, 0 turns a client off, bad values name the key', async (t) => {
  const config = validateReminders({ remind_every: '1h', clients: { quiet: { remind_every: 0 }, busy: { remind_every: '10m', remind_max: '2h' }, plain: {} } });
  t.same(reminderPolicyOf(config, 'plain'), { everyMs: HOUR, maxMs: 24 * HOUR });
  t.same(reminderPolicyOf(config, 'busy'), { everyMs: 600_000, maxMs: 2 * HOUR });
  t.equal(reminderPolicyOf(config, 'quiet'), null);
  t.equal(reminderPolicyOf(validateReminders({}), 'plain'), null, 'no reminders unless asked for');
  t.match(thrown(() => validateReminders({ remind_every: 'often' })), { code: 'ECONFIG', message: /remind_every/ });
  t.match(thrown(() => validateReminders({ clients: { a: { remind_max: -1 } } })), { code: 'ECONFIG', message: /clients\.a\.remind_max/ });
});
