/**
 * A PATH that holds only busybox applets, as on a stock OpenWrt gateway: a temporary folder
 * of symlinks to Debian's busybox, one per applet it lists. Programs a test adds on purpose
 * (socat) go in a second folder, so the first stays busybox only.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { findProgram } from '../systemPrograms.js';
import { tempDir } from '../helpers.js';

/**
 * A PATH of busybox applets only, then `extra` programs of this machine (which replace the
 * applets of the same name), without the applets in `without`; null without busybox.
 */
export function busyboxPath(extra: string[] = [], without: string[] = []): string | null {
  const busybox = findProgram('busybox');
  if (busybox === null) return null;
  const dir = tempDir('netmonitor-busybox-');
  const applets = join(dir, 'applets');
  mkdirSync(applets);
  for (const applet of execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    if (!extra.includes(applet) && !without.includes(applet)) symlinkSync(busybox, join(applets, applet));
  }
  if (extra.length === 0) return applets;
  const more = join(dir, 'extra');
  mkdirSync(more);
  for (const program of extra) symlinkSync(findProgram(program)!, join(more, program));
  return `${applets}${delimiter}${more}`;
}
