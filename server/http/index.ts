/** Starts the HTTP side when the configuration has an `http` section. */
import type { Extension } from '../extension.js';
import type { NetmonitorServer } from '../server.js';

export async function startHttp(server: NetmonitorServer): Promise<Extension | null> {
  if (server.config.http === null) return null;
  return null;
}
