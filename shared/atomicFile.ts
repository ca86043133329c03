/**
 * Replacing a small file so that a crash or power cut leaves either the old content or the
 * new, never a torn mix: write a temporary file, fsync it, rename it over the old one, and
 * fsync the folder so the rename itself is durable. Node's own modules only (the sensor uses it).
 */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createFresh } from './fileOpen.js';

export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `content`. Content given as an iterable of parts is written part by
 * part, so a large file is never one string in memory and other work runs between parts.
 * The temporary file is created new (fileOpen.ts): a link planted in its place is removed,
 * never written through; rename then replaces `path` itself, a link there included.
 */
export async function writeFileAtomic(path: string, content: string | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, mode = 0o640): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await createFresh(temporary, mode);
  try {
    if (typeof content === 'string') await file.writeFile(content);
    else for await (const part of content) await file.write(part);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  await syncFolder(dirname(path));
}
