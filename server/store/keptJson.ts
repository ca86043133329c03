/**
 * A JSON file the server keeps in its log folder (@settings.json, @maintenance.json), read
 * leniently: a missing file is nothing to say; an unreadable or damaged one is one warning
 * (saying what is used `instead`) and reads as undefined. The warning never shows the
 * file's content.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function readKeptJson(dir: string, name: string, instead: string, warn: (problem: string) => void): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') warn(`cannot read ${name}: ${code}`);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    warn(`${name} is damaged; ${instead}`);
    return undefined;
  }
}
