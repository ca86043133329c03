/** What `npm pack` puts in the package: what runs, its licence, no source maps without their sources. */
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './helpers.js';

const run = promisify(execFile);

async function packedFiles(): Promise<string[]> {
  // --ignore-scripts: the build is already there (tests run from it); prepare would rebuild it.
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, timeout: 60_000 });
  const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
  return pack!.files.map((file) => file.path);
}

t.test('the package ships no source maps, whose sources it does not ship', async (t) => {
  const files = await packedFiles();
  t.same(files.filter((path) => path.endsWith('.map')), []);
  t.same(files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts')), [], 'no TypeScript sources either');
  t.ok(files.includes('build/bin/cli.js'), 'the command is in it');
});

t.test('the package carries the MIT licence its package.json names', async (t) => {
  const files = await packedFiles();
  t.ok(files.includes('LICENSE'));
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { license: string };
  t.equal(manifest.license, 'MIT');
  const text = readFileSync(join(repoRoot, 'LICENSE'), 'utf8');
  t.match(text, /^MIT License\n\nCopyright \(c\) \d{4} netmonitor contributors\n/);
});
