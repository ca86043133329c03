/**
 * `evidence`: how the report (and the server's quality alert) judge heartbeat loss between
 * outages (docs/report.md). The server validates it with the rest; the report reads it from
 * the same file without validating what it does not need.
 */
import { ConfigError } from '../../shared/errors.js';
import { checkKnownKeys, isObject, type JsonObject } from '../../shared/configCheck.js';
import { DEFAULT_DEGRADED_LOSS_PCT } from '../../log/quality.js';

export const EVIDENCE_KEYS: readonly string[] = ['degraded_loss_pct', 'degraded_alert'];

export interface EvidenceConfig {
  /** An hour losing more than this share (%) of its heartbeats is degraded. */
  degradedLossPct: number;
  /** Alert when a period closes degraded, and when quality returns (server/alerts/degraded.ts). */
  degradedAlert: boolean;
}

export function evidenceOf(raw: JsonObject): EvidenceConfig {
  const value = raw.evidence;
  if (value === undefined) return { degradedLossPct: DEFAULT_DEGRADED_LOSS_PCT, degradedAlert: false };
  if (!isObject(value)) throw new ConfigError('evidence', 'must be an object such as {"degraded_loss_pct": 2}');
  checkKnownKeys(value, EVIDENCE_KEYS, 'evidence.');
  const pct = value.degraded_loss_pct ?? DEFAULT_DEGRADED_LOSS_PCT;
  if (typeof pct !== 'number' || !Number.isFinite(pct) || pct < 0 || pct >= 100) {
    throw new ConfigError('evidence.degraded_loss_pct', 'must be a number from 0 to below 100 (a share of heartbeats, in %)');
  }
  const alert = value.degraded_alert ?? false;
  if (typeof alert !== 'boolean') throw new ConfigError('evidence.degraded_alert', 'must be true or false');
  return { degradedLossPct: pct, degradedAlert: alert };
}
