/**
 * End to end, with real parts only: the `netmonitor sensor` command sends NM1 over UDP on
 * loopback to the `netmonitor server` command, which e-mails a real SMTP server.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, tempDir, readLog } from '../helpers.js';
import { startServer, writeConfig } from '../peers/serverProcess.js';
import { startSmtpPeer } from '../peers/smtp.js';
import { sleep, TestSensor } from '../peers/udp.js';

function logRecords(dir: string, client: string): Record<string, unknown>[] {
  return readLog(join(dir, `${client}.nmlog`));
}

t.test('a sensor going silent gives one down e-mail, and its return one recovery e-mail with the outage length', async (t) => {
  const dir = tempDir();
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const key = randomBytes(32).toString('hex');
  const serverConfig = writeConfig(dir, {
    username: 'mailbot@example.net',
    password: '',
    smtp_server: '127.0.0.1',
    smtp_port: smtp.port,
    smtp_tls: 'none', alert_limits: { storm_hold: 0 },
    alert_address: ['5551234567@sms.example.net', 'me@example.net'],
    client_log_dir: join(dir, 'logs'),
    listen_port: 0,
    listen_address: '127.0.0.1',
    down_interval: { seconds: 2 },
    alert_timezone: 'America/Chicago',
    clients: { 'home-gw': { key } },
  });
  const server = await startServer(serverConfig);
  t.teardown(() => server.kill9());

  const sensorConfig = writeConfig(dir, { server: 'localhost', port: server.port, id: 'home-gw', key, interval: 1, state_file: join(dir, 'sensor', 'state.json') }, 'sensor.json');
  const runSensor = () => spawn(process.execPath, [cliPath, 'sensor', '--config', sensorConfig], { stdio: 'ignore' });
  let sensor = runSensor();
  await server.waitForOutput(/alerts go to|listening/);
  await sleep(2500);
  sensor.kill('SIGTERM');

  const [down] = await smtp.waitFor(1, 10_000);
  t.equal(down!.subject, 'DOWN: home-gw', 'the subject alone says which client is down');
  t.match(down!.body, /^home-gw is DOWN/, 'the body names the client and the state');
  t.match(down!.body, /Last heard \d{4}-\d\d-\d\d \d\d:\d\d:\d\d (CST|CDT)/, 'the time is in the configured zone');
  t.ok(down!.body.length <= 160 && /^[\x20-\x7e\n]*$/.test(down!.body), `the body fits one SMS: ${JSON.stringify(down!.body)}`);
  t.same(down!.to.sort(), ['5551234567@sms.example.net', 'me@example.net'], 'every alert address gets it');
  t.equal(down!.from, 'mailbot@example.net', 'sent from the username by default');

  const records = logRecords(join(dir, 'logs'), 'home-gw');
  const downRecord = records.find((r) => r.type === 'down')!;
  const lag = down!.receivedAt - Date.parse(String(downRecord.at));
  t.ok(lag < 2000, `the down alert arrived within 2 s of the deadline (took ${lag} ms)`);
  // Monotonic and wall clocks are read a moment apart, so allow a few milliseconds.
  const stamp = Date.parse(String(downRecord.at)) - Date.parse(String(downRecord.last_up));
  t.ok(Math.abs(stamp - 2000) <= 5, `the transition is stamped at the deadline: last heartbeat + down_interval (${stamp} ms)`);

  sensor = runSensor();
  t.teardown(() => sensor.kill('SIGKILL'));
  const [, up] = await smtp.waitFor(2, 10_000);
  t.match(up!.subject, /^UP: home-gw after \d+s$/, 'the recovery subject carries the outage length');
  t.match(up!.body, /home-gw is UP again at .* The outage lasted \d+s\./);
  t.not(up!.messageId, down!.messageId, 'each alert has its own Message-ID');
  const upRecord = logRecords(join(dir, 'logs'), 'home-gw').find((r) => r.type === 'up' && r.first === false)!;
  t.equal(upRecord.outage_s, (Date.parse(String(upRecord.at)) - Date.parse(String(downRecord.last_up))) / 1000, 'the outage runs from the last heartbeat before to the first after');
  t.equal(upRecord.boot, 2, 'the restarted sensor came back with the next boot counter');

  sensor.kill('SIGTERM');
  const { code, output } = await server.stop();
  t.equal(code, 0, 'SIGTERM stops the server with status 0');
  const stats = JSON.parse(/stats (\{.*\})/.exec(output)![1]!) as { accepted: number; refused: Record<string, number> };
  t.ok(stats.accepted >= 2, `the final stats line counts accepted datagrams (${stats.accepted})`);
  t.same(stats.refused, {}, 'nothing was refused');
  t.equal(smtp.mails.length, 2, 'exactly two alerts for one outage');
});

t.test('hostile datagrams are refused and counted, and never cause an alert', async (t) => {
  const dir = tempDir();
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const key = randomBytes(32);
  const config = writeConfig(dir, {
    smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_limits: { storm_hold: 0 }, alert_address: 'me@example.net',
    client_log_dir: join(dir, 'logs'), listen_port: 0, listen_address: '127.0.0.1', down_interval: 1,
    clients: { 'home-gw': { key: key.toString('hex') }, '192.0.2.77': { legacy: true } },
  });
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  const forger = new TestSensor('home-gw', randomBytes(32), server.port);
  const stranger = new TestSensor('stranger', key, server.port);
  const honest = new TestSensor('home-gw', key, server.port);
  t.teardown(() => [forger, stranger, honest].forEach((s) => s.close()));

  const replayed = honest.heartbeat('BOOT');
  await honest.send(replayed);
  await sleep(1500); // the honest sensor goes silent: one real down alert
  await smtp.waitFor(1);
  for (let i = 0; i < 200; i++) {
    await forger.ping(); // bad MAC
    await stranger.ping(); // unknown sensor
    await honest.send(replayed); // replay of a real datagram
    await honest.send(randomBytes(i % 300)); // garbage, including empty and too long
    await honest.send(Buffer.from('PING')); // legacy form from a non-legacy address
  }
  await sleep(1500);
  t.equal(smtp.mails.length, 1, 'no forged, replayed or garbage datagram brought the client back up');
  const { code, output } = await server.stop();
  t.equal(code, 0);
  const stats = JSON.parse(/stats (\{.*\})/.exec(output)![1]!) as { accepted: number; refused: Record<string, number> };
  t.equal(stats.accepted, 1, 'only the one real datagram was accepted');
  // UDP on a busy machine may drop some of the flood; every one that arrived is counted.
  for (const reason of ['bad-mac', 'unknown-sensor', 'replay']) {
    t.ok((stats.refused[reason] ?? 0) > 0 && (stats.refused[reason] ?? 0) <= 200, `${reason}: ${stats.refused[reason]} counted`);
  }
  t.ok((stats.refused.malformed ?? 0) + (stats.refused['too-long'] ?? 0) + (stats.refused['not-ascii'] ?? 0) > 0, 'garbage is refused by shape');
  const logged = output.split('\n').filter((line) => line.includes('refused datagram')).length;
  t.ok(logged <= 12, `refusals are logged at a bounded rate (${logged} lines for 1000 refusals)`);
});

t.test('sensors listed in a clients file are heard, go down and come back like any other, and forgers are refused', async (t) => {
  const dir = tempDir();
  const smtp = await startSmtpPeer();
  t.teardown(() => smtp.close());
  const keys = [randomBytes(32), randomBytes(32), randomBytes(32)];
  writeFileSync(join(dir, 'fleet.txt'), `# shops\n${keys.map((key, i) => `shop-${i} ${key.toString('hex')}${i === 2 ? ' 1h' : ''}`).join('\n')}\n`);
  const config = writeConfig(dir, {
    smtp_server: '127.0.0.1', smtp_port: smtp.port, smtp_tls: 'none', alert_address: 'me@example.net',
    client_log_dir: join(dir, 'logs'), listen_port: 0, listen_address: '127.0.0.1', down_interval: 1,
    alert_limits: { storm_threshold: 100, storm_hold: 0 },
    clients_file: 'fleet.txt',
  });
  const server = await startServer(config);
  t.teardown(() => server.kill9());
  const sensors = keys.map((key, i) => new TestSensor(`shop-${i}`, key, server.port));
  const forger = new TestSensor('shop-0', randomBytes(32), server.port);
  t.teardown(() => [...sensors, forger].forEach((s) => s.close()));

  for (const sensor of sensors) await sensor.ping('BOOT');
  await forger.ping();
  // shop-0 and shop-1 have the 1 s default and go silent; shop-2 has its own hour.
  const downs = await smtp.waitFor(2);
  t.same(downs.map((mail) => /shop-\d/.exec(mail.subject)?.[0]).sort(), ['shop-0', 'shop-1'], 'one down alert for each silent sensor of the file');
  await sensors[0]!.ping();
  const [, , recovery] = await smtp.waitFor(3);
  t.match(recovery!.subject, /shop-0/, 'and a recovery when it is back');
  const { code, output } = await server.stop();
  t.equal(code, 0);
  const stats = JSON.parse(/stats (\{.*\})/.exec(output)![1]!) as { accepted: number; refused: Record<string, number> };
  t.equal(stats.accepted, 4);
  t.equal(stats.refused['bad-mac'], 1, "a datagram signed with another key is refused");
  t.match(logRecords(join(dir, 'logs'), 'shop-2'), [{ type: 'up', first: true }], 'the sensor with its own interval is still up');
});
