/**
 * Each client's effective down interval, grace and schedule: the configuration, with the
 * changes made over HTTP on top (saved in @settings.json). Applying goes through
 * ServerHost.reconfigure, so the monitor's deadlines follow at once.
 */
import { allClients, type ClientConfig } from '../config/server.js';
import type { ClientSettings } from '../core/monitor.js';
import { ALWAYS } from '../core/schedule.js';
import type { ServerHost } from '../host.js';
import { saveSettings, type SettingsOverride } from './settingsFile.js';

/** Pure: the configured settings with an override on top. Grace defaults to the down interval. */
export function effectiveSettings(client: ClientConfig, override: SettingsOverride | undefined): ClientSettings {
  const downIntervalMs = override?.downIntervalMs ?? client.downIntervalMs;
  const grace = override?.graceMs !== undefined ? override.graceMs : client.http?.graceMs ?? null;
  return { downIntervalMs, graceMs: grace ?? downIntervalMs, schedule: override?.schedule ?? client.http?.schedule ?? ALWAYS };
}

export class ClientSettingsStore {
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly server: ServerHost, private readonly overrides: Map<string, SettingsOverride>) {}

  /** Applies every client's settings (at start). Saved overrides of clients no longer configured are dropped. */
  applyAll(): void {
    for (const id of this.overrides.keys()) if (this.server.clientConfig(id) === undefined) this.overrides.delete(id);
    for (const client of allClients(this.server.config)) {
      const settings = effectiveSettings(client, this.overrides.get(client.id));
      const state = this.server.clientState(client.id);
      const unchanged = state !== undefined && state.downIntervalMs === settings.downIntervalMs && state.graceMs === settings.graceMs && state.schedule === settings.schedule;
      if (!unchanged) this.server.reconfigure(client.id, settings);
    }
  }

  settingsOf(id: string): ClientSettings | null {
    const client = this.server.clientConfig(id);
    return client === undefined ? null : effectiveSettings(client, this.overrides.get(id));
  }

  /** Merges `change` into the client's override, applies it and saves the file; resolves once it is on disk. */
  async change(id: string, change: SettingsOverride): Promise<ClientSettings> {
    const client = this.server.clientConfig(id);
    /* c8 ignore next -- the route checks the id first */
    if (client === undefined) throw new Error(`unknown client ${id}`);
    const merged = { ...this.overrides.get(id), ...change };
    this.overrides.set(id, merged);
    const settings = effectiveSettings(client, merged);
    this.server.reconfigure(id, settings);
    const dir = this.server.config.clientLogDir;
    const snapshot = new Map(this.overrides);
    this.saving = this.saving.catch(() => undefined).then(() => saveSettings(dir, snapshot));
    await this.saving;
    return settings;
  }
}
