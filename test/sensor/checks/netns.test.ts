/**
 * The route check and the route action for real, inside a network namespace the test
 * creates: `netmonitor check` runs in it (`ip netns exec`), so it reads and changes that
 * namespace's routing table only. Routes are removed, their next hop changed, a blackhole
 * added; the route action puts the default route back.
 */
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, tempDir } from '../../helpers.js';
import { createNamespace, namespacesUnavailable } from '../../server/supervision/netns.js';

const unavailable = namespacesUnavailable();

t.test('in a namespace, the route check sees routes come and go and the route action brings the default route back', { skip: unavailable ?? false }, async (t) => {
  const ns = createNamespace();
  t.teardown(() => ns.remove());
  const ip = (...args: string[]): string => execFileSync('ip', ['-n', ns.name, ...args], { encoding: 'utf8' });
  const gateway = ns.inside.replace(/\.2$/, '.1');
  const dev = (JSON.parse(ip('-j', 'addr', 'show')) as { ifname: string; addr_info: { local: string }[] }[]).find((link) => link.addr_info.some((a) => a.local === ns.inside))!.ifname;
  // A second subnet on the link, for a next hop that is not the allowed one.
  ip('addr', 'add', '10.77.0.2/24', 'dev', dev);
  ip('route', 'add', 'default', 'via', gateway);
  const dir = tempDir();
  const config = join(dir, 'sensor.json');
  writeFileSync(config, JSON.stringify({
    server: '127.0.0.1', port: 7777, id: 'home-gw', key: 'ab'.repeat(32), state_file: join(dir, 'state.json'),
    checks: [
      { name: 'default', type: 'route', prefix: 'default', nexthops: [gateway], budget: { actions: 10, window: 60 },
        on_failure: [{ type: 'route', prefix: 'default', via: gateway, dev }] },
      { name: 'vpn', type: 'route', prefix: '10.60.0.0/16' },
      { name: 'table', type: 'route', count: { min: 2, max: 4 } },
    ],
  }));
  const pass = async (...flags: string[]): Promise<{ code: number | null; out: string }> => {
    const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, cliPath, 'check', '--config', config, ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, out };
  };

  ip('route', 'add', '10.60.0.0/16', 'via', gateway);
  let result = await pass();
  t.equal(result.code, 0, result.out);
  t.match(result.out, `check default (route): ok: default route via ${gateway} (ip -j route)`);

  ip('route', 'replace', 'blackhole', '10.60.0.0/16');
  result = await pass();
  t.equal(result.code, 1);
  t.match(result.out, 'check vpn (route): failed (now failing): route 10.60.0.0/16 is blackhole');
  ip('route', 'del', '10.60.0.0/16');
  result = await pass();
  t.match(result.out, 'check vpn (route): failed: route 10.60.0.0/16 missing');

  ip('route', 'replace', 'default', 'via', '10.77.0.9');
  result = await pass('--dry-run');
  t.match(result.out, `check default (route): failed (now failing): default route via 10.77.0.9, not ${gateway}`);
  t.match(ip('route', 'show', 'default'), 'via 10.77.0.9', 'a dry run changed nothing');

  ip('route', 'del', 'default');
  result = await pass();
  t.match(result.out, 'check default (route): failed (now failing): default route missing (ip -j route)');
  t.match(result.out, `action ip -4 route replace default via ${gateway} dev ${dev} table main: ok`);
  t.match(ip('route', 'show', 'default'), `default via ${gateway} dev ${dev}`, 'the route is back');
  t.match((await pass()).out, `check default (route): ok (recovered): default route via ${gateway}`);
  t.match((await pass()).out, /check table \(route\): ok: 3 routes in table main/, 'the count of the namespace\'s routes');
});
