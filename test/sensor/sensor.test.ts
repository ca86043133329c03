import t from 'tap';
import { parseDatagram, verifyMac } from '../peers/nm1Reference.js';
import { Sensor } from '../../sensor/sensor.js';
import type { SensorConfig } from '../../sensor/config.js';
import { udpListener } from '../peers/udp.js';

const KEY = Buffer.alloc(32, 0x5a);

function config(port: number, server = '127.0.0.1'): SensorConfig {
  return { server, port, id: 'home-gw', key: KEY, keyFile: null, intervalS: 1, stateFile: '/nonexistent', stateFileSet: true, transport: 'udp', nm1Url: null, checks: [] };
}

const waitFor = async (condition: () => boolean, ms: number): Promise<void> => {
  const until = Date.now() + ms;
  while (!condition() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
};

t.test('a sensor sends three BOOTs then PINGs, each signed with its key and numbered from seq 0', async (t) => {
  const { port, received } = await udpListener(t);
  const sensor = new Sensor({ config: config(port), boot: 12, log: () => {}, uptime: async () => 4160.979, random: () => 0.5 });
  sensor.start();
  t.teardown(() => sensor.stop());
  await waitFor(() => received.length >= 4, 6000);
  sensor.stop();
  const heartbeats = received.slice(0, 4).map((datagram) => {
    const parsed = parseDatagram(datagram);
    if (!parsed.ok) throw new Error(`refused: ${parsed.reason}`);
    t.ok(verifyMac(KEY, parsed.signed, parsed.mac), 'the MAC verifies');
    return parsed.heartbeat;
  });
  t.same(heartbeats.map((h) => h.type), ['BOOT', 'BOOT', 'BOOT', 'PING']);
  t.same(heartbeats.map((h) => h.seq), [0, 1, 2, 3]);
  t.match(heartbeats[0], { sensor: 'home-gw', boot: 12, uptime: 4160.979, interval: 1 });
});

t.test('a sensor whose uptime is unknown sends "-" and the datagram still parses', async (t) => {
  const { port, received } = await udpListener(t);
  const sensor = new Sensor({ config: config(port), boot: 1, log: () => {}, uptime: async () => null });
  await sensor.send('PING');
  await waitFor(() => received.length >= 1, 2000);
  t.match(parseDatagram(received[0]!), { ok: true, heartbeat: { uptime: null } });
});

t.test('an unresolvable server is logged once, and recovery once, not once per datagram', async (t) => {
  const { port, received } = await udpListener(t);
  const lines: string[] = [];
  // The sensor looks the name up before every datagram, so changing it here is what a DNS
  // record that starts to resolve looks like to the sensor.
  const settings = config(port, 'nonexistent.invalid');
  const sensor = new Sensor({ config: settings, boot: 1, log: (line) => lines.push(line), uptime: async () => 1 });
  for (let i = 0; i < 5; i++) await sensor.send('PING');
  t.equal(lines.length, 1, lines.join('\n'));
  t.match(lines[0], 'nonexistent.invalid');
  settings.server = '127.0.0.1';
  for (let i = 0; i < 5; i++) await sensor.send('PING');
  t.equal(lines.length, 2, lines.join('\n'));
  t.match(lines[1], '127.0.0.1');
  await waitFor(() => received.length >= 5, 2000);
  t.same(received.map((d) => (parseDatagram(d) as { heartbeat: { seq: number } }).heartbeat.seq), [5, 6, 7, 8, 9], 'seq counts datagrams that could not be sent too');
  sensor.stop();
});

t.test('the delay between PINGs is the interval give or take 5 %', async (t) => {
  const at = (random: number): number => new Sensor({ config: config(9), boot: 1, log: () => {}, random: () => random }).nextDelayMs();
  t.equal(at(0.5), 1000);
  t.equal(at(0), 950);
  t.equal(at(1), 1050);
});

t.test('stopping a sensor twice is harmless', async (t) => {
  const { port } = await udpListener(t);
  const sensor = new Sensor({ config: config(port), boot: 1, log: () => {}, uptime: async () => 1 });
  await sensor.send('PING');
  sensor.stop();
  t.doesNotThrow(() => sensor.stop());
});
