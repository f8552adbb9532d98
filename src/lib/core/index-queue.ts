/**
 * The indexing stage's queue, derived from storage rather than kept beside it: an item waits to
 * become searchable exactly while it has no vector for the current model. Nothing to keep in
 * step: a reload, a closed tab, a delete or a new model changes the answer by itself.
 */
import { plural } from './plural';

/**
 * The next items to index, in the order given (oldest first): those with no vector for the
 * model, leaving out the ones already on their way (`held`: handed over in memory or being
 * embedded) and those that could not be read again in this session (`skipped`).
 */
export function waitingIds(
  assetIdsOldestFirst: Iterable<string>,
  indexedIds: ReadonlySet<string>,
  held: ReadonlySet<string>,
  skipped: ReadonlySet<string>,
  limit: number,
): string[] {
  const out: string[] = [];
  if (limit <= 0) return out;
  for (const id of assetIdsOldestFirst) {
    if (indexedIds.has(id) || held.has(id) || skipped.has(id)) continue;
    out.push(id);
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * Items not yet searchable: every asset has at most one vector per model (its id is the vector's
 * key, and a delete takes both), so the difference of the two counts is the number waiting.
 */
export function waitingCount(assetCount: number, vectorCount: number): number {
  return Math.max(0, assetCount - vectorCount);
}

/** Why items wait: being indexed, indexing paused (a full disk, a failure), or no model loaded. */
export type IndexingState = 'indexing' | 'paused' | 'waiting-for-model';

const WHY: Record<IndexingState, string> = {
  indexing: 'indexing…',
  paused: 'indexing paused',
  'waiting-for-model': 'waiting for the search model',
};

/** The one line the page shows about what is not searchable yet; empty when everything is. */
export function waitingText(count: number, state: IndexingState): string {
  return count > 0 ? `${plural(count, 'item')} not yet searchable — ${WHY[state]}` : '';
}

/** Under search results while items wait: they cannot be among them yet. */
export function resultsNote(count: number, state: IndexingState): string {
  return count > 0 ? `${plural(count, 'item')} not searchable yet (${WHY[state]}), so not in these results.` : '';
}
