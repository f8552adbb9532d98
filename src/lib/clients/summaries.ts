import type { ItemSummaryColumns } from '../core/item-summary';
import type { SummariesApi } from '../../../workers/summaries.worker';
import { handle } from './worker-handle';

/**
 * Every item's summary as columns, newest taken first, read in a worker of its own that ends with
 * the read: the full records IndexedDB hands over are garbage there, not in the page, which would
 * keep them until its next full collection (tens of MB at 100,000 items, for half a minute after a
 * start). The page keeps the columns as they arrive (core/item-summary-table.ts).
 */
export async function itemSummaryColumnsInWorker(): Promise<ItemSummaryColumns> {
  const w = handle<SummariesApi>(new Worker(new URL('../../../workers/summaries.worker.ts', import.meta.url), { type: 'module', name: 'summaries' }));
  try {
    return await w.api.items();
  } finally {
    w.terminate();
  }
}
