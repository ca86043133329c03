/**
 * The server's maintenance windows: the configured recurring ones and the one-offs made
 * through the API (saved in `@maintenance.json`, server/store/maintenanceFile.ts), and the
 * record of each window that ran. A `maintenance` record goes into the server's own log
 * (`@server.nmlog`) when a window starts, or when the server starts inside one, and again
 * with the real end when a one-off is deleted while it runs: the report knows every window
 * after the fact, a deleted one included (the last record of an id holds). One record per
 * window, not one per client: a window over every client of a million-sensor fleet costs
 * one line.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'winston';
import { iso, type RecordOf } from '../../../log/records.js';
import { loadMaintenance, saveMaintenance } from '../../store/maintenanceFile.js';
import { MaintenanceSchedule, UPCOMING_MS, type OneOffWindow, type Occurrence, type RecurringWindow } from './windows.js';

export interface MaintenanceBookOptions {
  recurring: readonly RecurringWindow[];
  /** The log folder, where `@maintenance.json` is kept. */
  dir: string;
  logger: Logger;
  /** Wall clock. */
  now(): number;
  /** Appends a record to the server's own log. */
  record(record: RecordOf<'maintenance'>): Promise<void>;
}

export class MaintenanceBook {
  private current: MaintenanceSchedule;
  /** The running windows already recorded, by id. */
  private readonly running = new Map<string, Occurrence>();
  /** Saves one at a time, in order. */
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly options: MaintenanceBookOptions) {
    this.current = new MaintenanceSchedule(options.recurring);
  }

  get schedule(): MaintenanceSchedule {
    return this.current;
  }

  async load(): Promise<void> {
    const oneOffs = await loadMaintenance(this.options.dir, (problem) => this.options.logger.warn(problem));
    this.current = new MaintenanceSchedule(this.options.recurring, oneOffs);
  }

  /** Running and upcoming windows (UPCOMING_MS ahead). */
  list(now: number): Occurrence[] {
    return this.current.between(now, now + UPCOMING_MS);
  }

  /** Adds a one-off window; resolves once it is saved. */
  async add(window: Omit<OneOffWindow, 'id'>): Promise<OneOffWindow> {
    const added = { id: `m-${randomBytes(6).toString('hex')}`, ...window };
    await this.change([...this.current.oneOffs, added]);
    this.options.logger.info(`maintenance window ${added.id} added: ${iso(added.from)} to ${iso(added.until)}${added.reason === null ? '' : ` (${added.reason})`}`);
    await this.tick();
    return added;
  }

  /** Deletes a one-off window; false when there is none by that id. A running one ends now, in the log too. */
  async remove(id: string): Promise<boolean> {
    if (!this.current.oneOffs.some((window) => window.id === id)) return false;
    await this.change(this.current.oneOffs.filter((window) => window.id !== id));
    this.options.logger.info(`maintenance window ${id} deleted`);
    await this.tick();
    return true;
  }

  private async change(oneOffs: OneOffWindow[]): Promise<void> {
    const saved = this.saving.then(() => saveMaintenance(this.options.dir, oneOffs, this.options.now()));
    this.saving = saved.catch(() => undefined);
    await saved;
    this.current = new MaintenanceSchedule(this.options.recurring, oneOffs);
  }

  /** Records the windows that started and those that ended early since the last call; call about once a second. */
  async tick(): Promise<void> {
    const now = this.options.now();
    const active = new Map(this.current.at(now).map((occurrence) => [occurrence.id, occurrence]));
    for (const [id, occurrence] of this.running) {
      if (active.has(id)) continue;
      this.running.delete(id);
      // Gone before its end: deleted while it ran. The record says when it really ended.
      if (now < occurrence.until) await this.write({ ...occurrence, until: now });
      else this.options.logger.info(`maintenance window ${id} ended`);
    }
    for (const [id, occurrence] of active) {
      if (this.running.has(id)) continue;
      this.running.set(id, occurrence);
      this.options.logger.info(`maintenance window ${id} started, until ${iso(occurrence.until)}${occurrence.clients === null ? ' (every client)' : ` for ${occurrence.clients.join(', ')}`}`);
      await this.write(occurrence);
    }
  }

  private async write(occurrence: Occurrence): Promise<void> {
    const { id, from, until, clients, reason } = occurrence;
    await this.options.record({ type: 'maintenance', at: iso(this.options.now()), id, from: iso(from), until: iso(until), ...(clients === null ? {} : { clients: [...clients] }), ...(reason === null ? {} : { reason }) })
      .catch((error: Error) => this.options.logger.error(`cannot record maintenance window ${id}: ${error.message}`));
  }
}
