/**
 * `netmonitor report`: an account of every outage in the client logs, for the user and for
 * the ISP. Steps:
 *  1. find the log folder (`--log-dir`, or `client_log_dir` of a server config);
 *  2. read the window (`--since`/`--until`) and the zone (`--tz`);
 *  3. read each client's log, streaming, and compute its report;
 *  4. print it as text, JSON, CSV or HTML on stdout.
 * Bad arguments or an unreadable folder are NetmonitorErrors with code EUSAGE or ECONFIG
 * (exit status 2), never a stack trace.
 */
import { dirname, resolve } from 'node:path';
import { readJsonConfig, requiredString } from '../shared/configCheck.js';
import { NetmonitorError } from '../shared/errors.js';
import { formatCsv } from './csvFormat.js';
import { formatHtml } from './htmlFormat.js';
import { formatJson } from './jsonFormat.js';
import { buildReport, type Report } from './report.js';
import { formatText } from './textFormat.js';
import { parseWindow, resolveZone } from './window.js';

export const FORMATS = ['text', 'json', 'csv', 'html'] as const;
export type ReportFormat = (typeof FORMATS)[number];

export interface ReportArgs {
  config?: string | undefined;
  logDir?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  tz?: string | undefined;
  format?: string | undefined;
  clients?: readonly string[] | undefined;
}

export interface ReportEffects {
  now?: number;
  write?: (text: string) => void;
  /** Where a skipped file is said (stderr by default), so the report itself stays clean. */
  warn?: (line: string) => void;
}

const FORMATTERS: Record<ReportFormat, (report: Report) => string> = { text: formatText, json: formatJson, csv: formatCsv, html: formatHtml };

/**
 * The log folder. A server config is read only for `client_log_dir` (relative to the config
 * file, as the server reads it): a full validation would also need its secrets, which the
 * person running a report often cannot (and need not) read.
 */
export function logFolder(args: ReportArgs): { dir: string; key: string } {
  if (args.config !== undefined && args.logDir !== undefined) throw new NetmonitorError('EUSAGE', 'give either --config or --log-dir, not both');
  if (args.logDir !== undefined) {
    if (args.logDir === '') throw new NetmonitorError('EUSAGE', '--log-dir must name a folder');
    return { dir: resolve(args.logDir), key: '--log-dir' };
  }
  if (args.config !== undefined) {
    const raw = readJsonConfig(args.config);
    return { dir: resolve(dirname(resolve(args.config)), requiredString(raw, 'client_log_dir')), key: 'client_log_dir' };
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
  const zone = resolveZone(args.tz, '--tz');
  const window = parseWindow({ since: args.since, until: args.until }, { since: '--since', until: '--until' }, zone, now);
  const folder = logFolder(args);
  const report = await buildReport({ logDir: folder.dir, folderKey: folder.key, clients: args.clients ?? [], window, zone, now });
  const warn = effects.warn ?? ((line: string) => process.stderr.write(`netmonitor report: ${line}\n`));
  for (const problem of report.skipped) warn(problem);
  const text = FORMATTERS[format](report);
  if (effects.write !== undefined) effects.write(text);
  else await new Promise<void>((done, fail) => process.stdout.write(text, (error) => (error ? fail(error) : done())));
}
