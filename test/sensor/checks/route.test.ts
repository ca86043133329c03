/**
 * The route check's reading and judging of routes: `ip -j route` output and the /proc files,
 * as the kernel wrote them for a namespace with a default route, a blackhole and an
 * unreachable route (copied from a real one), and the verdicts on them.
 */
import t from 'tap';
import type { RouteSettings } from '../../../sensor/checks/config.js';
import { evaluateRoutes, parseIpJson, parseProcIpv6Route, parseProcRoute, readRoutes, type RouteReader } from '../../../sensor/checks/route.js';

const IP_JSON = '[{"dst":"default","gateway":"10.9.9.254","dev":"va","flags":[]},{"dst":"10.9.9.0/24","dev":"va","protocol":"kernel","scope":"link","prefsrc":"10.9.9.1","flags":[]},{"type":"blackhole","dst":"10.50.0.0/16","flags":[]},{"type":"unreachable","dst":"10.51.0.0/16","flags":[]},{"dst":"203.0.113.0/24","nexthops":[{"gateway":"10.9.9.2","dev":"va","weight":1},{"gateway":"10.9.9.3","dev":"va","weight":1}]}]';
const PROC_ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
va\t00000000\tFE09090A\t0003\t0\t0\t0\t00000000\t0\t0\t0
va\t0009090A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
*\t0000320A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
*\t0000330A\t00000000\t0201\t0\t0\t0\t0000FFFF\t0\t0\t0
`;
const PROC_IPV6_ROUTE = `20010db8000000000000000000000000 20 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00200200       lo
fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000004 00000000 80200001       lo
fd000000000000000000000000000002 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001     eth0
ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
`;

const settings = (extra: Partial<RouteSettings>): RouteSettings => ({ type: 'route', family: 4, table: 'main', prefix: 'default', nexthops: null, count: null, ...extra });

t.test('ip -j route output and /proc/net/route give the same routes', async (t) => {
  const fromIp = parseIpJson(IP_JSON)!;
  t.match(fromIp, [
    { dst: 'default', type: 'unicast', gateways: ['10.9.9.254'], dev: 'va' },
    { dst: '10.9.9.0/24', gateways: [] },
    { dst: '10.50.0.0/16', type: 'blackhole' },
    { dst: '10.51.0.0/16', type: 'unreachable' },
    { dst: '203.0.113.0/24', gateways: ['10.9.9.2', '10.9.9.3'] },
  ]);
  t.same(parseProcRoute(PROC_ROUTE), [
    { dst: 'default', type: 'unicast', gateways: ['10.9.9.254'], dev: 'va' },
    { dst: '10.9.9.0/24', type: 'unicast', gateways: [], dev: 'va' },
    { dst: '10.50.0.0/16', type: 'null', gateways: [], dev: null },
    { dst: '10.51.0.0/16', type: 'null', gateways: [], dev: null },
  ], 'in /proc a blackhole has no interface, unreachable has RTF_REJECT: both are null routes');
  t.equal(parseIpJson('Option "-j" is unknown'), null, 'an ip without JSON output is not mistaken for an empty table');
});

t.test('/proc/net/ipv6_route gives the routes ip shows, without the local, multicast and kernel null entries', async (t) => {
  t.same(parseProcIpv6Route(PROC_IPV6_ROUTE), [
    { dst: '2001:db8::/32', type: 'null', gateways: [], dev: 'lo' },
    { dst: 'fd00::/64', type: 'unicast', gateways: [], dev: 'eth0' },
    { dst: 'default', type: 'unicast', gateways: ['fd00::1'], dev: 'eth0' },
  ]);
});

t.test('a route check passes when the route is there, goes via an allowed next hop, and the count is in range', async (t) => {
  const table = { routes: parseIpJson(IP_JSON)!, source: 'ip -j route' };
  t.same(evaluateRoutes(table, settings({ nexthops: ['10.9.9.1', '10.9.9.254'] })), { status: 'ok', detail: 'default route via 10.9.9.254 (ip -j route)' });
  t.match(evaluateRoutes(table, settings({ prefix: '203.0.113.0/24', nexthops: ['10.9.9.3'] })), { status: 'ok' }, 'one hop of a multipath route is enough');
  t.match(evaluateRoutes(table, settings({ prefix: null, count: { min: 5, max: 5 } })), { status: 'ok', detail: '5 routes in table main (ip -j route)' });
});

t.test('a route check fails on a missing route, a null route, a wrong next hop, or a count out of range', async (t) => {
  const table = { routes: parseProcRoute(PROC_ROUTE), source: '/proc/net/route' };
  t.same(evaluateRoutes({ routes: [], source: 'ip -j route' }, settings({})), { status: 'failed', detail: 'default route missing (ip -j route)' });
  t.match(evaluateRoutes(table, settings({ prefix: '10.50.0.0/16' })), { status: 'failed', detail: 'route 10.50.0.0/16 is a null route (blackhole, unreachable or prohibit) (/proc/net/route)' });
  t.match(evaluateRoutes({ routes: parseIpJson(IP_JSON)!, source: 'ip -j route' }, settings({ prefix: '10.50.0.0/16' })), { detail: 'route 10.50.0.0/16 is blackhole (ip -j route)' });
  t.match(evaluateRoutes(table, settings({ nexthops: ['10.9.9.1'] })), { status: 'failed', detail: 'default route via 10.9.9.254, not 10.9.9.1 (/proc/net/route)' });
  t.match(evaluateRoutes(table, settings({ prefix: '10.9.9.0/24', nexthops: ['10.9.9.1'] })), { status: 'failed', detail: /has no next hop \(on va\)/ });
  t.match(evaluateRoutes(table, settings({ prefix: null, count: { min: 10, max: 20 } })), { status: 'failed', detail: '4 IPv4 routes in table main, fewer than 10 (/proc/net/route)' });
  t.same(evaluateRoutes(table, settings({ count: { min: 0, max: 1 } })), { status: 'failed', detail: '4 IPv4 routes in table main, more than 1 (/proc/net/route)' }, 'a failure names only the problems');
});

t.test('routes are read with ip -j where it works, else from /proc, and the result says which', async (t) => {
  const calls: string[][] = [];
  const reader = (ip: string | null): RouteReader => ({
    ip: async (args) => { calls.push(args); return ip; },
    readFile: async (path) => (path === '/proc/net/route' ? PROC_ROUTE : path === '/proc/net/ipv6_route' ? PROC_IPV6_ROUTE : null),
  });
  t.match(await readRoutes(settings({ table: '100' }), reader(IP_JSON)), { source: 'ip -j route' });
  t.same(calls[0], ['-j', '-4', 'route', 'show', 'table', '100'], 'ip is run by argv with the table');
  t.match(await readRoutes(settings({}), reader(null)), { source: '/proc/net/route' });
  t.match(await readRoutes(settings({ family: 6 }), reader('not json')), { source: '/proc/net/ipv6_route' });
  t.match(await readRoutes(settings({ table: 'vpn' }), reader(null)), /shows only the main table/, 'another table cannot be read from /proc: not available, not a failure');
});
