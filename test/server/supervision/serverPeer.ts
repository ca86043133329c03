/** A real NetmonitorServer in this process on 127.0.0.1 port 0, with a captured logger. */
import { join } from 'node:path';
import { validateServerConfig } from '../../../server/config/server.js';
import { createServer } from '../../../server/main.js';
import type { NetmonitorServer } from '../../../server/server.js';
import type { JsonObject } from '../../../shared/configCheck.js';
import { tempDir } from '../../helpers.js';
import { captureLogger } from '../../peers/logger.js';

export async function startInProcessServer(settings: JsonObject, dir = tempDir()): Promise<{ server: NetmonitorServer; lines: string[]; dir: string; logDir: string }> {
  const logDir = join(dir, 'logs');
  const config = validateServerConfig({ client_log_dir: logDir, listen_port: 0, listen_address: '127.0.0.1', ...settings }, join(dir, 'server.json'), {});
  const { logger, lines } = captureLogger();
  const server = createServer({ config, logger });
  await server.start();
  return { server, lines, dir, logDir };
}

export async function until(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
