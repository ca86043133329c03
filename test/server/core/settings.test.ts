/** Grace, schedules and the saved @settings.json apply at start, with no HTTP section at all. */
import t, { type Test } from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateServerConfig } from '../../../server/config/server.js';
import { NetmonitorServer } from '../../../server/server.js';
import { tempDir } from '../../helpers.js';
import { captureLogger } from '../../peers/logger.js';

const KEY = 'ab'.repeat(32);
const OFFICE = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00', timezone: 'Europe/Berlin' };

async function start(t: Test, saved: unknown) {
  const dir = tempDir();
  mkdirSync(join(dir, 'logs'));
  if (saved !== undefined) writeFileSync(join(dir, 'logs', '@settings.json'), JSON.stringify(saved));
  const config = validateServerConfig({
    client_log_dir: 'logs',
    listen_address: '127.0.0.1',
    listen_port: 0,
    alert_outbox: 'outbox.mbox',
    clients: {
      office: { key: KEY, grace: '15m', schedule: OFFICE },
      home: { key: 'cd'.repeat(32), down_interval: '5m' },
      shop: { key: 'ef'.repeat(32) },
    },
  }, join(dir, 'server.json'), {});
  t.equal(config.http, null, 'no HTTP side is configured');
  const { logger, lines } = captureLogger();
  const server = new NetmonitorServer({ config, logger });
  await server.start();
  t.teardown(() => server.stop());
  return { server, lines };
}

t.test('a configured grace and business-hours schedule reach the monitor without an http section', async (t) => {
  const { server } = await start(t, undefined);
  const office = server.clientState('office')!;
  t.equal(office.graceMs, 15 * 60_000);
  t.match(office.schedule, { kind: 'hours', zone: 'Europe/Berlin', startMinute: 480, endMinute: 1080 });
  const home = server.clientState('home')!;
  t.equal(home.graceMs, 5 * 60_000, 'grace defaults to the down interval');
  t.equal(home.schedule.kind, 'always');
});

t.test('changes saved in @settings.json apply at start without an http section, and a bad entry is reported and skipped', async (t) => {
  const { server, lines } = await start(t, {
    version: 1,
    clients: { home: { down_interval: 600, schedule: OFFICE }, shop: { grace: 'soon' }, gone: { down_interval: 60 } },
  });
  const home = server.clientState('home')!;
  t.equal(home.downIntervalMs, 600_000, 'the saved interval wins over the configured one');
  t.equal(home.schedule.kind, 'hours');
  t.equal(server.clientState('shop')!.graceMs, 180_000, 'the bad entry left the configured settings');
  t.ok(lines.some((l) => /^warn @settings\.json: skipping shop: .*shop\.grace/.test(l)), 'and it was reported with its key');
  t.notOk(lines.some((l) => /gone/.test(l)), 'an entry of a client no longer configured is dropped quietly');
});
