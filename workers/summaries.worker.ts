/// <reference lib="webworker" />
// Reads the library's asset records for the index worker (a page at a time) and for the page (all
// at once, in timeline order), and hands over only their summaries. It ends with the read:
// IndexedDB's copies of 100,000 records, and the records themselves, go with it at once instead
// of waiting in the long-lived index worker or the page for a collection that an idle isolate
// does not run (~90 MB at 100k, for half a minute after a start).
import { expose, transfer } from 'comlink';
import { openLibraryDb } from '../src/lib/db/db';
import { assetSummaryPage } from '../src/lib/db/search-repo';
import { itemSummaryColumnsByTakenAt } from '../src/lib/db/repo';
import { columnBuffers, type ItemSummaryColumns } from '../src/lib/core/item-summary';
import { packSummaryPage, type AssetSummaryPage } from '../src/lib/core/asset-summaries';

const db = openLibraryDb();

const api = {
  /** The summaries (id, name, type, date taken) of up to `size` assets after `afterId`, in key order, as columns handed over by transfer. */
  async page(afterId: string | null, size: number): Promise<AssetSummaryPage> {
    const page = packSummaryPage(await assetSummaryPage(await db, afterId, size));
    return transfer(page, [page.text.buffer, page.types.buffer, page.takenAtMs.buffer]);
  },
  /** Every item's summary, newest taken first, read in one transaction (the page's timeline), as columns handed over by transfer. */
  async items(): Promise<ItemSummaryColumns> {
    const columns = await itemSummaryColumnsByTakenAt(await db);
    return transfer(columns, columnBuffers(columns));
  },
};

export type SummariesApi = typeof api;
expose(api);
