// What the library index reads and keeps, as functions bound to one library database: the
// stored vectors of a model, the saved index snapshot, and the records the duplicate report lists.
// The index worker binds them to IndexedDB; unit tests bind them to fake-indexeddb.
import type { Db } from '../db/db';
import { frameEmbeddingsForModel } from '../db/repo';
import {
  allAssets,
  countEmbeddings,
  deleteIndexSnapshot,
  firstEmbedding,
  firstVectors,
  forEachAssetPage,
  forEachEmbeddingIdPage,
  forEachEmbedding,
  getIndexSnapshot,
  type IndexSnapshot,
  putIndexSnapshot,
  readStoredItems,
  refusedDuplicateJobs,
  vectorOfAsset,
  vectorsOfAssets,
} from '../db/search-repo';
import type { AssetRecord, EmbeddingRecord, FrameEmbeddingRecord, IndexSnapshotName, JobRecord } from '../db/schema';

export type AssetSummary = Pick<AssetRecord, 'id' | 'name' | 'type' | 'takenAtMs'>;

/**
 * Summaries per page handed to the index as it reads them: the rows unpacked at a time from the
 * summaries worker's columns, or, where a worker cannot start a worker, asset records per request.
 * Small, so each page's objects die in the worker's young generation instead of piling up in its
 * old one.
 */
export const SUMMARY_PAGE_SIZE = 1000;

/** Ids per page when a restored index is checked against the stored vectors (see db/search-repo.ts forEachEmbeddingIdPage). */
export const EMBEDDING_ID_PAGE_SIZE = 10_000;

export interface SearchStorage {
  /** Every asset's summary, a page at a time (see db/search-repo.ts forEachAssetPage); `visit` keeps none of the page. */
  forEachAssetSummaryPage(visit: (page: AssetSummary[]) => void): Promise<void>;
  frameEmbeddingsForModel(modelKey: string): Promise<FrameEmbeddingRecord[]>;
  countEmbeddings(modelKey: string): Promise<number>;
  /** The ids with a stored vector of the model, in key order, a page at a time; the next page is read once `visit` settles. */
  forEachEmbeddingIdPage(modelKey: string, visit: (ids: string[]) => void | Promise<void>): Promise<void>;
  firstEmbedding(modelKey: string): Promise<EmbeddingRecord | undefined>;
  /** `visit` runs synchronously inside one cursor (see db/search-repo.ts). */
  forEachEmbedding(modelKey: string, visit: (id: string, vector: Float32Array) => void): Promise<void>;
  firstVectors(modelKey: string, limit: number): Promise<Float32Array[]>;
  vectorOfAsset(id: string, modelKey: string): Promise<Float32Array | null>;
  /** The vectors of many assets for the model in one read, in order (the compact index's exact re-rank). */
  vectorsOfAssets(ids: readonly string[], modelKey: string): Promise<(Float32Array | undefined)[]>;
  readStoredItems(ids: readonly string[]): ReturnType<typeof readStoredItems>;
  getIndexSnapshot(name: IndexSnapshotName): Promise<IndexSnapshot | undefined>;
  /** Replaces the snapshot in one transaction (chunked when large; see db/search-repo.ts). */
  putIndexSnapshot(snapshot: IndexSnapshot): Promise<void>;
  deleteIndexSnapshot(name: IndexSnapshotName): Promise<void>;
  allAssets(): Promise<AssetRecord[]>;
  refusedDuplicateJobs(): Promise<JobRecord[]>;
}

/** The search repository functions of `db`. */
export function librarySearchStorage(db: Db): SearchStorage {
  return {
    // The records themselves: a copy of each as a summary would be a million more objects to collect.
    forEachAssetSummaryPage: (visit) => forEachAssetPage(db, SUMMARY_PAGE_SIZE, visit),
    frameEmbeddingsForModel: (modelKey) => frameEmbeddingsForModel(db, modelKey),
    countEmbeddings: (modelKey) => countEmbeddings(db, modelKey),
    forEachEmbeddingIdPage: (modelKey, visit) => forEachEmbeddingIdPage(db, modelKey, EMBEDDING_ID_PAGE_SIZE, visit),
    firstEmbedding: (modelKey) => firstEmbedding(db, modelKey),
    forEachEmbedding: (modelKey, visit) => forEachEmbedding(db, modelKey, visit),
    firstVectors: (modelKey, limit) => firstVectors(db, modelKey, limit),
    vectorOfAsset: (id, modelKey) => vectorOfAsset(db, id, modelKey),
    vectorsOfAssets: (ids, modelKey) => vectorsOfAssets(db, ids, modelKey),
    readStoredItems: (ids) => readStoredItems(db, ids),
    getIndexSnapshot: (name) => getIndexSnapshot(db, name),
    putIndexSnapshot: (snapshot) => putIndexSnapshot(db, snapshot),
    deleteIndexSnapshot: (name) => deleteIndexSnapshot(db, name),
    allAssets: () => allAssets(db),
    refusedDuplicateJobs: () => refusedDuplicateJobs(db),
  };
}
