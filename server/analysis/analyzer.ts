/**
 * One pass of one source: read the new lines, prepare them (pipeline.ts), ask the model
 * (unless there is no endpoint, the budget is spent, or this is a dry run), turn rules and
 * reply into findings, decide which alert (findings.ts), and save the state (the cursor, the
 * tokens, the findings, the run) before returning. The caller sends the alerts after the
 * save, so a crash re-reads no line and re-sends no alert. A dry run reads and prepares but
 * sends nothing and saves nothing: it returns the request as it would be sent.
 */
import type { LogAnalysisConfig, LogSource } from './config.js';
import { fromModel, fromRule, observe, type Finding } from './findings.js';
import { askModel, requestBody, type ModelDeps, type ModelOutcome } from './model.js';
import { prepareRun, type PreparedRun } from './pipeline.js';
import { buildMessages } from './prompt.js';
import { readSource } from './sources.js';
import { AnalysisStateFile, type AnalysisState, type FindingRecord, type PendingMessage } from './state.js';

export interface PassDeps {
  state: AnalysisStateFile;
  now(): number;
  fetch: typeof fetch;
  sleep(ms: number): Promise<void>;
  /** The journalctl program (tests give their own). */
  journalctl?: string;
  /** False for `netmonitor analyze`: findings are recorded, none is marked as alerted. */
  alerting?: boolean;
  /** The messages for this pass's alerts, saved as pending in the same write as the alerts' marks. */
  pending?(alerts: readonly FindingRecord[]): PendingMessage[];
}

export interface DryRequest {
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export interface PassResult {
  source: string;
  run: PreparedRun;
  findings: Finding[];
  /** The findings that alert now (already recorded as alerted). */
  alerts: FindingRecord[];
  model: ModelOutcome | null;
  /** Set for a dry run: what would have been sent (null: nothing would be, no endpoint or no lines). */
  request?: DryRequest | null;
  error: string | null;
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function findSource(config: LogAnalysisConfig, name: string): LogSource | undefined {
  return config.sources.find((s) => s.name === name);
}

export function tokensLeft(config: LogAnalysisConfig, state: AnalysisState, now: number): number {
  if (config.dailyTokenBudget === 0) return Infinity;
  const used = state.tokens.day === day(now) ? state.tokens.used : 0;
  return Math.max(0, config.dailyTokenBudget - used);
}

export async function runPass(config: LogAnalysisConfig, source: LogSource, deps: PassDeps, dryRun = false): Promise<PassResult> {
  const state = await deps.state.load();
  const read = await readSource(source, state.cursors[source.name] ?? null, deps.journalctl);
  const run = prepareRun(read.lines, source, { emails: config.redactEmails, macs: config.redactMacs });
  const ruleFindings = run.rules.map((r) => fromRule(source.name, r));
  const endpoint = config.endpoint;
  if (dryRun) {
    const request = endpoint === null || run.templates.length === 0 ? null : {
      url: `${endpoint.baseUrl}/chat/completions`,
      headers: { 'content-type': 'application/json', ...(endpoint.apiKey !== null ? { authorization: 'Bearer (the API key, not shown)' } : {}) },
      body: requestBody(endpoint, buildMessages(run), 'json_schema'),
    };
    return { source: source.name, run, findings: ruleFindings, alerts: [], model: null, request, error: null };
  }
  const now = deps.now();
  const modelDeps: ModelDeps = { fetch: deps.fetch, sleep: deps.sleep, tokensLeft: () => tokensLeft(config, state, now) };
  const model = endpoint === null ? null : await askModel(endpoint, run, modelDeps);
  const findings = [...ruleFindings, ...(model?.findings ?? []).map((f) => fromModel(source.name, f))];
  const alerts = observe(state.findings, findings, now, config, deps.alerting ?? true);
  state.cursors[source.name] = read.cursor;
  if (model !== null) {
    const used = state.tokens.day === day(now) ? state.tokens.used : 0;
    state.tokens = { day: day(now), used: used + model.usage.totalTokens };
  }
  state.runs.push({
    source: source.name,
    at: now,
    read: run.read,
    kept: run.kept,
    templates: run.templates.length,
    findings: findings.length,
    model: model === null ? 'none' : model.status,
    tokens: model?.usage.totalTokens ?? 0,
    error: model?.error ?? null,
  });
  if (alerts.length > 0 && deps.pending !== undefined) state.pending.push(...deps.pending(alerts));
  await deps.state.save(state);
  return { source: source.name, run, findings, alerts, model, error: model?.error ?? null };
}
