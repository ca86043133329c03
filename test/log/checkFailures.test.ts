/** Check failures placed next to the silences they may explain, and worded for the report. */
import t from 'tap';
import { checkFailures, EXPLAIN_WINDOW_MS, isCheckClient } from '../../log/checkFailures.js';
import type { ClientReport, Outage } from '../../log/outages.js';
import { checkFailureText } from '../../report/checkFailureText.js';

const T0 = Date.parse('2026-12-02T14:00:00Z');
const outage = (start: number, end: number | null, failure: string | null = null): Outage =>
  ({ start, end, durationMs: (end ?? start) - start, failure } as unknown as Outage);
const client = (name: string, outages: Outage[]): ClientReport => ({ client: name, outages } as unknown as ClientReport);

t.test('a check failure 40 s before its sensor fell silent is placed as that silence\'s likely cause', async (t) => {
  const sensor = client('home-gw', [outage(T0 + 40_000, T0 + 300_000), outage(T0 + 3_600_000, null)]);
  const route = client('home-gw/route', [outage(T0, T0 + 320_000, 'default route missing'), outage(T0 + 7_200_000, null, 'x')]);
  const during = client('home-gw/ppp', [outage(T0 + 3_700_000, T0 + 3_800_000, 'pppd not running')]);
  const far = client('home-gw/dhcp', [outage(T0 + 40_000 - EXPLAIN_WINDOW_MS - 1, T0, 'rogue DHCP server 192.168.1.50 (aa:bb:cc:dd:ee:ff)')]);
  const found = checkFailures([route, during, far], new Map([['home-gw', sensor]]));
  t.same(found.map((f) => [f.check, f.explains?.leadMs ?? null]), [['dhcp', null], ['route', 40_000], ['ppp', -100_000], ['route', -3_600_000]],
    'oldest first: too early explains nothing, 40 s before, 100 s into a silence, and one during the ongoing silence');
  t.equal(checkFailureText(found[1]!, 'UTC'), 'home-gw/route: default route missing at 2026-12-02 14:00:00 +00:00, for 5m 20s, 40s before the silence of home-gw that began 2026-12-02 14:00:40 +00:00');
  t.match(checkFailureText(found[2]!, 'UTC'), /pppd not running .*, 1m 40s into the silence of home-gw/);
  t.match(checkFailureText(found[3]!, 'UTC'), /^home-gw\/route: x at .*, still failing, /);
  t.equal(checkFailureText(found[0]!, 'UTC'), 'home-gw/dhcp: rogue DHCP server 192.168.1.50 (aa:bb:cc:dd:ee:ff) at 2026-12-02 13:50:39 +00:00, for 9m 20s');
  t.same(checkFailures([client('home-gw', [])], new Map()), [], 'a connection\'s client is no check');
  t.ok(isCheckClient('home-gw/route') && !isCheckClient('home-gw') && !isCheckClient('2001:db8::1'), 'a check client is named <sensor>/<check>');
  t.equal(checkFailures([client('lone/check', [outage(T0, T0 + 1000)])], new Map())[0]!.detail, null, 'a sensor without a report explains nothing');
});
