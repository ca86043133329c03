/**
 * The durable state of log analysis (`@log-analysis.json` in the client log folder, or
 * `log_analysis.state_file`): each source's cursor, the tokens spent today, every finding's
 * fingerprint with what was last alerted, and the last runs. One JSON file, replaced
 * atomically (shared/atomicFile.ts: a new temporary file, never written through a link,
 * fsync, rename), one write at a time, so a crash leaves the old state or the new one and a
 * restart neither reads a line twice nor alerts a finding twice.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../shared/atomicFile.js';
import { isObject } from '../../shared/configCheck.js';
import type { Severity } from './config.js';

export const ANALYSIS_STATE_FILE = '@log-analysis.json';

export type Cursor =
  | { type: 'file'; inode: number; offset: number }
  | { type: 'journal'; cursor: string }
  | { type: 'ssh'; tailHash: string; tailLines: number };

/** What is remembered of a finding between runs (server/analysis/findings.ts). */
export interface FindingRecord {
  fingerprint: string;
  source: string;
  origin: 'rule' | 'model';
  severity: Severity;
  title: string;
  template: string;
  evidence: string[];
  count: number;
  explanation: string | null;
  /** Wall ms: first seen ever, last seen, and the time of its first and last line in the last run seen. */
  firstSeen: number;
  lastSeen: number;
  /** Wall ms of the first log line of the run that last saw it; null when its lines carry no time. */
  lineTime: number | null;
  /** The severity last alerted, and when; null: never alerted. */
  alertedSeverity: Severity | null;
  alertedAt: number | null;
}

export interface RunRecord {
  source: string;
  at: number;
  read: number;
  kept: number;
  templates: number;
  findings: number;
  model: string;
  tokens: number;
  error: string | null;
}

/** A finding alert saved before it is sent, with the channels that have not taken it yet. */
export interface PendingMessage {
  /** `critical`: it holds a critical finding (an `urgent` channel takes it in its quiet hours); absent in older state files. */
  message: { id: string; fingerprints: string[]; subject: string; body: string; high: boolean; critical?: boolean; at: number };
  channels: string[];
  /** The channels in `channels` that wait for the end of their quiet hours, and until when (wall ms). */
  held?: Record<string, number>;
}

export interface AnalysisState {
  cursors: Record<string, Cursor>;
  pending: PendingMessage[];
  tokens: { day: string; used: number };
  findings: Record<string, FindingRecord>;
  runs: RunRecord[];
}

export const RUNS_KEPT = 100;

export function emptyState(): AnalysisState {
  return { cursors: {}, pending: [], tokens: { day: '', used: 0 }, findings: {}, runs: [] };
}

export class AnalysisStateFile {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** The saved state; an empty one when there is no file yet or it does not parse. */
  async load(): Promise<AnalysisState> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return emptyState();
    }
    const state = emptyState();
    if (!isObject(value)) return state;
    if (isObject(value.cursors)) state.cursors = value.cursors as Record<string, Cursor>;
    if (isObject(value.tokens) && typeof value.tokens.day === 'string' && Number.isFinite(value.tokens.used)) state.tokens = value.tokens as AnalysisState['tokens'];
    if (isObject(value.findings)) state.findings = value.findings as Record<string, FindingRecord>;
    if (Array.isArray(value.runs)) state.runs = value.runs as RunRecord[];
    if (Array.isArray(value.pending)) state.pending = value.pending as PendingMessage[];
    return state;
  }

  /** Saves the whole state; resolves once it is on disk. Saves never overlap. Its folder is made when missing (a first `netmonitor analyze` before the server ever ran). */
  save(state: AnalysisState): Promise<void> {
    const text = JSON.stringify({ version: 1, ...state, runs: state.runs.slice(-RUNS_KEPT) }, null, 1) + '\n';
    const next = this.writing.catch(() => undefined).then(async () => {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o750 });
      await writeFileAtomic(this.path, text, 0o600);
    });
    this.writing = next;
    return next;
  }
}
