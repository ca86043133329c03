import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { CSV_COLUMNS } from '../../report/csvFormat.js';
import { at, firstUp, HOUR, MINUTE, outage, report, serverRun, writeLog, writeServerLog } from './logFiles.js';

const T0 = at('2026-11-25T00:00:00.000Z');
const NOW = at('2026-11-26T00:00:00.000Z');
const CUT = at('2026-11-25T02:13:00.000Z');

/** Five clients in group comcast-denver, one in another group; `down` of the group lose their line at 02:13 (within a minute of each other). */
function logSet(down: number, others: 'up' | 'down' = 'up'): { dir: string; config: string } {
  const dir = tempDir();
  writeServerLog(dir, serverRun(T0 - HOUR, NOW));
  const clients: Record<string, unknown> = {};
  for (let i = 1; i <= 5; i++) {
    const id = `denver-${i}`;
    clients[id] = { group: 'comcast-denver' };
    writeLog(dir, id, [...firstUp(T0), ...(i <= down ? outage(CUT + i * 10_000, CUT + 40 * MINUTE) : [])]);
  }
  clients['boulder-1'] = { group: 'xfinity-boulder' };
  writeLog(dir, 'boulder-1', [...firstUp(T0), ...(others === 'down' ? outage(CUT + 50_000, CUT + 30 * MINUTE) : outage(CUT + 3 * HOUR, CUT + 4 * HOUR))]);
  const config = join(dir, 'server.json');
  writeFileSync(config, JSON.stringify({ client_log_dir: '.', clients }));
  return { dir, config };
}

interface Json {
  correlated_outages: { kind: string; group: string | null; down: number; of: number; clients: string[] }[];
  clients: { client: string; group: string | null; outages: { correlation: { kind: string } | null }[] }[];
}

t.test('four of five clients of one group going down together is reported ISP-wide, on each of their outages', async (t) => {
  const { config } = logSet(4);
  const json = JSON.parse(await report({ config, tz: 'UTC', format: 'json' }, NOW)) as Json;
  t.same(json.correlated_outages, [{ kind: 'isp-wide', group: 'comcast-denver', at: '2026-11-25T02:13:10.000+00:00', down: 4, of: 5, clients: ['denver-1', 'denver-2', 'denver-3', 'denver-4'] }]);
  const byClient = new Map(json.clients.map((client) => [client.client, client]));
  t.equal(byClient.get('denver-1')!.group, 'comcast-denver');
  t.equal(byClient.get('denver-4')!.outages[0]!.correlation!.kind, 'isp-wide');
  t.equal(byClient.get('boulder-1')!.outages[0]!.correlation, null, 'an outage hours later is its own');
  const text = await report({ config, tz: 'America/Denver' }, NOW);
  t.match(text, /ISP-wide: 4 of 5 clients of group comcast-denver down at 2026-11-24 19:13:10 -07:00/);
  const html = await report({ config, tz: 'UTC', format: 'html' }, NOW);
  t.match(html, /<li>ISP-wide: 4 of 5 clients of group comcast-denver down at 2026-11-25 02:13:10 \+00:00 \(denver-1, denver-2, denver-3, denver-4\)<\/li>/);
  const rows = (await report({ config, tz: 'UTC', format: 'csv', clients: ['denver-2'] }, NOW)).trimEnd().split('\r\n');
  t.equal(rows[1]!.split(',')[CSV_COLUMNS.indexOf('correlation')], 'isp-wide');
});

t.test('one client of a group going down alone is not ISP-wide', async (t) => {
  const { config } = logSet(1);
  const json = JSON.parse(await report({ config, tz: 'UTC', format: 'json' }, NOW)) as Json;
  t.same(json.correlated_outages, []);
});

t.test('two of five of a group is not enough to blame the ISP: fewer than half', async (t) => {
  const { config } = logSet(2);
  const json = JSON.parse(await report({ config, tz: 'UTC', format: 'json' }, NOW)) as Json;
  t.same(json.correlated_outages, []);
});

t.test("every client going down at once points at the monitor's own uplink, with or without groups", async (t) => {
  const { dir, config } = logSet(5, 'down');
  const json = JSON.parse(await report({ config, tz: 'UTC', format: 'json' }, NOW)) as Json;
  t.match(json.correlated_outages, [{ kind: 'uplink', group: null, down: 6, of: 6 }]);
  t.equal(json.correlated_outages.length, 1, 'not ISP-wide as well');
  const text = await report({ logDir: dir, tz: 'UTC' }, NOW);
  t.match(text, /all 6 clients down at 2026-11-25 02:13:10 \+00:00: the monitor's own uplink is the likely cause/);
});
