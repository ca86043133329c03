/**
 * How many HTTP connections the listener holds at once, so that idle or slow connections
 * can never take the file descriptors that logs, state saves and SMTP need. Every socket is
 * a descriptor; with the usual limit of 1,024, a thousand idle connections from one client
 * once made log writes and the alert's SMTP connection fail with EMFILE.
 *
 * The limit is RLIMIT_NOFILE as the process has it. Node has no setrlimit, but needs none:
 * at start it raises the soft limit to the hard limit itself (POSIX), so what
 * /proc/self/limits shows here is already the most this process can get; the unit file
 * sets the hard limit (LimitNOFILE=). A quarter of it goes to HTTP connections, at most
 * PER_SOURCE from one address: the rest stays for logs (MAX_BATCH_FILES), the mbox or SMTP
 * pool, hooks, TLS files and the state file. Connections over either bound are closed
 * as soon as they are accepted.
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { normalizeAddress } from '../intake/acceptance.js';

/** The limit assumed where /proc/self/limits cannot be read (not Linux). */
export const ASSUMED_OPEN_FILES = 1024;
/** Connections from one address: a dashboard opens about 6; a reverse proxy keeps a few. */
export const PER_SOURCE = 32;
/** At most this many connections however high the limit: memory, not descriptors, bounds it then. */
export const MAX_CONNECTIONS = 4096;
/** A connection must send its request headers within this, and may idle this long between requests. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often Node checks connections against the header and request timeouts. */
export const CHECK_INTERVAL_MS = 1_000;

/** The soft RLIMIT_NOFILE of this process, or null when it is unknown or unlimited. */
export function openFileLimit(limits: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | null {
  let text: string;
  try {
    text = limits();
  } catch {
    return null;
  }
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(text)?.[1];
  return soft === undefined || soft === 'unlimited' ? null : Number(soft);
}

export interface ConnectionBudget {
  total: number;
  perSource: number;
}

/** The connections to allow for a soft limit of `openFiles` descriptors. */
export function connectionBudget(openFiles: number | null): ConnectionBudget {
  const total = Math.max(8, Math.min(MAX_CONNECTIONS, Math.floor((openFiles ?? ASSUMED_OPEN_FILES) / 4)));
  return { total, perSource: Math.min(PER_SOURCE, total) };
}

/** Open connections per source address; refuses one over the per-source bound. */
export class SourceConnections {
  private readonly open = new Map<string, number>();

  constructor(private readonly perSource: number) {}

  /** Counts `socket` against its source, or destroys it when the source has too many. */
  admit(socket: Socket): void {
    const source = normalizeAddress(socket.remoteAddress ?? '');
    const count = this.open.get(source) ?? 0;
    if (count >= this.perSource) {
      socket.destroy();
      return;
    }
    this.open.set(source, count + 1);
    socket.once('close', () => {
      const left = (this.open.get(source) ?? 1) - 1;
      if (left === 0) this.open.delete(source);
      else this.open.set(source, left);
    });
  }
}
