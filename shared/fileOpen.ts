/**
 * Opening the files netmonitor writes without ever writing through a symlink. The folders
 * it writes in (client_log_dir, the sensor's state folder) may be writable by others, or
 * hold links left there on purpose; as root, following one would overwrite any file on the
 * system. So every open for writing carries O_NOFOLLOW (a link as the last component fails
 * with ELOOP, and O_CREAT never creates the link's target), O_NONBLOCK (a FIFO planted in
 * place of a log cannot hang the open), and the opened file must be a regular file.
 * Node's own modules only (the sensor uses it).
 */
import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';

const { O_RDWR, O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK } = constants;

/** Read and append, created when missing: what a log needs to check its last byte. */
export const APPEND = O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK;
/** A new file only: fails with EEXIST for anything already there, a link included. */
export const CREATE_NEW = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK;

const NOT_REGULAR = 'not a regular file (a symlink, folder or FIFO?); nothing was written to it';

/** The error of a path that is there but is no regular file (a link, FIFO, folder, device). */
export function notRegularFile(path: string, cause?: unknown): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${path} is ${NOT_REGULAR}`, cause === undefined ? undefined : { cause });
  error.code = 'ENOTREG';
  return error;
}

/** Why a write failed, for a message: the errno code, or what a refused non-file is. */
export function writeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOTREG' || code === 'ELOOP' || code === 'EISDIR') return NOT_REGULAR;
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** An open's error, with a link as the last component (ELOOP) or a folder (EISDIR) said as ENOTREG, like a FIFO. */
export function openFailure(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ELOOP' || code === 'EISDIR' ? notRegularFile(path, error) : error;
}

/**
 * Opens `path` with `flags` (one of the above) and checks it is a regular file. A link as
 * the last component (ELOOP) or a folder (EISDIR) comes back as ENOTREG, like a FIFO.
 */
export async function openRegular(path: string, flags: number, mode = 0o640): Promise<FileHandle> {
  let file: FileHandle;
  try {
    file = await open(path, flags, mode);
  } catch (error) {
    throw openFailure(path, error);
  }
  let regular = false;
  try {
    regular = (await file.stat()).isFile();
  } finally {
    if (!regular) await file.close().catch(() => undefined);
  }
  if (!regular) throw notRegularFile(path);
  return file;
}

/**
 * Creates `path` as a new regular file. A stale one (left by a crash, or planted: a link to
 * somewhere else) is removed first; unlink removes a link itself, never its target.
 */
export async function createFresh(path: string, mode = 0o640): Promise<FileHandle> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  return openRegular(path, CREATE_NEW, mode);
}
