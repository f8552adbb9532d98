/**
 * Periods of the date taken, as the time phrases of a search query become (core/query-time.ts):
 * half-open spans of ms since epoch, and the questions the index and the search box ask of them.
 * Kept apart from the parser so the index worker and the page's first load do not carry chrono-node.
 */

export interface TimeSpan {
  /** Inclusive start, ms since epoch. */
  fromMs: number;
  /** Exclusive end, ms since epoch. */
  toMs: number;
}

export interface TimeFilter extends TimeSpan {
  /**
   * Set when the filter is several separate periods (a month or season of every year), sorted:
   * an item must lie in one of them; fromMs/toMs then bound them all.
   */
  spans?: TimeSpan[];
  /** What the chip shows: "2019", "July 2023", "Summer 2026", "December, any year". */
  label: string;
  /** The words of the query it came from, as typed: "in 2019", "last summer". */
  phrase: string;
}

/** Whether `ms` lies in the filter (in one of its spans when it has several). */
export function inTimeFilter(filter: TimeFilter, ms: number): boolean {
  if (ms < filter.fromMs || ms >= filter.toMs) return false;
  if (!filter.spans) return true;
  return inSortedSpans(filter.spans, ms);
}

/** Binary search over sorted, non-overlapping half-open spans. */
export function inSortedSpans(spans: readonly TimeSpan[], ms: number): boolean {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid]!;
    if (ms < s.fromMs) hi = mid - 1;
    else if (ms >= s.toMs) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The spans of several filters as one sorted, merged list (filters are alternatives). */
export function unionOfFilters(filters: readonly TimeFilter[]): TimeSpan[] {
  const all = filters.flatMap((f) => f.spans ?? [{ fromMs: f.fromMs, toMs: f.toMs }]).sort((a, b) => a.fromMs - b.fromMs);
  const out: TimeSpan[] = [];
  for (const s of all) {
    const last = out[out.length - 1];
    if (last && s.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, s.toMs);
    else out.push({ ...s });
  }
  return out;
}

/** The query without one of its time phrases: what the box reads once that filter's chip is removed. */
export function withoutTimePhrase(query: string, filter: Pick<TimeFilter, 'phrase'>): string {
  const at = query.indexOf(filter.phrase);
  if (at < 0 || !filter.phrase) return query;
  return (query.slice(0, at) + ' ' + query.slice(at + filter.phrase.length)).replace(/\s+/g, ' ').trim();
}
