/**
 * The folder of per-client logs (`<client>.nmlog`) and the server's own log
 * (`@server.nmlog`; `@` is in no client name). Every append is durable before it resolves:
 * written, then fdatasync'd, and the folder fsync'd when the file is new, so that an alert
 * is only ever sent for a transition that a crash cannot take back.
 *
 * When a write fails (disk full, folder unwritable) the records are kept in memory, up to
 * MAX_UNWRITTEN_BYTES, and written before anything else for that client on the next append
 * or retryUnwritten(): monitoring goes on, and the log catches up, in order, once space
 * returns. A failed fsync is different: after one, the kernel may have dropped the data while
 * reporting the pages clean, so retrying would lie. It throws EFSYNC, which is fatal.
 */
import { mkdir, open as openFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { APPEND, notRegularFile, writeFailure } from '../../shared/fileOpen.js';
import { clientOfLogBase, logBaseOf } from '../../log/logName.js';
import { encodeLine, type LogRecord } from '../../log/records.js';
import { NetmonitorError } from '../../shared/errors.js';
import { Fifo } from './fifo.js';

export const LOG_SUFFIX = '.nmlog';
export const SERVER_LOG = '@server';
export const MAX_UNWRITTEN_BYTES = 16 * 1024 * 1024;
/** Files written at once: a storm of transitions must not run the process out of file handles. */
export const MAX_OPEN_WRITES = 64;

/** The file operations used; tests replace them only to inject an fsync failure. */
export type OpenFile = typeof openFile;

/** Records waiting for a client's next write, and the promise of that write. */
interface QueuedWrite {
  text: string;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class LogDirectory {
  /**
   * Per client, the records of appends not yet started. Appends to one file happen one after
   * another: while a client's write is in flight, later records gather here and go out
   * together in its next write. A waiting append costs its encoded text and a promise, so a
   * burst of a million first-heard records stays small in memory.
   */
  private readonly queued = new Map<string, QueuedWrite>();
  /** Clients whose queued write may start as soon as a slot is free, oldest first. */
  private readonly ready = new Fifo<string>();
  /** Clients with a write in flight. */
  private readonly inFlight = new Set<string>();
  private idleWaiters: (() => void)[] = [];
  /** A folder fsync running, and one waiting to start after it (group commit). */
  private runningFolderSync: Promise<void> | null = null;
  private queuedFolderSync: Promise<void> | null = null;
  /** A new file's folder entry could not be synced yet (the folder could not be opened). */
  private folderUnsynced = false;
  /** Encoded lines that could not be written yet, per client. */
  private readonly unwritten = new Map<string, string>();
  private unwrittenBytes = 0;
  /** Records given up because the unwritten buffer was full (reported in stats). */
  dropped = 0;
  /** Called when the last kept record reached the disk, however that happened. */
  onDrained: (() => void) | null = null;

  constructor(
    readonly dir: string,
    private readonly open: OpenFile = openFile,
  ) {}

  /** How many logs have appends in flight (being written, or waiting for their turn). */
  get pending(): number {
    return this.inFlight.size + this.ready.length;
  }

  /** How many clients have records waiting for the disk. */
  get backlog(): number {
    return this.unwritten.size;
  }

  /** Tries again to write what earlier appends could not. */
  async retryUnwritten(): Promise<void> {
    await Promise.allSettled([...this.unwritten.keys()].map((client) => this.append(client, [])));
  }

  async create(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o750 });
  }

  pathOf(client: string): string {
    // A check client's `/` is written `+` (log/logName.ts): the file stays in this folder.
    return join(this.dir, logBaseOf(client) + LOG_SUFFIX);
  }

  /** The clients that have a log here, by name. */
  async clients(): Promise<string[]> {
    const names = await readdir(this.dir);
    return names.filter((n) => n.endsWith(LOG_SUFFIX) && !n.startsWith('@')).map((n) => clientOfLogBase(n.slice(0, -LOG_SUFFIX.length)));
  }

  /** Appends records to `client`'s log; resolves once they are on disk. */
  append(client: string, records: readonly LogRecord[]): Promise<void> {
    let text: string;
    try {
      text = records.map(encodeLine).join('');
    } catch (error) {
      return Promise.reject(new NetmonitorError('ELOG', `cannot encode a record for ${client}: ${(error as Error).message}`, { cause: error }));
    }
    let queued = this.queued.get(client);
    if (queued === undefined) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const done = new Promise<void>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      queued = { text: '', done, resolve, reject };
      this.queued.set(client, queued);
      if (!this.inFlight.has(client)) this.ready.push(client);
    }
    queued.text += text;
    this.startWrites();
    return queued.done;
  }

  /** Resolves when every append started so far has finished (or failed). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0 || this.ready.length > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Starts queued writes while fewer than MAX_OPEN_WRITES files are being written. */
  private startWrites(): void {
    while (this.inFlight.size < MAX_OPEN_WRITES) {
      const client = this.ready.take();
      if (client === undefined) break;
      const write = this.queued.get(client)!;
      this.queued.delete(client);
      this.inFlight.add(client);
      this.writeNow(client, write.text).then(write.resolve, write.reject).finally(() => {
        this.inFlight.delete(client);
        if (this.queued.has(client)) this.ready.push(client);
        this.startWrites();
        if (this.inFlight.size === 0 && this.ready.length === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const wake of waiters) wake();
        }
      });
    }
  }

  private async writeNow(client: string, fresh: string): Promise<void> {
    const path = this.pathOf(client);
    const waiting = this.unwritten.get(client) ?? '';
    if (waiting === '' && fresh === '') return;
    let text = waiting + fresh;
    let file;
    let created = false;
    try {
      // A link, FIFO or folder in the log's place is refused (ENOTREG), never written
      // through: its records are kept in memory like on a full disk, and reported.
      file = await this.open(path, APPEND, 0o640);
      const stat = await file.stat();
      if (!stat.isFile()) throw notRegularFile(path);
      const { size } = stat;
      // Empty: most likely created just now, so its folder entry must be made durable too.
      created = size === 0;
      if (size > 0) {
        // A crash may have torn the last line; start on a fresh line so this record
        // is not glued to the torn one and lost with it.
        const last = Buffer.alloc(1);
        await file.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) text = '\n' + text;
      }
      await file.write(text);
    } catch (error) {
      await file?.close().catch(() => undefined);
      this.keep(client, waiting, fresh);
      throw new NetmonitorError('ELOG', `cannot write ${path}: ${writeFailure(error)}`, { cause: error });
    }
    try {
      await file.datasync();
    } catch (error) {
      throw new NetmonitorError('EFSYNC', `the disk could not make ${path} durable (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
    } finally {
      await file.close().catch(() => undefined);
    }
    if (created || this.folderUnsynced) await this.syncFolder();
    if (waiting !== '') {
      this.unwrittenBytes -= waiting.length;
      this.unwritten.delete(client);
      if (this.unwritten.size === 0) this.onDrained?.();
    }
  }

  /**
   * Makes new folder entries durable. Syncs are shared: a caller waits for a sync that
   * starts after its file was created, and every caller that arrives while one runs waits
   * for the same next one, so a burst of new files costs a few folder fsyncs, not one each.
   */
  private syncFolder(): Promise<void> {
    if (this.queuedFolderSync !== null) return this.queuedFolderSync;
    const start = (): Promise<void> => {
      const run = this.fsyncFolder().finally(() => {
        if (this.runningFolderSync === run) this.runningFolderSync = null;
      });
      this.runningFolderSync = run;
      return run;
    };
    if (this.runningFolderSync === null) return start();
    const queued = this.runningFolderSync.catch(() => undefined).then(() => {
      this.queuedFolderSync = null;
      return start();
    });
    this.queuedFolderSync = queued;
    return queued;
  }

  private async fsyncFolder(): Promise<void> {
    this.folderUnsynced = false;
    // Only a failed fsync of the folder is fatal; failing to open it (EMFILE) is not: the
    // next append tries again.
    const folder = await this.open(this.dir, 'r').catch(() => null);
    if (folder === null) {
      this.folderUnsynced = true;
      return;
    }
    try {
      await folder.sync();
    } catch (error) {
      throw new NetmonitorError('EFSYNC', `the disk could not make ${this.dir} durable (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
    } finally {
      await folder.close().catch(() => undefined);
    }
  }

  /** Keeps records for a later write, as long as the buffer has room. */
  private keep(client: string, waiting: string, fresh: string): void {
    if (this.unwrittenBytes + fresh.length > MAX_UNWRITTEN_BYTES) {
      this.dropped += fresh.split('\n').length - 1;
      return;
    }
    this.unwritten.set(client, waiting + fresh);
    this.unwrittenBytes += fresh.length;
  }
}
