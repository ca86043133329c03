/**
 * Where the log folder's batches are written: on a thread of their own (worker_threads), so
 * that the main thread only decides and queues while a burst of transitions is written, or,
 * with injected file operations (tests only), on the main thread by the same BatchWriter.
 *
 * The thread is started with the first batch, held (ref) while a batch is out and let go
 * (unref) when idle, so an idle log folder never keeps the process alive. If the thread
 * dies, nothing can be known about what its batch left on disk: every append it held fails
 * with EFSYNC, which stops the server so that a restart reads back what is really there.
 */
import { Worker } from 'node:worker_threads';
import { BatchWriter, type AppendOutcome, type FileAppend, type SyncFileOps } from './logBatch.js';

export interface LogWriter {
  /** Writes a batch durably; one outcome per append, in order. */
  write(batch: FileAppend[]): Promise<AppendOutcome[]>;
  /** Stops the thread, if any; the next write starts it again. LogDirectory.close() waits for its writes first. */
  close(): Promise<void>;
}

/** The messages between LogDirectory and the thread (server/store/logWriterThread.ts). */
export interface BatchRequest {
  id: number;
  batch: FileAppend[];
}
export interface BatchReply {
  id: number;
  outcomes: AppendOutcome[];
}

/** The writer for `dir`: on its own thread, or with `ops` on this one. */
export function logWriter(dir: string, ops?: SyncFileOps): LogWriter {
  return ops === undefined ? new ThreadWriter(dir) : new InlineWriter(new BatchWriter(dir, ops));
}

class InlineWriter implements LogWriter {
  constructor(private readonly writer: BatchWriter) {}

  async write(batch: FileAppend[]): Promise<AppendOutcome[]> {
    await Promise.resolve();
    return this.writer.write(batch);
  }

  async close(): Promise<void> {}
}

class ThreadWriter implements LogWriter {
  private worker: Worker | null = null;
  private nextId = 1;
  /** Batches out on the thread, by id: how many appends each holds, and whom to answer. */
  private readonly waiting = new Map<number, { size: number; resolve: (outcomes: AppendOutcome[]) => void }>();

  constructor(private readonly dir: string) {}

  write(batch: FileAppend[]): Promise<AppendOutcome[]> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    if (this.waiting.size === 0) worker.ref();
    const request: BatchRequest = { id, batch };
    return new Promise((resolve) => {
      this.waiting.set(id, { size: batch.length, resolve });
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) await worker.terminate();
  }

  private start(): Worker {
    // No execArgv: the thread needs none of the process's flags (loaders, profilers), which
    // would only slow its start.
    const worker = new Worker(new URL('./logWriterThread.js', import.meta.url), { workerData: { dir: this.dir }, execArgv: [] });
    worker.on('message', (reply: BatchReply) => {
      const out = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      out?.resolve(reply.outcomes);
    });
    const stopped = (why: string): void => {
      if (this.worker === worker) this.worker = null;
      const failure: AppendOutcome = { code: 'EFSYNC', message: `the log writer stopped (${why}); what it was writing may not be on disk` };
      const waiting = [...this.waiting.values()];
      this.waiting.clear();
      for (const { size, resolve } of waiting) resolve(new Array<AppendOutcome>(size).fill(failure));
    };
    worker.on('error', (error) => stopped(error.message));
    worker.on('exit', (code) => stopped(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }
}
