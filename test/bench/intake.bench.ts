/**
 * `npm run bench -- intake`: where the server's own time per heartbeat goes, stage by stage,
 * in process and without a socket: 100,000 configured sensors, each datagram a valid PING
 * with a fresh seq from an up sensor, as in the steady state of `npm run bench -- server`.
 * Each stage is timed cumulatively (the scan; then the scan and the sensor's lookup; …; then
 * acceptance and the state machine), so the differences are each stage's cost. This is what
 * the server adds to Node's own cost of a datagram, which `npm run bench -- server` measures
 * with the counting socket (docs/benchmarks.md sets the two side by side).
 */
import { performance } from 'node:perf_hooks';
import { HmacKeys } from '../../server/intake/hmacSha256.js';
import { acceptDatagram, ClientDirectory } from '../../server/intake/acceptance.js';
import { Monitor } from '../../server/core/monitor.js';
import { ClientTable } from '../../server/core/clientState.js';
import { encode, newScan, scanDatagram } from '../../shared/nm1.js';
import { sensorId, sensorKey } from './loadWorker.js';
import { median, QUICK } from './timing.js';

const SENSORS = 100_000;
const ROUNDS = QUICK ? 3 : 5;
/** Datagrams per round: each sensor's next seq, round robin, as the load generator sends them. */
const PER_ROUND = QUICK ? 100_000 : 200_000;

type Stage = (datagram: Buffer) => unknown;

export async function run(): Promise<void> {
  const keys = new HmacKeys();
  keys.reserve(SENSORS);
  const monitor = new Monitor(new ClientTable());
  monitor.reserve(SENSORS);
  const directory = new ClientDirectory(keys, monitor.clients);
  const now = { wall: Date.now(), mono: performance.now() };
  const sensorKeys = Array.from({ length: SENSORS }, (_, i) => sensorKey(i));
  for (let i = 0; i < SENSORS; i++) {
    const state = directory.add(sensorId(i), 3_600_000, keys.add(sensorKeys[i]!));
    // Up, as every sensor is in the steady state.
    monitor.heartbeat(state, { type: 'BOOT', boot: 1, seq: 0, uptime: 1, interval: 30, addr: '127.0.0.1' }, now);
  }
  let seq = 1;
  const datagrams = (): Buffer[] => {
    const out: Buffer[] = [];
    for (let i = 0; i < PER_ROUND; i++) out.push(encode({ sensor: sensorId(i % SENSORS), boot: 1, seq: seq + Math.floor(i / SENSORS), type: 'PING', uptime: 86_400, interval: 30 }, sensorKeys[i % SENSORS]!));
    seq += Math.ceil(PER_ROUND / SENSORS);
    return out;
  };

  const scan = newScan();
  let sink = 0;
  // The first steps of acceptDatagram (server/intake/acceptance.ts), one more at a time.
  const lookup = (d: Buffer): ReturnType<ClientDirectory['get']> => {
    scanDatagram(d, scan);
    return directory.get(d.toString('latin1', 4, scan.sensorEnd));
  };
  const stages: [string, Stage][] = [
    ['scan (shared/nm1.ts scanDatagram)', (d) => scanDatagram(d, scan)],
    ['+ sensor lookup (id string, map)', lookup],
    ['+ HMAC check', (d) => directory.macMatches(lookup(d)!.keySlot, d, scan.signedEnd)],
    ['+ replay window: acceptDatagram', (d) => acceptDatagram(directory, d, '127.0.0.1')],
    ['+ state machine (Monitor.heartbeat)', (d) => {
      const verdict = acceptDatagram(directory, d, '127.0.0.1');
      if (!verdict.ok || verdict.beat === undefined) throw new Error(`refused: ${verdict.ok ? 'a check' : verdict.reason}`);
      now.wall = Date.now();
      now.mono = performance.now();
      return monitor.heartbeat(verdict.client, verdict.beat, now).length;
    }],
  ];

  const results: [string, number][] = [];
  for (const [name, stage] of stages) {
    const times: number[] = [];
    for (let round = -1; round < ROUNDS; round++) {
      // Fresh seqs for every round, encoded before the clock starts: the replay window
      // refuses a seq twice, and a refused datagram would skip the later stages.
      const batch = datagrams();
      const began = performance.now();
      for (const datagram of batch) if (stage(datagram)) sink++;
      if (round >= 0) times.push(((performance.now() - began) / batch.length) * 1e6);
    }
    results.push([name, median(times)]);
  }
  if (sink === 0) throw new Error('no stage did anything');
  console.log(`${SENSORS.toLocaleString('en')} sensors, valid PINGs with fresh seqs round robin, median of ${ROUNDS} rounds of ${PER_ROUND.toLocaleString('en')}${QUICK ? ' (quick mode)' : ''}`);
  console.log('\n| stage, cumulative | ns per datagram | this stage |\n|---|---|---|');
  let before = 0;
  for (const [name, ns] of results) {
    console.log(`| ${name} | ${ns.toFixed(0)} | ${(ns - before).toFixed(0)} |`);
    before = ns;
  }
}
