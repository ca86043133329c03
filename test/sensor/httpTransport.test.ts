/** The Node sensor's `"transport": "http"`: real POSTs to a real server's `/api/v1/nm1` on 127.0.0.1. */
import t from 'tap';
import { Sensor } from '../../sensor/sensor.js';
import type { SensorConfig } from '../../sensor/config.js';
import { startInProcess } from '../server/http/peer.js';

const KEY = Buffer.from('ab'.repeat(32), 'hex'); // home-gw's key in the peer's configuration

function config(nm1Url: string): SensorConfig {
  return { server: 'unused.invalid', port: 9, id: 'home-gw', key: KEY, keyFile: null, intervalS: 30, stateFile: '/nonexistent', stateFileSet: true, transport: 'http', nm1Url, checks: [] };
}

t.test('over HTTP the sensor posts each datagram, and the server accepts and counts them', async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const lines: string[] = [];
  const sensor = new Sensor({ config: config(`${peer.base}/api/v1/nm1`), boot: 4, log: (line) => lines.push(line), uptime: async () => 77.5 });
  await sensor.send('BOOT');
  await sensor.send('PING');
  t.equal(sensor.sent, 2, 'both were answered 204');
  t.equal(peer.server.stats().accepted, 2);
  t.equal(peer.server.clientState('home-gw')?.status, 'up');
  t.same(lines, [], 'nothing to log while it works');
});

t.test("a refusal over HTTP is logged once with the server's reason, and the recovery once", async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const lines: string[] = [];
  const url = `${peer.base}/api/v1/nm1`;
  // A sensor whose boot counter fell behind the server's window: every datagram is a replay.
  await new Sensor({ config: config(url), boot: 9, log: () => {}, uptime: async () => 1 }).send('BOOT');
  const behind = new Sensor({ config: config(url), boot: 8, log: (line) => lines.push(line), uptime: async () => 1 });
  for (let i = 0; i < 3; i++) await behind.send('PING');
  t.same(lines, [`network problem: ${url} answered 403 replay; still trying every 30s`]);
  await peer.stop();
  for (let i = 0; i < 3; i++) await behind.send('PING');
  t.equal(lines.length, 2, lines.join('\n'));
  t.match(lines[1], /cannot post to .* \(ECONNREFUSED\)/, 'a stopped server is a new problem, logged once');
});
