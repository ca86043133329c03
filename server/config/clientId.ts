/**
 * Client ids that are valid characters yet cannot work, refused the same way in `clients`
 * and in `clients_file`:
 *  - a key (64 hex digits) in the id's place: columns swapped, or a client keyed by its key.
 *    The id appears in error keys and logs, so the error shows neither;
 *  - `.` and `..`: URL parsing removes them as dot segments, so `/api/v1/clients/{id}` can
 *    never reach them;
 *  - names every JavaScript object already has (`__proto__`, `constructor`, `toString`…):
 *    as a key of a plain object they are lost or shadowed (a PATCH for `__proto__` answered
 *    200 and was gone after a restart). Refusing them here keeps every map of clients safe.
 */
import { parseKey } from '../../shared/nm1.js';

const OBJECT_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Why `id` cannot name a client, or null when it can. The message never repeats the id. */
export function clientIdProblem(id: string): string | null {
  if (parseKey(id) !== null) return 'a client id is a key (64 hex digits): the id comes first, then its key; neither is shown here';
  if (id === '.' || id === '..') return 'a client id cannot be "." or "..": URLs drop them, so the API could never name the client';
  if (OBJECT_NAMES.has(id)) return `a client id cannot be "${id}", a name every JavaScript object already has; choose another`;
  return null;
}
