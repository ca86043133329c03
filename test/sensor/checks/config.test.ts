/** The sensor's `checks`: each type's keys and defaults, and errors that name the key by its place in the list. */
import t from 'tap';
import { validateSensorConfig } from '../../../sensor/config.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, thrown } from '../../helpers.js';

const base = { server: 'monitor.example.net', port: 7777, id: 'home-gw', key: 'ab'.repeat(32), state_file: '/var/lib/x.json' };
const checks = (list: unknown) => validateSensorConfig({ ...base, checks: list }, '/etc/netmonitor/sensor.json', {}).checks;

t.test('a sensor without checks has an empty list', async (t) => {
  t.same(validateSensorConfig(base, '/x.json', {}).checks, []);
});

t.test('each type takes the keys the issue names, with defaults for the rest', async (t) => {
  const [route, processCheck, conntrack, command] = checks([
    { name: 'wan-default', type: 'route', prefix: 'default', nexthops: ['192.0.2.1'] },
    { name: 'pppd', type: 'process', process: 'pppd', cmdline: 'call wan', user: 'root', count: { min: 1, max: 1 } },
    { name: 'conntrack', type: 'conntrack', every: 30 },
    { name: 'dns', type: 'command', command: ['/usr/bin/dig', '+short', 'example.net'], timeout: 5 },
  ]);
  t.match(route, { type: 'route', everyS: 60, family: 4, table: 'main', prefix: 'default', nexthops: ['192.0.2.1'], count: null, onFailure: [], budget: { actions: 3, windowS: 3600 } });
  t.match(processCheck, { type: 'process', process: 'pppd', user: 'root', count: { min: 1, max: 1 } });
  t.ok(processCheck!.type === 'process' && processCheck!.cmdline!.test('pppd call wan'), 'cmdline is a regular expression');
  t.match(conntrack, { everyS: 30, warnPercent: 90, warnClearPercent: 85, criticalPercent: 95, criticalClearPercent: 90 }, "Netdata's thresholds by default");
  t.match(command, { command: ['/usr/bin/dig', '+short', 'example.net'], timeoutS: 5 });
});

t.test('an IPv6 prefix makes an IPv6 route check, and a host address is a prefix', async (t) => {
  t.match(checks([{ name: 'v6', type: 'route', prefix: '2001:db8::/32' }])[0], { family: 6 });
  t.match(checks([{ name: 'v6d', type: 'route', prefix: 'default', family: 6 }])[0], { family: 6, prefix: 'default' });
  t.match(checks([{ name: 'host', type: 'route', prefix: '198.51.100.7' }])[0], { family: 4 });
});

t.test('actions are argv lists of known types with their own keys', async (t) => {
  const [check] = checks([{
    name: 'wan', type: 'route', prefix: 'default',
    on_failure: [
      { type: 'route', prefix: 'default', via: '192.0.2.1', dev: 'eth0' },
      { type: 'restart', service: 'pppd', manager: 'procd' },
      { type: 'exec', command: ['/usr/local/bin/fix-wan'], timeout: 10 },
    ],
    on_recovery: [{ type: 'exec', command: ['/usr/bin/logger', 'wan back'] }],
    budget: { actions: 2, window: 600 },
  }]);
  t.match(check!.onFailure, [
    { type: 'route', prefix: 'default', via: '192.0.2.1', dev: 'eth0', table: 'main', family: 4, timeoutS: 30 },
    { type: 'restart', service: 'pppd', manager: 'procd' },
    { type: 'exec', command: ['/usr/local/bin/fix-wan'], timeoutS: 10 },
  ]);
  t.equal(check!.onRecovery.length, 1);
  t.same(check!.budget, { actions: 2, windowS: 600 });
});

t.test('bad checks are configuration errors naming the key by its place in the list', async (t) => {
  const cases: [unknown, string][] = [
    [{}, 'checks'],
    [[{ type: 'route', prefix: 'default' }], 'checks[0].name'],
    [[{ name: 'a', prefix: 'default' }], 'checks[0].type'],
    [[{ name: 'a', type: 'ping' }], 'checks[0].type'],
    [[{ name: 'a b', type: 'route', prefix: 'default' }], 'checks[0].name'],
    [[{ name: 'a', type: 'route', prefix: 'default' }, { name: 'a', type: 'conntrack' }], 'checks[1].name'],
    [[{ name: 'a', type: 'route', prefix: 'default', cmdline: 'x' }], 'checks[0].cmdline'],
    [[{ name: 'a', type: 'route' }], 'checks[0].prefix'],
    [[{ name: 'a', type: 'route', prefix: '10.0.0.0/33' }], 'checks[0].prefix'],
    [[{ name: 'a', type: 'route', prefix: '10.0.0.0/8', family: 6 }], 'checks[0].family'],
    [[{ name: 'a', type: 'route', prefix: 'default', nexthops: ['gw'] }], 'checks[0].nexthops'],
    [[{ name: 'a', type: 'route', prefix: 'default', table: 'main; rm' }], 'checks[0].table'],
    [[{ name: 'a', type: 'route', count: { min: 3, max: 2 } }], 'checks[0].count.max'],
    [[{ name: 'a', type: 'route', prefix: 'default', every: 0 }], 'checks[0].every'],
    [[{ name: 'a', type: 'process' }], 'checks[0].process'],
    [[{ name: 'a', type: 'process', cmdline: '(' }], 'checks[0].cmdline'],
    [[{ name: 'a', type: 'process', process: 'a-name-longer-than-15' }], 'checks[0].process'],
    [[{ name: 'a', type: 'conntrack', warn_percent: 96, critical_percent: 95 }], 'checks[0].critical_percent'],
    [[{ name: 'a', type: 'conntrack', warn_clear_percent: 95 }], 'checks[0].warn_clear_percent'],
    [[{ name: 'a', type: 'command', command: 'systemctl is-active pppd' }], 'checks[0].command'],
    [[{ name: 'a', type: 'command', command: [] }], 'checks[0].command'],
    [[{ name: 'a', type: 'conntrack', on_failure: {} }], 'checks[0].on_failure'],
    [[{ name: 'a', type: 'conntrack', on_failure: [{ command: ['x'] }] }], 'checks[0].on_failure[0].type'],
    [[{ name: 'a', type: 'conntrack', on_failure: [{ type: 'exec', command: 'fix-wan --now' }] }], 'checks[0].on_failure[0].command'],
    [[{ name: 'a', type: 'conntrack', on_failure: [{ type: 'route', prefix: 'default' }] }], 'checks[0].on_failure[0].via'],
    [[{ name: 'a', type: 'conntrack', on_recovery: [{ type: 'route', via: 'router' }] }], 'checks[0].on_recovery[0].via'],
    [[{ name: 'a', type: 'conntrack', on_failure: [{ type: 'restart', service: '../../bin/sh' }] }], 'checks[0].on_failure[0].service'],
    [[{ name: 'a', type: 'conntrack', on_failure: [{ type: 'restart', service: 'x', manager: 'runit' }] }], 'checks[0].on_failure[0].manager'],
    [[{ name: 'a', type: 'conntrack', budget: { actions: 3, per: 60 } }], 'checks[0].budget.per'],
  ];
  for (const [list, key] of cases) t.match(thrown(() => checks(list)), { code: 'ECONFIG', key }, JSON.stringify(list));
});

t.test('the complete example in docs/checks.md is a valid sensor configuration', async (t) => {
  const page = readFileSync(join(repoRoot, 'docs', 'checks.md'), 'utf8');
  const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(page)![1]!) as Record<string, unknown>;
  const { key_file: _keyFile, ...rest } = example;
  const config = validateSensorConfig({ ...rest, key: 'ab'.repeat(32) }, '/etc/netmonitor/sensor.json', {});
  t.same(config.checks.map((check) => check.type), ['route', 'route', 'route', 'process', 'conntrack', 'dhcp', 'command']);
});

t.test('a dhcp check takes an interface, the allowed servers, a wait and a fixed client MAC', async (t) => {
  t.match(checks([{ name: 'lan', type: 'dhcp', interface: 'br-lan', allowed_servers: ['192.168.1.1'] }])[0], { interface: 'br-lan', allowedServers: ['192.168.1.1'], waitS: 5 });
  for (const [settings, key] of [
    [{ allowed_servers: ['192.168.1.1'] }, 'checks[0].interface'],
    [{ interface: 'br-lan' }, 'checks[0].allowed_servers'],
    [{ interface: 'br-lan', allowed_servers: ['fe80::1'] }, 'checks[0].allowed_servers'],
    [{ interface: 'br-lan', allowed_servers: ['192.168.1.1'], client_mac: 'aa:bb' }, 'checks[0].client_mac'],
    [{ interface: 'br-lan', allowed_servers: ['192.168.1.1'], wait: 0 }, 'checks[0].wait'],
  ] as const) t.match(thrown(() => checks([{ name: 'lan', type: 'dhcp', ...settings }])), { code: 'ECONFIG', key });
});
