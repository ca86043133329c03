/**
 * The hash chain of a log file (docs/log-format.md, "The hash chain"): tamper evidence for a
 * record the user takes to their ISP. The CRC of a line only catches damage; anyone who edits
 * a line can recompute it. So each line written since the chain exists also carries, as the
 * last field of its JSON, `"chain":"<hex>"`: SHA-256 over the previous chained line's chain
 * value (as 64 hex digits) followed by the record's JSON without that field. The first line
 * of a file links to its genesis, SHA-256 over "netmonitor log chain v1\n" and the file's
 * name (the client id, or `@server`), so a line moved between files breaks too.
 *
 * Editing, deleting, inserting or reordering a line then breaks the link of that line or the
 * next one, whatever its CRC says. Verifying is pure (ChainCheck): fed each line in order,
 * it says whether the file is chained, unchained (written before the chain) or broken, and
 * where. The chain is not keyed: someone who rewrites every line from the edit to the end
 * can make it whole again, so the last hash (`head`) is what to keep elsewhere, as the
 * anchor of everything before it.
 */
import { createHash } from 'node:crypto';

/** What the genesis hashes before the file's name. */
export const CHAIN_LABEL = 'netmonitor log chain v1\n';
const FIELD = ',"chain":"';
/** `,"chain":"` + 64 hex digits + `"}`. */
const SUFFIX_LENGTH = FIELD.length + 64 + 2;
const HEX = /^[0-9a-f]{64}$/;

/** The hash the first chained line of the file `name` (its name without `.nmlog`) links to. */
export function genesis(name: string): string {
  return createHash('sha256').update(CHAIN_LABEL + name).digest('hex');
}

/** The chain value of a line holding `json` (the record without its chain) after `prev`. */
export function link(prev: string, json: string): string {
  return createHash('sha256').update(prev).update(json).digest('hex');
}

/** The record's JSON with its chain value as the last field. */
export function withChain(json: string, chain: string): string {
  return json.slice(0, -1) + FIELD + chain + '"}';
}

/** A line's JSON split into the record's own JSON and its chain value (null: not chained). */
export function splitChain(json: string): { json: string; chain: string | null } {
  if (json.length > SUFFIX_LENGTH && json.endsWith('"}')) {
    const start = json.length - SUFFIX_LENGTH;
    if (json.startsWith(FIELD, start)) {
      const chain = json.slice(start + FIELD.length, -2);
      if (HEX.test(chain)) return { json: json.slice(0, start) + '}', chain };
    }
  }
  return { json, chain: null };
}

export type Integrity = 'chained' | 'unchained' | 'broken';

export interface ChainResult {
  integrity: Integrity;
  /** The first line (from 1) not as written; null unless broken. */
  brokenLine: number | null;
  /** Why, for people; null unless broken. */
  brokenReason: string | null;
  /** The first chained line: 1 when the whole file is chained, later after an upgrade; null when none is. */
  chainedFrom: number | null;
  /** The last chained line's value: keep it to anchor the file as it is now; null when none. */
  head: string | null;
}

/** A line as the verifier sees it: damaged (null), or a readable record's JSON and chain. */
export type CheckedLine = { json: string; chain: string | null } | null;

/**
 * Pure verification of one file's chain, a line at a time (the reader feeds it as it reads).
 * Damaged lines (a failed CRC) are outside the chain, as the writer leaves them: after a torn
 * last line, the server links the next record to the last whole one. A damaged line followed
 * by a line that does not link is named as the first broken one: it is where the change was.
 */
export class ChainCheck {
  private prev: string;
  private chainedFrom: number | null = null;
  private broken: { line: number; reason: string } | null = null;
  /** The first damaged line since the last readable one. */
  private damagedSince: number | null = null;

  constructor(name: string) {
    this.prev = genesis(name);
  }

  /** Line number `n` (from 1) held `line`. */
  line(n: number, line: CheckedLine): void {
    if (this.broken !== null) return;
    if (line === null) {
      this.damagedSince ??= n;
      return;
    }
    const damaged = this.damagedSince;
    this.damagedSince = null;
    if (line.chain === null) {
      if (this.chainedFrom !== null) this.break(damaged ?? n, damaged === null ? 'a line without a chain value inside the chain' : 'damaged, and the chain does not go on after it');
      return;
    }
    if (line.chain !== link(this.prev, line.json)) {
      if (damaged !== null) this.break(damaged, 'damaged, and the chain does not go on after it');
      else this.break(n, 'does not follow the line before it: changed, or a line before it deleted, inserted or moved');
      return;
    }
    this.prev = line.chain;
    this.chainedFrom ??= n;
  }

  private break(line: number, reason: string): void {
    this.broken = { line, reason };
  }

  result(): ChainResult {
    if (this.broken !== null) return { integrity: 'broken', brokenLine: this.broken.line, brokenReason: this.broken.reason, chainedFrom: this.chainedFrom, head: null };
    if (this.chainedFrom === null) return { integrity: 'unchained', brokenLine: null, brokenReason: null, chainedFrom: null, head: null };
    return { integrity: 'chained', brokenLine: null, brokenReason: null, chainedFrom: this.chainedFrom, head: this.prev };
  }
}
