/// <reference lib="webworker" />
// Reads the library's asset records for the index worker (in key order) and for the page (in
// timeline order), each in one call, and hands over only their summaries. It ends with the read:
// IndexedDB's copies of 100,000 records, and the records themselves, go with it at once instead
// of waiting in the long-lived index worker or the page for a collection that an idle isolate
// does not run (~90 MB at 100k, for half a minute after a start).
import { expose, transfer } from 'comlink';
import { openLibraryDb } from '../src/lib/db/db';
import { allAssetSummaries } from '../src/lib/db/search-repo';
import { itemSummaryColumnsByTakenAt } from '../src/lib/db/repo';
import { columnBuffers, type ItemSummaryColumns } from '../src/lib/core/item-summary';
import type { AssetSummaryPage } from '../src/lib/core/asset-summaries';

const db = openLibraryDb();

const api = {
  /** Every asset's summary (id, name, type, date taken) in key order (the index's), as columns handed over by transfer. */
  async assetSummaries(): Promise<AssetSummaryPage> {
    const page = await allAssetSummaries(await db);
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
