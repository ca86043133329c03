/**
 * The maintenance API over real HTTP on 127.0.0.1, against a server in this process: the
 * admin token, bad bodies answered with the key at fault, one-off windows kept over a
 * restart, deletion, and the record of each window in the server's own log.
 */
import t from 'tap';
import { join } from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadMaintenance, MAINTENANCE_FILE } from '../../../server/store/maintenanceFile.js';
import { readLog, tempDir } from '../../helpers.js';
import { bearer, startInProcess } from './peer.js';

const post = (base: string, token: string | null, body: string): Promise<Response> =>
  fetch(`${base}/api/v1/maintenance`, { method: 'POST', headers: { ...(token === null ? {} : bearer(token)), 'content-type': 'application/json' }, body });

// Every day, all day long but one minute: a configured window runs whenever the test does.
const recurring = { maintenance: [{ every: 'daily', from: '00:00', duration: '1439m', timezone: 'UTC', clients: ['cron-job'], reason: 'nightly backup' }] };

t.test('a one-off window needs the admin token, is listed, shows on its clients, survives a restart and can be deleted', async (t) => {
  const first = await startInProcess({ extra: recurring });
  t.teardown(() => first.stop());
  const body = JSON.stringify({ duration: '2h', clients: ['home-gw'], reason: 'new router' });
  t.equal((await post(first.base, null, body)).status, 401, 'no token: refused');
  t.equal((await post(first.base, 'wrong', body)).status, 401, 'a wrong token: refused');
  const created = await post(first.base, first.tokens.admin, body);
  t.equal(created.status, 201);
  const window = (await created.json()) as Record<string, any>;
  t.match(window, { id: /^m-[0-9a-f]{12}$/, source: 'api', clients: ['home-gw'], reason: 'new router', running: true });
  t.equal(Date.parse(window.until) - Date.parse(window.from), 7_200_000, 'two hours from now');

  const listed = (await (await fetch(`${first.base}/api/v1/maintenance`)).json()) as Record<string, any>;
  t.ok(listed.windows.some((w: { id: string }) => w.id === window.id), 'the one-off is listed');
  t.ok(listed.windows.some((w: { source: string; reason: string }) => w.source === 'config' && w.reason === 'nightly backup'), 'beside the configured one');
  const client = (await (await fetch(`${first.base}/api/v1/clients/home-gw`)).json()) as Record<string, any>;
  t.match(client.maintenance, { id: window.id, reason: 'new router', until: window.until }, 'the client says it is in maintenance');
  const all = (await (await fetch(`${first.base}/api/v1/clients`)).json()) as Record<string, any>;
  t.match(all.clients.find((c: { id: string }) => c.id === 'cron-job').maintenance, { reason: 'nightly backup' });
  await first.stop();

  const second = await startInProcess({ extra: recurring, dir: first.dir, tokens: first.tokens });
  t.teardown(() => second.stop());
  const after = (await (await fetch(`${second.base}/api/v1/maintenance`)).json()) as Record<string, any>;
  t.match(after.windows.find((w: { id: string }) => w.id === window.id), { from: window.from, until: window.until, reason: 'new router' }, 'the window is back after the restart');
  const configured = after.windows.find((w: { source: string }) => w.source === 'config');
  t.equal((await fetch(`${second.base}/api/v1/maintenance/${encodeURIComponent(configured.id)}`, { method: 'DELETE', headers: bearer(second.tokens.admin) })).status, 409, 'a configured window is changed in the configuration');
  t.equal((await fetch(`${second.base}/api/v1/maintenance/${window.id}`, { method: 'DELETE' })).status, 401, 'deleting needs the token');
  t.equal((await fetch(`${second.base}/api/v1/maintenance/${window.id}`, { method: 'DELETE', headers: bearer(second.tokens.admin) })).status, 200);
  t.equal((await fetch(`${second.base}/api/v1/maintenance/${window.id}`, { method: 'DELETE', headers: bearer(second.tokens.admin) })).status, 404, 'gone');
  const detail = (await (await fetch(`${second.base}/api/v1/clients/home-gw`)).json()) as Record<string, any>;
  t.equal(detail.maintenance, null, 'the client is out of maintenance');
  await second.stop();

  const records = readLog(join(first.dir, 'logs', '@server.nmlog')).filter((r) => r.type === 'maintenance' && r.id === window.id);
  t.ok(records.length >= 2, 'recorded when it started (and again at the restart inside it)');
  t.equal(records[0]!.until, new Date(Date.parse(window.until)).toISOString(), 'with its planned end');
  t.ok(Date.parse(records.at(-1)!.until as string) < Date.parse(window.until) - 3_600_000, 'and again with the real end when deleted');
  t.same(records[0]!.clients, ['home-gw']);
  t.equal(records[0]!.reason, 'new router');
  const saved = JSON.parse(readFileSync(join(first.dir, 'logs', '@maintenance.json'), 'utf8')) as { windows: unknown[] };
  t.same(saved.windows, [], 'the saved list no longer has it');
});

t.test('bad bodies are refused with the key at fault and change nothing', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const refused = async (body: string): Promise<Record<string, any>> => {
    const reply = await post(peer.base, peer.tokens.admin, body);
    t.equal(reply.status, 400, body);
    return (await reply.json()) as Record<string, any>;
  };
  t.match(await refused('not json'), { error: 'invalid', message: /the body must be a JSON object/ });
  t.match(await refused('[1]'), { message: /JSON object/ });
  t.match(await refused('{"from": "2026-12-02T10:00:00Z"}'), { key: 'until', message: /either until/ });
  t.match(await refused('{"until": "1h", "duration": "1h"}'), { key: 'until' });
  t.match(await refused('{"from": "yesterday", "duration": "1h"}'), { key: 'from', message: /ISO 8601/ });
  t.match(await refused('{"duration": "soon"}'), { key: 'duration' });
  t.match(await refused('{"until": "soon"}'), { key: 'until' });
  t.match(await refused('{"from": "2026-12-02T10:00:00Z", "until": "2026-12-02T09:00:00Z"}'), { key: 'until', message: /after from/ });
  t.match(await refused('{"duration": "40d"}'), { key: 'until', message: /31 days/ });
  t.match(await refused('{"from": "2020-01-01T00:00:00Z", "duration": "1h"}'), { key: 'until', message: /in the past/ });
  t.match(await refused('{"duration": "1h", "clients": ["nobody"]}'), { key: 'clients', message: /"nobody", which is no configured client/ });
  t.match(await refused('{"duration": "1h", "clients": "home-gw"}'), { key: 'clients' });
  t.match(await refused('{"duration": "1h", "reason": "a\\nb"}'), { key: 'reason' });
  t.match(await refused('{"duration": "1h", "why": "x"}'), { key: 'why', message: /unknown key/ });
  const listed = (await (await fetch(`${peer.base}/api/v1/maintenance`)).json()) as Record<string, any>;
  t.same(listed.windows, [], 'no window was made');
  const ok = await post(peer.base, peer.tokens.admin, JSON.stringify({ from: new Date(Date.now() + 3_600_000).toISOString().slice(0, 19), until: '30m' }));
  t.equal(ok.status, 201, 'a time without an offset is in the alert time zone; until as a duration after from');
  t.match(await ok.json(), { running: false, clients: null, reason: null });
});

t.test('a damaged @maintenance.json, or a bad entry in it, is reported and skipped: the server starts with what is good', async (t) => {
  const dir = tempDir();
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const warnings: string[] = [];
  writeFileSync(join(logs, MAINTENANCE_FILE), '{"windows": [');
  t.same(await loadMaintenance(logs, (w) => warnings.push(w)), []);
  t.match(warnings, [/is damaged/]);
  const good = { id: 'm-1', from: '2026-12-02T10:00:00.000Z', until: '2026-12-02T11:00:00.000Z' };
  writeFileSync(join(logs, MAINTENANCE_FILE), JSON.stringify({ windows: [good, { id: 'm-2' }, 'x', { ...good, id: 'm-3', until: 'never' }] }));
  const loaded = await loadMaintenance(logs, (w) => warnings.push(w));
  t.same(loaded.map((w) => w.id), ['m-1']);
  t.match(warnings.slice(1), [/windows\[1\]: not a window/, /windows\[2\]: not a window/, /windows\[3\]\.until/]);
  mkdirSync(join(dir, 'folder', MAINTENANCE_FILE), { recursive: true });
  t.same(await loadMaintenance(join(dir, 'folder'), (w) => warnings.push(w)), []);
  t.match(warnings.at(-1), /cannot read @maintenance.json: EISDIR/);
  t.same(await loadMaintenance(join(dir, 'none'), (w) => warnings.push(w)), [], 'no file: no windows, no warning');
  t.equal(warnings.length, 5);
});
