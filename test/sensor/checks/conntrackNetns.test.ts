/**
 * The conntrack check against a real table: a network namespace the test creates has a
 * conntrack table of its own (nf_conntrack_count counts per namespace), which the test fills
 * with conntrack-tools (`conntrack -R` loads entries, as if connections were tracked) and
 * flushes, while `netmonitor check` runs inside it. nf_conntrack_max cannot be lowered in a
 * namespace, so the percentages are set to what the test can reach: warn above 2 %, clear
 * below 1 %; critical above 3 %, clear below 2 %.
 *
 * Skipped, with the reason, where namespaces are not allowed, conntrack-tools is missing, or
 * the kernel has no nf_conntrack (then the threshold logic is tested on numbers only, in
 * conntrack.test.ts).
 */
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, tempDir } from '../../helpers.js';
import { namespacesUnavailable } from '../../server/supervision/netns.js';
import { missingProgram } from '../../systemPrograms.js';

const noConntrack = existsSync('/proc/sys/net/netfilter/nf_conntrack_max') ? false : 'the kernel has no nf_conntrack (the module is not loaded): thresholds are tested on numbers only';
const skip = namespacesUnavailable() ?? (missingProgram('conntrack', 'ip') || noConntrack);

t.test('a namespace whose conntrack table fills up warns, goes critical, and clears with hysteresis', { skip }, async (t) => {
  const ns = `nmct${randomBytes(3).toString('hex')}`;
  const inside = (...args: string[]): string => execFileSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  execFileSync('ip', ['netns', 'add', ns]);
  t.teardown(() => execFileSync('ip', ['netns', 'del', ns]));
  const max = Number(inside('cat', '/proc/sys/net/netfilter/nf_conntrack_max').trim());
  const dir = tempDir();
  const fill = (percent: number): number => {
    inside('conntrack', '-F');
    const count = Math.round((max * percent) / 100);
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      lines.push(`-I -p tcp -s 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} -d 198.51.100.1 --sport 40000 --dport 80 --state ESTABLISHED -t 600 -u ASSURED`);
    }
    writeFileSync(join(dir, 'entries.txt'), lines.join('\n') + '\n');
    if (count > 0) inside('conntrack', '-R', join(dir, 'entries.txt'));
    return count;
  };
  const config = join(dir, 'sensor.json');
  writeFileSync(config, JSON.stringify({
    server: '127.0.0.1', port: 7777, id: 'home-gw', key: 'ab'.repeat(32), state_file: join(dir, 'state.json'),
    checks: [{ name: 'ct', type: 'conntrack', warn_percent: 2, warn_clear_percent: 1, critical_percent: 3, critical_clear_percent: 2 }],
  }));
  const pass = async (): Promise<string> => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, cliPath, 'check', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await once(child, 'exit');
    return out.trim();
  };
  const grouped = (value: number): string => value.toLocaleString('en-US');

  const empty = await pass();
  t.equal(empty, `check ct (conntrack): ok: conntrack 0 % (0/${grouped(max)})`, 'the namespace\'s own table, empty');
  const steps: [number, RegExp][] = [
    [1.5, /: ok: conntrack 1\.5 %/],
    [2.5, /: failed \(now failing\): conntrack 2\.5 % .*, warning above 2 %$/],
    [3.5, /: failed: conntrack 3\.5 % .*, critical above 3 %$/],
    [2.5, /: failed: conntrack 2\.5 % .*, critical above 3 %$/],
    [1.5, /: failed: conntrack 1\.5 % .*, warning above 2 %$/],
    [0.5, /: ok \(recovered\): conntrack 0\.5 %/],
  ];
  for (const [percent, expected] of steps) {
    const count = fill(percent);
    const out = await pass();
    t.match(out, expected, `${percent} % (${count} entries)`);
    t.match(out, `(${grouped(count)}/${grouped(max)})`, 'the count is read from the namespace');
  }
});
