import { readFileSync } from 'node:fs';

/** netmonitor's version, from package.json (two folders up from build/shared/). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
