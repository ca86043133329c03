/**
 * Maintenance through the real server process and a real SMTP server: a one-off window made
 * through the API covers two clients; the one that goes down and comes back inside it gets
 * no alert at all, the one still down when it ends gets its down alert then, once, across a
 * kill -9 inside the window. The report of the same logs shows the window and does not
 * count the outage against the ISP.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cliPath, readLog, tempDir } from '../../../helpers.js';
import { startSmtpPeer } from '../../../peers/smtp.js';
import { sleep, TestSensor } from '../../../peers/udp.js';
import { bearer, newToken, sha256Hex, startProcess } from '../../http/peer.js';

t.test('a client down and back inside a window gets no alert; one still down when it ends gets its down alert then, once, across a kill -9', async (t) => {
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  const key = randomBytes(32);
  const admin = newToken();
  const config = {
    smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_address: 'me@example.net',
    client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', down_interval: 1,
    alert_limits: { storm_hold: 0 },
    http: { listen_address: '127.0.0.1', port: 0, admin_token_sha256: sha256Hex(admin) },
    clients: { flaky: { key: key.toString('hex') }, dead: { key: key.toString('hex') }, outside: { key: key.toString('hex') } },
  };
  let server = await startProcess(dir, config);
  t.teardown(() => server.kill9());
  const reply = await fetch(`${server.base}/api/v1/maintenance`, {
    method: 'POST', headers: { ...bearer(admin), 'content-type': 'application/json' }, body: JSON.stringify({ duration: '25s', clients: ['flaky', 'dead'], reason: 'firmware update' }),
  });
  t.equal(reply.status, 201);
  const window = (await reply.json()) as { id: string; until: string };
  const ends = Date.parse(window.until);

  const sensors: TestSensor[] = [];
  t.teardown(() => sensors.forEach((s) => s.close()));
  const sensor = (id: string, boot: number): TestSensor => {
    const made = new TestSensor(id, key, server.udpPort, boot);
    sensors.push(made);
    return made;
  };
  await sensor('flaky', 1).ping('BOOT');
  await sensor('dead', 1).ping('BOOT');
  await sensor('outside', 1).ping('BOOT');
  await smtp.waitFor(1, 10_000);
  t.same(smtp.mails.map((m) => m.subject), ['DOWN: outside'], 'a client the window does not cover is alerted as usual');

  // flaky comes back inside the window; dead stays silent.
  const flakyLog = () => readLog(join(logDir, 'flaky.nmlog'));
  let flaky = sensor('flaky', 2);
  await flaky.ping('BOOT');
  let beat = setInterval(() => void flaky.ping('PING'), 300);
  t.teardown(() => clearInterval(beat));
  for (let waited = 0; flakyLog().filter((r) => r.type === 'withheld').length < 2; waited += 50) {
    if (waited > 10_000) throw new Error('flaky\'s alerts were not withheld');
    await sleep(50);
  }
  t.match(flakyLog().filter((r) => r.type === 'down' || r.type === 'up').map((r) => r.type), ['up', 'down', 'up'], 'the transitions are still logged');
  t.same(flakyLog().filter((r) => r.type === 'withheld').map((r) => r.why), ['maintenance', 'maintenance'], 'its down and its recovery are withheld');

  // A kill -9 inside the window: the restart must neither send flaky's alerts nor lose dead's.
  await server.kill9();
  clearInterval(beat);
  server = await startProcess(dir, config);
  flaky = sensor('flaky', 3);
  await flaky.ping('BOOT');
  beat = setInterval(() => void flaky.ping('PING'), 300);
  t.ok(Date.now() < ends, 'the restart is inside the window');
  await sleep(500);
  t.equal(smtp.mails.length, 1, 'nothing for flaky or dead while the window runs');

  await smtp.waitFor(2, ends - Date.now() + 10_000);
  t.ok(Date.now() >= ends - 100, 'the down alert comes when the window ends');
  t.equal(smtp.mails[1]!.subject, 'DOWN: dead', 'dead is still down: it gets its down alert');
  await sleep(2000);
  t.same(smtp.mails.map((m) => m.subject), ['DOWN: outside', 'DOWN: dead'], 'once, and nothing ever for flaky');
  const deadLog = readLog(join(logDir, 'dead.nmlog'));
  t.equal(deadLog.filter((r) => r.type === 'delivered').length, 1, 'the down is recorded delivered');
  t.equal(deadLog.filter((r) => r.type === 'withheld').length, 0);
  clearInterval(beat);
  await server.kill9();

  // The report of these logs: the window is listed, and flaky's outage inside it is not counted.
  const run = spawnSync(process.execPath, [cliPath, 'report', '--log-dir', logDir, '--format', 'json'], { encoding: 'utf8' });
  t.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { maintenance: Record<string, unknown>[]; clients: Record<string, any>[] };
  t.match(report.maintenance, [{ id: window.id, clients: ['flaky', 'dead'], reason: 'firmware update' }], 'the report lists the window');
  t.equal(Date.parse(report.maintenance[0]!.end as string), ends, 'with its end');
  const flakyReport = report.clients.find((c) => c.client === 'flaky')!;
  t.equal(flakyReport.outage_count, 0, 'the outage inside the window is not counted');
  t.equal(flakyReport.maintenance_outage_count, 1);
  t.match(flakyReport.outages, [{ maintenance: true }], 'it is listed, marked as maintenance');
  t.equal(flakyReport.downtime_s, 0);
  t.equal(flakyReport.uptime_pct, 100, 'nothing is counted against the ISP');
  t.ok(flakyReport.maintenance_s > 0);
  const deadReport = report.clients.find((c) => c.client === 'dead')!;
  t.equal(deadReport.outage_count, 1, 'dead is still down after the window: counted');
  t.ok(deadReport.downtime_s < deadReport.outages[0].duration_s, 'but only for the time after the window');
});
