/**
 * The sensor's boot counter. It is incremented and stored durably (temporary file, fsync,
 * rename, fsync of the folder) before the first datagram of a start: a counter that went
 * backwards after a power cut would make the server refuse every datagram as a replay.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../shared/atomicFile.js';

/** Reads the stored counter (0 when there is none yet), stores counter + 1 and returns it. */
export async function nextBoot(stateFile: string): Promise<number> {
  let previous = 0;
  try {
    const stored = JSON.parse(await readFile(stateFile, 'utf8')) as { boot?: unknown };
    if (typeof stored.boot === 'number' && Number.isSafeInteger(stored.boot) && stored.boot >= 0) previous = stored.boot;
    else throw new Error(`${stateFile} holds no boot counter`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A missing file is a first start. A damaged one is not silently reset: counting again
    // from 0 would be refused as a replay, so start past anything plausible instead.
    if (code !== 'ENOENT') previous = Math.floor(Date.now() / 1000);
  }
  const boot = previous + 1;
  await mkdir(dirname(stateFile), { recursive: true });
  await writeFileAtomic(stateFile, JSON.stringify({ boot }) + '\n', 0o600);
  return boot;
}
