/**
 * When the saved state (server/store/stateFile.ts) is written: every STATE_SAVE_PERIOD_MS
 * while anything changed, and once more at stop. At most one save waits behind the one being
 * written, however long that takes (a million sensors): it reads the states when it starts,
 * so it covers every change until then.
 */
import type { Logger } from 'winston';
import type { ClientDirectory } from '../intake/acceptance.js';
import { saveState, type SavedSensor } from './stateFile.js';

export class StateSaver {
  private dirty = false;
  private queued = false;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly directory: ClientDirectory,
    private readonly logger: Logger,
    /** Counts a failed save among the log errors. */
    private readonly counters: { logErrors: number },
  ) {}

  /** Something worth saving changed (an accepted heartbeat); the next save writes it. */
  markChanged(): void {
    this.dirty = true;
  }

  /** Saves replay windows and last-heard times when anything changed (or when forced). */
  save(force = false): Promise<void> {
    if ((!this.dirty && !force) || this.queued) return this.saving;
    this.queued = true;
    const save = (): Promise<void> => {
      this.queued = false;
      this.dirty = false;
      return saveState(this.dir, savedStates(this.directory));
    };
    this.saving = this.saving.then(save).catch((error: Error) => {
      this.dirty = true;
      this.counters.logErrors++;
      this.logger.error(`cannot save state: ${error.message}`);
    });
    return this.saving;
  }
}

/** Each client's saved state, read from the live states as the file is written. */
function* savedStates(directory: ClientDirectory): Iterable<[string, SavedSensor]> {
  // One entry, refilled for each client: saveState turns it into text before asking for the
  // next, and a million clients every few seconds should not mean a million short-lived objects.
  const saved: SavedSensor = { boot: null, seq: null, lastHeard: null };
  const entry: [string, SavedSensor] = ['', saved];
  for (const state of directory.each()) {
    const hasWindow = directory.windowInto(state, saved);
    if (hasWindow || state.lastHeard !== null) {
      entry[0] = state.id;
      saved.lastHeard = state.lastHeard;
      yield entry;
    }
  }
}
