import t from 'tap';
import { correlationNote, type FleetNow } from '../../../server/alerts/correlationNote.js';
import { summaryAlert, SMS_LIMIT } from '../../../server/alerts/alertText.js';
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
