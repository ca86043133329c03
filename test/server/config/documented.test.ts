/**
 * docs/configuration.md documents every key the configuration accepts, and nothing else:
 * the accepted keys come from the validators' own tables, the documented ones from the
 * first column of the page's key tables.
 */
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEDULE_KEYS } from '../../../server/config/clientSettings.js';
import { HTTP_SECTION_KEYS } from '../../../server/config/http.js';
import { ALERT_LIMITS_KEYS, CLIENT_KEYS, HOOK_KEYS, SERVER_KEYS } from '../../../server/config/server.js';
import {
  CLIENT_LIBRENMS_KEYS, HEALING_KEYS, HTTP_STEP_KEYS, LIBRENMS_KEYS, LOCAL_STEP_KEYS, PROBE_KEYS, SSH_STEP_KEYS,
} from '../../../server/config/supervision.js';
import { SENSOR_KEYS } from '../../../sensor/config.js';
import { EVIDENCE_KEYS } from '../../../server/config/evidence.js';
import { ENDPOINT_KEYS, LOG_ANALYSIS_KEYS, SOURCE_KEYS } from '../../../server/analysis/config.js';
import { MAINTENANCE_KEYS } from '../../../server/alerts/maintenance/windows.js';
import { repoRoot } from '../../helpers.js';

/** Where each validator's table sits, as the page writes the path to it. */
const SERVER_SECTIONS: [string, readonly string[]][] = [
  ['', SERVER_KEYS],
  ['clients.<id>.', CLIENT_KEYS],
  ['clients.<id>.schedule.', SCHEDULE_KEYS],
  ['http.', HTTP_SECTION_KEYS],
  ['alert_limits.', ALERT_LIMITS_KEYS],
  ['evidence.', EVIDENCE_KEYS],
  ['hooks[n].', HOOK_KEYS],
  ['maintenance[n].', MAINTENANCE_KEYS],
  ['clients.<id>.probe.', PROBE_KEYS],
  ['clients.<id>.healing.', HEALING_KEYS],
  ['clients.<id>.healing.steps[n].', [...LOCAL_STEP_KEYS, ...SSH_STEP_KEYS, ...HTTP_STEP_KEYS]],
  ['clients.<id>.librenms.', CLIENT_LIBRENMS_KEYS],
  ['librenms.', LIBRENMS_KEYS],
  ['librenms.poll_command.', [...LOCAL_STEP_KEYS, ...SSH_STEP_KEYS]],
  ['log_analysis.', LOG_ANALYSIS_KEYS],
  ['log_analysis.endpoint.', ENDPOINT_KEYS],
  ['log_analysis.sources[n].', SOURCE_KEYS],
];

function accepted(sections: [string, readonly string[]][]): Set<string> {
  return new Set(sections.flatMap(([prefix, keys]) => keys.map((key) => prefix + key)));
}

/** The keys in the first column of every `| key | ... |` table, by `## ` section of the page. */
function documented(page: string): Map<string, Set<string>> {
  const bySection = new Map<string, Set<string>>();
  let section = '';
  let inKeyTable = false;
  for (const line of page.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    if (!line.startsWith('|')) {
      inKeyTable = false;
      continue;
    }
    const first = line.split('|')[1]!.trim();
    if (/^key$/i.test(first)) {
      inKeyTable = true;
      continue;
    }
    if (!inKeyTable || /^-+$/.test(first)) continue;
    const keys = bySection.get(section) ?? new Set<string>();
    for (const [, key] of first.matchAll(/`([^`]+)`/g)) keys.add(key!);
    bySection.set(section, keys);
  }
  return bySection;
}

const page = documented(readFileSync(join(repoRoot, 'docs', 'configuration.md'), 'utf8'));

function compare(t: Test, documentedKeys: Set<string>, acceptedKeys: Set<string>): void {
  t.same([...acceptedKeys].filter((key) => !documentedKeys.has(key)), [], 'every accepted key is documented');
  t.same([...documentedKeys].filter((key) => !acceptedKeys.has(key)), [], 'every documented key is accepted');
}

t.test('the server section of docs/configuration.md documents exactly the keys the server configuration accepts', async (t) => {
  const documentedKeys = new Set([...page].filter(([section]) => section !== 'Sensor').flatMap(([, keys]) => [...keys]));
  t.ok(documentedKeys.size > 50, `the page's key tables were found (${documentedKeys.size} keys)`);
  compare(t, documentedKeys, accepted(SERVER_SECTIONS));
});

t.test('the sensor section of docs/configuration.md documents exactly the keys the sensor configuration accepts', async (t) => {
  compare(t, page.get('Sensor') ?? new Set(), new Set(SENSOR_KEYS));
});
