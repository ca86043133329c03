/**
 * Log analysis on the server: each source of `log_analysis.sources` read every `every`
 * (the first pass shortly after start), one pass at a time so the state file has one
 * writer; the findings that alert sent through the e-mail path and the push channels
 * (notifier.ts), pending ones again after a restart or a failed send, and those held by a
 * channel's quiet hours (quiet.ts) once a minute, so they go out when the window ends; and
 * `GET /api/v1/findings` for the dashboard and scripts. stop() ends every timer.
 */
import { join } from 'node:path';
import type { Extension, ServerHost } from '../host.js';
import type { LogAnalysisConfig, LogSource } from './config.js';
import { runPass } from './analyzer.js';
import { configuredSenders, findingChannels, findingMessages, type Senders } from './notifier.js';
import { planDelivery } from './quiet.js';
import { ANALYSIS_STATE_FILE, AnalysisStateFile, type AnalysisState } from './state.js';
import type { HttpReply, HttpRequest } from '../http/routes.js';

/** The first pass of each source waits this long after start, so the server is up first. */
export const FIRST_PASS_DELAY_MS = 5000;
/** Pending finding alerts are tried again this often (a failed send, the end of quiet hours). */
export const RETRY_PENDING_MS = 60_000;

export interface AnalysisOptions {
  senders?: Senders;
  firstPassDelayMs?: number;
  journalctl?: string;
  /** The wall clock for quiet hours (tests); the host's clock otherwise. */
  now?: () => number;
  /** How often pending alerts are tried again; RETRY_PENDING_MS otherwise. */
  retryMs?: number;
}

export class LogAnalysisService implements Extension {
  readonly name = 'log-analysis';
  private chain: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  readonly state: AnalysisStateFile;
  private readonly senders: Senders;
  /** Passes finished since start, by source (for tests and the log). */
  readonly passes = new Map<string, number>();

  constructor(private readonly host: ServerHost, private readonly config: LogAnalysisConfig, private readonly options: AnalysisOptions = {}) {
    this.state = new AnalysisStateFile(config.stateFile ?? join(host.config.clientLogDir, ANALYSIS_STATE_FILE));
    this.senders = options.senders ?? configuredSenders(host.config);
  }

  start(): void {
    for (const source of this.config.sources) this.schedule(source, this.options.firstPassDelayMs ?? FIRST_PASS_DELAY_MS);
    this.every(this.options.retryMs ?? RETRY_PENDING_MS, () => this.deliverPending());
    void this.enqueue(() => this.deliverPending());
  }

  private every(ms: number, work: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.enqueue(work).then(() => !this.stopped && this.every(ms, work));
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private schedule(source: LogSource, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.enqueue(() => this.pass(source)).then(() => !this.stopped && this.schedule(source, source.everyMs));
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** Work one at a time; a failure is logged and the next work runs. */
  enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(() => (this.stopped ? undefined : work())).catch((error: unknown) => {
      this.host.logger.error(`log analysis: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.chain = next;
    return next;
  }

  /** One pass of a source now, then its alerts sent. */
  async pass(source: LogSource): Promise<void> {
    const channels = findingChannels(this.host.config);
    try {
      const result = await runPass(this.config, source, {
        state: this.state,
        now: () => this.now(),
        fetch: globalThis.fetch,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        pending: (alerts) => findingMessages(alerts, this.host.config.alertTimezone).map((message) => ({ message, channels })),
        ...(this.options.journalctl !== undefined ? { journalctl: this.options.journalctl } : {}),
      });
      this.passes.set(source.name, (this.passes.get(source.name) ?? 0) + 1);
      const model = result.model === null ? '' : `, model ${result.model.status}${result.error === null ? '' : ` (${result.error})`}`;
      this.host.logger.info(`log analysis of ${source.name}: ${result.run.read} lines, ${result.findings.length} findings, ${result.alerts.length} alerting${model}`);
    } catch (error) {
      this.passes.set(source.name, (this.passes.get(source.name) ?? 0) + 1);
      this.host.logger.warn(`log analysis of ${source.name} failed: ${(error as Error).message}`);
      return;
    }
    await this.deliverPending();
  }

  private now(): number {
    return this.options.now === undefined ? this.host.clock.now().wall : this.options.now();
  }

  /**
   * Sends every pending finding alert on each channel that has not taken it, except on a
   * channel in its quiet hours: there the pair is marked held and stays pending; once the
   * window is over the held ones go out, several as one message. Saves after each message.
   */
  async deliverPending(): Promise<void> {
    const state = await this.state.load();
    if (state.pending.length === 0) return;
    const plan = planDelivery(state.pending, this.now(), this.host.config.channels.attention);
    for (const { index, channel, until } of plan.holds) {
      const entry = state.pending[index]!;
      entry.held = { ...entry.held, [channel]: until };
      this.host.logger.info(`finding alert "${entry.message.subject}" held on ${channel} for its quiet hours until ${new Date(until).toISOString()}`);
    }
    if (plan.holds.length > 0) await this.state.save(state);
    const entries = [...state.pending];
    for (const send of plan.sends) {
      if (!(await this.senders.send(send.channel, send.message))) {
        this.host.logger.warn(`finding alert "${send.message.subject}" not yet taken by ${send.channel}; tried again later`);
        continue;
      }
      for (const index of send.entries) {
        const entry = entries[index]!;
        entry.channels = entry.channels.filter((c) => c !== send.channel);
        if (entry.held !== undefined) {
          delete entry.held[send.channel];
          if (Object.keys(entry.held).length === 0) delete entry.held;
        }
      }
      state.pending = state.pending.filter((p) => p.channels.length > 0);
      await this.state.save(state);
    }
  }

  /** `GET /api/v1/findings[?source=NAME][&limit=N]`: the findings, last seen first, and the last runs. */
  async findings(request: HttpRequest): Promise<HttpReply> {
    const state: AnalysisState = await this.state.load();
    const source = request.query.get('source');
    const limit = Math.min(1000, Math.max(1, Number.parseInt(request.query.get('limit') ?? '100', 10) || 100));
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    const findings = Object.values(state.findings)
      .filter((f) => source === null || f.source === source)
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .slice(0, limit)
      .map((f) => ({
        fingerprint: f.fingerprint, source: f.source, origin: f.origin, severity: f.severity, title: f.title, count: f.count,
        evidence: f.evidence, explanation: f.explanation, first_seen: iso(f.firstSeen), last_seen: iso(f.lastSeen), line_time: iso(f.lineTime),
        alerted_severity: f.alertedSeverity, alerted_at: iso(f.alertedAt),
      }));
    const runs = state.runs.filter((r) => source === null || r.source === source).slice(-20).map((r) => ({ ...r, at: iso(r.at) }));
    return { status: 200, json: { findings, runs, pending_alerts: state.pending.length } };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.chain;
    this.senders.close();
  }
}

export async function startLogAnalysis(host: ServerHost, options: AnalysisOptions = {}): Promise<Extension | null> {
  const config = host.config.logAnalysis;
  if (config === null) return null;
  const service = new LogAnalysisService(host, config, options);
  host.routes.add({ method: 'GET', pattern: '/api/v1/findings', access: 'read', handle: (request) => service.findings(request) });
  service.start();
  host.logger.info(`log analysis of ${config.sources.length} source(s)${config.endpoint === null ? ' (rules only, no model)' : ''}`);
  return service;
}
