/**
 * The whole report: every client's account for the window, and what is known of the
 * monitor's own downtime. Clients are read one after another (a few at a time for the
 * disk's sake) and only their reports are kept, so memory grows with outages, not log size.
 */
import type { ClientReport, ReportWindow } from '../log/outages.js';
import { clientReport } from '../log/outages.js';
import { listClients, readClientHistory, unlessNotAFile } from '../log/logSet.js';
import { maintenanceSpans, readMonitorLog, type MaintenanceWindow, type MonitorHistory } from '../log/monitorLog.js';
import type { ClientLabels } from '../server/config/reportLabels.js';
import { DEFAULT_DEGRADED_LOSS_PCT } from '../log/quality.js';
import { correlate, type Correlation } from '../log/correlation.js';
import { readLoggedFindings, type LoggedFinding } from '../log/findingsNear.js';
import { checkFailures, isCheckClient, type CheckFailure } from '../log/checkFailures.js';

export interface Report {
  generatedAt: number;
  zone: string;
  logDir: string;
  window: ReportWindow;
  /** The window's end as used: `until`, or now if earlier. */
  windowEnd: number;
  monitor: MonitorHistory;
  clients: ClientReport[];
  /** Entries named like logs that are no regular file (a folder, FIFO, symlink): left out, each said once. */
  skipped: string[];
  /** `--title`: a heading for the reader; null for none. */
  title: string | null;
  /** Each client's `label` and `account` from the server config. */
  labels: ReadonlyMap<string, ClientLabels>;
  /** `evidence.degraded_loss_pct`: above it, an hour is degraded. */
  degradedLossPct: number;
  /** The maintenance windows in the report's window that covered at least one reported client, by start. */
  maintenance: MaintenanceWindow[];
  /** Outages several clients began together: ISP-wide in a group, or every client (the monitor's uplink). */
  correlations: Correlation[];
  /** Log analysis findings with the time of their first line (log/findingsNear.ts), oldest first. */
  findings: LoggedFinding[];
  /** Gateway checks' failures (clients `<sensor>/<check>`), apart from the connections' outages, each placed next to the outage it may explain. */
  checkFailures: CheckFailure[];
}

export interface ReportRequest {
  logDir: string;
  /** Names `logDir` in errors: `--log-dir` or `client_log_dir`. */
  folderKey: string;
  clients: readonly string[];
  window: ReportWindow;
  zone: string;
  now: number;
  title?: string | null;
  labels?: ReadonlyMap<string, ClientLabels>;
  degradedLossPct?: number;
}

const PARALLEL_READS = 4;
/**
 * Supervision actions kept per client (the latest in the window): enough for months of
 * healing and LibreNMS checks, yet a bound on memory however long the window is.
 */
export const REPORT_ACTION_LIMIT = 500;

export async function buildReport(request: ReportRequest): Promise<Report> {
  const degradedLossPct = request.degradedLossPct ?? DEFAULT_DEGRADED_LOSS_PCT;
  const wanted = await listClients(request.logDir, request.clients, request.folderKey);
  // Every client is read, even for a report on some: outages that began together are judged across the folder.
  const files = request.clients.length === 0 ? wanted : await listClients(request.logDir, [], request.folderKey);
  const wantedNames = new Set(wanted.map((file) => file.client));
  const skipped: string[] = [];
  const skip = (problem: string): void => void skipped.push(problem);
  const skipWanted = (client: string) => (problem: string): void => void (wantedNames.has(client) && skip(problem));
  const monitor = (await unlessNotAFile(() => readMonitorLog(request.logDir, request.now), skip)) ?? { known: false, off: [], maintenance: [], corrupt: 0 };
  const clients: (ClientReport | null)[] = new Array(files.length);
  const actionScope = { since: request.window.since, until: Math.min(request.window.until ?? request.now, request.now), limit: REPORT_ACTION_LIMIT };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const history = await readClientHistory(files[index]!, actionScope, skipWanted(files[index]!.client));
      const client = files[index]!.client;
      clients[index] = history === null ? null : clientReport(history, monitor.off, request.window, request.now, degradedLossPct, maintenanceSpans(monitor.maintenance, client));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, files.length) }, worker));
  const read = clients.filter((client) => client !== null);
  // A check's client is no connection: its failures are not the ISP's outages (log/checkFailures.ts).
  const everyone = read.filter((client) => !isCheckClient(client.client));
  const labels = request.labels ?? new Map<string, ClientLabels>();
  const correlations = correlate(everyone, (client) => labels.get(client)?.group ?? null);
  const byName = new Map(everyone.map((client) => [client.client, client]));
  const reported = wanted.map((file) => byName.get(file.client)).filter((client) => client !== undefined);
  const checks = read.filter((client) => isCheckClient(client.client) && wantedNames.has(client.client));
  return {
    generatedAt: request.now,
    zone: request.zone,
    logDir: request.logDir,
    window: request.window,
    windowEnd: Math.min(request.window.until ?? request.now, request.now),
    monitor,
    clients: reported,
    skipped: skipped.sort(),
    title: request.title ?? null,
    labels,
    degradedLossPct,
    maintenance: monitor.maintenance.filter((window) => window.end > (request.window.since ?? -Infinity) && window.start < Math.min(request.window.until ?? request.now, request.now)
      && (window.clients === null || window.clients.some((client) => wantedNames.has(client)))),
    correlations: correlations.filter((correlation) => correlation.clients.some((client) => wantedNames.has(client))),
    findings: await readLoggedFindings(request.logDir),
    checkFailures: checkFailures(checks, byName),
  };
}
