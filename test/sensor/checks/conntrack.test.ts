/**
 * The conntrack check's hysteresis, on numbers, and its reading of the kernel's files. The
 * table is not filled here: that needs connections inside a namespace (netns.test.ts).
 */
import t from 'tap';
import { validateChecks } from '../../../sensor/checks/config.js';
import { conntrackLevel, evaluateConntrack, readConntrack, type ConntrackLevel } from '../../../sensor/checks/conntrack.js';

const [check] = validateChecks([{ name: 'ct', type: 'conntrack' }]);
if (check?.type !== 'conntrack') throw new Error('unreachable');

t.test("a level is entered above its percentage and left only below its clear percentage (Netdata's rule)", async (t) => {
  const seen: ConntrackLevel[] = [];
  let level: ConntrackLevel = 'ok';
  for (const percent of [80, 90, 90.5, 88, 85, 84.9, 96, 93, 90, 89.9, 86, 84]) {
    level = conntrackLevel(percent, level, check);
    seen.push(level);
  }
  t.same(seen, ['ok', 'ok', 'warning', 'warning', 'warning', 'ok', 'critical', 'critical', 'critical', 'warning', 'warning', 'ok']);
});

t.test('the detail gives the percentage and both numbers; warning and critical fail the check', async (t) => {
  t.same(evaluateConntrack(61_440, 64_000, 'ok', check).result, { status: 'failed', detail: 'conntrack 96 % (61,440/64,000), critical above 95 %' });
  t.same(evaluateConntrack(58_000, 64_000, 'ok', check).result, { status: 'failed', detail: 'conntrack 90.6 % (58,000/64,000), warning above 90 %' });
  t.same(evaluateConntrack(1200, 64_000, 'ok', check), { level: 'ok', result: { status: 'ok', detail: 'conntrack 1.9 % (1,200/64,000)' } });
});

t.test('a kernel without conntrack is "not available", found under either name of the files', async (t) => {
  t.equal(await readConntrack(async () => { throw Object.assign(new Error('no'), { code: 'ENOENT' }); }), null);
  const files: Record<string, string> = { '/proc/sys/net/ipv4/netfilter/ip_conntrack_count': '12\n', '/proc/sys/net/ipv4/netfilter/ip_conntrack_max': '4096\n' };
  t.same(await readConntrack(async (path) => { if (files[path] === undefined) throw new Error('ENOENT'); return files[path]; }), { count: 12, max: 4096 }, 'older kernels');
  t.match(evaluateConntrack(0, 0, 'ok', check).result, { status: 'unavailable' });
});
