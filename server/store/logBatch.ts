/**
 * The file work of the log folder: a batch of appends, each to one client's log, made
 * durable together. It runs on the log writer's thread (server/store/logWriter.ts), so its
 * calls are synchronous: on the main thread each file cost about 300 µs of fs/promises
 * machinery (a FileHandle, a promise and a thread-pool round trip per call), which during a
 * burst of first-heard sensors left no time to read the socket (docs/benchmarks.md).
 *
 * A batch is written in three rounds: every file opened, checked to be a regular file
 * (never written through a link, FIFO or folder), chained after its last record and
 * written; then every written file fdatasync'd; then, when any file was new,
 * one fsync of the folder. Only then does the batch answer, so no append is reported done before a crash
 * could no longer take it back.
 *
 * Each line is chained (log/chain.ts) here, when it is written: the writer keeps each file's
 * last chain value (ChainHeads), finds it in the file's last whole line on the first write
 * after a start or after a failed write, and forgets it when a write fails, since part of
 * that write may be on disk.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { APPEND, notRegularFile, openFailure, writeFailure } from '../../shared/fileOpen.js';
import { logBaseOf } from '../../log/logName.js';
import { chainedLine } from '../../log/records.js';
import { genesis } from '../../log/chain.js';
import { ChainHeads, tailHead } from './chainHeads.js';

export const LOG_SUFFIX = '.nmlog';

/**
 * The file operations a batch uses, all synchronous, so that their CPU time (the kernel's
 * share of an fdatasync included) is the writer thread's, at its lower priority. Tests
 * replace them only to inject faults no real disk gives on demand.
 */
export type SyncFileOps = Pick<typeof fs, 'openSync' | 'fstatSync' | 'readSync' | 'writeSync' | 'fdatasyncSync' | 'fsyncSync' | 'closeSync'>;

/** One client's records (their JSON, unchained), to append in one write. */
export interface FileAppend {
  client: string;
  jsons: string[];
}

/**
 * How one append of a batch ended: null when durable, else why not (ELOG: not written;
 * EFSYNC: the disk failed) and the system's error code (ENOSPC, ENOTREG, …) when there is one.
 */
export type AppendOutcome = null | { code: 'ELOG' | 'EFSYNC'; message: string; errno?: string };

/** The first read of a file's end when its chain value is not known; doubled until a whole line is in it. */
const TAIL_READ_BYTES = 4096;

/** `client`'s log in `dir`. A check client's `/` is written `+` (log/logName.ts): the file stays in the folder. */
export function logPath(dir: string, client: string): string {
  return join(dir, logBaseOf(client) + LOG_SUFFIX);
}

export class BatchWriter {
  private readonly heads = new ChainHeads();
  /** A new file's folder entry could not be synced yet (the folder could not be opened). */
  private folderUnsynced = false;

  constructor(
    readonly dir: string,
    private readonly ops: SyncFileOps = fs,
  ) {}

  /** Appends each entry to its client's log; one outcome per entry, in order. */
  write(batch: readonly FileAppend[]): AppendOutcome[] {
    const outcomes: AppendOutcome[] = batch.map(() => null);
    const written: { index: number; fd: number; created: boolean }[] = [];
    for (let index = 0; index < batch.length; index++) {
      const { client, jsons } = batch[index]!;
      const path = logPath(this.dir, client);
      try {
        const file = this.appendTo(client, path, jsons);
        if (file !== null) written.push({ index, ...file });
      } catch (error) {
        outcomes[index] = { code: 'ELOG', message: `cannot write ${path}: ${writeFailure(error)}`, errno: (error as NodeJS.ErrnoException).code };
      }
    }
    const created: number[] = [];
    for (const { index, fd, created: isNew } of written) {
      try {
        this.ops.fdatasyncSync(fd);
        if (isNew) created.push(index);
      } catch (error) {
        outcomes[index] = { code: 'EFSYNC', message: durabilityFailure(logPath(this.dir, batch[index]!.client), error), errno: (error as NodeJS.ErrnoException).code };
      } finally {
        this.close(fd);
      }
    }
    if (created.length > 0 || this.folderUnsynced) {
      const failure = this.syncFolder();
      // A folder that would not sync fails the appends whose files it holds new (or, when
      // it is an earlier batch's entry, the first of this batch): fatal either way.
      if (failure !== null) for (const index of created.length > 0 ? created : [0]) outcomes[index] = { code: 'EFSYNC', message: failure };
    }
    return outcomes;
  }

  /** Opens and writes one file; the open descriptor, and whether the file is new. Null for nothing to write. */
  private appendTo(client: string, path: string, jsons: readonly string[]): { fd: number; created: boolean } | null {
    if (jsons.length === 0) return null;
    let fd: number;
    try {
      fd = this.ops.openSync(path, APPEND, 0o640);
    } catch (error) {
      throw openFailure(path, error);
    }
    try {
      const stat = this.ops.fstatSync(fd);
      // A link, FIFO or folder in the log's place is refused, never written through: its
      // records are kept in memory like on a full disk, and reported.
      if (!stat.isFile()) throw notRegularFile(path);
      const { size } = stat;
      let text = '';
      let prev = size === 0 ? genesis(client) : this.heads.get(client);
      if (size > 0) {
        // A crash may have torn the last line; start on a fresh line so this record is not
        // glued to the torn one and lost with it.
        const last = Buffer.alloc(1);
        this.ops.readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) text = '\n';
        prev ??= this.headOfFile(client, fd, size);
      }
      let head = prev!;
      for (const json of jsons) {
        const line = chainedLine(json, head);
        text += line.text;
        head = line.chain;
      }
      // One write(2) may take only part of the text (a disk filling up): go on until the
      // rest is taken or refused, so that a refusal keeps the records instead of losing them.
      const bytes = Buffer.from(text);
      for (let offset = 0; offset < bytes.length; ) offset += this.ops.writeSync(fd, bytes, offset, bytes.length - offset);
      this.heads.set(client, head);
      // Empty before: most likely created just now, so its folder entry must be made durable too.
      return { fd, created: size === 0 };
    } catch (error) {
      this.close(fd);
      // Part of the text may be on disk: the next write finds the chain's end in the file.
      this.heads.forget(client);
      throw error;
    }
  }

  /** The chain value after the file's last whole line, reading back from its end as far as needed. */
  private headOfFile(client: string, fd: number, size: number): string {
    for (let length = TAIL_READ_BYTES; ; length *= 2) {
      const bytes = Math.min(length, size);
      const tail = Buffer.alloc(bytes);
      this.ops.readSync(fd, tail, 0, bytes, size - bytes);
      const head = tailHead(client, tail, bytes === size);
      if (head !== null) return head;
    }
  }

  /** Makes the folder's new entries durable; null when done or put off, else the failure. */
  private syncFolder(): string | null {
    this.folderUnsynced = false;
    let fd: number;
    try {
      fd = this.ops.openSync(this.dir, 'r');
    } catch {
      // Only a failed fsync of the folder is fatal; failing to open it (EMFILE) is not: the
      // next batch tries again.
      this.folderUnsynced = true;
      return null;
    }
    try {
      this.ops.fsyncSync(fd);
      return null;
    } catch (error) {
      return durabilityFailure(this.dir, error);
    } finally {
      this.close(fd);
    }
  }

  private close(fd: number): void {
    try {
      this.ops.closeSync(fd);
    } catch {
      // Nothing is left to do for a descriptor that will not close.
    }
  }
}

function durabilityFailure(path: string, error: unknown): string {
  return `the disk could not make ${path} durable (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
}
