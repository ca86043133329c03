import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY_ENV, validateLogAnalysis } from '../../../server/analysis/config.js';
import { validateServerConfig } from '../../../server/config/server.js';
import { tempDir } from '../../helpers.js';

const dir = tempDir();
writeFileSync(join(dir, 'key'), 'sk-file-key\n');
writeFileSync(join(dir, 'id_ed25519'), 'PRIVATE KEY\n');
writeFileSync(join(dir, 'pw'), 'router-password\n');
const at = (value: string): string => join(dir, value);
const FP = 'SHA256:' + 'a'.repeat(43);
const SSH = { name: 'fw', type: 'ssh', host: '192.168.1.1', user: 'root', key_file: 'id_ed25519', host_key_sha256: FP, command: ['logread'] };

const check = (section: unknown, env: Record<string, string> = {}) => validateLogAnalysis({ log_analysis: section }, at, env);
const fails = (t: Test, section: unknown, key: string, env: Record<string, string> = {}): void => {
  t.throws(() => check(section, env), { code: 'ECONFIG', key }, key);
};

t.test('a full section is read with its defaults', async (t) => {
  const config = check({
    endpoint: { base_url: 'https://api.example.com/v1/', model: 'gpt-4o-mini', api_key_file: 'key' },
    sources: [
      { name: 'messages', type: 'file', path: '/var/log/messages', include: ['pppd'], exclude: ['DROP'] },
      { name: 'ppp', type: 'journal', unit: 'pppd.service', every: '10m', max_lines: 100 },
      { ...SSH, password_file: 'pw', port: 2222 },
    ],
    min_alert_severity: 'medium',
  })!;
  t.match(config, { minAlertSeverity: 'medium', dailyTokenBudget: 200_000, quietPeriodMs: 21_600_000, redactEmails: true, redactMacs: false, stateFile: null });
  t.match(config.endpoint, { baseUrl: 'https://api.example.com/v1', model: 'gpt-4o-mini', apiKey: 'sk-file-key', timeoutMs: 120_000, maxTokens: 2048 });
  t.match(config.sources[0], { type: 'file', path: '/var/log/messages', everyMs: 1_800_000, maxLines: 5000 });
  t.ok(config.sources[0]!.include[0]!.test('PPPD: x'), 'expressions ignore case');
  t.match(config.sources[1], { type: 'journal', unit: 'pppd.service', everyMs: 600_000, maxLines: 100 });
  t.match(config.sources[2], { type: 'ssh', port: 2222, privateKey: 'PRIVATE KEY', password: 'router-password', hostKeySha256: FP });
  t.equal(check(undefined), null);
  t.equal(check({ sources: [{ name: 'j', type: 'journal' }] })!.endpoint, null, 'no endpoint: the rules alone');
});

t.test('the API key may come from the environment; http:// to another machine with a key is refused', async (t) => {
  const endpoint = { base_url: 'http://127.0.0.1:11434/v1', model: 'llama3.1' };
  t.equal(check({ endpoint, sources: [{ name: 'j', type: 'journal' }] }, { [API_KEY_ENV]: 'sk-env' })!.endpoint!.apiKey, 'sk-env');
  t.equal(check({ endpoint, sources: [{ name: 'j', type: 'journal' }] })!.endpoint!.apiKey, null);
  fails(t, { endpoint: { ...endpoint, base_url: 'http://llm.example.net/v1' }, sources: [{ name: 'j', type: 'journal' }] }, 'log_analysis.endpoint.base_url', { [API_KEY_ENV]: 'sk-env' });
  const error = (() => { try { check({ endpoint: { base_url: 'ftp://x', model: 'm' }, sources: [] }); } catch (e) { return e as Error; } return null; })();
  t.notMatch(String(error?.message), /sk-/);
});

t.test('each bad setting is refused naming its key', async (t) => {
  const src = [{ name: 'j', type: 'journal' }];
  fails(t, [], 'log_analysis');
  fails(t, { sources: [] }, 'log_analysis.sources');
  fails(t, { sources: src, colour: 1 }, 'log_analysis.colour');
  fails(t, { sources: src, endpoint: 'x' }, 'log_analysis.endpoint');
  fails(t, { sources: src, endpoint: { model: 'm' } }, 'log_analysis.endpoint.base_url');
  fails(t, { sources: src, endpoint: { base_url: 'http://127.0.0.1/v1' } }, 'log_analysis.endpoint.model');
  fails(t, { sources: src, endpoint: { base_url: 'http://127.0.0.1/v1', model: 'm', api_key_file: 'none' } }, 'log_analysis.endpoint.api_key_file');
  fails(t, { sources: src, min_alert_severity: 'urgent' }, 'log_analysis.min_alert_severity');
  fails(t, { sources: src, redact_emails: 'yes' }, 'log_analysis.redact_emails');
  fails(t, { sources: src, daily_token_budget: -1 }, 'log_analysis.daily_token_budget');
  fails(t, { sources: ['x'] }, 'log_analysis.sources[0]');
  fails(t, { sources: [{ name: 'bad name', type: 'file', path: 'x' }] }, 'log_analysis.sources[0].name');
  fails(t, { sources: [{ name: 'a' }] }, 'log_analysis.sources[0].type');
  fails(t, { sources: [{ name: 'a', type: 'pipe' }] }, 'log_analysis.sources[0].type');
  fails(t, { sources: [{ name: 'a', type: 'file' }] }, 'log_analysis.sources[0].path');
  fails(t, { sources: [{ name: 'a', type: 'file', path: 'x', unit: 'u' }] }, 'log_analysis.sources[0].unit');
  fails(t, { sources: [{ name: 'a', type: 'file', path: 'x', every: '1s' }] }, 'log_analysis.sources[0].every');
  fails(t, { sources: [{ name: 'a', type: 'file', path: 'x', include: 'pppd' }] }, 'log_analysis.sources[0].include');
  fails(t, { sources: [{ name: 'a', type: 'file', path: 'x', exclude: ['(unclosed'] }] }, 'log_analysis.sources[0].exclude[0]');
  fails(t, { sources: [{ name: 'a', type: 'journal', unit: 'a b' }] }, 'log_analysis.sources[0].unit');
  fails(t, { sources: [{ name: 'a', type: 'journal' }, { name: 'a', type: 'journal' }] }, 'log_analysis.sources[1].name');
  fails(t, { sources: [{ ...SSH, host: '-oProxyCommand=x' }] }, 'log_analysis.sources[0].host');
  fails(t, { sources: [{ ...SSH, key_file: undefined }] }, 'log_analysis.sources[0].key_file');
  fails(t, { sources: [{ ...SSH, host_key_sha256: 'abc' }] }, 'log_analysis.sources[0].host_key_sha256');
  fails(t, { sources: [{ ...SSH, command: 'logread' }] }, 'log_analysis.sources[0].command');
  fails(t, { sources: [{ ...SSH, path: '/x' }] }, 'log_analysis.sources[0].path');
});

t.test('the server configuration carries the section, its state file relative to the config', async (t) => {
  const config = validateServerConfig({ client_log_dir: 'logs', log_analysis: { sources: [{ name: 'j', type: 'journal' }], state_file: 'la.json' } }, join(dir, 'server.json'), {});
  t.equal(config.logAnalysis!.stateFile, join(dir, 'la.json'));
  t.equal(validateServerConfig({ client_log_dir: 'logs' }, join(dir, 'server.json'), {}).logAnalysis, null);
});
