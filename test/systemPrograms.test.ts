/** The helper that lets tests skip without a system program, and the install lines that enable them. */
import t from 'tap';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from './helpers.js';
import { findProgram, missingProgram, PACKAGES } from './systemPrograms.js';

t.test('a program is found on PATH only, and its absence is a reason naming its Debian package', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'openssl'), '#!/bin/sh\n');
  t.equal(findProgram('openssl', dir), null, 'a file that cannot be run is not the program');
  chmodSync(join(dir, 'openssl'), 0o755);
  t.equal(findProgram('openssl', `${tempDir()}:${dir}`), join(dir, 'openssl'));
  t.equal(findProgram('ping', dir), null);
  t.equal(missingProgram(), false, 'needing nothing is never a reason to skip');
  const saved = process.env.PATH;
  process.env.PATH = dir;
  t.teardown(() => void (process.env.PATH = saved));
  t.equal(missingProgram('openssl'), false);
  t.equal(missingProgram('ping', 'openssl', 'sshd', 'ssh-keygen'), 'needs ping and sshd and ssh-keygen on PATH (Debian: apt-get install iputils-ping openssh-server openssh-client)');
});

t.test('the README\'s apt-get line and the CI script install every package a test needs', async (t) => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const line = /^sudo apt-get install (.+)$/m.exec(readme);
  t.ok(line, 'README.md has an apt-get install line');
  const listed = new Set(line?.[1]!.trim().split(/\s+/));
  const ci = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
  for (const [program, pkg] of Object.entries(PACKAGES)) {
    t.ok(listed.has(pkg), `README installs ${pkg} (${program})`);
    t.match(ci, new RegExp(`\\b${pkg}\\b`), `.ci/run installs ${pkg}`);
  }
});
