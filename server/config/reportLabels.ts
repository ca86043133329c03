/**
 * `clients.<id>.label` and `clients.<id>.account`: who the client is for a reader of the
 * report (a subscriber's name, the ISP's account number); `clients.<id>.group`: the clients
 * that share an ISP or a town, so that the report can tell an ISP-wide outage from one line's
 * (report/correlation.ts). The server only checks them; the report reads them from the same
 * file without validating the rest (it needs no secrets).
 */
import { isObject, optionalLine, type JsonObject } from '../../shared/configCheck.js';
import { ConfigError } from '../../shared/errors.js';

export const REPORT_CLIENT_KEYS = ['label', 'account', 'group', 'sla_percent'] as const;
export const LABEL_CHARS = 120;
const GROUP_CHARS = 64;

export interface ClientLabels {
  label: string | null;
  account: string | null;
  group: string | null;
  /** `sla_percent`: the uptime the ISP promised, for the PDF's months; null when not given. */
  sla: number | null;
}

function slaOf(settings: JsonObject, key: string): number | null {
  const value = settings.sla_percent;
  if (value === undefined) return null;
  if (typeof value !== 'number' || !(value > 0 && value <= 100)) throw new ConfigError(`${key}.sla_percent`, 'must be a number above 0 and at most 100, such as 99.9');
  return value;
}

/** One client's labels; `key` is its dotted path (`clients.home-gw`) for errors. */
export function reportLabels(settings: JsonObject, key: string): ClientLabels {
  return {
    label: optionalLine(settings, 'label', LABEL_CHARS, `${key}.label`) ?? null,
    account: optionalLine(settings, 'account', LABEL_CHARS, `${key}.account`) ?? null,
    group: optionalLine(settings, 'group', GROUP_CHARS, `${key}.group`) ?? null,
    sla: slaOf(settings, key),
  };
}

/** The labels of every client in a raw server config that has any. */
export function labelsOfConfig(raw: JsonObject): Map<string, ClientLabels> {
  const labels = new Map<string, ClientLabels>();
  if (!isObject(raw.clients)) return labels;
  for (const [id, settings] of Object.entries(raw.clients)) {
    if (!isObject(settings)) continue;
    const found = reportLabels(settings, `clients.${id}`);
    if (found.label !== null || found.account !== null || found.group !== null || found.sla !== null) labels.set(id, found);
  }
  return labels;
}
