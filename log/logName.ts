/**
 * A client's log file name. A gateway check's client is named `<sensor>/<check>`
 * (docs/checks.md), and a `/` cannot be in a file name: in the file's name it is written
 * `+`, which no other client id can contain (sensor ids are `A-Z a-z 0-9 . _ -`, legacy
 * clients IP addresses), so the mapping goes both ways without a clash. Neither part of a
 * check client's id can be `.` or `..` (shared/nm1Check.ts), so no name leaves the folder.
 */

/** The separator of a check client's id, `<sensor>/<check>`. */
export const CHECK_SEPARATOR = '/';
const IN_FILE_NAME = '+';

/** The file name (without `.nmlog`) of `client`'s log. */
export function logBaseOf(client: string): string {
  return client.replace(CHECK_SEPARATOR, IN_FILE_NAME);
}

/** The client whose log is `base` (a file name without `.nmlog`). */
export function clientOfLogBase(base: string): string {
  return base.replace(IN_FILE_NAME, CHECK_SEPARATOR);
}

/** The sensor and check of a check client's id; null for any other client. */
export function checkClientParts(client: string): { sensor: string; check: string } | null {
  const at = client.indexOf(CHECK_SEPARATOR);
  return at < 0 ? null : { sensor: client.slice(0, at), check: client.slice(at + 1) };
}

/**
 * A client's status as people are shown it: a check client whose sensor is not up (silent,
 * or never heard) is unknown, whatever its check said last.
 */
export function shownStatus<S extends string>(client: { id: string; status: S }, stateOf: (id: string) => { status: S } | undefined): S | 'unknown' {
  const parts = checkClientParts(client.id);
  if (parts === null) return client.status;
  return stateOf(parts.sensor)?.status === 'up' ? client.status : 'unknown';
}
