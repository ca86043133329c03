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

/** Collects chunks up to CAPTURE_LIMIT bytes; `keep` can be given to several streams. */
export function outputCapture(): { keep(chunk: Buffer): void; text(): string } {
  const chunks: Buffer[] = [];
  let kept = 0;
  return {
    keep(chunk) {
      if (kept >= CAPTURE_LIMIT) return;
      const part = chunk.subarray(0, CAPTURE_LIMIT - kept);
      chunks.push(part);
      kept += part.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}
