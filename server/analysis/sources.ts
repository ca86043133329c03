/**
 * Reading the lines of a source that are new since its cursor, at most `max_lines` a run;
 * the cursor returned points just after the last line returned, so the lines beyond the cap
 * wait for the next run and none is read twice. A file keeps its inode and byte offset (a
 * new inode or a shorter file is a rotation: read from the start); the journal keeps
 * journalctl's cursor; a remote command keeps the hash of its last lines, and only lines
 * after them in the next output are new. The first run of a file or journal reads its last
 * `max_lines` lines.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { runProgramText } from '../../shared/runProgram.js';
import type { FileSource, JournalSource, LogSource, SshSource } from './config.js';
import { runSshCommand } from './ssh.js';
import type { Cursor } from './state.js';

export interface SourceRead {
  lines: string[];
  cursor: Cursor;
  /** Wall ms of each line when the source says (the journal); null otherwise. */
  times: (number | null)[];
}

/** Bytes a line may take on average when the capture of a command's output is sized. */
const BYTES_PER_LINE = 2048;
const MAX_CAPTURE = 32 * 1024 * 1024;
/** Lines the remote cursor hashes: one identical line repeated does not lose the place. */
const TAIL_LINES = 3;

export class SourceError extends Error {}

const captureFor = (maxLines: number): number => Math.min(MAX_CAPTURE, maxLines * BYTES_PER_LINE);

export async function readFileSource(source: FileSource, cursor: Cursor | null): Promise<SourceRead> {
  let file;
  try {
    file = await open(source.path, 'r');
  } catch (error) {
    throw new SourceError(`cannot open ${source.path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw new SourceError(`${source.path} is not a regular file`);
    const inode = stat.ino;
    const known = cursor?.type === 'file' && cursor.inode === inode && cursor.offset <= stat.size ? cursor.offset : null;
    let start = known ?? (cursor === null ? Math.max(0, stat.size - source.maxLines * 256) : 0);
    const budget = captureFor(source.maxLines);
    const length = Math.min(budget, stat.size - start);
    const buffer = Buffer.alloc(Math.max(0, length));
    const { bytesRead } = length > 0 ? await file.read(buffer, 0, length, start) : { bytesRead: 0 };
    let at = 0;
    if (cursor === null && start > 0) {
      // The first run begins inside the file: skip to the start of the next whole line.
      const newline = buffer.indexOf(0x0a, 0);
      at = newline < 0 || newline >= bytesRead ? bytesRead : newline + 1;
    }
    // Only whole lines: a line still being written waits for the next run.
    const lines: string[] = [];
    for (;;) {
      if (cursor !== null && lines.length >= source.maxLines) break;
      const newline = buffer.indexOf(0x0a, at);
      if (newline < 0 || newline >= bytesRead) break;
      lines.push(buffer.subarray(at, newline).toString('utf8').replace(/\r$/, ''));
      at = newline + 1;
    }
    if (cursor === null && lines.length > source.maxLines) {
      // The first run: the last max_lines lines of what was read.
      lines.splice(0, lines.length - source.maxLines);
    }
    start += at;
    return { lines, cursor: { type: 'file', inode, offset: start }, times: lines.map(() => null) };
  } finally {
    await file.close();
  }
}

/** journalctl's argv for a run; `program` is looked up on PATH. */
export function journalArgv(source: JournalSource, cursor: Cursor | null, program = 'journalctl'): string[] {
  const argv = [program, '--no-pager', '--output=json', '--quiet'];
  if (source.unit !== null) argv.push(`--unit=${source.unit}`);
  if (cursor?.type === 'journal') argv.push(`--after-cursor=${cursor.cursor}`);
  else argv.push(`--lines=${source.maxLines}`);
  return argv;
}

export async function readJournalSource(source: JournalSource, cursor: Cursor | null, program = 'journalctl'): Promise<SourceRead> {
  const result = await runProgramText(journalArgv(source, cursor, program), { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' }, source.timeoutMs, captureFor(source.maxLines));
  if (result.timedOut) throw new SourceError(`journalctl gave no result within ${source.timeoutMs} ms`);
  if (result.exitCode !== 0) throw new SourceError(`journalctl failed (${result.exitCode === null ? 'could not be started' : `exit status ${result.exitCode}`}): ${result.output}`);
  const lines: string[] = [];
  const times: (number | null)[] = [];
  let last = cursor?.type === 'journal' ? cursor.cursor : null;
  for (const text of result.text.split('\n')) {
    if (lines.length >= source.maxLines) break;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(text) as Record<string, unknown>;
    } catch {
      continue; // A cut last line, or a note on stderr.
    }
    if (typeof entry !== 'object' || entry === null || typeof entry.__CURSOR !== 'string') continue;
    last = entry.__CURSOR;
    const message = Array.isArray(entry.MESSAGE) ? Buffer.from(entry.MESSAGE as number[]).toString('utf8') : String(entry.MESSAGE ?? '');
    const who = typeof entry.SYSLOG_IDENTIFIER === 'string' ? entry.SYSLOG_IDENTIFIER : typeof entry._COMM === 'string' ? entry._COMM : '';
    const micros = Number(entry.__REALTIME_TIMESTAMP);
    const time = Number.isFinite(micros) ? Math.floor(micros / 1000) : null;
    lines.push(`${time === null ? '' : `${new Date(time).toISOString()} `}${who === '' ? '' : `${who}: `}${message}`);
    times.push(time);
  }
  return { lines, cursor: last === null ? { type: 'journal', cursor: '' } : { type: 'journal', cursor: last }, times };
}

const tailHash = (lines: readonly string[]): string => createHash('sha256').update(lines.join('\n')).digest('hex');

/** The lines of a command's output after the ones the cursor remembers, at most `maxLines`. */
export function newRemoteLines(output: readonly string[], cursor: Cursor | null, maxLines: number): { lines: string[]; cursor: Cursor } {
  let from = 0;
  if (cursor?.type === 'ssh' && cursor.tailLines > 0) {
    for (let end = output.length; end >= cursor.tailLines; end--) {
      if (tailHash(output.slice(end - cursor.tailLines, end)) === cursor.tailHash) {
        from = end;
        break;
      }
    }
  }
  const lines = output.slice(from, from + maxLines);
  const end = from + lines.length;
  if (end === 0) return { lines, cursor: cursor ?? { type: 'ssh', tailHash: '', tailLines: 0 } };
  const tail = output.slice(Math.max(0, end - TAIL_LINES), end);
  return { lines, cursor: { type: 'ssh', tailHash: tailHash(tail), tailLines: tail.length } };
}

export async function readSshSource(source: SshSource, cursor: Cursor | null): Promise<SourceRead> {
  const result = await runSshCommand(source, captureFor(Math.max(source.maxLines, 2000)));
  if (!result.ok) throw new SourceError(result.error);
  const output = result.stdout.split('\n').map((l) => l.replace(/\r$/, ''));
  if (output.at(-1) === '') output.pop();
  const { lines, cursor: next } = newRemoteLines(output, cursor, source.maxLines);
  return { lines, cursor: next, times: lines.map(() => null) };
}

export function readSource(source: LogSource, cursor: Cursor | null, journalctl = 'journalctl'): Promise<SourceRead> {
  if (source.type === 'file') return readFileSource(source, cursor);
  if (source.type === 'journal') return readJournalSource(source, cursor, journalctl);
  return readSshSource(source, cursor);
}
