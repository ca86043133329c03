import t from 'tap';
import { aloneNote, correlationNote, type FleetNow } from '../../../server/alerts/correlationNote.js';
import { downAlert, summaryAlert, SMS_LIMIT } from '../../../server/alerts/alertText.js';
import type { DownEvent } from '../../../server/core/events.js';

/** Five clients of comcast-denver, one of xfinity-boulder; `down` lists those down now. */
function fleet(down: string[]): FleetNow {
  const groups = new Map([...[1, 2, 3, 4, 5].map((i) => [`denver-${i}`, 'comcast-denver'] as const), ['boulder-1', 'xfinity-boulder']]);
  return {
    total: groups.size,
    down: down.length,
    groupOf: (client) => groups.get(client) ?? null,
    groupCounts: (group) => {
      const members = [...groups].filter(([, of]) => of === group).map(([id]) => id);
      return { members: members.length, down: members.filter((id) => down.includes(id)).length };
    },
  };
}

const down = (client: string): DownEvent => ({ type: 'down', client, at: Date.parse('2026-11-25T02:13:00Z'), lastUp: null, downIntervalMs: 180_000, transitionId: `down-${client}` });

t.test('a storm of downs with four of five clients of one group down says ISP-wide', async (t) => {
  t.equal(correlationNote(['denver-4'], fleet(['denver-1', 'denver-2', 'denver-3', 'denver-4'])), 'ISP-wide: 4 of 5 of group comcast-denver DOWN.');
});

t.test('clients of a group down below half, or without a group, add nothing', async (t) => {
  t.equal(correlationNote(['denver-1', 'denver-2'], fleet(['denver-1', 'denver-2'])), null);
  t.equal(correlationNote(['ungrouped'], fleet(['denver-1', 'ungrouped'])), null);
});

t.test("every configured client down at once points at the monitor's own uplink", async (t) => {
  t.equal(correlationNote(['boulder-1'], fleet(['denver-1', 'denver-2', 'denver-3', 'denver-4', 'denver-5', 'boulder-1'])), "all 6 clients DOWN: likely the monitor's own uplink.");
});

t.test("a storm summary leads with its note and still fits one SMS", async (t) => {
  const events = Array.from({ length: 30 }, (_, i) => down(`a-rather-long-gateway-name-${i}`));
  const text = summaryAlert({ reason: 'storm', events, note: 'ISP-wide: 4 of 5 of group comcast-denver DOWN.' }, 'America/Denver');
  t.match(text.body, /^ISP-wide: 4 of 5 of group comcast-denver DOWN\. 30 more clients DOWN since /);
  t.ok(text.body.length <= SMS_LIMIT, `${text.body.length} characters`);
});

/** `fleet()` with the group's earliest last heartbeat among those down. */
const withSince = (downNow: string[], since: number | null): FleetNow => {
  const base = fleet(downNow);
  return { ...base, groupCounts: (group) => ({ ...base.groupCounts(group), since }) };
};
const SINCE = Date.parse('2026-11-25T09:13:00Z');

t.test('a down alert sent alone, with half its group down, is ISP-wide, counting its own client', async (t) => {
  t.same(aloneNote('denver-3', withSince(['denver-1', 'denver-2', 'denver-3'], SINCE)), { kind: 'isp-wide', group: 'comcast-denver', down: 3, members: 5, since: SINCE });
  t.same(aloneNote('denver-2', fleet(['denver-1', 'denver-2', 'denver-3'])), { kind: 'isp-wide', group: 'comcast-denver', down: 3, members: 5, since: null }, 'since unknown');
});

t.test('a lone down alert adds nothing with less than half its group down, alone in its group, or without a group', async (t) => {
  t.equal(aloneNote('denver-2', withSince(['denver-1', 'denver-2'], SINCE)), null, '2 of 5');
  t.equal(aloneNote('boulder-1', withSince(['boulder-1', 'denver-1'], SINCE)), null, 'the only one of its group');
  t.equal(aloneNote('ungrouped', withSince(['ungrouped', 'denver-1'], SINCE)), null);
});

t.test("a lone down alert with every client down names the monitor's uplink", async (t) => {
  t.same(aloneNote('boulder-1', fleet(['denver-1', 'denver-2', 'denver-3', 'denver-4', 'denver-5', 'boulder-1'])), { kind: 'uplink', total: 6 });
});

t.test('a lone down alert says ISP-wide first, with since when in the alert zone, within one SMS', async (t) => {
  const alone = { kind: 'isp-wide' as const, group: 'comcast-denver', down: 3, members: 5, since: SINCE };
  const text = downAlert({ ...down('denver-3'), lastUp: SINCE + 60_000, alone }, 'America/Denver');
  t.equal(text.subject, 'DOWN: denver-3');
  t.equal(text.body, 'ISP-wide: 3 of 5 clients of group comcast-denver down since 02:13. denver-3 is DOWN: no heartbeat for 3m 00s. Last heard 2026-11-25 02:14:00 MST.');
  t.ok(text.body.length <= SMS_LIMIT);
});

t.test('a long client name and a long group name give way before any fact, and the note goes short when it must', async (t) => {
  const alone = { kind: 'isp-wide' as const, group: 'a-very-long-isp-name-for-a-whole-region', down: 12, members: 20, since: SINCE };
  const long = downAlert({ ...down('the-gateway-in-the-garden-shed-of-number-12-elm-street'), alone }, 'America/Argentina/Buenos_Aires');
  t.ok(long.body.length <= SMS_LIMIT, `${long.body.length} characters`);
  t.match(long.body, /^ISP-wide: 12\/20 of a-very-long-isp~ down since 06:13\. the-gate.*~ is DOWN: no heartbeat for 3m 00s\. Last heard never; down at 2026-11-24 23:13:00 /);
  t.match(long.body, / GMT-3\.$/, 'the last fact is whole');
  const uplink = downAlert({ ...down('the-gateway-in-the-garden-shed-of-number-12-elm-street'), alone: { kind: 'uplink', total: 6 } }, 'UTC');
  t.match(uplink.body, /^all 6 clients DOWN: likely the monitor's own uplink\. the-gate/);
  t.ok(uplink.body.length <= SMS_LIMIT);
});

t.test('without anything to add, a down alert reads as it always did', async (t) => {
  t.equal(downAlert({ ...down('denver-1'), lastUp: SINCE }, 'UTC').body, 'denver-1 is DOWN: no heartbeat for 3m 00s. Last heard 2026-11-25 09:13:00 UTC.');
});
