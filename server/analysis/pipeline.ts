/**
 * One run's lines made ready for the model and the rules: filtered by the source's include
 * and exclude expressions, redacted line by line (before collapsing, so a private key block
 * is seen whole and no template keeps a secret), collapsed into templates with counts, and
 * read by the deterministic rules. Everything the model could see is in `templates`; what
 * the rules found is in `rules`. Pure.
 */
import type { LogSource } from './config.js';
import { redactLines, type RedactionOptions } from './redaction.js';
import { applyRules, type RuleFinding } from './rules.js';
import { collapse, type Template } from './templates.js';

export interface PreparedRun {
  source: string;
  /** Lines read. */
  read: number;
  /** Lines left after include/exclude. */
  kept: number;
  templates: Template[];
  rules: RuleFinding[];
}

/** Lines that pass the source's filters: any include matches (or there is none), no exclude does. */
export function prefilter(lines: readonly string[], source: Pick<LogSource, 'include' | 'exclude'>): string[] {
  return lines.filter((line) =>
    line.trim() !== ''
    && (source.include.length === 0 || source.include.some((p) => p.test(line)))
    && !source.exclude.some((p) => p.test(line)));
}

export function prepareRun(lines: readonly string[], source: Pick<LogSource, 'name' | 'include' | 'exclude'>, redaction: RedactionOptions): PreparedRun {
  const kept = prefilter(lines, source);
  const templates = collapse(redactLines(kept, redaction));
  return { source: source.name, read: lines.length, kept: kept.length, templates, rules: applyRules(templates) };
}
