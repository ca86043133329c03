/**
 * `netmonitor analyze --config FILE [--dry-run] [--json] SOURCE`: one pass of one log source
 * now. Prints its findings, one per line (or JSON lines); with --dry-run, prints exactly the
 * request that would go to the endpoint (the API key replaced by a note) and sends nothing,
 * saves nothing. A pass here records findings and moves the cursor but marks nothing as
 * alerted: alerting is the server's. Exit status 0, 1 when the source or the model failed,
 * 2 for a bad configuration or an unknown source.
 */
import { join } from 'node:path';
import { ConfigError, NetmonitorError } from '../../shared/errors.js';
import { loadServerConfig } from '../config/server.js';
import { findSource, runPass, type PassResult } from './analyzer.js';
import type { Finding } from './findings.js';
import { SourceError } from './sources.js';
import { ANALYSIS_STATE_FILE, AnalysisStateFile } from './state.js';

export interface AnalyzeOptions {
  config: string;
  source: string;
  dryRun: boolean;
  json: boolean;
  /** For tests: where output goes, and the journalctl program. */
  write?(text: string): void;
  journalctl?: string;
}

export function findingLine(f: Finding): string {
  const evidence = f.evidence[0] === undefined ? '' : ` — ${f.evidence[0]}`;
  return `[${f.severity}] ${f.source}: ${f.title} (${f.count} line${f.count === 1 ? '' : 's'}, ${f.origin})${evidence}`;
}

export function findingJson(f: Finding): string {
  return JSON.stringify({
    source: f.source, severity: f.severity, title: f.title, count: f.count, origin: f.origin, evidence: f.evidence,
    explanation: f.explanation, fingerprint: f.fingerprint, line_time: f.lineTime === null ? null : new Date(f.lineTime).toISOString(),
  });
}

function printDry(result: PassResult, write: (text: string) => void): void {
  const request = result.request ?? null;
  if (request === null) {
    write(`nothing would be sent: ${result.run.templates.length === 0 ? 'no new lines after the filters' : 'no log_analysis.endpoint is configured'}\n`);
    return;
  }
  write(`POST ${request.url}\n`);
  for (const [name, value] of Object.entries(request.headers)) write(`${name}: ${value}\n`);
  write(`\n${JSON.stringify(request.body, null, 2)}\n`);
}

/** Runs the pass; resolves to the exit status. */
export async function runAnalyze(options: AnalyzeOptions): Promise<number> {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const config = loadServerConfig(options.config);
  const analysis = config.logAnalysis;
  if (analysis === null) throw new ConfigError('log_analysis', 'is required for netmonitor analyze: a section with "sources"');
  const source = findSource(analysis, options.source);
  if (source === undefined) {
    throw new NetmonitorError('EUSAGE', `${JSON.stringify(options.source)} names no source of log_analysis.sources; the sources are ${analysis.sources.map((s) => s.name).join(', ')}`);
  }
  const state = new AnalysisStateFile(analysis.stateFile ?? join(config.clientLogDir, ANALYSIS_STATE_FILE));
  let result: PassResult;
  try {
    result = await runPass(analysis, source, {
      state,
      now: Date.now,
      fetch: globalThis.fetch,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      alerting: false,
      ...(options.journalctl !== undefined ? { journalctl: options.journalctl } : {}),
    }, options.dryRun);
  } catch (error) {
    if (error instanceof SourceError) {
      console.error(`netmonitor: source ${source.name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
  if (options.dryRun) {
    printDry(result, write);
    return 0;
  }
  for (const finding of result.findings) write(`${options.json ? findingJson(finding) : findingLine(finding)}\n`);
  if (result.model !== null && result.model.status !== 'ok' && result.model.status !== 'empty') {
    console.error(`netmonitor: the model's part of this pass ${result.model.status === 'budget' ? 'was skipped' : 'failed'}: ${result.error ?? ''}; the rules' findings are above`);
    return 1;
  }
  return 0;
}
