/**
 * The composition root: a server with the parts that run on it. The server (server.ts) knows
 * nothing of them; each gets the server as its ServerHost (host.ts) once the socket listens,
 * in this order: the HTTP side, then supervision, then log analysis.
 */
import { startHttp } from './http/index.js';
import { NetmonitorServer, type ServerOptions } from './server.js';
import { startSupervision } from './supervision/index.js';
import { startLogAnalysis } from './analysis/index.js';

export function createServer(options: ServerOptions): NetmonitorServer {
  const server = new NetmonitorServer(options);
  server.use(startHttp);
  server.use(startSupervision);
  server.use(startLogAnalysis);
  return server;
}
