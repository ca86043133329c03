/**
 * stats() counts clients by status as transitions happen (server/core/clientState.ts keeps
 * the counts), so reading it never walks the clients. These tests check the counts against
 * what the clients' states say after heartbeats, deadlines, reported failures, a change of
 * settings and a restart.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Mailer } from '../../server/alerts/mailer.js';
import { validateServerConfig } from '../../server/config/server.js';
import { ALWAYS } from '../../server/core/schedule.js';
import { createServer } from '../../server/main.js';
import type { NetmonitorServer } from '../../server/server.js';
import { encode } from '../../shared/nm1.js';
import { tempDir } from '../helpers.js';
import { captureLogger } from '../peers/logger.js';

const IDS = ['a', 'b', 'c'] as const;
const KEYS = new Map(IDS.map((id) => [id, randomBytes(32)]));

async function harness(dir = tempDir()) {
  const config = validateServerConfig(
    {
      client_log_dir: join(dir, 'logs'), listen_address: '127.0.0.1', listen_port: 0, down_interval: 60,
      clients: Object.fromEntries(IDS.map((id) => [id, { key: KEYS.get(id)!.toString('hex') }])),
    },
    join(dir, 'server.json'),
  );
  const clock = { mono: 1_000_000, wall: Date.parse('2026-11-25T06:00:00Z') };
  // In-memory mail: these tests are about counting, and the SMTP path has its own real-server tests.
  const mailer: Mailer = { description: 'memory', send: async () => undefined, close: () => undefined };
  const server = createServer({ config, logger: captureLogger().logger, clock: { now: () => ({ ...clock }) }, mailer });
  await server.start();
  let seq = 0;
  const beat = (id: string) => server.receive(encode({ sensor: id, boot: 1, seq: seq++, type: 'PING', uptime: 1, interval: 30 }, KEYS.get(id as 'a')!), '127.0.0.1');
  const advance = async (ms: number) => {
    clock.mono += ms;
    clock.wall += ms;
    server.tick();
    await server.logs.settle();
  };
  return { server, beat, advance, dir };
}

/** The counts as a pass over every client finds them. */
function walked(server: NetmonitorServer): { up: number; down: number; unknown: number } {
  const counts = { up: 0, down: 0, unknown: 0 };
  for (const state of server.eachClientState()) counts[state.status]++;
  return counts;
}

t.test('the counts by status follow heartbeats, expired deadlines and reported failures', async (t) => {
  const { server, beat, advance } = await harness();
  t.teardown(() => server.stop());
  t.same(server.stats().clients, { up: 0, down: 0, unknown: 3 }, 'no client heard yet');
  beat('a');
  beat('b');
  t.same(server.stats().clients, { up: 2, down: 0, unknown: 1 });
  await advance(30_000);
  beat('b');
  await advance(31_000);
  t.same(server.stats().clients, { up: 1, down: 1, unknown: 1 }, 'a went silent past its interval');
  beat('a');
  t.same(server.stats().clients, { up: 2, down: 0, unknown: 1 }, 'a is back');
  server.failureOf('b', 'disk full');
  server.failureOf('b', 'disk full');
  t.same(server.stats().clients, { up: 1, down: 1, unknown: 1 }, 'b reported its failure (twice, counted once)');
  t.same(server.stats().clients, walked(server), 'the same as a pass over every client');
});

t.test('a change of settings moves no count', async (t) => {
  const { server, beat } = await harness();
  t.teardown(() => server.stop());
  beat('a');
  server.reconfigure('a', { downIntervalMs: 600_000, graceMs: 600_000, schedule: ALWAYS });
  server.reconfigure('c', { downIntervalMs: 600_000, graceMs: 0, schedule: ALWAYS });
  t.same(server.stats().clients, { up: 1, down: 0, unknown: 2 });
});

t.test('after a restart the counts are those of the restored states', async (t) => {
  const dir = tempDir();
  const first = await harness(dir);
  first.beat('a');
  first.beat('b');
  first.server.failureOf('b', 'power cut');
  await first.server.logs.settle();
  await first.server.stop();
  const second = await harness(dir);
  t.teardown(() => second.server.stop());
  t.same(second.server.stats().clients, { up: 1, down: 1, unknown: 1 }, 'a up, b down, c never heard');
  t.same(second.server.stats().clients, walked(second.server));
});

t.test('two servers in one process count their own clients only', async (t) => {
  const one = await harness();
  const other = await harness();
  t.teardown(async () => {
    await one.server.stop();
    await other.server.stop();
  });
  one.beat('a');
  one.server.failureOf('b', 'unplugged');
  t.same(one.server.stats().clients, { up: 1, down: 1, unknown: 1 });
  t.same(other.server.stats().clients, { up: 0, down: 0, unknown: 3 }, 'the other server heard nothing');
  t.equal(other.server.clientState('a')?.status, 'unknown', 'and its client a is its own');
});
