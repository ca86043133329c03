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
 *
 * Every line is chained (log/chain.ts) when it is written, not when it is appended: the
 * queue and the unwritten buffer hold records' JSON, and a write links them after the
 * file's last chain value (ChainHeads), so records given up on a full buffer, or a failed
 * write that left part of itself on disk, never leave a gap in the chain. The first write
 * to a file after a start, or after a failed write, finds that value in the file's last
 * whole line; every other write hashes its own records and reads nothing back.
 */
import { mkdir, open as openFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { APPEND, notRegularFile, writeFailure } from '../../shared/fileOpen.js';
import { clientOfLogBase, logBaseOf } from '../../log/logName.js';
import { chainedLine, type LogRecord } from '../../log/records.js';
import { genesis } from '../../log/chain.js';
import { NetmonitorError } from '../../shared/errors.js';
import { Fifo } from './fifo.js';
import { ChainHeads, tailHead } from './chainHeads.js';

export const LOG_SUFFIX = '.nmlog';
export const SERVER_LOG = '@server';
export const MAX_UNWRITTEN_BYTES = 16 * 1024 * 1024;
/** Files written at once: a storm of transitions must not run the process out of file handles. */
export const MAX_OPEN_WRITES = 64;

/** The file operations used; tests replace them only to inject an fsync failure. */
export type OpenFile = typeof openFile;

/** The first read of a file's end when its chain value is not known; doubled until a whole line is in it. */
const TAIL_READ_BYTES = 4096;

/** Records (their JSON) waiting for a client's next write, and the promise of that write. */
interface QueuedWrite {
  jsons: string[];
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
  /** Records' JSON that could not be written yet, per client. */
  private readonly unwritten = new Map<string, string[]>();
  /** Each file's last chain value, once known. */
  private readonly heads = new ChainHeads();
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
    let jsons: string[];
    try {
      jsons = records.map((record) => JSON.stringify(record));
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
      queued = { jsons: [], done, resolve, reject };
      this.queued.set(client, queued);
      if (!this.inFlight.has(client)) this.ready.push(client);
    }
    for (const json of jsons) queued.jsons.push(json);
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
      this.writeNow(client, write.jsons).then(write.resolve, write.reject).finally(() => {
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

  private async writeNow(client: string, fresh: string[]): Promise<void> {
    const path = this.pathOf(client);
    const waiting = this.unwritten.get(client) ?? [];
    if (waiting.length === 0 && fresh.length === 0) return;
    let text = '';
    let head = '';
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
      let prev = size === 0 ? genesis(client) : this.heads.get(client);
      if (size > 0) {
        // A crash may have torn the last line; start on a fresh line so this record
        // is not glued to the torn one and lost with it.
        const last = Buffer.alloc(1);
        await file.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) text = '\n';
        prev ??= await this.headOfFile(client, file, size);
      }
      head = prev!;
      for (const json of waiting.length === 0 ? fresh : [...waiting, ...fresh]) {
        const line = chainedLine(json, head);
        text += line.text;
        head = line.chain;
      }
      // One write(2) may take only part of the text (a disk filling up): go on until the
      // rest is taken or refused, so that a refusal keeps the records instead of losing them.
      const bytes = Buffer.from(text);
      for (let offset = 0; offset < bytes.length; ) offset += (await file.write(bytes, offset)).bytesWritten;
    } catch (error) {
      await file?.close().catch(() => undefined);
      // Part of the text may be on disk: the next write finds the chain's end in the file.
      this.heads.forget(client);
      this.keep(client, waiting, fresh);
      throw new NetmonitorError('ELOG', `cannot write ${path}: ${writeFailure(error)}`, { cause: error });
    }
    this.heads.set(client, head);
    try {
      await file.datasync();
    } catch (error) {
      throw new NetmonitorError('EFSYNC', `the disk could not make ${path} durable (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
    } finally {
      await file.close().catch(() => undefined);
    }
    if (created || this.folderUnsynced) await this.syncFolder();
    if (waiting.length > 0) {
      this.unwrittenBytes -= bytesOf(waiting);
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

  /** The chain value after the file's last whole line, reading back from its end as far as needed. */
  private async headOfFile(client: string, file: Awaited<ReturnType<OpenFile>>, size: number): Promise<string> {
    for (let length = TAIL_READ_BYTES; ; length *= 2) {
      const bytes = Math.min(length, size);
      const tail = Buffer.alloc(bytes);
      await file.read(tail, 0, bytes, size - bytes);
      const head = tailHead(client, tail, bytes === size);
      if (head !== null) return head;
    }
  }

  /** Keeps records for a later write, as long as the buffer has room. */
  private keep(client: string, waiting: string[], fresh: string[]): void {
    const bytes = bytesOf(fresh);
    if (this.unwrittenBytes + bytes > MAX_UNWRITTEN_BYTES) {
      this.dropped += fresh.length;
      return;
    }
    this.unwritten.set(client, waiting.length === 0 ? fresh : [...waiting, ...fresh]);
    this.unwrittenBytes += bytes;
  }
}

/** What records' JSON counts against MAX_UNWRITTEN_BYTES: their lines' length, near enough. */
function bytesOf(jsons: readonly string[]): number {
  let bytes = 0;
  for (const json of jsons) bytes += json.length;
  return bytes;
}
