/**
 * Starts probes, healing and LibreNMS supervision for the clients that configure them
 * (docs/supervision.md). Each part subscribes to the event bus or feeds the server through
 * its public methods; stop() ends every timer, so nothing keeps the process alive.
 */
import type { Extension, ServerHost } from '../host.js';
import { join } from 'node:path';
import { checkSupervisionTogether, type HealingConfig } from '../config/supervision.js';
import { HealingRunner } from './healing/runner.js';
import { librenmsAlertRoute } from './librenms/route.js';
import { LibrenmsSupervisor } from './librenms/supervisor.js';
import { samplesToCsv } from './probes/rttStats.js';
import { ProbeRunner } from './probes/runner.js';

export async function startSupervision(server: ServerHost): Promise<Extension | null> {
  if (server.config.supervision === null && !server.config.clients.some((c) => c.supervision !== null)) return null;
  checkSupervisionTogether(server.config.supervision, server.config.clients);
  const probes = new Map<string, ProbeRunner>();
  for (const client of server.config.clients) {
    const probe = client.supervision?.probe;
    if (probe == null) continue;
    const runner = new ProbeRunner(client.id, probe, server);
    probes.set(client.id, runner);
    runner.start();
  }
  if (probes.size > 0) {
    server.routes.add({
      method: 'GET',
      pattern: '/api/v1/probes.csv',
      access: 'admin',
      handle: () => ({ status: 200, contentType: 'text/csv; charset=utf-8', text: samplesToCsv([...probes.values()].flatMap((r) => r.stats.recent()).sort((a, b) => a.at - b.at)) }),
    });
    server.logger.info(`probing ${probes.size} client(s)`);
  }
  const healingConfigs = new Map<string, HealingConfig>();
  for (const client of server.config.clients) {
    if (client.supervision?.healing != null) healingConfigs.set(client.id, client.supervision.healing);
  }
  let healing: HealingRunner | null = null;
  if (healingConfigs.size > 0) {
    healing = new HealingRunner(server, healingConfigs);
    server.subscribe(healing);
    await healing.restore();
    healing.start();
  }
  let librenms: LibrenmsSupervisor | null = null;
  const section = server.config.supervision?.librenms ?? null;
  if (section !== null) {
    const devices = new Map<string, number>();
    for (const client of server.config.clients) {
      if (client.supervision?.librenmsDeviceId != null) devices.set(client.id, client.supervision.librenmsDeviceId);
    }
    librenms = new LibrenmsSupervisor(server, section, section.stateFile ?? join(server.config.clientLogDir, '@librenms.json'), devices);
    server.subscribe(librenms);
    server.routes.add(librenmsAlertRoute(librenms, section.alertTokenSha256));
    if (section.alertTokenSha256 === null && server.config.http?.listener != null) {
      server.logger.warn('the LibreNMS alert route refuses every call until librenms.alert_token_sha256 is set (netmonitor keygen --librenms)');
    }
    await librenms.start();
  }
  return {
    name: 'supervision',
    async stop() {
      await Promise.all([...probes.values()].map((r) => r.stop()));
      await healing?.stop();
      await librenms?.stop();
    },
  };
}
