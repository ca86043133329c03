/**
 * The OpenWrt procd init script. procd itself cannot run here (it is OpenWrt's init), so
 * the script is run by busybox sh with stand-ins for rc.common's procd_* functions that
 * record what it asks for: the command procd would start, and how it respawns.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../../helpers.js';
import { busyboxPath } from '../../peers/busybox.js';
import { missingProgram } from '../../systemPrograms.js';

const INIT = join(repoRoot, 'sensor', 'script', 'netmonitor.init');

t.test('the procd init script starts the shell sensor from /etc/netmonitor and respawns it forever', { skip: missingProgram('busybox') }, async (t) => {
  const text = readFileSync(INIT, 'utf8');
  t.match(text, /^#!\/bin\/sh \/etc\/rc.common\n/, 'run through rc.common, as OpenWrt does');
  t.match(text, /^USE_PROCD=1$/m);
  const dir = tempDir();
  const stand_ins = `
procd_open_instance() { echo open; }
procd_set_param() { echo "param $*"; }
procd_close_instance() { echo close; }
. "$1"
start_service
`;
  writeFileSync(join(dir, 'rc.sh'), stand_ins);
  const path = busyboxPath()!;
  const asked = execFileSync(join(path, 'sh'), [join(dir, 'rc.sh'), INIT], { env: { PATH: path }, encoding: 'utf8' });
  t.same(asked.trim().split('\n'), ['open', 'param command /bin/sh /etc/netmonitor/sensor.sh', 'param respawn 3600 10 0', 'close']);
});
