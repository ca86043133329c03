/**
 * One server per log folder. Two servers writing into one `@server.nmlog` make the report
 * count the live monitor as off, so the server takes this lock before it writes anything
 * and holds it until it has written its `stop` record.
 *
 * Node has no flock(2), and the packages that offer it need a native build (a problem on a
 * small gateway or a machine without a compiler). So the lock is a file holding the
 * holder's pid, made with link(2): the pid is written to a file of our own first, then
 * linked to the lock's name, which fails with EEXIST when the name exists (a symlink
 * included; link never follows it). A reader therefore never sees a half-written lock.
 *
 * A kill -9 leaves the file behind; its pid is then no longer alive, and the next server
 * takes the lock over. A pid reused by an unrelated process would keep the folder locked:
 * the error names the file and the pid, so the operator can check and remove it.
 * Readers (`netmonitor report`, the HTTP reads) take no lock: they only read.
 */
import { link, open, unlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { NetmonitorError } from '../../shared/errors.js';

export const LOCK_FILE = '@server.lock';

/** Locks held by this process, by path: a second server in the same process is refused too. */
const heldHere = new Set<string>();

export interface FolderLock {
  readonly path: string;
  /** Removes the lock file (if it is still ours). */
  release(): Promise<void>;
}

/** Takes `dir`'s lock or throws ELOCKED naming the folder and the holder's pid. */
export async function lockFolder(dir: string): Promise<FolderLock> {
  const path = join(dir, LOCK_FILE);
  const mine = join(dir, `${LOCK_FILE}.${process.pid}`);
  await writePidFile(mine);
  try {
    // Twice at most: the second try follows taking over a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await link(mine, path);
        heldHere.add(path);
        return { path, release: () => release(path) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await holderOf(path);
      if (holder !== null && isHeld(holder, path)) {
        throw new NetmonitorError('ELOCKED', `${dir} is in use by another netmonitor server (pid ${holder}); stop it first, or give this one another client_log_dir (if pid ${holder} is not netmonitor, remove ${path})`);
      }
      // The holder is gone (kill -9, a power cut): its lock is stale.
      await unlink(path).catch(ignoreMissing);
    }
    throw new NetmonitorError('ELOCKED', `${dir}: another netmonitor server took the lock ${path} at the same moment; stop it first`);
  } finally {
    await unlink(mine).catch(ignoreMissing);
  }
}

async function writePidFile(path: string): Promise<void> {
  await unlink(path).catch(ignoreMissing);
  const file = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o640);
  try {
    await file.writeFile(`${process.pid}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** The pid in the lock file; null when it holds none (then it is treated as stale). */
async function holderOf(path: string): Promise<number | null> {
  let text: string;
  try {
    const file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      text = await file.readFile('utf8');
    } finally {
      await file.close();
    }
  } catch (error) {
    // Gone since link() failed: the next attempt may take it. A symlink (ELOOP) is no lock of ours.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ELOOP') return null;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

function isHeld(pid: number, path: string): boolean {
  // Our own pid left from before a restart of this machine or container is stale unless
  // this process really holds the lock.
  if (pid === process.pid) return heldHere.has(path);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function release(path: string): Promise<void> {
  if (!heldHere.delete(path)) return;
  if ((await holderOf(path)) === process.pid) await unlink(path).catch(ignoreMissing);
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
