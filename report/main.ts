/**
 * `netmonitor report`: an account of every outage in the client logs, for the user and for
 * the ISP. Steps:
 *  1. find the log folder (`--log-dir`, or `client_log_dir` of a server config, with its
 *     `alert_timezone` and the clients' `label`/`account`);
 *  2. read the zone (`--tz`, else the config's `alert_timezone`, else this machine's) and
 *     the window (`--since`/`--until`);
 *  3. read each client's log, streaming, and compute its report;
 *  4. print it as text, JSON, CSV, HTML or PDF on stdout.
 * Bad arguments or an unreadable folder are NetmonitorErrors with code EUSAGE or ECONFIG
 * (exit status 2), never a stack trace.
 */
import { dirname, resolve } from 'node:path';
import { IANAZone } from 'luxon';
import { optionalLine, optionalString, readJsonConfig, requiredString } from '../shared/configCheck.js';
import { ConfigError, NetmonitorError } from '../shared/errors.js';
import { labelsOfConfig, LABEL_CHARS, type ClientLabels } from '../server/config/reportLabels.js';
import { evidenceOf } from '../server/config/evidence.js';
import { DEFAULT_DEGRADED_LOSS_PCT } from '../log/quality.js';
import { formatCsv } from './csvFormat.js';
import { formatHtml } from './htmlFormat.js';
import { formatPdf } from './pdfFormat.js';
import { formatJson } from './jsonFormat.js';
import { buildReport, type Report } from './report.js';
import { formatText } from './textFormat.js';
import { parseWindow, resolveZone } from './window.js';

export const FORMATS = ['text', 'json', 'csv', 'html', 'pdf'] as const;
export type ReportFormat = (typeof FORMATS)[number];

export interface ReportArgs {
  config?: string | undefined;
  logDir?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  tz?: string | undefined;
  format?: string | undefined;
  /** A heading for the reader (a subscriber's name and address, a case number). */
  title?: string | undefined;
  clients?: readonly string[] | undefined;
}

export interface ReportEffects {
  now?: number;
  write?: (text: string) => void;
  /** Where a binary format (pdf) goes; stdout by default. */
  writeBytes?: (bytes: Uint8Array) => void;
  /** Where a skipped file is said (stderr by default), so the report itself stays clean. */
  warn?: (line: string) => void;
}

const FORMATTERS: Record<ReportFormat, (report: Report) => string | Promise<Uint8Array>> = { text: formatText, json: formatJson, csv: formatCsv, html: formatHtml, pdf: formatPdf };

export interface LogFolder {
  dir: string;
  /** Names `dir` in errors: `--log-dir` or `client_log_dir`. */
  key: string;
  /** The config's `alert_timezone`: the alerts' zone is the report's default. */
  zone: string | null;
  labels: Map<string, ClientLabels>;
  /** The config's `evidence.degraded_loss_pct`, else the default. */
  degradedLossPct: number;
}

/**
 * The log folder. A server config is read only for `client_log_dir` (relative to the config
 * file, as the server reads it), `alert_timezone`, `evidence` and the clients' labels: a full
 * validation would also need its secrets, which the person running a report often cannot
 * (and need not) read.
 */
export function logFolder(args: ReportArgs): LogFolder {
  if (args.config !== undefined && args.logDir !== undefined) throw new NetmonitorError('EUSAGE', 'give either --config or --log-dir, not both');
  if (args.logDir !== undefined) {
    if (args.logDir === '') throw new NetmonitorError('EUSAGE', '--log-dir must name a folder');
    return { dir: resolve(args.logDir), key: '--log-dir', zone: null, labels: new Map(), degradedLossPct: DEFAULT_DEGRADED_LOSS_PCT };
  }
  if (args.config !== undefined) {
    const raw = readJsonConfig(args.config);
    const zone = optionalString(raw, 'alert_timezone') ?? null;
    if (zone !== null && !IANAZone.isValidZone(zone)) throw new ConfigError('alert_timezone', `must be an IANA time zone such as UTC or America/Chicago, not ${JSON.stringify(zone)}`);
    return { dir: resolve(dirname(resolve(args.config)), requiredString(raw, 'client_log_dir')), key: 'client_log_dir', zone, labels: labelsOfConfig(raw), degradedLossPct: evidenceOf(raw).degradedLossPct };
  }
  throw new NetmonitorError('EUSAGE', 'name the logs: --config FILE (a server config) or --log-dir DIR');
}

export function reportFormat(name: string | undefined): ReportFormat {
  const format = name ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new NetmonitorError('EUSAGE', `--format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(format)}`);
  return format as ReportFormat;
}

export async function runReport(args: ReportArgs, effects: ReportEffects = {}): Promise<void> {
  const now = effects.now ?? Date.now();
  const format = reportFormat(args.format);
  const title = args.title === undefined ? null : optionalLine({ title: args.title }, 'title', LABEL_CHARS, '--title')!;
  const folder = logFolder(args);
  const zone = resolveZone(args.tz ?? folder.zone ?? undefined, '--tz');
  const window = parseWindow({ since: args.since, until: args.until }, { since: '--since', until: '--until' }, zone, now);
  const report = await buildReport({ logDir: folder.dir, folderKey: folder.key, clients: args.clients ?? [], window, zone, now, title, labels: folder.labels, degradedLossPct: folder.degradedLossPct });
  const warn = effects.warn ?? ((line: string) => process.stderr.write(`netmonitor report: ${line}\n`));
  for (const problem of report.skipped) warn(problem);
  const output = await FORMATTERS[format](report);
  if (typeof output === 'string' && effects.write !== undefined) effects.write(output);
  else if (typeof output !== 'string' && effects.writeBytes !== undefined) effects.writeBytes(output);
  else await new Promise<void>((done, fail) => process.stdout.write(output, (error) => (error ? fail(error) : done())));
}
