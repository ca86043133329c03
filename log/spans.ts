/** Half-open time spans [start, end) in ms since the epoch, and how much of one lies in others. */
export interface Span {
  start: number;
  end: number;
}

export function clip(span: Span, window: Span): Span | null {
  const start = Math.max(span.start, window.start);
  const end = Math.min(span.end, window.end);
  return end > start ? { start, end } : null;
}

/** First index in sorted, disjoint `spans` whose end is after `time`. */
function firstEndingAfter(spans: readonly Span[], time: number): number {
  let low = 0;
  let high = spans.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (spans[middle]!.end <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Milliseconds of `span` covered by sorted, disjoint `spans`: O(log n + overlaps). */
export function overlapMs(span: Span, spans: readonly Span[]): number {
  let total = 0;
  for (let i = firstEndingAfter(spans, span.start); i < spans.length; i++) {
    const other = spans[i]!;
    if (other.start >= span.end) break;
    total += Math.min(other.end, span.end) - Math.max(other.start, span.start);
  }
  return total;
}
