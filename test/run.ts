/**
 * `npm test`: runs tap over the compiled tests with the coverage check on (the levels are in
 * package.json's "tap" section). A test that needs a missing system program skips, and the
 * code only it reaches goes uncovered; so on a machine without one of them the coverage
 * levels are reported but not enforced, and this says why. CI installs every program
 * (.ci/run), so there the levels hold.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { findProgram, PACKAGES, type Program } from './systemPrograms.js';

const missing = (Object.keys(PACKAGES) as Program[]).filter((name) => findProgram(name) === null);
const args = process.argv.slice(2);
if (missing.length > 0) {
  const packages = [...new Set(missing.map((name) => PACKAGES[name]))].join(' ');
  console.log(`# coverage levels not enforced: ${missing.join(', ')} missing, so their tests skip (Debian: apt-get install ${packages})`);
  args.unshift('--allow-incomplete-coverage');
}
const tap = createRequire(import.meta.url).resolve('tap/package.json').replace(/package\.json$/, 'dist/esm/run.mjs');
const result = spawnSync(process.execPath, [tap, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
