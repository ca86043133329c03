import t from 'tap';
import { LOG_BURST, LOG_REFILL_MS, Refusals, sensorIdIn } from '../../../server/intake/refusals.js';
import type { RefusalReason } from '../../../shared/nm1.js';

const T0 = 5_000_000;
const REASONS: RefusalReason[] = ['malformed', 'bad-mac', 'replay', 'unknown-sensor'];

/** The number of unlogged refusals a log line reports, 0 when it reports none. */
const unlogged = (line: string): number => Number(/\((\d+) more/.exec(line)?.[1] ?? 0);

t.test('a flood of 10,000 refusals in one second gives at most LOG_BURST log lines', async (t) => {
  const refusals = new Refusals(T0);
  const lines: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const line = refusals.refuse(REASONS[i % REASONS.length]!, '192.0.2.1', T0 + i / 10);
    if (line !== null) lines.push(line);
  }
  t.ok(lines.length <= LOG_BURST, `${lines.length} lines`);
  t.ok(lines.length > 0, 'the start of a flood is logged');
});

t.test('refusals are counted exactly per reason whether logged or not', async (t) => {
  const refusals = new Refusals(T0);
  for (let i = 0; i < 10_000; i++) refusals.refuse(REASONS[i % REASONS.length]!, '192.0.2.1', T0 + i / 10);
  t.same(refusals.counts, { malformed: 2500, 'bad-mac': 2500, replay: 2500, 'unknown-sensor': 2500 });
  t.equal(refusals.total, 10_000);
});

t.test('the next line logged after a flood says how many refusals were not logged', async (t) => {
  const refusals = new Refusals(T0);
  let logged = 0;
  for (let i = 0; i < 10_000; i++) if (refusals.refuse('bad-mac', '192.0.2.1', T0 + i / 10) !== null) logged++;
  const next = refusals.refuse('replay', '192.0.2.9', T0 + LOG_REFILL_MS + 1000);
  t.not(next, null);
  t.equal(unlogged(next!), 10_000 - logged);
  const after = refusals.refuse('replay', '192.0.2.9', T0 + 2 * LOG_REFILL_MS + 1000);
  t.equal(unlogged(after!), 0, 'the count starts again after being reported');
});

t.test('a flood lasting a minute is logged at the refill rate, not per datagram', async (t) => {
  const refusals = new Refusals(T0);
  let lines = 0;
  for (let ms = 0; ms < 60_000; ms += 10) if (refusals.refuse('malformed', '192.0.2.1', T0 + ms) !== null) lines++;
  t.ok(lines <= LOG_BURST + 60_000 / LOG_REFILL_MS, `${lines} lines`);
});

t.test('the log budget comes back after a quiet spell', async (t) => {
  const refusals = new Refusals(T0);
  for (let i = 0; i < 100; i++) refusals.refuse('malformed', '192.0.2.1', T0);
  let lines = 0;
  for (let i = 0; i < 100; i++) if (refusals.refuse('malformed', '192.0.2.1', T0 + 10 * LOG_BURST * LOG_REFILL_MS) !== null) lines++;
  t.equal(lines, LOG_BURST);
});

t.test('a clock that goes back does not mint log budget', async (t) => {
  const refusals = new Refusals(T0);
  let lines = 0;
  for (let i = 0; i < 100; i++) if (refusals.refuse('malformed', '192.0.2.1', T0 - i * LOG_REFILL_MS) !== null) lines++;
  t.equal(lines, LOG_BURST);
});

t.test("a refusal's log line names the sensor id the datagram carried", async (t) => {
  const refusals = new Refusals(T0);
  const line = refusals.refuse('unknown-sensor', '192.0.2.1', T0, Buffer.from(`NM1 home-gwx 3 0 PING 1 30 ${'0'.repeat(32)}`));
  t.equal(line, 'refused datagram from 192.0.2.1 (sensor home-gwx): unknown-sensor');
});

t.test('a carried sensor id is shown sanitised and cut short', async (t) => {
  t.equal(sensorIdIn(Buffer.from('NM1 bad\u0007"id 1 2')), '"bad??id"', 'control characters and quotes never reach the log');
  t.equal(sensorIdIn(Buffer.from(`NM1 ${'a'.repeat(300)}`)), JSON.stringify('a'.repeat(64) + '~'));
  t.equal(sensorIdIn(Buffer.from('PING')), null, 'no id in a datagram that is not NM1');
});

t.test("an unlisted original sensor's refusal gives the exact clients entry to add", async (t) => {
  const line = new Refusals(T0).refuse('legacy-unlisted', '203.0.113.7', T0, Buffer.from('PING'));
  t.match(line, 'refused datagram from 203.0.113.7: legacy-unlisted');
  t.match(line, 'add "203.0.113.7": {"legacy": true} to clients');
});
