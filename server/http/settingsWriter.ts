/**
 * PATCH /api/v1/clients/{id} changes go through here: applied by the core's settings store,
 * then saved to @settings.json, one save after another so an older snapshot never lands
 * after a newer one. The change resolves once it is on disk.
 */
import type { ClientSettings } from '../core/monitor.js';
import type { ClientSettingsStore, SettingsOverride } from '../core/settings.js';
import { saveSettings } from '../store/settingsFile.js';

export class SettingsWriter {
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly store: ClientSettingsStore, private readonly dir: string) {}

  async change(id: string, change: SettingsOverride): Promise<ClientSettings> {
    const settings = this.store.change(id, change);
    const snapshot = this.store.saved();
    this.saving = this.saving.catch(() => undefined).then(() => saveSettings(this.dir, snapshot));
    await this.saving;
    return settings;
  }
}
