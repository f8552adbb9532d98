import { unwrap, type IDBPObjectStore, type IDBPTransaction } from 'idb';
import type { Db } from './db';
import type {
  AssetRecord,
  EmbeddingRecord,
  FrameEmbeddingRecord,
  DropRecord,
  FolderRecord,
  JobRecord,
  JobStatus,
  LineageRecord,
  QueryTimingRecord,
  ThumbnailRecord,
  TombstoneRecord,
  AssetBundle,
  ShoeboxDB,
  StoreName,
} from './schema';
import { undoAllowed } from '../core/tombstones';
import { waitingCount, waitingIds } from '../core/index-queue';
import { ASSET_PAGE_SIZE, forEachAssetOf, forEachAssetPage } from './search-repo';
import { itemSummaryOf, ItemSummaryRows, type ItemSummaryColumns, type SharedPlaces } from '../core/item-summary';
import { markAfterArrival, markAfterPass, metadataWalkAfter, type MetadataReadMark } from '../core/metadata-mark';
import { PHOTO_METADATA_VERSION } from '../core/photo-metadata';
import { writeWhole } from './whole-transaction';

export type { AssetBundle } from './schema';

export const UNFINISHED: readonly JobStatus[] = ['queued', 'processing'];

export async function putJobs(db: Db, jobs: JobRecord[]): Promise<void> {
  const tx = db.transaction('jobs', 'readwrite');
  await Promise.all([...jobs.map((j) => tx.store.put(j)), tx.done]);
}

export async function updateJob(db: Db, id: string, patch: Partial<JobRecord>): Promise<JobRecord | undefined> {
  const tx = db.transaction('jobs', 'readwrite');
  const job = await tx.store.get(id);
  if (!job) return undefined;
  const next = { ...job, ...patch, updatedAt: Date.now() };
  await tx.store.put(next);
  await tx.done;
  return next;
}

export async function getJob(db: Db, id: string): Promise<JobRecord | undefined> {
  return db.get('jobs', id);
}

export async function deleteJobs(db: Db, ids: string[]): Promise<void> {
  const tx = db.transaction('jobs', 'readwrite');
  await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
}

/** Files that could not be added and were not dismissed yet, oldest first: the page lists them until then. */
export async function failedJobs(db: Db): Promise<JobRecord[]> {
  return (await db.getAllFromIndex('jobs', 'byStatus', 'failed')).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

/** Jobs a previous session left unfinished, oldest first. */
export async function unfinishedJobs(db: Db): Promise<JobRecord[]> {
  const lists = await Promise.all(UNFINISHED.map((s) => db.getAllFromIndex('jobs', 'byStatus', s)));
  return lists.flat().sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

/**
 * Takes the oldest queued jobs not already taken and marks them processing for `owner`, in one
 * transaction: a job is claimed once, whoever asks. One read of the queue and the writes issued
 * together: a cursor stepped job by job cost two round trips to the browser's storage per photo.
 */
export async function claimQueuedJobs(db: Db, limit: number, skip: ReadonlySet<string>, owner: string): Promise<JobRecord[]> {
  if (limit <= 0) return [];
  const tx = db.transaction('jobs', 'readwrite');
  const range = IDBKeyRange.bound(['queued', -Infinity], ['queued', Infinity]);
  // Enough to fill the batch even when every skipped job is among the oldest queued.
  const queued = await tx.store.index('byStatusCreatedAt').getAll(range, limit + skip.size);
  const now = Date.now();
  const out: JobRecord[] = queued
    .filter((j) => !skip.has(j.id))
    .slice(0, limit)
    .map((j) => ({ ...j, status: 'processing', claimedBy: owner, updatedAt: now }));
  await Promise.all([...out.map((j) => tx.store.put(j)), tx.done]);
  return out;
}

/** Jobs a crash or reload interrupted mid-way go back to the queue. */
export async function requeueInterrupted(db: Db): Promise<number> {
  const tx = db.transaction('jobs', 'readwrite');
  const stuck = await tx.store.index('byStatus').getAll('processing');
  for (const j of stuck) await tx.store.put({ ...j, status: 'queued', updatedAt: Date.now() });
  await tx.done;
  return stuck.length;
}

export async function assetBySha256(db: Db, sha256: string): Promise<AssetRecord | undefined> {
  return db.getFromIndex('assets', 'bySha256', sha256);
}

export interface StoredAsset {
  asset: AssetRecord;
  thumbnail: ThumbnailRecord;
  embedding: EmbeddingRecord;
  lineage: LineageRecord[];
  /** Videos: one vector per kept keyframe. */
  frames?: FrameEmbeddingRecord[];
  /** Videos: the keyframe strip, ids `${assetId}#${frameIndex}`. */
  frameThumbnails?: ThumbnailRecord[];
}

/** An asset taken in before it is indexed: everything but its vectors (see commitVectors). */
export type TakenInAsset = Omit<StoredAsset, 'embedding' | 'frames'> & { embedding?: undefined; frames?: undefined };

/**
 * Writes everything an asset consists of and marks its job stored, in one transaction:
 * a crash leaves either the whole asset or none of it (the job then runs again).
 * A concurrent copy of the same file loses on the unique sha256 index and is reported
 * as a duplicate by the caller.
 */
export async function commitAsset(db: Db, jobId: string, stored: StoredAsset | TakenInAsset): Promise<void> {
  await commitAssets(db, [{ jobId, record: stored }]);
}

/**
 * Several assets in one transaction, all or none: each with its thumbnail, vector(s), lineage,
 * and its job marked stored. The requests are issued together and awaited once.
 */
export async function commitAssets(db: Db, items: ReadonlyArray<{ jobId: string; record: StoredAsset | TakenInAsset }>): Promise<void> {
  const tx = db.transaction(['assets', 'thumbnails', 'embeddings', 'lineage', 'jobs', 'frameEmbeddings', 'meta'], 'readwrite');
  await writeWhole(tx, async (write) => {
    const jobs = tx.objectStore('jobs');
    const found = await Promise.all(items.map((i) => jobs.get(i.jobId)));
    items.forEach(({ record }, k) => {
      write(tx.objectStore('assets').add(record.asset));
      write(tx.objectStore('thumbnails').put(record.thumbnail));
      if (record.embedding) write(tx.objectStore('embeddings').put(record.embedding));
      for (const l of record.lineage) write(tx.objectStore('lineage').put(l));
      for (const f of record.frames ?? []) write(tx.objectStore('frameEmbeddings').put(f));
      for (const t of record.frameThumbnails ?? []) write(tx.objectStore('thumbnails').put(t));
      const job = found[k];
      if (job) write(jobs.put({ ...job, status: 'stored', assetId: record.asset.id, updatedAt: Date.now() }));
    });
    // Items whose metadata could not be read while taken in wait for the next metadata pass.
    write(noteArrivingAssets(tx.objectStore('meta'), items.map((i) => i.record.asset)));
  });
}

/** An item's vectors for one model, as the indexing stage stores them. */
export interface StoredVectors {
  embedding: EmbeddingRecord;
  frames: FrameEmbeddingRecord[];
  lineage: LineageRecord[];
}

/**
 * Writes items' vectors in one transaction, each only while its asset is still in the library
 * (a delete or an undo window may have taken it meanwhile): a vector never outlives its asset.
 * Returns the ids written.
 */
export async function commitVectors(db: Db, items: readonly StoredVectors[]): Promise<string[]> {
  const tx = db.transaction(['assets', 'embeddings', 'frameEmbeddings', 'lineage'], 'readwrite');
  const written: string[] = [];
  // Whole or not at all: a batch counted as failed must have stored nothing, since it is indexed again.
  await writeWhole(tx, async (write) => {
    const present = await Promise.all(items.map((i) => tx.objectStore('assets').getKey(i.embedding.id)));
    items.forEach((item, k) => {
      if (present[k] === undefined) return;
      written.push(item.embedding.id);
      write(tx.objectStore('embeddings').put(item.embedding));
      for (const f of item.frames) write(tx.objectStore('frameEmbeddings').put(f));
      for (const l of item.lineage) write(tx.objectStore('lineage').put(l));
    });
  });
  return written;
}

/**
 * Items with no vector for the model, oldest first, leaving out `held` and `skipped` ids, at
 * most `limit`: the indexing stage's queue, read from storage (see core/index-queue.ts).
 */
export async function unindexedAssetIds(db: Db, modelKey: string, held: ReadonlySet<string>, skipped: ReadonlySet<string>, limit: number): Promise<string[]> {
  const tx = db.transaction(['assets', 'embeddings']);
  const [assetIds, indexed] = await Promise.all([
    tx.objectStore('assets').index('byAddedAt').getAllKeys(),
    tx.objectStore('embeddings').index('byModelId').getAllKeys(IDBKeyRange.only(modelKey)),
  ]);
  return waitingIds(assetIds, new Set(indexed), held, skipped, limit);
}

/** How many items have no vector for the model yet. */
export async function countUnindexed(db: Db, modelKey: string): Promise<number> {
  const tx = db.transaction(['assets', 'embeddings']);
  const [assets, vectors] = await Promise.all([tx.objectStore('assets').count(), tx.objectStore('embeddings').index('byModelId').count(IDBKeyRange.only(modelKey))]);
  return waitingCount(assets, vectors);
}

/**
 * An asset, whether it has a vector for the model already, and its kept keyframe thumbnails
 * (videos): what indexing it again from storage reads.
 */
export async function assetForIndexing(
  db: Db,
  id: string,
  modelKey: string,
): Promise<{ asset: AssetRecord; indexed: boolean; keyframes: Array<ThumbnailRecord | undefined> } | undefined> {
  const tx = db.transaction(['assets', 'embeddings', 'thumbnails']);
  const asset = await tx.objectStore('assets').get(id);
  if (!asset) return undefined;
  const vector = await tx.objectStore('embeddings').get(id);
  const keyframes = await Promise.all((asset.frameTimestampsSec ?? []).map((_, i) => tx.objectStore('thumbnails').get(`${id}#${i}`)));
  return { asset, indexed: vector?.modelId === modelKey, keyframes };
}

export async function listAssets(db: Db): Promise<AssetRecord[]> {
  return (await db.getAllFromIndex('assets', 'byAddedAt')).reverse();
}

/**
 * Every record of one transaction's asset store, a cursor step each (forEachAssetOf says why). A
 * record written without a date taken (by a build before the timeline, or by hand) is dated when
 * it was added, as the schema's upgrade dates them, instead of breaking the day headers.
 */
async function forEachDatedAsset(store: IDBPObjectStore<ShoeboxDB, ['assets'], 'assets'>, visit: (asset: AssetRecord) => void): Promise<void> {
  await forEachAssetOf(unwrap(store), null, Infinity, (a) => visit(Number.isFinite(a.takenAtMs) ? a : { ...a, takenAtMs: a.addedAt, takenAtSource: 'added' }));
}

/**
 * Every item's summary as columns, newest taken first (ties as the timeline breaks them: date
 * added, then id), read in one transaction: each record, and its summary, is garbage once its row
 * is written into the columns, and no object per item is kept (core/item-summary.ts, ItemSummaryRows).
 */
export async function itemSummaryColumnsByTakenAt(db: Db): Promise<ItemSummaryColumns> {
  const store = db.transaction('assets').store;
  const rows = new ItemSummaryRows(await store.count());
  const places: SharedPlaces = new Map();
  await forEachDatedAsset(store, (a) => rows.add(itemSummaryOf(a, places)));
  return rows.columns('newest taken first');
}

/**
 * The `limit` items taken most recently, newest first (ties in index order: the caller breaks
 * them): a large library's first screen, read before the whole library is.
 */
export async function newestTakenAssets(db: Db, limit: number): Promise<AssetRecord[]> {
  const out: AssetRecord[] = [];
  let cursor = await db.transaction('assets').store.index('byTakenAt').openCursor(null, 'prev');
  while (cursor && out.length < limit) {
    out.push(cursor.value);
    if (out.length < limit) cursor = await cursor.continue();
  }
  return out;
}

/** Thumbnails of several items in one transaction, in the order asked (undefined where missing). */
export async function getThumbnails(db: Db, ids: readonly string[]): Promise<Array<ThumbnailRecord | undefined>> {
  const tx = db.transaction('thumbnails');
  return Promise.all(ids.map((id) => tx.store.get(id)));
}

/** Records of several items in one transaction, in the order asked (undefined where missing). */
export async function getAssets(db: Db, ids: readonly string[]): Promise<Array<AssetRecord | undefined>> {
  const tx = db.transaction('assets');
  return Promise.all(ids.map((id) => tx.store.get(id)));
}

/**
 * Marks or unmarks items as favourites in one transaction; returns the records as stored. Items
 * deleted meanwhile are skipped.
 */
export async function setFavourite(db: Db, ids: readonly string[], favourite: boolean): Promise<AssetRecord[]> {
  const tx = db.transaction('assets', 'readwrite');
  const out: AssetRecord[] = [];
  for (const id of ids) {
    const a = await tx.store.get(id);
    if (!a) continue;
    const { favourite: _was, ...rest } = a;
    const next: AssetRecord = favourite ? { ...rest, favourite: true } : rest;
    void tx.store.put(next);
    out.push(next);
  }
  await tx.done;
  return out;
}

/** What made an item's stored records (thumbnail, vectors, the record itself), by the lineage index. */
export async function lineageOf(db: Db, assetId: string): Promise<LineageRecord[]> {
  return db.getAllFromIndex('lineage', 'bySourceAssetId', assetId);
}

export async function countAssets(db: Db): Promise<number> {
  return db.count('assets');
}

export async function getThumbnail(db: Db, id: string): Promise<ThumbnailRecord | undefined> {
  return db.get('thumbnails', id);
}

export async function frameEmbeddingsForModel(db: Db, modelId: string): Promise<FrameEmbeddingRecord[]> {
  return db.getAllFromIndex('frameEmbeddings', 'byModelId', modelId);
}

export async function embeddingsForModel(db: Db, modelId: string): Promise<EmbeddingRecord[]> {
  return db.getAllFromIndex('embeddings', 'byModelId', modelId);
}

/**
 * Asset ids and names, for file-name matches and the pHash index; avoids loading whole records
 * twice. `motionSha256`: a Live Photo's motion file, which the import counts as in the library.
 * Read a page at a time: every whole record of a 100,000-item library at once held ~100 MB.
 */
export async function assetSummaries(
  db: Db,
): Promise<Array<Pick<AssetRecord, 'id' | 'name' | 'pHash' | 'pHashStructure' | 'type' | 'addedAt' | 'takenAtMs'> & { motionSha256?: string }>> {
  const out: Awaited<ReturnType<typeof assetSummaries>> = [];
  await forEachAssetPage(db, ASSET_PAGE_SIZE, (page) => {
    for (const { id, name, pHash, pHashStructure, type, addedAt, takenAtMs, motion } of page) {
      out.push({ id, name, pHash, pHashStructure, type, addedAt, takenAtMs, ...(motion?.kind === 'live' ? { motionSha256: motion.sha256 } : {}) });
    }
  });
  return out;
}

export async function addQueryTiming(db: Db, t: QueryTimingRecord): Promise<void> {
  await db.add('queryTimings', t);
}

export async function recentQueryTimings(db: Db, limit: number): Promise<QueryTimingRecord[]> {
  const out: QueryTimingRecord[] = [];
  let cursor = await db.transaction('queryTimings').store.index('byAt').openCursor(null, 'prev');
  while (cursor && out.length < limit) {
    out.push(cursor.value);
    cursor = await cursor.continue();
  }
  return out;
}

export async function getMeta<T>(db: Db, key: string): Promise<T | undefined> {
  return (await db.get('meta', key)) as T | undefined;
}

export async function setMeta(db: Db, key: string, value: unknown): Promise<void> {
  await db.put('meta', value, key);
}

/** Every store holding records of one asset; its original file is kept until its tombstone is carried out. */
const ASSET_STORES = ['assets', 'thumbnails', 'embeddings', 'frameEmbeddings', 'lineage', 'albumItems'] as const;

/**
 * How many assets one delete or undo transaction takes. A slice is all or nothing, so each item is
 * always wholly present or wholly gone; between slices the page shows progress, and no single
 * transaction has to hold the tombstones of a 100,000-item delete.
 */
export const DELETE_SLICE = 500;

export interface SliceProgress {
  done: number;
  total: number;
}

type DeleteTx = IDBPTransaction<ShoeboxDB, Array<(typeof ASSET_STORES)[number] | 'tombstones'>, 'readwrite'>;

/**
 * A range read is used when the assets between the smallest and the largest id asked for are at
 * most this many times as many as those asked for: a whole library or a run of it is read in a
 * few requests, and a scattered few never drag the rest of the library along.
 */
const DENSE_FACTOR = 2;

/**
 * Everything stored for each of `ids` that exists, in one transaction. A slice of a large delete
 * (ids sorted, so a whole library or a day comes in runs) is read with one getAll per store over
 * its key range instead of several requests per asset: Chromium spends about as long on each
 * request as on the record it returns.
 */
async function readBundles(tx: DeleteTx, ids: readonly string[]): Promise<{ bundles: AssetBundle[]; whole: { range: IDBKeyRange; thumbRange: IDBKeyRange } | null }> {
  const sorted = [...new Set(ids)].sort();
  if (sorted.length === 0) return { bundles: [], whole: null };
  const range = IDBKeyRange.bound(sorted[0], sorted[sorted.length - 1]);
  const store = <S extends (typeof ASSET_STORES)[number]>(name: S) => tx.objectStore(name);
  if (sorted.length > 1 && (await store('assets').count(range)) <= DENSE_FACTOR * sorted.length) {
    const wanted = new Set(sorted);
    // Thumbnail ids are the asset id, or `${assetId}#${frameIndex}` for a video's keyframes.
    const thumbRange = IDBKeyRange.bound(sorted[0], `${sorted[sorted.length - 1]}#\uffff`);
    const [assets, embeddings, frames, lineage, albumItems, thumbnails] = await Promise.all([
      store('assets').getAll(range),
      store('embeddings').getAll(range),
      store('frameEmbeddings').index('byAssetId').getAll(range),
      store('lineage').index('bySourceAssetId').getAll(range),
      store('albumItems').index('byAssetId').getAll(range),
      store('thumbnails').getAll(thumbRange),
    ]);
    const bundles = new Map<string, AssetBundle>();
    for (const asset of assets) if (wanted.has(asset.id)) bundles.set(asset.id, { asset, thumbnails: [], frames: [], lineage: [], albumItems: [] });
    for (const e of embeddings) {
      const b = bundles.get(e.id);
      if (b) b.embedding = e;
    }
    for (const f of frames) bundles.get(f.assetId)?.frames.push(f);
    for (const l of lineage) bundles.get(l.sourceAssetId)?.lineage.push(l);
    for (const m of albumItems) bundles.get(m.assetId)?.albumItems!.push(m);
    for (const t of thumbnails) {
      const b = bundles.get(t.id.split('#')[0]!);
      // A keyframe thumbnail belongs to the asset only when the asset has that frame.
      if (b && (t.id === b.asset.id || b.frames.some((f) => f.id === t.id))) b.thumbnails.push(t);
    }
    // Every asset of the range is asked for (a whole library, a day): its records go by range.
    return { bundles: [...bundles.values()], whole: bundles.size === assets.length ? { range, thumbRange } : null };
  }
  const found = await Promise.all(
    sorted.map(async (id): Promise<AssetBundle | null> => {
      const [asset, frames, embedding, lineage, albumItems] = await Promise.all([
        store('assets').get(id),
        store('frameEmbeddings').index('byAssetId').getAll(id),
        store('embeddings').get(id),
        store('lineage').index('bySourceAssetId').getAll(id),
        store('albumItems').index('byAssetId').getAll(id),
      ]);
      if (!asset) return null;
      const thumbIds = [id, ...frames.map((f) => f.id)];
      const thumbnails = (await Promise.all(thumbIds.map((t) => store('thumbnails').get(t)))).filter((t): t is ThumbnailRecord => !!t);
      return { asset, thumbnails, embedding, frames, lineage, albumItems };
    }),
  );
  return { bundles: found.filter((b): b is AssetBundle => b !== null), whole: null };
}

/**
 * Deletes the records of assets and writes their tombstones, in one transaction (all or none):
 * from then on a reload, a crash or another tab finds either the asset or its tombstone, never
 * neither. Each tombstone carries the asset's records (album memberships included), so Undo works
 * from storage until `nowMs + undoWindowMs`; the original files stay until the tombstone is
 * carried out. The requests are issued together and awaited once: a slice of 500 costs one
 * round of reads and one of writes rather than thousands of waits.
 */
export async function deleteAssetRecords(db: Db, ids: readonly string[], nowMs: number, undoWindowMs: number): Promise<TombstoneRecord[]> {
  const tx = db.transaction([...ASSET_STORES, 'tombstones'], 'readwrite');
  const store = <S extends (typeof ASSET_STORES)[number] | 'tombstones'>(name: S) => tx.objectStore(name);
  const tombstones: TombstoneRecord[] = [];
  // Whole: records deleted without their tombstone would lose the item and, later, its original.
  await writeWhole(tx, async (write) => {
    const { bundles: found, whole } = await readBundles(tx, ids);
    // A run holding only assets being deleted loses its records, vectors and thumbnails in one
    // request per store instead of one per record (what is left in it belonged to no asset).
    if (whole) for (const request of [store('assets').delete(whole.range), store('embeddings').delete(whole.range), store('thumbnails').delete(whole.thumbRange)]) write(request);
    for (const bundle of found) {
      const { asset } = bundle;
      const id = asset.id;
      if (!whole) write(store('assets').delete(id));
      if (!whole) write(store('embeddings').delete(id));
      if (!whole) for (const t of bundle.thumbnails) write(store('thumbnails').delete(t.id));
      for (const fr of bundle.frames) write(store('frameEmbeddings').delete(fr.id));
      for (const l of bundle.lineage) write(store('lineage').delete(l.id));
      for (const m of bundle.albumItems ?? []) write(store('albumItems').delete(m.id));
      const tombstone: TombstoneRecord = { id, name: asset.name, blobLocation: asset.blobLocation, deletedAtMs: nowMs, expiresAtMs: nowMs + undoWindowMs, bundle };
      write(store('tombstones').put(tombstone));
      tombstones.push(tombstone);
    }
  });
  return tombstones;
}

/**
 * Time allowed per further slice of a large delete, added to its undo window: every tombstone of
 * one delete shares one stored expiry (one Undo for all of it), and that expiry must not pass
 * before the last slice is written, nor while an Undo of all of it runs. In Chromium on a heavily
 * loaded 2-core machine (bench/bulk-delete.mjs) a slice of 500 took a median of 0.8 s to delete
 * and about as long to undo (100,000 items: 186 s and 175 s), so 3 s a slice covers both; the
 * toast still offers Undo for the usual window from the end of the delete (Deletes), the stored
 * expiry only keeps the originals a while longer.
 */
export const DELETE_SLICE_ALLOWANCE_MS = 3000;

/**
 * {@link deleteAssetRecords} for any number of assets, DELETE_SLICE at a time, reporting after
 * each slice. All tombstones get the same expiry, the undo window plus an allowance for the slices
 * after the first.
 */
export async function deleteAssetRecordsInSlices(
  db: Db,
  ids: readonly string[],
  nowMs: number,
  undoWindowMs: number,
  onProgress?: (p: SliceProgress) => void,
): Promise<DeletedItem[]> {
  const out: DeletedItem[] = [];
  const windowMs = undoWindowMs + Math.max(0, Math.ceil(ids.length / DELETE_SLICE) - 1) * DELETE_SLICE_ALLOWANCE_MS;
  // In key order, so each slice covers a run of the library that can be read by range.
  const sorted = [...ids].sort();
  for (let i = 0; i < sorted.length; i += DELETE_SLICE) {
    // Only what the page needs is kept: the bundles (vectors, thumbnails) of 100,000 items would not fit.
    for (const t of await deleteAssetRecords(db, sorted.slice(i, i + DELETE_SLICE), nowMs, windowMs)) out.push({ id: t.id, name: t.name, expiresAtMs: t.expiresAtMs });
    onProgress?.({ done: Math.min(ids.length, i + DELETE_SLICE), total: ids.length });
  }
  return out;
}

/** A deleted item as a large delete reports it. */
export type DeletedItem = Pick<TombstoneRecord, 'id' | 'name' | 'expiresAtMs'>;

export interface RestoreOutcome {
  /** Put back exactly as they were. */
  restored: AssetBundle[];
  /** Ids already back in the library (undone in another tab): nothing to do here. */
  alreadyBack: string[];
  /** Ids whose undo time had passed: their delete is final. */
  final: string[];
}

/**
 * Undo: puts deleted assets back and removes their tombstones, in one transaction, for each
 * tombstone whose undo window is still open. The time is read inside the transaction, after the
 * tombstones: transactions on the tombstones store run one after another, so an undo and the
 * carrying out of the same delete (`carryOutTombstone`) can never both succeed. Album memberships
 * come back into the albums that still exist (an album deleted meanwhile stays deleted).
 */
export async function restoreAssetRecords(db: Db, ids: readonly string[], clock: () => number = Date.now): Promise<RestoreOutcome> {
  const tx = db.transaction([...ASSET_STORES, 'tombstones', 'albums', 'meta'], 'readwrite');
  const outcome: RestoreOutcome = { restored: [], alreadyBack: [], final: [] };
  await writeWhole(tx, async (write) => {
    const tombstones = await readTombstones(tx.objectStore('tombstones'), ids);
    const present = await Promise.all(ids.map((id, i) => (tombstones[i] ? undefined : tx.objectStore('assets').getKey(id))));
    const albumIds = [...new Set(tombstones.flatMap((t) => t?.bundle.albumItems?.map((m) => m.albumId) ?? []))];
    const albumsLeft = new Set((await Promise.all(albumIds.map((a) => tx.objectStore('albums').getKey(a)))).filter((k): k is string => k !== undefined));
    const nowMs = clock();
    ids.forEach((id, i) => {
      const tombstone = tombstones[i];
      if (!tombstone && present[i] !== undefined) {
        outcome.alreadyBack.push(id);
        return;
      }
      if (!tombstone || !undoAllowed(tombstone, nowMs)) {
        outcome.final.push(id);
        return;
      }
      const b = tombstone.bundle;
      write(tx.objectStore('assets').put(b.asset));
      for (const t of b.thumbnails) write(tx.objectStore('thumbnails').put(t));
      if (b.embedding) write(tx.objectStore('embeddings').put(b.embedding));
      for (const f of b.frames) write(tx.objectStore('frameEmbeddings').put(f));
      for (const l of b.lineage) write(tx.objectStore('lineage').put(l));
      for (const m of b.albumItems ?? []) if (albumsLeft.has(m.albumId)) write(tx.objectStore('albumItems').put(m));
      write(tx.objectStore('tombstones').delete(id));
      outcome.restored.push(b);
    });
    // An item deleted before the metadata pass reached it comes back unread, added before the pass's mark.
    write(noteArrivingAssets(tx.objectStore('meta'), outcome.restored.map((b) => b.asset)));
  });
  return outcome;
}

/** The tombstones of `ids` (undefined where there is none), read by key range when they come in a run, as readBundles does. */
async function readTombstones(store: IDBPObjectStore<ShoeboxDB, Array<StoreName>, 'tombstones', 'readwrite'>, ids: readonly string[]): Promise<Array<TombstoneRecord | undefined>> {
  if (ids.length > 1) {
    const sorted = [...ids].sort();
    const range = IDBKeyRange.bound(sorted[0], sorted[sorted.length - 1]);
    if ((await store.count(range)) <= DENSE_FACTOR * ids.length) {
      const byId = new Map((await store.getAll(range)).map((t) => [t.id, t]));
      return ids.map((id) => byId.get(id));
    }
  }
  return Promise.all(ids.map((id) => store.get(id)));
}

/** What an undo in slices reports: ids only (the bundles of 100,000 items would not fit). */
export interface RestoreIdsOutcome {
  restored: string[];
  alreadyBack: string[];
  final: string[];
}

/** {@link restoreAssetRecords} for any number of assets, DELETE_SLICE at a time, reporting after each slice. */
export async function restoreAssetRecordsInSlices(
  db: Db,
  ids: readonly string[],
  onProgress?: (p: SliceProgress) => void,
  clock: () => number = Date.now,
): Promise<RestoreIdsOutcome> {
  const out: RestoreIdsOutcome = { restored: [], alreadyBack: [], final: [] };
  const sorted = [...ids].sort();
  for (let i = 0; i < sorted.length; i += DELETE_SLICE) {
    const part = await restoreAssetRecords(db, sorted.slice(i, i + DELETE_SLICE), clock);
    for (const b of part.restored) out.restored.push(b.asset.id);
    out.alreadyBack.push(...part.alreadyBack);
    out.final.push(...part.final);
    onProgress?.({ done: Math.min(ids.length, i + DELETE_SLICE), total: ids.length });
  }
  return out;
}

// ---- drop manifests

export async function putDrop(db: Db, drop: DropRecord): Promise<void> {
  await db.put('drops', drop);
}

export async function getDrop(db: Db, id: string): Promise<DropRecord | undefined> {
  return db.get('drops', id);
}

export async function listDrops(db: Db): Promise<DropRecord[]> {
  return db.getAll('drops');
}

export async function deleteDrop(db: Db, id: string): Promise<void> {
  await db.delete('drops', id);
}

export async function jobsOfDrop(db: Db, dropId: string): Promise<JobRecord[]> {
  return db.getAllFromIndex('jobs', 'byBatchId', dropId);
}

// ---- remembered folders

export async function listFolders(db: Db): Promise<FolderRecord[]> {
  return (await db.getAll('folders')).sort((a, b) => a.addedAtMs - b.addedAtMs);
}

export async function getFolder(db: Db, id: string): Promise<FolderRecord | undefined> {
  return db.get('folders', id);
}

export async function putFolder(db: Db, folder: FolderRecord): Promise<void> {
  await db.put('folders', folder);
}

export async function deleteFolder(db: Db, id: string): Promise<void> {
  await db.delete('folders', id);
}

/** The meta key of how far this device's records have had their metadata read (core/metadata-mark.ts). */
export const METADATA_MARK_KEY = 'metadata-pass:readThrough';

/** What a metadata pass walked: the records to read, and what `finishMetadataPass` needs to move the mark on. */
export interface MetadataWalk {
  /** Photos and videos whose metadata was never read at the version, oldest added first. */
  todo: Array<Pick<AssetRecord, 'id' | 'blobLocation' | 'type'>>;
  /** The mark as it was read with the walk. */
  mark: MetadataReadMark | undefined;
  /** The latest `addedAt` the walk met; null when it met no record. */
  lastAddedAtMs: number | null;
}

/**
 * Photos and videos whose own metadata was never read at `version` (taken in before it was).
 * Only the records added after the mark are walked, in the same transaction as the mark is read:
 * a start of a library whose every record is read walks none.
 */
export async function photosWithoutMetadata(db: Db, version: number): Promise<MetadataWalk> {
  const todo: MetadataWalk['todo'] = [];
  const tx = db.transaction(['assets', 'meta']);
  const mark = (await tx.objectStore('meta').get(METADATA_MARK_KEY)) as MetadataReadMark | undefined;
  const after = metadataWalkAfter(mark, version);
  let lastAddedAtMs: number | null = null;
  let cursor = await tx.objectStore('assets').index('byAddedAt').openCursor(after === null ? null : IDBKeyRange.lowerBound(after, true));
  for (; cursor; cursor = await cursor.continue()) {
    const a = cursor.value;
    lastAddedAtMs = a.addedAt;
    if (a.metadataVersion !== version) todo.push({ id: a.id, blobLocation: a.blobLocation, type: a.type });
  }
  return { todo, mark, lastAddedAtMs };
}

/**
 * After a pass read every record of `walk`: the mark moves past them, unless records still to be
 * read arrived meanwhile (then the next pass walks from the old mark again).
 */
export async function finishMetadataPass(db: Db, walk: MetadataWalk, version: number): Promise<void> {
  const tx = db.transaction('meta', 'readwrite');
  const next = markAfterPass(walk.mark, (await tx.store.get(METADATA_MARK_KEY)) as MetadataReadMark | undefined, walk.lastAddedAtMs, version);
  if (next) await tx.store.put(next, METADATA_MARK_KEY);
  await tx.done;
}

/**
 * Called in the transaction that writes `assets` from outside the import's own order (an archive
 * merged in, an undone delete, ...): those whose metadata was not read at this version are walked
 * by the next metadata pass, even when they were added before its mark.
 */
export async function noteArrivingAssets(meta: IDBPObjectStore<ShoeboxDB, Array<StoreName>, 'meta', 'readwrite'>, assets: readonly AssetRecord[]): Promise<void> {
  if (assets.every((a) => a.metadataVersion === PHOTO_METADATA_VERSION)) return;
  const next = markAfterArrival((await meta.get(METADATA_MARK_KEY)) as MetadataReadMark | undefined, assets, PHOTO_METADATA_VERSION);
  if (next) await meta.put(next, METADATA_MARK_KEY);
}

/**
 * Rewrites one asset with `change(current)` in a single transaction, so a favourite marked or an
 * item deleted meanwhile is kept or stays deleted. Returns the stored record, or undefined when gone.
 */
export async function updateAsset(db: Db, id: string, change: (current: AssetRecord) => AssetRecord): Promise<AssetRecord | undefined> {
  const tx = db.transaction('assets', 'readwrite');
  const current = await tx.store.get(id);
  if (!current) {
    await tx.done;
    return undefined;
  }
  const next = change(current);
  await tx.store.put(next);
  await tx.done;
  return next;
}
