/**
 * The folder of per-client logs (`<client>.nmlog`) and the server's own log
 * (`@server.nmlog`; `@` is in no client name). Every append is durable before it resolves:
 * written, then fdatasync'd, and the folder fsync'd when the file is new, so that an alert
 * is only ever sent for a transition that a crash cannot take back.
 */
import { mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeLine, type LogRecord } from '../shared/logLine.js';
import { NetmonitorError } from '../shared/errors.js';

export const LOG_SUFFIX = '.nmlog';
export const SERVER_LOG = '@server';

export class LogDirectory {
  /** Appends in flight per file: appends to one file happen one after another. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly known = new Set<string>();

  constructor(readonly dir: string) {}

  async create(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o750 });
  }

  pathOf(client: string): string {
    return join(this.dir, client + LOG_SUFFIX);
  }

  /** The clients that have a log here, by name. */
  async clients(): Promise<string[]> {
    const names = await readdir(this.dir);
    return names.filter((n) => n.endsWith(LOG_SUFFIX) && !n.startsWith('@')).map((n) => n.slice(0, -LOG_SUFFIX.length));
  }

  /** Appends records to `client`'s log; resolves once they are on disk. */
  append(client: string, records: readonly LogRecord[]): Promise<void> {
    const previous = this.tails.get(client) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.write(client, records));
    this.tails.set(client, next);
    const clear = (): void => {
      if (this.tails.get(client) === next) this.tails.delete(client);
    };
    next.then(clear, clear);
    return next;
  }

  /** Resolves when every append started so far has finished (or failed). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.tails.values()]);
  }

  private async write(client: string, records: readonly LogRecord[]): Promise<void> {
    const path = this.pathOf(client);
    let text = records.map(encodeLine).join('');
    try {
      const file = await open(path, 'a+', 0o640);
      try {
        const { size } = await file.stat();
        if (size > 0) {
          // A crash may have torn the last line; start on a fresh line so this record
          // is not glued to the torn one and lost with it.
          const last = Buffer.alloc(1);
          await file.read(last, 0, 1, size - 1);
          if (last[0] !== 0x0a) text = '\n' + text;
        }
        await file.write(text);
        await file.datasync();
      } finally {
        await file.close();
      }
      if (!this.known.has(path)) {
        await syncDirectory(this.dir);
        this.known.add(path);
      }
    } catch (error) {
      throw new NetmonitorError('ELOG', `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
