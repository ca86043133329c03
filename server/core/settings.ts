/**
 * Each client's effective down interval, grace and schedule: the configuration, with the
 * changes saved in @settings.json (made over HTTP) on top. The server applies them at start,
 * whether or not HTTP is configured; applying goes through the host's reconfigure, so the
 * monitor's deadlines follow at once.
 */
import { allClients, type ClientConfig, type ServerConfig } from '../config/server.js';
import type { ClientSettings, ClientState } from './monitor.js';
import { ALWAYS, type Schedule } from './schedule.js';

/** What was changed for one client (over HTTP, saved in @settings.json); an absent field keeps the configured value. */
export interface SettingsOverride {
  downIntervalMs?: number;
  /** null: the client's down interval. */
  graceMs?: number | null;
  schedule?: Schedule;
}

/** What the settings need of the running server. */
export interface SettingsHost {
  readonly config: Pick<ServerConfig, 'clients' | 'fleet'>;
  clientConfig(id: string): ClientConfig | undefined;
  clientState(id: string): ClientState | undefined;
  reconfigure(id: string, settings: ClientSettings): boolean;
}

/** Pure: the configured settings with an override on top. Grace defaults to the down interval. */
export function effectiveSettings(client: ClientConfig, override: SettingsOverride | undefined): ClientSettings {
  const downIntervalMs = override?.downIntervalMs ?? client.downIntervalMs;
  const grace = override?.graceMs !== undefined ? override.graceMs : client.settings?.graceMs ?? null;
  return { downIntervalMs, graceMs: grace ?? downIntervalMs, schedule: override?.schedule ?? client.settings?.schedule ?? ALWAYS };
}

export class ClientSettingsStore {
  private overrides = new Map<string, SettingsOverride>();

  constructor(private readonly host: SettingsHost) {}

  /** Applies every client's settings (at start). Saved overrides of clients no longer configured are dropped. */
  applyAll(overrides: Map<string, SettingsOverride>): void {
    this.overrides = overrides;
    for (const id of overrides.keys()) if (this.host.clientConfig(id) === undefined) overrides.delete(id);
    for (const client of allClients(this.host.config)) {
      const settings = effectiveSettings(client, overrides.get(client.id));
      const state = this.host.clientState(client.id);
      const unchanged = state !== undefined && state.downIntervalMs === settings.downIntervalMs && state.graceMs === settings.graceMs && state.schedule === settings.schedule;
      if (!unchanged) this.host.reconfigure(client.id, settings);
    }
  }

  /** Merges `change` into the client's override and applies it; the caller saves `saved()`. */
  change(id: string, change: SettingsOverride): ClientSettings {
    const client = this.host.clientConfig(id);
    /* c8 ignore next -- the route checks the id first */
    if (client === undefined) throw new Error(`unknown client ${id}`);
    const merged = { ...this.overrides.get(id), ...change };
    this.overrides.set(id, merged);
    const settings = effectiveSettings(client, merged);
    this.host.reconfigure(id, settings);
    return settings;
  }

  /** A copy of every override, as @settings.json holds them. */
  saved(): Map<string, SettingsOverride> {
    return new Map(this.overrides);
  }
}
