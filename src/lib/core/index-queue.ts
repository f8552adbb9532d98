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

/** Why items wait: the model is loading or indexing them, or it cannot be loaded. */
export type IndexingState = 'indexing' | 'waiting-for-model';

/** The one line the page shows about what is not searchable yet; empty when everything is. */
export function waitingText(count: number, state: IndexingState): string {
  if (count <= 0) return '';
  const items = plural(count, 'item');
  return state === 'indexing' ? `${items} not yet searchable — indexing…` : `${items} not yet searchable — waiting for the search model`;
}
