/**
 * A network namespace joined to this one by a veth pair, made by a test and deleted by it:
 * the only non-loopback addresses a test may probe. `available()` says why not when the
 * machine does not allow `ip netns add` (no iproute2, no root, no CAP_NET_ADMIN).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { missingProgram } from '../../systemPrograms.js';

export interface Namespace {
  name: string;
  /** The address inside the namespace. */
  inside: string;
  /** Brings the namespace's side of the link down or up. */
  setLink(up: boolean): void;
  remove(): void;
}

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Null when namespaces work here; otherwise the reason to skip. */
export function namespacesUnavailable(): string | null {
  const missing = missingProgram('ip');
  if (missing !== false) return missing;
  const probe = `nmprobe${randomBytes(3).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return null;
  } catch (error) {
    return `ip netns add is not permitted here: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** Makes a namespace with 10.<a>.<b>.2 inside and .1 on our side of a /30. */
export function createNamespace(): Namespace {
  const tag = randomBytes(3).toString('hex');
  const name = `nm${tag}`;
  const outer = `nmo${tag}`;
  const inner = `nmi${tag}`;
  const a = 200 + (parseInt(tag.slice(0, 2), 16) % 50);
  const b = parseInt(tag.slice(2, 4), 16);
  const prefix = `10.${a}.${b}`;
  ip('netns', 'add', name);
  try {
    ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
    ip('link', 'set', inner, 'netns', name);
    ip('addr', 'add', `${prefix}.1/30`, 'dev', outer);
    ip('link', 'set', outer, 'up');
    ip('-n', name, 'addr', 'add', `${prefix}.2/30`, 'dev', inner);
    ip('-n', name, 'link', 'set', inner, 'up');
    ip('-n', name, 'link', 'set', 'lo', 'up');
  } catch (error) {
    try { ip('link', 'del', outer); } catch { /* may not exist */ }
    ip('netns', 'del', name);
    throw error;
  }
  return {
    name,
    inside: `${prefix}.2`,
    setLink(up) {
      ip('-n', name, 'link', 'set', inner, up ? 'up' : 'down');
    },
    remove() {
      // Deleting the namespace deletes its end of the pair, and with it ours.
      try { ip('netns', 'del', name); } catch { /* already gone */ }
      try { ip('link', 'del', outer); } catch { /* went with the namespace */ }
    },
  };
}
