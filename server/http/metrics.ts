/**
 * GET /metrics in the Prometheus text format (prom-client). Values are read from the server
 * when scraped, so nothing in the heartbeat path touches a metric: one stats() per scrape,
 * which every metric reads. A registry of its own keeps two servers in one process (tests)
 * apart.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ServerHost, Stats } from '../host.js';

export interface Metrics {
  readonly contentType: string;
  /** The text of one scrape. */
  metrics(): Promise<string>;
}

export function metricsRegistry(server: ServerHost, authFailures: () => number): Metrics {
  const registry = new Registry();
  // Taken at the start of each scrape; every collect() below reads this one.
  let stats: Stats = server.stats();
  // Includes nodejs_eventloop_lag_seconds and its percentiles.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  new Gauge({
    name: 'netmonitor_clients',
    help: 'Clients by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const { clients } = stats;
      for (const [state, count] of Object.entries(clients)) this.set({ state }, count);
    },
  });
  // Counters that mirror the server's own counts: reset and set on every scrape.
  const mirror = (name: string, help: string, labelNames: string[], values: () => [Record<string, string>, number][]): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of values()) if (value > 0) this.inc(labels, value);
      },
    });
  };
  mirror('netmonitor_heartbeats_accepted_total', 'Heartbeats accepted (UDP datagrams and HTTP)', [], () => [[{}, stats.accepted]]);
  mirror('netmonitor_datagrams_refused_total', 'Datagrams refused, by reason', ['reason'], () =>
    Object.entries(stats.refused).map(([reason, count]) => [{ reason }, count]));
  mirror('netmonitor_heartbeats_expected_total', 'Heartbeats NM1 sensors sent while up, over the hourly quality periods closed since start', [], () => [[{}, stats.heartbeats_expected]]);
  mirror('netmonitor_heartbeats_lost_total', 'Of those, heartbeats that never arrived (loss between outages)', [], () => [[{}, stats.heartbeats_lost]]);
  mirror('netmonitor_alerts_sent_total', 'Alerts handed to the mail server', [], () => [[{}, stats.alerts.sent]]);
  mirror('netmonitor_alerts_failed_total', 'Alert delivery attempts that failed', [], () => [[{}, stats.alerts.failed]]);
  // Per channel: e-mail from the outbox's counts, the push channels from their queues.
  const perChannel = (pick: (counts: { sent: number; failed: number; queued: number }) => number): [Record<string, string>, number][] => {
    const email: [Record<string, string>, number][] = server.config.channels.email ? [[{ channel: 'email' }, pick(stats.alerts)]] : [];
    return [...email, ...Object.entries(stats.channels ?? {}).map(([channel, counts]): [Record<string, string>, number] => [{ channel }, pick(counts)])];
  };
  mirror('netmonitor_channel_sent_total', 'Alerts a channel\'s provider accepted, by channel', ['channel'], () => perChannel((c) => c.sent));
  mirror('netmonitor_channel_failed_total', 'Alerts a channel\'s provider refused for good (undeliverable), by channel', ['channel'], () => perChannel((c) => c.failed));
  new Gauge({
    name: 'netmonitor_channel_queued',
    help: 'Alerts waiting in a channel\'s queue, by channel',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of perChannel((c) => c.queued)) this.set(labels, value);
    },
  });
  mirror('netmonitor_http_auth_failures_total', 'HTTP requests refused for a wrong or missing token or an unknown client', [], () => [[{}, authFailures()]]);
  new Gauge({
    name: 'netmonitor_alerts_queued',
    help: 'Alerts waiting in the outbox',
    registers: [registry],
    collect() {
      this.set(stats.alerts.queued);
    },
  });
  new Gauge({
    name: 'netmonitor_log_errors',
    help: 'Log writes that failed since start',
    registers: [registry],
    collect() {
      this.set(stats.log_errors);
    },
  });
  return {
    contentType: registry.contentType,
    metrics() {
      stats = server.stats();
      return registry.metrics();
    },
  };
}
