/**
 * The folder of per-client logs (`<client>.nmlog`) and the server's own log
 * (`@server.nmlog`; `@` is in no client name). Every append is durable before it resolves:
 * written, then fdatasync'd, and the folder fsync'd when the file is new, so that an alert
 * is only ever sent for a transition that a crash cannot take back.
 *
 * This side only queues: the file work is done in batches by the log writer, on a thread of
 * its own (server/store/logWriter.ts, logBatch.ts), so that a burst of transitions costs the
 * thread that reads the socket a queue entry per record, not a file's system calls.
 *
 * When a write fails (disk full, folder unwritable) the records are kept in memory, up to
 * MAX_UNWRITTEN_BYTES, and written before anything else for that client on the next append
 * or retryUnwritten(): monitoring goes on, and the log catches up, in order, once space
 * returns. A failed fsync is different: after one, the kernel may have dropped the data while
 * reporting the pages clean, so retrying would lie. It throws EFSYNC, which is fatal.
 *
 * The queue and the unwritten buffer hold records' JSON; the writer chains each line when it
 * writes it (log/chain.ts), so records given up on a full buffer, or a failed write that
 * left part of itself on disk, never leave a gap in the chain.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { clientOfLogBase } from '../../log/logName.js';
import type { LogRecord } from '../../log/records.js';
import { NetmonitorError } from '../../shared/errors.js';
import { Fifo } from './fifo.js';
import { LOG_SUFFIX, logPath, type AppendOutcome, type FileAppend, type SyncFileOps } from './logBatch.js';
import { logWriter, type LogWriter } from './logWriter.js';

export { LOG_SUFFIX, type SyncFileOps };
export const SERVER_LOG = '@server';
export const MAX_UNWRITTEN_BYTES = 16 * 1024 * 1024;
/**
 * Files in one batch: the writer holds them open together until their fdatasync round, so
 * a storm of transitions must not run the process out of file handles.
 */
export const MAX_BATCH_FILES = 256;
/** Batches out at once: the next is gathered and sent while the writer works on one. */
const MAX_BATCHES_OUT = 2;

/** Records (their JSON) waiting for a client's next write, and the promise of that write. */
interface QueuedWrite {
  jsons: string[];
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A client's write sent to the writer: what was kept from failed writes, then the new records. */
interface SentWrite {
  client: string;
  waiting: string[];
  fresh: QueuedWrite;
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
  private batchesOut = 0;
  private writesScheduled = false;
  private idleWaiters: (() => void)[] = [];
  /** Records' JSON that could not be written yet, per client. */
  private readonly unwritten = new Map<string, string[]>();
  private unwrittenBytes = 0;
  private readonly writer: LogWriter;
  /** Records given up because the unwritten buffer was full (reported in stats). */
  dropped = 0;
  /** Called when the last kept record reached the disk, however that happened. */
  onDrained: (() => void) | null = null;

  /** `ops`: the writer's file operations, on this thread (tests inject disk faults through them only). */
  constructor(
    readonly dir: string,
    ops?: SyncFileOps,
  ) {
    this.writer = logWriter(dir, ops);
  }

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
    return logPath(this.dir, client);
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
    if (!this.writesScheduled) {
      // Sent when the code that appended is done (a microtask), so that the records one
      // heartbeat makes (a first-heard BOOT's `up` and `boot`) go out in one write, not two.
      this.writesScheduled = true;
      queueMicrotask(() => {
        this.writesScheduled = false;
        this.startWrites();
      });
    }
    return queued.done;
  }

  /** Resolves when every append started so far has finished (or failed). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0 || this.ready.length > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops the writer's thread once every append started so far has finished. */
  async close(): Promise<void> {
    await this.settle();
    await this.writer.close();
  }

  /** Sends the ready clients' writes in batches, while fewer than MAX_BATCHES_OUT are out. */
  private startWrites(): void {
    while (this.batchesOut < MAX_BATCHES_OUT && this.ready.length > 0) {
      const sent: SentWrite[] = [];
      const batch: FileAppend[] = [];
      for (let client = this.ready.take(); client !== undefined; client = sent.length < MAX_BATCH_FILES ? this.ready.take() : undefined) {
        const fresh = this.queued.get(client)!;
        this.queued.delete(client);
        this.inFlight.add(client);
        const waiting = this.unwritten.get(client) ?? [];
        sent.push({ client, waiting, fresh });
        batch.push({ client, jsons: waiting.length === 0 ? fresh.jsons : [...waiting, ...fresh.jsons] });
      }
      this.batchesOut++;
      void this.writer.write(batch).then((outcomes) => this.finish(sent, outcomes));
    }
  }

  /** A batch is answered: each append resolves, or keeps its records and fails. */
  private finish(sent: readonly SentWrite[], outcomes: readonly AppendOutcome[]): void {
    this.batchesOut--;
    for (let index = 0; index < sent.length; index++) {
      const { client, waiting, fresh } = sent[index]!;
      const outcome = outcomes[index] ?? null;
      this.inFlight.delete(client);
      if (this.queued.has(client)) this.ready.push(client);
      if (outcome === null) {
        if (waiting.length > 0) {
          this.unwrittenBytes -= bytesOf(waiting);
          this.unwritten.delete(client);
          if (this.unwritten.size === 0) this.onDrained?.();
        }
        fresh.resolve();
        continue;
      }
      // The kept records stay counted; the new ones join them if there is room.
      if (outcome.code === 'ELOG') this.keep(client, waiting, fresh.jsons);
      // The system's code comes along as the cause, so a start can say what stands in the way (server/environmentErrors.ts).
      const cause = outcome.errno === undefined ? undefined : Object.assign(new Error(outcome.message), { code: outcome.errno });
      fresh.reject(new NetmonitorError(outcome.code, outcome.message, { cause }));
    }
    this.startWrites();
    if (this.inFlight.size === 0 && this.ready.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
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
