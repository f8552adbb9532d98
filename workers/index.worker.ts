/// <reference lib="webworker" />
// The search index worker: wiring only. The index itself (restore or rebuild, adds and removals,
// the writer's snapshot, search, the duplicate scan) lives in src/lib/search/ and runs without a
// browser in unit tests; this file plugs in the library's IndexedDB.
import { expose, wrap } from 'comlink';
import { openLibraryDb } from '../src/lib/db/db';
import type { DuplicateReport } from '../src/lib/core/duplicates';
import type { AssetRecord, NewVectors } from '../src/lib/core/records';
import { LibraryIndex, type IndexStatus, type RebuildProgress, type SearchFilter, type SearchHit } from '../src/lib/search/library-index';
import { librarySearchStorage, SUMMARY_PAGE_SIZE, type AssetSummary, type SearchStorage } from '../src/lib/search/search-storage';
import type { SummariesApi } from './summaries.worker';
import { forEachSummaryRows, type AssetSummaryPage } from '../src/lib/core/asset-summaries';
import { releaseBuffer } from '../src/lib/core/typed-columns';

export type { DuplicateReport, IndexStatus, RebuildProgress, SearchFilter, SearchHit };

/**
 * The asset summaries read by a worker of its own that ends with the read (summaries.worker.ts):
 * what reading every record leaves behind goes with it rather than staying in this worker.
 */
async function forEachSummaryPageInWorker(visit: (page: AssetSummary[]) => void): Promise<void> {
  const worker = new Worker(new URL('./summaries.worker.ts', import.meta.url), { type: 'module', name: 'summaries' });
  let summaries: AssetSummaryPage;
  try {
    summaries = await wrap<SummariesApi>(worker).assetSummaries();
  } finally {
    worker.terminate();
  }
  forEachSummaryRows(summaries, SUMMARY_PAGE_SIZE, visit);
  // Read: the handed-over buffers go now, not at this worker's next collection.
  for (const column of [summaries.text, summaries.types, summaries.takenAtMs]) releaseBuffer(column);
}

async function storage(): Promise<SearchStorage> {
  const db = librarySearchStorage(await openLibraryDb());
  // A browser without workers started from workers reads them here.
  return typeof Worker === 'undefined' ? db : { ...db, forEachAssetSummaryPage: forEachSummaryPageInWorker };
}

const library = new LibraryIndex(storage);

const api = {
  /** Opens the index for a model; queries and adds wait until it is there. */
  init(currentModelKey: string, onProgress?: (p: RebuildProgress) => void): Promise<IndexStatus> {
    return library.init(currentModelKey, onProgress);
  },

  addStored(ids: string[]): Promise<number> {
    return library.addStored(ids);
  },

  /** Items the import just took in, with their records: listed by name and date without a read back. */
  addTaken(assets: AssetRecord[]): Promise<number> {
    return library.addTaken(assets);
  },

  /** Items the import just indexed, with their vectors: those already listed join without a read back. */
  addIndexed(news: NewVectors[]): Promise<number> {
    return library.addIndexed(news);
  },

  /** Takes assets out of search at once (their records are deleted by the caller). */
  remove(ids: string[]): Promise<number> {
    return library.remove(ids);
  },

  /** Puts assets back after an undone delete. */
  restore(ids: string[]): Promise<number> {
    return library.restore(ids);
  },

  /** The stored vector of an asset, the query of "More like this". */
  vectorOf(id: string): Promise<Float32Array | null> {
    return library.vectorOf(id);
  },

  /** The mean of several assets' vectors, the query of "More like these". */
  meanVectorOf(ids: string[]): Promise<Float32Array | null> {
    return library.meanVectorOf(ids);
  },

  /** Ranks the library against a query vector; file-name-like queries return name matches first. */
  search(query: Float32Array | null, text: string, k: number, filter?: SearchFilter, kind: 'text' | 'image' = 'text'): Promise<SearchHit[]> {
    return library.search(query, text, k, filter, kind);
  },

  /** Items passing the filter, newest taken first (a query that is only a date); `total` counts all. */
  listByTakenAt(k: number, filter?: SearchFilter): Promise<{ hits: SearchHit[]; total: number }> {
    return library.listByTakenAt(k, filter);
  },

  /** Scores of a random sample of the library against the query, for the relevance cut-off. */
  sampleScores(query: Float32Array): Promise<number[]> {
    return library.sampleScores(query);
  },

  /** Duplicate groups of the library in three tiers, scanned in slices. */
  duplicateGroups(similarMinCosine?: number, onProgress?: (p: RebuildProgress) => void): Promise<DuplicateReport> {
    return library.duplicateGroups(similarMinCosine, onProgress);
  },

  /** Stops the running duplicate scan at its next slice: its call rejects with a StoppedError. */
  cancelScan(): void {
    library.cancelScan();
  },

  flush(): Promise<void> {
    return library.flush();
  },

  /** This tab runs the import (and so keeps the saved index); a new writer saves what it has. */
  setWriter(isWriter: boolean): void {
    library.setWriter(isWriter);
  },

  status(): { kind: string; size: number } {
    return library.status();
  },
};

export type IndexApi = typeof api;
expose(api);
