import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findingsNear, readLoggedFindings } from '../../log/findingsNear.js';
import { tempDir } from '../helpers.js';
import { at, firstUp, HOUR, MINUTE, outage, report, serverRun, writeLog, writeServerLog } from './logFiles.js';

const T0 = at('2026-12-02T00:00:00.000Z');
const NOW = at('2026-12-03T00:00:00.000Z');
const LAST_UP = at('2026-12-02T02:12:35.000Z');

function finding(title: string, lineTime: unknown, source = 'router'): Record<string, unknown> {
  return { fingerprint: title, source, origin: 'rule', severity: 'high', title, lineTime };
}

t.test('the text report places log findings beside the outage they came shortly before', async (t) => {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  writeLog(dir, 'gw', [...firstUp(T0), ...outage(LAST_UP, LAST_UP + 20 * MINUTE)]);
  writeFileSync(join(dir, '@log-analysis.json'), JSON.stringify({
    findings: {
      a: finding('PPPoE/LCP timeouts', LAST_UP - 90_000),
      b: finding('Link down on eth1', LAST_UP + 60_000),
      c: finding('Authentication failures from 203.0.113.9', LAST_UP - 3 * HOUR),
      d: finding('No time', null),
    },
  }));
  const text = await report({ logDir: dir, tz: 'UTC' }, NOW);
  t.match(text, /Log findings near outages\n    PPPoE\/LCP timeouts \(router, high\) from 2026-12-02 02:11:05 \+00:00, 90 s before the outage of 2026-12-02 02:12:35 \+00:00\n/);
  t.match(text, /Link down on eth1 \(router, high\) from 2026-12-02 02:13:35 \+00:00, 60 s after the outage of 2026-12-02 02:12:35 \+00:00 began/);
  t.notMatch(text, /Authentication failures/, 'a finding hours away is not placed beside it');

  const json = JSON.parse(await report({ logDir: dir, tz: 'UTC', format: 'json' }, NOW)) as { clients: { outages: { log_findings: unknown[] }[] }[] };
  t.same(json.clients[0]!.outages[0]!.log_findings, [
    { source: 'router', title: 'PPPoE/LCP timeouts', severity: 'high', at: '2026-12-02T02:11:05.000+00:00', before_s: 90 },
    { source: 'router', title: 'Link down on eth1', severity: 'high', at: '2026-12-02T02:13:35.000+00:00', before_s: -60 },
  ], 'json gives each outage the findings near it, with seconds before it (negative: after)');
  const html = await report({ logDir: dir, tz: 'UTC', format: 'html' }, NOW);
  t.match(html, /PPPoE\/LCP timeouts \(router, high\) from 2026-12-02 02:11:05 \+00:00, 90 s before the outage/, 'html notes the finding in the outage row');
  t.notMatch(html, /Authentication failures/);
});

t.test('findings are read leniently: a missing or damaged state file means none', async (t) => {
  const dir = tempDir();
  t.same(await readLoggedFindings(dir), []);
  writeFileSync(join(dir, '@log-analysis.json'), '{');
  t.same(await readLoggedFindings(dir), []);
  writeFileSync(join(dir, '@log-analysis.json'), '{"findings": 3}');
  t.same(await readLoggedFindings(dir), []);
  writeFileSync(join(dir, '@log-analysis.json'), JSON.stringify({ findings: { x: finding('B', 20), y: finding('A', 10), z: { title: 1 } } }));
  t.same((await readLoggedFindings(dir)).map((f) => f.title), ['A', 'B'], 'oldest first');
  t.same(findingsNear(1_000_000, [{ source: 's', title: 'x', severity: 'low', at: 1_000_000 - 15 * MINUTE - 1 }]), []);
});
