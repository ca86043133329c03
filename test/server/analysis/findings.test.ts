import t from 'tap';
import { join } from 'node:path';
import { fingerprint, fromModel, fromRule, lineTime, observe, type Finding } from '../../../server/analysis/findings.js';
import { AnalysisStateFile } from '../../../server/analysis/state.js';
import { tempDir } from '../../helpers.js';

const POLICY = { minAlertSeverity: 'high' as const, quietPeriodMs: 3_600_000 };
const lcp = (severity: Finding['severity']): Finding => fromRule('router', { rule: 'lcp-timeouts', severity, title: 'PPPoE/LCP timeouts', evidence: ['2026-12-02T02:11:05Z pppd: No response to 5 echo-requests'], count: 3, template: 'lcp-timeouts' });

t.test('a finding alerts once, again on a change of severity, and again after a quiet period; the record survives a restart', async (t) => {
  const state = new AnalysisStateFile(join(tempDir(), '@log-analysis.json'));
  const pass = async (finding: Finding, now: number): Promise<number> => {
    const saved = await state.load();
    const alerts = observe(saved.findings, [finding, finding], now, POLICY);
    await state.save(saved);
    return alerts.length;
  };
  t.equal(await pass(lcp('high'), 0), 1, 'first seen: alerts (once, though found twice)');
  t.equal(await pass(lcp('high'), 1_000_000), 0, 'the same again after a restart: silent');
  t.equal(await pass(lcp('critical'), 2_000_000), 1, 'its severity changed');
  t.equal(await pass(lcp('critical'), 2_500_000), 0);
  t.equal(await pass(lcp('critical'), 2_500_000 + 3_600_000), 1, 'back after an hour unseen');
  t.equal(await pass(lcp('medium'), 9_000_000), 0, 'below min_alert_severity: recorded, not alerted');
  const saved = await state.load();
  t.match(Object.values(saved.findings), [{ severity: 'medium', alertedSeverity: 'critical', firstSeen: 0, lastSeen: 9_000_000, lineTime: Date.UTC(2026, 11, 2, 2, 11, 5) }]);
  t.equal(observe(saved.findings, [lcp('high')], 9_100_000, POLICY, false).length, 0, 'with alerting off nothing alerts');
});

t.test('fingerprints key on source, title and template; a model finding keys on its first evidence line\'s template', async (t) => {
  t.equal(lcp('high').fingerprint, fingerprint('router', 'PPPoE/LCP timeouts', 'lcp-timeouts'));
  t.not(fingerprint('router', 'a', 't'), fingerprint('other', 'a', 't'));
  const a = fromModel('router', { severity: 'medium', title: 'Port scan', evidence: ['DROP SRC=203.0.113.9 DPT=23'], count: 9, explanation: null });
  const b = fromModel('router', { severity: 'medium', title: 'port scan', evidence: ['DROP SRC=198.51.100.1 DPT=2323'], count: 4, explanation: null });
  t.equal(a.fingerprint, b.fingerprint, 'the same trouble from another address is the same finding');
  t.equal(fromModel('router', { severity: 'low', title: 'x', evidence: [], count: 1, explanation: null }).template, '');
  t.equal(lineTime('Dec  2 02:11:05 pppd'), null);
  t.equal(lineTime('2026-12-02 02:11:05+01:00 x'), Date.UTC(2026, 11, 2, 1, 11, 5));
});

t.test('a state file that is missing or damaged loads as empty', async (t) => {
  const dir = tempDir();
  const { writeFileSync, mkdirSync } = await import('node:fs');
  t.same(await new AnalysisStateFile(join(dir, 'none.json')).load(), { cursors: {}, pending: [], tokens: { day: '', used: 0 }, findings: {}, runs: [] });
  writeFileSync(join(dir, 'bad.json'), '{"cursors": ');
  t.same((await new AnalysisStateFile(join(dir, 'bad.json')).load()).cursors, {});
  writeFileSync(join(dir, 'list.json'), '[]');
  t.same((await new AnalysisStateFile(join(dir, 'list.json')).load()).runs, []);
  mkdirSync(join(dir, 'folder.json'));
  await t.rejects(new AnalysisStateFile(join(dir, 'folder.json')).load(), { code: 'EISDIR' });
});
