/**
 * Starts the HTTP side after the UDP socket listens:
 *  1. the self-check pings `self_check_url` while the monitor is healthy, if configured;
 *  2. with an `http` section, the listener serves the heartbeat endpoint, NM1 over HTTP,
 *     the JSON API, /metrics, the dashboard and any route other parts added to
 *     server.routes, and prints `http listening on ADDRESS:PORT` once bound.
 */
import type { Extension, ServerHost } from '../host.js';
import { apiRoutes } from './api.js';
import { dashboardRoutes } from './dashboard.js';
import { HealthSampler } from './health.js';
import { heartbeatRoute, type LastMessage } from './heartbeat.js';
import { HttpListener } from './listener.js';
import { LogHistory } from './logHistory.js';
import { nm1Route } from './nm1Route.js';
import { SelfCheck } from './selfCheck.js';
import { SettingsWriter } from './settingsWriter.js';

export async function startHttp(server: ServerHost): Promise<Extension | null> {
  const config = server.config.http;
  if (config === null) return null;
  const health = new HealthSampler(server);
  const sampling = setInterval(() => health.sample(), 5000);
  let selfCheck: SelfCheck | null = null;
  if (config.selfCheck !== null) {
    selfCheck = new SelfCheck({
      config: config.selfCheck,
      logger: server.logger,
      healthy: async () => (await health.report()).health.healthy,
    });
    selfCheck.start();
  }

  let listener: HttpListener | null = null;
  if (config.listener !== null) {
    listener = new HttpListener({ config: config.listener, routes: server.routes, logger: server.logger, now: () => server.clock.now().mono });
    const messages = new Map<string, LastMessage>();
    const failures = listener.failures;
    // Loaded only with a listener: prom-client is not needed otherwise.
    const { metricsRegistry } = await import('./metrics.js');
    const registry = metricsRegistry(server, () => failures.total);
    const routes = server.routes;
    routes.add(heartbeatRoute(server, failures, messages));
    const settings = new SettingsWriter(server.settings, server.config.clientLogDir);
    routes.add(nm1Route(server, failures, () => server.clock.now().mono));
    for (const route of apiRoutes({ server, logs: new LogHistory(server.config.clientLogDir), settings, messages })) routes.add(route);
    // `/health` too: what load balancers and uptime checkers ask for by default.
    for (const pattern of ['/api/v1/health', '/health']) {
      routes.add({
        method: 'GET',
        pattern,
        access: 'public',
        async handle() {
          const { health: verdict, json } = await health.report();
          return { status: verdict.healthy ? 200 : 503, json };
        },
      });
    }
    routes.add({
      method: 'GET',
      pattern: '/metrics',
      access: 'read',
      async handle() {
        return { status: 200, text: await registry.metrics(), contentType: registry.contentType };
      },
    });
    for (const route of dashboardRoutes()) routes.add(route);
    const bound = await listener.listen();
    server.logger.info(`http listening on ${bound.address}:${bound.port}${listener.scheme === 'https' ? ' (https)' : ''}`);
  }

  return {
    name: 'http',
    async stop() {
      clearInterval(sampling);
      await selfCheck?.stop();
      await listener?.close();
    },
  };
}
