/**
 * `npm run bench -- isoTime`: log/records.ts `iso`, which formats a record's time by hand
 * below the day, against `new Date(ms).toISOString()`. A burst of BOOTs writes two records a
 * datagram, each with one or two times, and toISOString was about a tenth of the server's
 * time in it (docs/benchmarks.md); this table is the reason, measured. Both format the same
 * times (a datagram's worth apart, across days), and their results are compared.
 */
import { iso } from '../../log/records.js';
import { msPerSyncCall, QUICK } from './timing.js';

const CALLS = QUICK ? 200_000 : 1_000_000;
const ROUNDS = QUICK ? 3 : 7;

export async function run(): Promise<void> {
  const start = Date.UTC(2026, 11, 2, 1);
  // A recovery's pair: the time now (50 µs apart, so some repeat) and its last heartbeat two
  // hours before, on the day before for the first hour.
  const times = Array.from({ length: 4096 }, (_, i) => start + Math.floor(i * 0.05) * 200 - (i % 2) * 7_200_000);
  let n = 0;
  let length = 0;
  const ours = (): void => {
    length += iso(times[n++ & 4095]!).length;
  };
  const node = (): void => {
    length += new Date(times[n++ & 4095]!).toISOString().length;
  };
  const wrong = times.filter((ms) => iso(ms) !== new Date(ms).toISOString()).length;
  if (wrong > 0) throw new Error(`${wrong} times formatted differently`);
  const oursMs = msPerSyncCall(ours, CALLS, ROUNDS);
  const nodeMs = msPerSyncCall(node, CALLS, ROUNDS);
  if (length === 0) throw new Error('nothing formatted');
  console.log(`median of ${ROUNDS} rounds of ${CALLS} times${QUICK ? ' (quick mode)' : ''}`);
  console.log('\n| record time | ns/op | ratio |\n|---|---|---|');
  console.log(`| log/records.ts iso | ${(oursMs * 1e6).toFixed(0)} | 1.00 |`);
  console.log(`| Date.prototype.toISOString | ${(nodeMs * 1e6).toFixed(0)} | ${(nodeMs / oursMs).toFixed(2)} |`);
}
