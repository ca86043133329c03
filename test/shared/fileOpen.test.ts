import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/atomicFile.js';
import { APPEND, openRegular } from '../../shared/fileOpen.js';
import { nextBoot } from '../../sensor/bootCounter.js';
import { tempDir } from '../helpers.js';

t.test('a symlink planted as the temporary file is replaced, and its target is never written', async (t) => {
  const dir = tempDir();
  const target = join(dir, 'precious');
  writeFileSync(target, 'keep me\n');
  const folder = join(dir, 'logs');
  mkdirSync(folder);
  symlinkSync(target, join(folder, '@state.json.tmp'));
  await writeFileAtomic(join(folder, '@state.json'), '{"new":true}\n');
  t.equal(readFileSync(target, 'utf8'), 'keep me\n', 'the target is untouched');
  t.equal(readFileSync(join(folder, '@state.json'), 'utf8'), '{"new":true}\n');
  t.notOk(existsSync(join(folder, '@state.json.tmp')), 'no temporary is left behind');
});

t.test('a stale temporary file left by a crash does not stop the next write', async (t) => {
  const folder = tempDir();
  writeFileSync(join(folder, 'f.tmp'), 'torn hal');
  await writeFileAtomic(join(folder, 'f'), 'whole\n');
  t.equal(readFileSync(join(folder, 'f'), 'utf8'), 'whole\n');
});

t.test('a dangling symlink as the temporary file creates nothing outside the folder', async (t) => {
  const dir = tempDir();
  const folder = join(dir, 'state');
  mkdirSync(folder);
  const outside = join(dir, 'created-outside');
  symlinkSync(outside, join(folder, 'boot.json.tmp'));
  t.equal(await nextBoot(join(folder, 'boot.json')), 1);
  t.notOk(existsSync(outside), 'the link target was not created');
});

t.test("a symlink as the sensor's state file is replaced by a file, its target kept", async (t) => {
  const dir = tempDir();
  const target = join(dir, 'passwd');
  writeFileSync(target, 'root:x:0:0\n');
  symlinkSync(target, join(dir, 'boot.json'));
  await nextBoot(join(dir, 'boot.json'));
  t.equal(readFileSync(target, 'utf8'), 'root:x:0:0\n');
  t.ok(lstatSync(join(dir, 'boot.json')).isFile(), 'the link itself was replaced');
});

t.test('opening for append refuses a symlink, a FIFO and a folder with ENOTREG, without blocking', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'target'), 'x');
  symlinkSync(join(dir, 'target'), join(dir, 'link'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  mkdirSync(join(dir, 'folder'));
  for (const name of ['link', 'dangling', 'fifo', 'folder']) {
    await t.rejects(openRegular(join(dir, name), APPEND), { code: 'ENOTREG' }, name);
  }
  t.notOk(existsSync(join(dir, 'nowhere')), 'the dangling link created nothing');
  t.equal(readFileSync(join(dir, 'target'), 'utf8'), 'x');
});
