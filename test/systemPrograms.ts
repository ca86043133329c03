/**
 * System programs some tests run, and the Debian package of each. A test that needs one
 * skips with a visible reason when it is missing (`{ skip: missingProgram('ping') }`), so
 * `npm test` passes on a fresh machine; README.md names the one `apt-get install` line that
 * enables them all, and .ci/run installs them so CI runs everything.
 *
 * Programs are looked up on PATH, as the code under test looks them up (the probe runs
 * `ping` by name): a PATH without one shows its tests skipping.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const PACKAGES = {
  ping: 'iputils-ping',
  sshd: 'openssh-server',
  'ssh-keygen': 'openssh-client',
  openssl: 'openssl',
  ip: 'iproute2',
  chromium: 'chromium',
  'systemd-analyze': 'systemd',
  apprise: 'apprise',
  busybox: 'busybox',
  dash: 'dash',
  bash: 'bash',
  socat: 'socat',
  nc: 'netcat-openbsd',
  curl: 'curl',
  dnsmasq: 'dnsmasq',
  conntrack: 'conntrack',
} as const;

export type Program = keyof typeof PACKAGES;

/** The program's path on PATH; null when it is not there. */
export function findProgram(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return null;
}

/** The reason to skip when any of `names` is missing, for tap's `skip`; false when all are there. */
export function missingProgram(...names: Program[]): string | false {
  const missing = names.filter((name) => findProgram(name) === null);
  if (missing.length === 0) return false;
  return `needs ${missing.join(' and ')} on PATH (Debian: apt-get install ${[...new Set(missing.map((name) => PACKAGES[name]))].join(' ')})`;
}
