/**
 * The shell sensor's HMAC-SHA256 (sensor/script/hmac.sh, embedded verbatim in every script)
 * against the project's NM1 vectors and Node's crypto: under `busybox sh` with a PATH of
 * busybox applets only (so sha256sum is busybox's, as on OpenWrt), and under dash.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode, MAC_HEX_LENGTH } from '../../../shared/nm1.js';
import { fixture, repoRoot, tempDir } from '../../helpers.js';
import { busyboxPath } from '../../peers/busybox.js';
import { missingProgram } from '../../systemPrograms.js';

interface Vectors {
  keys: Record<string, string>;
  valid: { datagram: string }[];
  invalid: { datagram_hex: string; reason: string }[];
  replay: { steps: { boot: number; seq: number }[] }[];
}

const vectors = fixture<Vectors>('nm1-vectors.json');
const HMAC_SH = join(repoRoot, 'sensor', 'script', 'hmac.sh');
const DRIVER = `. "$1"
while IFS= read -r key && IFS= read -r message; do
  nm_hmac_key "$key"
  nm_hmac "$message"
  printf '%s\\n' "$nm_digest"
done < "$2"
`;

const hmacHex = (keyHex: string, message: string): string => createHmac('sha256', Buffer.from(keyHex, 'hex')).update(message, 'latin1').digest('hex');

/** The shell's HMAC of each [key, message], in one run of `shell`. */
function shellHmacs(shell: string, path: string, cases: [string, string][]): string[] {
  const dir = tempDir();
  writeFileSync(join(dir, 'driver.sh'), DRIVER);
  writeFileSync(join(dir, 'cases'), cases.map(([key, message]) => `${key}\n${message}\n`).join(''));
  const output = execFileSync(shell, [join(dir, 'driver.sh'), HMAC_SH, join(dir, 'cases')], { env: { PATH: path }, encoding: 'utf8' });
  return output.split('\n').filter(Boolean);
}

/** Every vector's MAC input, with the MAC it must have (null for a bad-mac vector: anything but the one given). */
function vectorCases(): { name: string; key: string; signed: string; mac: string; matches: boolean }[] {
  const cases = [];
  for (const { datagram } of vectors.valid) {
    const line = datagram.replace(/\n$/, '');
    const sensor = line.split(' ')[1]!;
    cases.push({ name: `valid: ${line}`, key: vectors.keys[sensor]!, signed: line.slice(0, line.lastIndexOf(' ')), mac: line.slice(line.lastIndexOf(' ') + 1), matches: true });
  }
  for (const { datagram_hex, reason } of vectors.invalid.filter((v) => v.reason === 'bad-mac')) {
    const line = Buffer.from(datagram_hex, 'hex').toString('latin1').replace(/\n$/, '');
    const key = vectors.keys[line.split(' ')[1]!]!;
    cases.push({ name: `${reason}: ${line}`, key, signed: line.slice(0, line.lastIndexOf(' ')), mac: line.slice(line.lastIndexOf(' ') + 1), matches: false });
  }
  for (const [index, { steps }] of vectors.replay.entries()) {
    for (const { boot, seq } of steps) {
      const line = encode({ sensor: 'home-gw', boot, seq, type: 'PING', uptime: 1, interval: 30 }, Buffer.from(vectors.keys['home-gw']!, 'hex')).toString();
      cases.push({ name: `replay case ${index}: ${line}`, key: vectors.keys['home-gw']!, signed: line.slice(0, line.lastIndexOf(' ')), mac: line.slice(line.lastIndexOf(' ') + 1), matches: true });
    }
  }
  return cases;
}

/** A key and message whose inner digest has a NUL byte, which the outer hash must still see. */
function withNulInInnerDigest(): [string, string] {
  const key = Buffer.alloc(32, 0x11);
  const ipad = Buffer.concat([key, Buffer.alloc(32)]).map((byte) => byte ^ 0x36);
  for (let seq = 0; ; seq++) {
    const message = `NM1 nul 1 ${seq} PING - 30`;
    if (createHash('sha256').update(ipad).update(message).digest().includes(0)) return [key.toString('hex'), message];
  }
}

const bbPath = busyboxPath();
const shells: { name: string; shell: string; path: string | null; skip: string | false }[] = [
  { name: 'busybox sh with busybox applets only', shell: 'sh', path: bbPath, skip: missingProgram('busybox') },
  { name: 'dash with busybox applets only', shell: '/usr/bin/dash', path: bbPath, skip: missingProgram('busybox', 'dash') },
  { name: "dash with this machine's sha256sum", shell: '/usr/bin/dash', path: process.env.PATH ?? '/usr/bin:/bin', skip: missingProgram('dash') },
];

for (const { name, shell, path, skip } of shells) {
  t.test(`under ${name}, the shell HMAC gives every NM1 vector's MAC`, { skip }, async (t) => {
    const cases = vectorCases();
    // busybox sh: run the applet through the symlink folder, so nothing but busybox runs.
    const program = shell === 'sh' ? join(path!.split(':')[0]!, 'sh') : shell;
    const digests = shellHmacs(program, path!, cases.map((c) => [c.key, c.signed]));
    t.equal(digests.length, cases.length, 'one digest per vector');
    for (const [i, c] of cases.entries()) {
      t.equal(digests[i], hmacHex(c.key, c.signed), `${c.name}: the full HMAC-SHA256 is Node's`);
      if (c.matches) t.equal(digests[i]!.slice(0, MAC_HEX_LENGTH), c.mac, `${c.name}: its MAC`);
      else t.not(digests[i]!.slice(0, MAC_HEX_LENGTH), c.mac, `${c.name}: not the forged MAC`);
    }
  });

  t.test(`under ${name}, keys whose bytes XOR to 0 and digests with 0 bytes come out right`, { skip }, async (t) => {
    // 0x36 and 0x5c become NUL in the padded keys; random keys and messages give inner
    // digests with every byte value, NUL included, over enough cases.
    const cases: [string, string][] = [
      ['36'.repeat(32), 'NM1 a 1 0 BOOT - 30'],
      ['5c'.repeat(32), 'NM1 a 1 0 BOOT - 30'],
      ['00'.repeat(16) + 'ff'.repeat(16), "NM1 x 9 9 PING 1.5 60 with % and \\ and ' signs"],
    ];
    for (let i = 0; i < 40; i++) cases.push([randomBytes(32).toString('hex'), `NM1 s-${i} ${i} ${i * 7} PING ${i}.25 30`]);
    cases.push(withNulInInnerDigest());
    const program = shell === 'sh' ? join(path!.split(':')[0]!, 'sh') : shell;
    const digests = shellHmacs(program, path!, cases);
    t.same(digests, cases.map(([key, message]) => hmacHex(key, message)));
  });
}
