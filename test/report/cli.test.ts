import t from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, tempDir } from '../helpers.js';
import { firstUp, outage, writeLog } from './logFiles.js';

function netmonitor(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

t.test('a missing log folder exits with status 2 naming the folder, without a stack trace', async (t) => {
  const dir = join(tempDir(), 'missing');
  const result = netmonitor('report', '--log-dir', dir);
  t.equal(result.status, 2);
  t.match(result.stderr, dir);
  t.notMatch(result.stderr, /\bat .*\.js:\d+/, 'no stack trace');
});

t.test('a config names the folder through client_log_dir, relative to the config file', async (t) => {
  const dir = tempDir();
  writeLog(join(dir, 'logs'), 'gw', [...firstUp(Date.now() - 7_200_000), ...outage(Date.now() - 3_600_000, Date.now() - 1_800_000)]);
  // The secrets the server would need are not readable here, and a report does not need them.
  writeFileSync(join(dir, 'server.json'), JSON.stringify({ client_log_dir: 'logs', password_file: '%d/smtp', clients: {} }));
  const result = netmonitor('report', '--config', join(dir, 'server.json'), '--format', 'json');
  t.equal(result.status, 0, result.stderr);
  const json = JSON.parse(result.stdout) as { clients: { client: string; outages: { duration_s: number }[] }[] };
  t.equal(json.clients[0]?.client, 'gw');
  t.equal(json.clients[0]?.outages[0]?.duration_s, 1800);
});

t.test('a config without client_log_dir and bad arguments exit with status 2', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'server.json'), JSON.stringify({}));
  const cases: [string[], RegExp][] = [
    [['report', '--config', join(dir, 'server.json')], /client_log_dir/],
    [['report', '--config', join(dir, 'nope.json')], /nope\.json/],
    [['report'], /--log-dir/],
    [['report', '--log-dir', dir, '--config', join(dir, 'server.json')], /not both/],
    [['report', '--log-dir', dir, '--since', 'soon'], /--since: "soon" is neither/],
    [['report', '--log-dir', dir, '--until', '2026-13-01'], /--until: "2026-13-01" is not a valid date/],
    [['report', '--log-dir', dir, '--tz', 'Nowhere/City'], /--tz/],
    [['report', '--log-dir', dir, '--format', 'docx'], /format/],
    [['report', '--log-dir', dir, 'ghost'], /ghost/],
  ];
  for (const [args, message] of cases) {
    const result = netmonitor(...args);
    t.equal(result.status, 2, args.join(' '));
    t.match(result.stderr, message, args.join(' '));
  }
});

t.test("with --config the report's times are in the alerts' zone (alert_timezone), and --tz still wins", async (t) => {
  const dir = tempDir();
  writeLog(join(dir, 'logs'), 'gw', [...firstUp(Date.now() - 7_200_000), ...outage(Date.now() - 3_600_000, Date.now() - 1_800_000)]);
  writeFileSync(join(dir, 'server.json'), JSON.stringify({ client_log_dir: 'logs', alert_timezone: 'America/Chicago' }));
  const inConfigZone = netmonitor('report', '--config', join(dir, 'server.json'), '--format', 'json');
  t.equal(inConfigZone.status, 0, inConfigZone.stderr);
  t.equal((JSON.parse(inConfigZone.stdout) as { timezone: string }).timezone, 'America/Chicago');
  const overridden = netmonitor('report', '--config', join(dir, 'server.json'), '--format', 'json', '--tz', 'Europe/Berlin');
  t.equal((JSON.parse(overridden.stdout) as { timezone: string }).timezone, 'Europe/Berlin');
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ client_log_dir: 'logs', alert_timezone: 'Mars/Olympus' }));
  const bad = netmonitor('report', '--config', join(dir, 'bad.json'));
  t.equal(bad.status, 2);
  t.match(bad.stderr, /alert_timezone/);
});

t.test("--title and each client's label and account from the config head the report", async (t) => {
  const dir = tempDir();
  writeLog(join(dir, 'logs'), 'gw', [...firstUp(Date.now() - 7_200_000), ...outage(Date.now() - 3_600_000, Date.now() - 1_800_000)]);
  writeFileSync(join(dir, 'server.json'), JSON.stringify({ client_log_dir: 'logs', clients: { gw: { key: 'ab'.repeat(32), label: 'Jane Doe, 12 Elm St', account: '0012345' } } }));
  const config = join(dir, 'server.json');
  const text = netmonitor('report', '--config', config, '--title', 'Outages at 12 Elm St, case 7781');
  t.equal(text.status, 0, text.stderr);
  t.match(text.stdout, /^Outages at 12 Elm St, case 7781\n/);
  t.match(text.stdout, /\ngw\n  Jane Doe, 12 Elm St, account 0012345\n/);
  const html = netmonitor('report', '--config', config, '--title', 'Case <7781>', '--format', 'html').stdout;
  t.match(html, '<h1>Case &lt;7781&gt;</h1>');
  t.match(html, '<p class="label">Jane Doe, 12 Elm St, account 0012345</p>');
  const json = JSON.parse(netmonitor('report', '--config', config, '--title', 'Case 7781', '--format', 'json').stdout) as { title: string; clients: { label: string; account: string }[] };
  t.equal(json.title, 'Case 7781');
  t.match(json.clients[0], { label: 'Jane Doe, 12 Elm St', account: '0012345' });
});
