/**
 * The durable list of devices netmonitor has forced into the unsupervised state, with the
 * IP to give back. Written atomically (temporary file, fsync, rename, fsync of the folder)
 * and one write at a time, so a crash leaves either the old or the new list, never a mix,
 * and never forgets an original IP it has overwritten.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../../shared/atomicFile.js';

export interface SupervisedDevice {
  deviceId: number;
  hostname: string;
  /** The IP LibreNMS polled before; restored on recovery. */
  originalIp: string;
  /** The netmonitor client it stands for, if any (its log gets the records). */
  client: string | null;
  /** Wall ms of the force down. */
  since: number;
  /** True once the overwrite and rediscovery went through. */
  forced: boolean;
  checksDown: number;
}

export class SupervisionState {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  async load(): Promise<SupervisedDevice[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const value = JSON.parse(text) as { devices?: SupervisedDevice[] };
    return Array.isArray(value.devices) ? value.devices : [];
  }

  /** Saves the whole list; resolves once it is on disk. Saves never overlap. */
  save(devices: readonly SupervisedDevice[]): Promise<void> {
    const text = JSON.stringify({ version: 1, devices }, null, 2) + '\n';
    const next = this.writing.catch(() => undefined).then(() => writeFileAtomic(this.path, text));
    this.writing = next;
    return next;
  }
}
