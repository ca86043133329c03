/**
 * What the machine refuses at start, said as the operator can act on it: one line naming the
 * config key, its value and what to do, with code EENV (exit status 3, which the shipped unit
 * does not restart: a port in use or a folder it may not write stays so 5 s later). The raw
 * errno text (`bind EADDRINUSE 127.0.0.1:17777`) says none of that.
 */
import { NetmonitorError } from '../shared/errors.js';

/** The privileged port range, below which binding needs CAP_NET_BIND_SERVICE on Linux. */
const FIRST_UNPRIVILEGED_PORT = 1024;

export interface ListenSetting {
  /** The config keys of the port and the address: `listen_port`, `http.port`, … */
  portKey: string;
  addressKey: string;
  port: number;
  address: string;
}

/** A failed bind or listen, as one line; other errors are returned unchanged. */
export function bindError(error: unknown, setting: ListenSetting): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const { portKey, addressKey, port, address } = setting;
  const where = `${address}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return environmentError(`${portKey}: ${port} is already in use on ${address} by another program (EADDRINUSE); stop that program, or choose another ${portKey}`, error);
    case 'EACCES':
    case 'EPERM':
      if (port > 0 && port < FIRST_UNPRIVILEGED_PORT) {
        return environmentError(
          `${portKey}: ${port} is below ${FIRST_UNPRIVILEGED_PORT} and this process may not bind it (${code}); choose a port from ${FIRST_UNPRIVILEGED_PORT} up, ` +
            'or grant the capability (systemd unit: AmbientCapabilities=CAP_NET_BIND_SERVICE and CapabilityBoundingSet=CAP_NET_BIND_SERVICE)',
          error,
        );
      }
      return environmentError(`${portKey}: binding ${where} is not permitted (${code}); check the firewall or sandbox rules, or choose another ${portKey}`, error);
    case 'EADDRNOTAVAIL':
      return environmentError(`${addressKey}: ${address} is not an address of this machine (EADDRNOTAVAIL); use one it has (see \`ip addr\`), or 0.0.0.0 for all`, error);
    default:
      return error;
  }
}

/** A log folder the server cannot create or write, as one line; other errors are returned unchanged. */
export function folderError(error: unknown, key: string, dir: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return environmentError(
        `${key}: the server may not create or write ${dir} (${code}); make the folder belong to the user the server runs as (chown), ` +
          'or choose one it may write (with the shipped unit, a folder under /var/lib/netmonitor)',
        error,
      );
    case 'EROFS':
      return environmentError(`${key}: ${dir} is on a read-only file system (EROFS); choose a folder on a writable one (with the shipped unit, under /var/lib/netmonitor)`, error);
    case 'ENOTDIR':
    case 'EEXIST':
      return environmentError(`${key}: ${dir} cannot be a folder: part of that path is a file (${code}); choose another folder`, error);
    case 'ENOSPC':
      return environmentError(`${key}: no space left on the disk of ${dir} (ENOSPC); free some, or choose a folder on another disk`, error);
    case 'ENOTREG':
    case 'EISDIR':
    case 'ELOOP':
      return environmentError(`${key}: ${dir} is not a regular file (a folder, FIFO or symlink stands where the server writes); move it away`, error);
    default:
      return error;
  }
}

function environmentError(message: string, cause: unknown): NetmonitorError {
  return new NetmonitorError('EENV', message, { cause });
}
