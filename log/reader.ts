/**
 * Reads a netmonitor log file record by record, streaming, so a year of logs never has to
 * fit in memory. Torn or damaged lines are skipped and counted, never fatal; so is a line
 * longer than MAX_LINE_BYTES, which is passed over without being held in memory.
 *
 * Only a regular file is read: a folder, FIFO or symlink where a log should be is refused
 * with ENOTREG (a FIFO is opened non-blocking, so it cannot hang the reader), for the
 * caller to report and skip. The server never writes through such an entry either.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { notRegularFile } from '../shared/fileOpen.js';
import { decodeLineParts, type ReadRecord } from './records.js';
import type { ChainCheck } from './chain.js';

/** The longest line read (docs/log-format.md); a record is a few hundred bytes. */
export const MAX_LINE_BYTES = 1024 * 1024;

const READ = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface ReadCounts {
  records: number;
  corrupt: number;
}

/** Opens `path` for reading if it is a regular file; ENOTREG otherwise (ENOENT as usual). */
export async function openLogFile(path: string): Promise<FileHandle> {
  let file: FileHandle;
  try {
    file = await open(path, READ);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw notRegularFile(path, error);
    throw error;
  }
  const regular = await file.stat().then((stat) => stat.isFile(), () => false);
  if (!regular) {
    await file.close().catch(() => undefined);
    throw notRegularFile(path);
  }
  return file;
}

/**
 * The lines of `file` as strings, without their `\n` (or `\r\n`); a line over
 * MAX_LINE_BYTES comes out as null, once, its bytes dropped as they are read.
 */
async function* linesOf(file: FileHandle): AsyncGenerator<string | null> {
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  const line = (): string => {
    const text = Buffer.concat(parts, length).toString('utf8');
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  for await (const chunk of file.createReadStream({ autoClose: false }) as AsyncIterable<Buffer>) {
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, end === -1 ? chunk.length : end);
      if (!tooLong) {
        if (length + piece.length > MAX_LINE_BYTES) {
          tooLong = true;
          parts = [];
          length = 0;
        } else {
          parts.push(piece);
          length += piece.length;
        }
      }
      if (end === -1) break;
      yield tooLong ? null : line();
      parts = [];
      length = 0;
      tooLong = false;
      start = end + 1;
    }
  }
  if (tooLong) yield null;
  else if (length > 0) yield line();
}

/** `chain`, when given, is fed every line with its number, to verify the file's hash chain (chain.ts). */
export async function* readRecords(path: string, counts: ReadCounts = { records: 0, corrupt: 0 }, chain?: ChainCheck): AsyncGenerator<ReadRecord> {
  const file = await openLogFile(path);
  let n = 0;
  try {
    for await (const line of linesOf(file)) {
      n++;
      if (line === '') continue;
      const decoded = line === null ? null : decodeLineParts(line);
      chain?.line(n, decoded);
      if (decoded === null) {
        counts.corrupt++;
        continue;
      }
      counts.records++;
      yield decoded.record;
    }
  } finally {
    await file.close().catch(() => undefined);
  }
}
