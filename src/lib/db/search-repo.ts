// What the search index reads and keeps: the stored vectors of a model, the saved index, and the
// assets and refused jobs the duplicate report lists.
import { unwrap } from 'idb';
import type { Db } from './db';
import type { AssetRecord, EmbeddingRecord, FrameEmbeddingRecord, IndexSnapshotName, IndexSnapshotRecord, JobRecord } from './schema';
import { releaseBuffer } from '../core/typed-columns';
import { joinSummaryPages, packSummaryPage, type AssetSummaryPage, type AssetSummaryRow } from '../core/asset-summaries';
import { writeWhole } from './whole-transaction';

export async function countEmbeddings(db: Db, modelKey: string): Promise<number> {
  return db.countFromIndex('embeddings', 'byModelId', modelKey);
}

/**
 * The ids of the assets with a stored vector of the model, in key order, `pageSize` per read
 * transaction; the next page is read once `visit` has settled. A million ids read at once are a
 * million strings in the reading thread and as many keys on their way to it (hundreds of MB until
 * collected). Pages are taken from the store's keys, the ids of other models' vectors (found
 * through the model index on either side of this model: none in a library of one model) left out.
 */
export async function forEachEmbeddingIdPage(db: Db, modelKey: string, pageSize: number, visit: (ids: string[]) => void | Promise<void>): Promise<void> {
  const byModel = db.transaction('embeddings').store.index('byModelId');
  const [below, above] = await Promise.all([byModel.getAllKeys(IDBKeyRange.upperBound(modelKey, true)), byModel.getAllKeys(IDBKeyRange.lowerBound(modelKey, true))]);
  const otherModels = new Set([...below, ...above]);
  let after: string | undefined;
  for (;;) {
    const page = await db.getAllKeys('embeddings', after === undefined ? null : IDBKeyRange.lowerBound(after, true), pageSize);
    const ids = otherModels.size > 0 ? page.filter((id) => !otherModels.has(id)) : page;
    if (ids.length > 0) await visit(ids);
    if (page.length < pageSize) return;
    after = page[page.length - 1]!;
  }
}

/** Any one vector of the model (the first by asset id), to learn its length; undefined when there is none. */
export async function firstEmbedding(db: Db, modelKey: string): Promise<EmbeddingRecord | undefined> {
  return db.getFromIndex('embeddings', 'byModelId', modelKey);
}

/**
 * Calls `visit` with every stored vector of the model, in one read-only cursor. `visit` runs
 * synchronously: awaiting anything but IndexedDB between steps would end the transaction.
 */
export async function forEachEmbedding(db: Db, modelKey: string, visit: (id: string, vector: Float32Array) => void): Promise<void> {
  let cursor = await db.transaction('embeddings').store.index('byModelId').openCursor(IDBKeyRange.only(modelKey));
  while (cursor) {
    visit(cursor.value.id, cursor.value.vector);
    cursor = await cursor.continue();
  }
}

/** The vectors of the model among the first `limit` embeddings by asset id. */
export async function firstVectors(db: Db, modelKey: string, limit: number): Promise<Float32Array[]> {
  return (await db.getAll('embeddings', undefined, limit)).filter((e) => e.modelId === modelKey).map((e) => e.vector);
}

/** The stored vector of an asset for the model, or null (none, or another model's). */
export async function vectorOfAsset(db: Db, id: string, modelKey: string): Promise<Float32Array | null> {
  const e = await db.get('embeddings', id);
  return e && e.modelId === modelKey ? e.vector : null;
}

/** The asset, vector and video frames of each id, read in one transaction; asset or vector undefined when missing. */
export async function readStoredItems(
  db: Db,
  ids: readonly string[],
): Promise<{ rows: Array<readonly [AssetRecord | undefined, EmbeddingRecord | undefined]>; frames: FrameEmbeddingRecord[] }> {
  const tx = db.transaction(['assets', 'embeddings', 'frameEmbeddings']);
  const rows = await Promise.all(ids.map(async (id) => [await tx.objectStore('assets').get(id), await tx.objectStore('embeddings').get(id)] as const));
  const frames = await Promise.all(ids.map((id) => tx.objectStore('frameEmbeddings').index('byAssetId').getAll(id)));
  return { rows, frames: frames.flat() };
}

/** Snapshots larger than this are stored as chunks of this size (no single huge IndexedDB value). */
export const SNAPSHOT_CHUNK_BYTES = 8 * 2 ** 20;

type SnapshotName = IndexSnapshotName;
/** A snapshot's head record (what is read and written as one snapshot). */
export type IndexSnapshot = IndexSnapshotRecord & { name: IndexSnapshotName };
const chunkRange = (name: SnapshotName) => IDBKeyRange.bound(`${name}#`, `${name}#\uffff`);
const chunkName = (name: SnapshotName, i: number) => `${name}#${String(i).padStart(5, '0')}` as const;

/**
 * The saved snapshot `name` with all its bytes (a chunked one reassembled); a chunked snapshot
 * whose chunks are missing or short comes back with empty bytes, which no index restores from.
 * Chunks are read one at a time into the snapshot's own buffer: reading them all first would hold
 * the snapshot twice (about 440 MB at 100,000 items) before its index is even restored.
 */
export async function getIndexSnapshot(db: Db, name: SnapshotName): Promise<IndexSnapshot | undefined> {
  const tx = db.transaction('indexSnapshots');
  const head = (await tx.store.get(name)) as IndexSnapshot | undefined;
  if (!head?.chunkCount) return head;
  const broken = { ...head, bytes: new Uint8Array(0) };
  const total = head.byteLength ?? 0;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < head.chunkCount; i++) {
    // Awaiting only IndexedDB requests keeps the transaction open between chunks.
    const chunk = (await tx.store.get(chunkName(name, i))) as IndexSnapshotRecord | undefined;
    if (!chunk || offset + chunk.bytes.byteLength > total) return broken;
    bytes.set(chunk.bytes, offset);
    offset += chunk.bytes.byteLength;
    releaseBuffer(chunk.bytes);
  }
  // A chunk past chunkCount means the head and its chunks come from different saves.
  if (offset !== total || (await tx.store.count(chunkRange(name))) !== head.chunkCount) return broken;
  return { ...head, bytes };
}

/**
 * Replaces snapshot `name` (its head and any chunks) in one transaction: a tab closed or reloaded
 * mid-save aborts it, and the previous snapshot stays whole. Bytes beyond `chunkBytes` go into
 * chunk records (each a copy: a stored view would carry its whole buffer).
 */
export async function putIndexSnapshot(db: Db, snapshot: IndexSnapshot, chunkBytes = SNAPSHOT_CHUNK_BYTES): Promise<void> {
  const tx = db.transaction('indexSnapshots', 'readwrite');
  const { name, bytes } = snapshot;
  // Whole: without it the requests queued before a failing one (the deletion, the first chunks) would commit.
  await writeWhole(tx, (write) => {
    write(tx.store.delete(chunkRange(name)));
    if (bytes.byteLength <= chunkBytes) {
      const { chunkCount: _c, byteLength: _b, ...plain } = snapshot;
      write(tx.store.put(plain));
      return;
    }
    const chunkCount = Math.ceil(bytes.byteLength / chunkBytes);
    for (let i = 0; i < chunkCount; i++) {
      const part = bytes.slice(i * chunkBytes, (i + 1) * chunkBytes);
      write(tx.store.put({ ...snapshot, name: chunkName(name, i), bytes: part }));
      // put() has cloned the value: the copy is not needed past this line.
      releaseBuffer(part);
    }
    write(tx.store.put({ ...snapshot, bytes: new Uint8Array(0), chunkCount, byteLength: bytes.byteLength }));
  });
}

export async function deleteIndexSnapshot(db: Db, name: SnapshotName): Promise<void> {
  const tx = db.transaction('indexSnapshots', 'readwrite');
  void tx.store.delete(name);
  void tx.store.delete(chunkRange(name));
  await tx.done;
}

/** The stored vectors of `ids` for the model, in order, read in one transaction; undefined where an id has none (or another model's). */
export async function vectorsOfAssets(db: Db, ids: readonly string[], modelKey: string): Promise<(Float32Array | undefined)[]> {
  const store = db.transaction('embeddings').store;
  const records = await Promise.all(ids.map((id) => store.get(id)));
  return records.map((e) => (e && e.modelId === modelKey ? e.vector : undefined));
}

/** Asset records read per request where every asset is walked: a few tens of ms of a thread each. */
export const ASSET_PAGE_SIZE = 5000;

/** Where pages of asset records are read: the database (a transaction per page) or a store of an open transaction. */
export interface AssetPageSource {
  getAll(query: IDBKeyRange | null, count: number): Promise<AssetRecord[]>;
}

/**
 * Every asset record of `source` in key order, `pageSize` per request, each page handed to `visit`
 * (synchronously, so a transaction stays open between pages): a million records read at once
 * would hold the thread for seconds and the heap for good.
 */
export async function forEachAssetPageOf(source: AssetPageSource, pageSize: number, visit: (page: AssetRecord[]) => void): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const page = await source.getAll(after === undefined ? null : IDBKeyRange.lowerBound(after, true), pageSize);
    if (page.length > 0) visit(page);
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.id;
  }
}

/** Every asset record in key order, a page per transaction: between pages the thread and the store are free. */
export async function forEachAssetPage(db: Db, pageSize: number, visit: (page: AssetRecord[]) => void): Promise<void> {
  await forEachAssetPageOf({ getAll: (query, count) => db.getAll('assets', query, count) }, pageSize, visit);
}

/**
 * Up to `limit` asset records of `store` in key order (from the first after `afterId`, or the
 * first of all when null), a cursor step each, handed to `visit` as they come; resolves with how
 * many were visited. A start's whole-library reads use this, not pages of getAll: reading 100,000
 * records in a worker, its heap peaked at 22–25 MB with a cursor against 35–45 MB with pages of 50
 * to 1,000 records (Chromium 156), and a worker's heap pages stay in V8's page pool for up to 30 s
 * after the worker ends, counted in the tab's memory.
 */
export function forEachAssetOf(store: IDBObjectStore, afterId: string | null, limit: number, visit: (asset: AssetRecord) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let visited = 0;
    const request = store.openCursor(afterId === null ? null : IDBKeyRange.lowerBound(afterId, true));
    request.onsuccess = () => {
      const cursor = request.result;
      if (!cursor || visited >= limit) return resolve(visited);
      try {
        visit(cursor.value as AssetRecord);
      } catch (err) {
        return reject(err);
      }
      visited++;
      if (visited < limit) cursor.continue();
      else resolve(visited);
    };
    request.onerror = () => reject(request.error);
  });
}

/** Rows packed at a time by {@link allAssetSummaries}: each thousand row objects are garbage once packed. */
const SUMMARY_PACK_ROWS = 1000;
/**
 * Records read per transaction by {@link allAssetSummaries}: a write to the assets (an import's
 * commit, a favourite) waits for the transaction it meets, a fraction of a second at this size
 * where one transaction over a million records would hold it for seconds.
 */
const SUMMARY_READ_ROWS = 10_000;

/**
 * Every asset's summary (id, name, type, date taken) in key order, read with a cursor, 10,000
 * records a transaction (`readRows`), and packed as columns. Not a request per 1,000 records: at
 * 100,000 assets the reading worker's heap peaked at 15–17 MB against 24 MB (Chromium 156).
 */
export async function allAssetSummaries(db: Db, readRows = SUMMARY_READ_ROWS): Promise<AssetSummaryPage> {
  const packed: AssetSummaryPage[] = [];
  let rows: AssetSummaryRow[] = [];
  let afterId: string | null = null;
  for (;;) {
    const read: number = await forEachAssetOf(unwrap(db.transaction('assets').store), afterId, readRows, ({ id, name, type, takenAtMs }) => {
      rows.push({ id, name, type, takenAtMs });
      afterId = id;
      if (rows.length === SUMMARY_PACK_ROWS) {
        packed.push(packSummaryPage(rows));
        rows = [];
      }
    });
    if (read < readRows) break;
  }
  packed.push(packSummaryPage(rows));
  return joinSummaryPages(packed);
}

/** Every asset record, in key order. */
export async function allAssets(db: Db): Promise<AssetRecord[]> {
  return db.getAll('assets');
}

/** Jobs refused as exact duplicates of a stored asset. */
export async function refusedDuplicateJobs(db: Db): Promise<JobRecord[]> {
  return db.getAllFromIndex('jobs', 'byStatus', 'duplicate');
}
