import { itemSummariesFromColumns, type ItemSummary, type ItemSummaryColumns } from '../core/item-summary';
import { releaseBuffer } from '../core/typed-columns';
import type { SummariesApi } from '../../../workers/summaries.worker';
import { handle } from './worker-handle';

/**
 * Every item's summary, newest taken first, read in a worker of its own that ends with the read:
 * the full records IndexedDB hands over are garbage there, not in the page, which would keep them
 * until its next full collection (tens of MB at 100,000 items, for half a minute after a start).
 */
export async function itemSummariesInWorker(): Promise<ItemSummary[]> {
  const w = handle<SummariesApi>(new Worker(new URL('../../../workers/summaries.worker.ts', import.meta.url), { type: 'module', name: 'summaries' }));
  let columns: ItemSummaryColumns;
  try {
    columns = await w.api.items();
  } finally {
    w.terminate();
  }
  const summaries = itemSummariesFromColumns(columns, new Map());
  // The columns are garbage now: their buffers (~5 MB at 100,000 items) go at once, not at the page's next full collection.
  for (const column of [columns.numbers, columns.flags, columns.placeOf]) releaseBuffer(column);
  return summaries;
}
