/**
 * Quiet hours of the e-mail channel as pure code on an injected wall clock: the config keys,
 * the SMS-sized digest text, and the outbox deferring e-mail alerts to one digest, written to
 * a real mbox file and recorded in the real client logs.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateChannels } from '../../../../server/alerts/channels/config.js';
import { fileMailer } from '../../../../server/alerts/mailer.js';
import { AlertOutbox, messageIdOf } from '../../../../server/alerts/outbox.js';
import { digestAlert } from '../../../../server/alerts/quiet/digest.js';
import { parseQuietHours } from '../../../../server/alerts/quiet/hours.js';
import { DEFAULT_LIMITS, StormControl } from '../../../../server/alerts/storm.js';
import type { DownEvent, UpEvent } from '../../../../server/core/events.js';
import { LogDirectory } from '../../../../server/store/logDirectory.js';
import { readLog, tempDir, thrown } from '../../../helpers.js';
import { captureLogger } from '../../../peers/logger.js';

const at = (hhmm: string): number => Date.parse(`2026-12-02T${hhmm}:00Z`);
const down = (client: string, time: string, reason?: string): DownEvent => ({ type: 'down', client, at: at(time), lastUp: at(time) - 60_000, downIntervalMs: 60_000, transitionId: `d-${client}-${time.replace(':', '')}`, ...(reason === undefined ? {} : { reason }) });
const up = (client: string, time: string, outageMs: number): UpEvent => ({ type: 'up', client, at: at(time), lastUp: at(time) - outageMs, outageMs, transitionId: `u-${client}-${time.replace(':', '')}` });
const night = parseQuietHours({ from: '22:00', to: '07:00', timezone: 'UTC' }, 'channels.email.quiet_hours', 'UTC');
const noSecrets = (): never => {
  throw new Error('no secret files here');
};

t.test('the e-mail channel takes quiet_hours and urgent, and other code reads them as attention.email', async (t) => {
  const config = validateChannels({ smtp_server: 'mail.example.net', alert_address: 'me@example.net', alert_timezone: 'Europe/Berlin', channels: { email: { type: 'email', quiet_hours: { from: '22:00', to: '07:00' }, urgent: true } } }, noSecrets, {});
  t.equal(config.email, true);
  t.same(config.attention.email, { quiet: { from: 22 * 3600, to: 7 * 3600, timezone: 'Europe/Berlin' }, urgent: true }, 'the zone defaults to alert_timezone');
  t.equal(validateChannels({ smtp_server: 'mail.example.net', alert_address: 'me@example.net' }, noSecrets, {}).attention.email, undefined, 'the implicit e-mail channel has no quiet hours');
});

t.test('bad quiet hours or urgency on the e-mail channel name the key, and other keys are still refused', async (t) => {
  const check = (email: Record<string, unknown>): unknown => thrown(() => validateChannels({ smtp_server: 'mail.example.net', alert_address: 'me@example.net', channels: { email: { type: 'email', ...email } } }, noSecrets, {}));
  t.match(check({ quiet_hours: { from: '22:00', to: '7' } }), { code: 'ECONFIG', message: /channels\.email\.quiet_hours\.to/ });
  t.match(check({ urgent: 'yes' }), { code: 'ECONFIG', message: /channels\.email\.urgent/ });
  t.match(check({ smtp_port: 25 }), { code: 'ECONFIG', message: /channels\.email\.smtp_port/ });
});

t.test('the e-mail digest is ASCII, fits one SMS, and counts the lines it leaves out while still naming what is down', async (t) => {
  const short = digestAlert([down('home-gw', '02:13', 'power'), up('home-gw', '02:41', 28 * 60_000)], 'UTC');
  t.same(short, { subject: 'QUIET HOURS OVER: 1 change, 0 down', body: 'home-gw down 02:13-02:41 (28m 00s, power)\nNothing is down now.' });
  const fleet = Array.from({ length: 8 }, (_, i) => down(`shop-${i}`, '03:00'));
  const long = digestAlert([up('cabin', '02:00', 60_000), ...fleet], 'UTC');
  t.equal(long.subject, 'QUIET HOURS OVER: 9 changes, 8 down');
  t.ok(long.body.length <= 160, `${long.body.length} characters`);
  t.match(long.body, /^cabin up again at 02:00 after 1m 00s\n/);
  const lines = long.body.split('\n');
  t.equal(lines.at(-2), `+${9 - (lines.length - 2)} more`, 'the lines left out are counted');
  t.equal(lines.at(-1), `Still down: ${fleet.map((e) => e.client).join(', ')}.`, 'what is still down is always named');
  const recoveries = Array.from({ length: 31 }, (_, i) => up(`gw-${i}`, '04:00', 60_000));
  const night = digestAlert(recoveries, 'UTC').body.split('\n');
  t.equal(night.at(-2), `+${31 - (night.length - 2)} more`, 'the lines cut here and those the digest cut itself are counted together');
  t.ok(/^[\x20-\x7e\n]*$/.test(long.body + short.body), 'printable ASCII only');
});

function quietOutbox(attention: { urgent: boolean }, dir = tempDir(), holdMs = 0) {
  let now = at('01:30');
  let monotonic = 0;
  const mbox = join(dir, 'outbox.mbox');
  const { logger } = captureLogger();
  const storm = new StormControl({ ...DEFAULT_LIMITS, holdMs });
  const box = new AlertOutbox({
    mailer: fileMailer(mbox), logs: new LogDirectory(dir), logger, from: 'm@example.net', to: ['me@example.net'], timezone: 'UTC', storm,
    now: () => now, monotonic: () => monotonic, attention: { quiet: night, urgent: attention.urgent },
  });
  (box as unknown as { kick(): void }).kick = () => undefined;
  const headers = (name: string): string[] => {
    let text = '';
    try {
      text = readFileSync(mbox, 'utf8');
    } catch {
      return [];
    }
    return [...text.matchAll(new RegExp(`^${name}: (.*)$`, 'gim'))].map((m) => m[1]!);
  };
  const delivered = (client: string) => readLog(join(dir, `${client}.nmlog`)).filter((r) => r.type === 'delivered').map((r) => `${String(r.ref)} ${String(r.via)}`);
  return { box, dir, headers, delivered, setNow: (ms: number) => (now = ms), tick: (ms: number) => (monotonic += ms) };
}

t.test('during quiet hours e-mail alerts wait, and when the window ends one digest covers them, recorded delivered via digest', async (t) => {
  const { box, headers, delivered, setNow } = quietOutbox({ urgent: false });
  box.enqueue(down('home-gw', '01:00'));
  box.enqueue(up('home-gw', '01:20', 20 * 60_000));
  t.equal(box.releaseSummaries(), 0);
  t.same(await box.deliverBatch(), { sent: 0, dropped: 0, retry: false }, 'nothing is sent during the window');
  t.match(box.states.of('home-gw', (ms) => new Date(ms).toISOString()), [{ id: 'd-home-gw-0100', channels: { email: { state: 'deferred', until: '2026-12-02T07:00:00.000Z' } } }, { id: 'u-home-gw-0120' }]);
  t.same(headers('Subject'), []);
  setNow(at('06:59'));
  t.equal(box.releaseSummaries(), 0, 'still quiet a minute before the end');
  setNow(at('07:00'));
  t.equal(box.releaseSummaries(), 1, 'one digest when the window ends');
  t.equal(box.releaseSummaries(), 0, 'and only one');
  t.same(await box.deliverBatch(), { sent: 1, dropped: 0, retry: false });
  await box.recorded();
  t.same(headers('Subject'), ['QUIET HOURS OVER: 1 change, 0 down']);
  t.match(headers('Message-ID'), [/^<summary-digest-[0-9a-f]{24}@netmonitor>$/], 'a stable id, the same as a re-send would have');
  t.same(delivered('home-gw'), ['d-home-gw-0100 digest', 'u-home-gw-0120 digest'], 'both alerts marked delivered by the digest');
  t.equal(box.depth, 0);
});

t.test('an urgent e-mail channel sends a down at once during quiet hours and keeps the recovery for the digest', async (t) => {
  const { box, headers, delivered, setNow } = quietOutbox({ urgent: true });
  box.enqueue(down('home-gw', '01:00', 'power'));
  await box.deliverBatch();
  box.enqueue(up('home-gw', '01:20', 20 * 60_000));
  await box.deliverBatch();
  t.same(headers('Subject'), ['DOWN: home-gw'], 'the down goes out, the up waits');
  t.same(headers('Message-ID'), [messageIdOf('d-home-gw-0100')]);
  setNow(at('07:00') + 30_000);
  box.releaseSummaries();
  await box.deliverBatch();
  await box.recorded();
  t.same(headers('Subject'), ['DOWN: home-gw', 'QUIET HOURS OVER: 1 change, 0 down']);
  t.same(delivered('home-gw'), ['d-home-gw-0100 undefined', 'u-home-gw-0120 digest']);
});

t.test('outside quiet hours e-mail alerts go out as before', async (t) => {
  const { box, headers, setNow } = quietOutbox({ urgent: false });
  setNow(at('12:00'));
  box.enqueue(down('home-gw', '12:00'));
  await box.deliverBatch();
  t.same(headers('Subject'), ['DOWN: home-gw']);
});

t.test('alerts offered again after a restart in quiet hours wait again and reach the same digest id', async (t) => {
  const first = quietOutbox({ urgent: false });
  first.box.enqueue(down('home-gw', '01:00'));
  // A restart: a new outbox on the same logs, offered the undelivered alert again.
  const second = quietOutbox({ urgent: false }, first.dir);
  second.box.enqueue(down('home-gw', '01:00'));
  await second.box.deliverBatch();
  t.same(second.headers('Subject'), [], 'it waits again');
  second.setNow(at('07:00'));
  first.setNow(at('07:00'));
  second.box.releaseSummaries();
  await second.box.deliverBatch();
  t.same(second.headers('Subject'), ['QUIET HOURS OVER: 1 change, 1 down']);
  t.equal(first.box.releaseSummaries(), 1, 'the same alerts give the same digest');
  t.equal(first.box.mailOf({ kind: 'summary', summary: { reason: 'digest', events: [down('home-gw', '01:00')] } }, new Date()).messageId, second.headers('Message-ID')[0], 'the same Message-ID: a repeat is recognisable');
});

t.test('a storm_hold summary of downs waits for the digest on a quiet e-mail channel and goes out at once on an urgent one', async (t) => {
  for (const urgent of [false, true]) {
    const { box, headers, delivered, setNow, tick } = quietOutbox({ urgent }, tempDir(), 10_000);
    box.enqueue(down('home-gw', '01:00'));
    box.enqueue(down('cabin', '01:00'));
    tick(10_000);
    box.releaseSummaries();
    await box.deliverBatch();
    t.same(headers('Subject'), urgent ? ['DOWN: 2 clients'] : [], urgent ? 'urgent: the summary of downs is mailed' : 'quiet: the summary waits');
    setNow(at('07:00'));
    box.releaseSummaries();
    await box.deliverBatch();
    await box.recorded();
    t.same(headers('Subject'), urgent ? ['DOWN: 2 clients'] : ['QUIET HOURS OVER: 2 changes, 2 down'], 'and no digest repeats what went out');
    t.same(delivered('cabin'), [`d-cabin-0100 ${urgent ? 'summary' : 'digest'}`]);
  }
});
