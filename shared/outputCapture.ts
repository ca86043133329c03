/**
 * Output of programs netmonitor runs (exec hooks, healing steps): only the first
 * CAPTURE_LIMIT bytes are kept in memory however much a program prints, and a log line gets
 * at most OUTPUT_LIMIT characters of that, on one line.
 */
export const CAPTURE_LIMIT = 64 * 1024;
export const OUTPUT_LIMIT = 400;

/** Folds whitespace and shortens `text` for one log line or record. */
export function squeeze(text: string): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  return flat.length > OUTPUT_LIMIT ? `${flat.slice(0, OUTPUT_LIMIT)}…` : flat;
}

/** Collects chunks up to `limit` bytes; `keep` can be given to several streams. */
export function outputCapture(limit = CAPTURE_LIMIT): { keep(chunk: Buffer): void; text(): string } {
  const chunks: Buffer[] = [];
  let kept = 0;
  return {
    keep(chunk) {
      if (kept >= limit) return;
      const part = chunk.subarray(0, limit - kept);
      chunks.push(part);
      kept += part.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}
