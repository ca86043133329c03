/**
 * The netmonitor server with its HTTP side, in this process (for API tests that need many
 * requests) or as the real `netmonitor server` command (where the process matters). Both
 * bind 127.0.0.1 port 0 and find the HTTP port from the `http listening on` line.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { validateServerConfig } from '../../../server/config/server.js';
import { createServer } from '../../../server/main.js';
import type { NetmonitorServer } from '../../../server/server.js';
import type { JsonObject } from '../../../shared/configCheck.js';
import { tempDir } from '../../helpers.js';
import { captureLogger } from '../../peers/logger.js';
import { startServer, writeConfig, type ServerProcess } from '../../peers/serverProcess.js';

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
export const newToken = (): string => randomBytes(24).toString('base64url');

export interface Tokens {
  admin: string;
  cron: string;
}

/** A configuration with an admin token, one HTTP client `cron-job` and one NM1 client `home-gw`. */
export function httpConfig(dir: string, tokens: Tokens, extra: JsonObject = {}, http: JsonObject = {}): JsonObject {
  return {
    client_log_dir: join(dir, 'logs'),
    listen_address: '127.0.0.1',
    listen_port: 0,
    down_interval: 2,
    http: { listen_address: '127.0.0.1', port: 0, admin_token_sha256: sha256Hex(tokens.admin), ...http },
    clients: {
      'cron-job': { token_sha256: sha256Hex(tokens.cron) },
      'home-gw': { key: 'ab'.repeat(32) },
    },
    // Alerts go out at once: these tests are about HTTP, not about storm_hold's wait.
    alert_limits: { storm_hold: 0 },
    ...extra,
  };
}

export interface InProcess {
  server: NetmonitorServer;
  base: string;
  dir: string;
  tokens: Tokens;
  lines: string[];
  stop(): Promise<void>;
}

export async function startInProcess(options: { extra?: JsonObject; http?: JsonObject; dir?: string; tokens?: Tokens } = {}): Promise<InProcess> {
  const dir = options.dir ?? tempDir();
  const tokens = options.tokens ?? { admin: newToken(), cron: newToken() };
  const config = validateServerConfig(httpConfig(dir, tokens, options.extra, options.http), join(dir, 'server.json'), {});
  const { logger, lines } = captureLogger();
  const server = createServer({ config, logger });
  await server.start();
  const line = lines.find((l) => /http listening on/.test(l));
  const [, port, https] = line === undefined ? [] : /:(\d+)( \(https\))?$/.exec(line)!;
  let stopped = false;
  return {
    server,
    base: `${https === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    dir,
    tokens,
    lines,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

/** The real command; `base` is its HTTP address. */
export async function startProcess(dir: string, config: JsonObject, wrapper: readonly string[] = []): Promise<ServerProcess & { base: string; udpPort: number }> {
  const server = await startServer(writeConfig(dir, config), {}, wrapper);
  const http = await server.waitForOutput(/http listening on \S+:(\d+)/);
  const udp = await server.waitForOutput(/listening on \S+:(\d+) \(udp\)/);
  return Object.assign(server, { base: `http://127.0.0.1:${http[1]}`, udpPort: Number(udp[1]) });
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}
