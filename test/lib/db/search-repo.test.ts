import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { unwrap } from 'idb';
import { forEachSummaryRows, unpackSummaryPage } from '../../../src/lib/core/asset-summaries';
import type { Db } from '../../../src/lib/db/db';
import type { AssetRecord } from '../../../src/lib/db/schema';
import {
  allAssetSummaries,
  countEmbeddings,
  deleteIndexSnapshot,
  firstEmbedding,
  firstVectors,
  forEachAssetOf,
  forEachAssetPage,
  forEachEmbedding,
  forEachEmbeddingIdPage,
  getIndexSnapshot,
  putIndexSnapshot,
  readStoredItems,
  refusedDuplicateJobs,
  vectorOfAsset,
  vectorsOfAssets,
} from '../../../src/lib/db/search-repo';

const dbs = libraryDbs('search-repo');
const MODEL = 'fixture@q8';

/** Assets a, b, c with vectors of MODEL (c also has two video frames), and d with another model's vector. */
async function library(db: Db): Promise<void> {
  const tx = db.transaction(['assets', 'embeddings', 'frameEmbeddings', 'jobs'], 'readwrite');
  for (const [id, model, x] of [['a', MODEL, 1], ['b', MODEL, 2], ['c', MODEL, 3], ['d', 'other@fp32', 4]] as const) {
    const asset: AssetRecord = { id, name: `${id}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: 1, sha256: id, pHash: '0000000000000000', width: 1, height: 1, addedAt: x, takenAtMs: x, takenAtSource: 'added', status: 'ready', blobLocation: 'idb' };
    void tx.objectStore('assets').put(asset);
    void tx.objectStore('embeddings').put({ id, modelId: model, dim: 2, vector: new Float32Array([x, 0]) });
  }
  for (const frameIndex of [0, 1]) {
    void tx.objectStore('frameEmbeddings').put({ id: `c#${frameIndex}`, assetId: 'c', frameIndex, timestampSec: frameIndex, modelId: MODEL, dim: 2, vector: new Float32Array([0, frameIndex]) });
  }
  const job = { name: 'copy.jpg', mime: 'image/jpeg', sizeBytes: 1, batchId: 'b1', createdAt: 1, updatedAt: 2, blobLocation: 'idb' as const };
  void tx.objectStore('jobs').put({ ...job, id: 'j1', status: 'duplicate', assetId: 'a' });
  void tx.objectStore('jobs').put({ ...job, id: 'j2', status: 'failed' });
  await tx.done;
}

describe('search repository', () => {
  it('counts, streams and samples only the vectors of the model', async () => {
    const db = await dbs.open();
    await library(db);
    expect(await countEmbeddings(db, MODEL)).toBe(3);
    expect((await firstEmbedding(db, MODEL))?.id).toBe('a');
    expect(await firstEmbedding(db, 'none')).toBeUndefined();
    const seen: Array<[string, number]> = [];
    await forEachEmbedding(db, MODEL, (id, v) => seen.push([id, v[0]!]));
    expect(seen).toEqual([['a', 1], ['b', 2], ['c', 3]]);
    expect((await firstVectors(db, MODEL, 2)).map((v) => v[0])).toEqual([1, 2]);
    expect((await firstVectors(db, MODEL, 10)).map((v) => v[0])).toEqual([1, 2, 3]);
    expect([...((await vectorOfAsset(db, 'b', MODEL)) ?? [])]).toEqual([2, 0]);
    expect(await vectorOfAsset(db, 'd', MODEL)).toBeNull();
    expect(await vectorOfAsset(db, 'gone', MODEL)).toBeNull();
  });

  it('lists the ids with a vector of the model a page at a time, in key order, the next page read once the last is handled', async () => {
    const db = await dbs.open();
    await library(db);
    const extra = ['e', 'f', 'g'].map((id) => ({ id, modelId: MODEL, dim: 2, vector: new Float32Array([1, 1]) }));
    for (const e of extra) await db.put('embeddings', e);
    const pages = async (modelKey: string, pageSize: number) => {
      const seen: string[][] = [];
      await forEachEmbeddingIdPage(db, modelKey, pageSize, async (ids) => {
        seen.push(ids);
        // an embedding stored while a page is handled is in a later page when its key comes after
        if (ids.includes('f')) await db.put('embeddings', { id: 'h', modelId: MODEL, dim: 2, vector: new Float32Array([1, 0]) });
      });
      return seen;
    };
    // store keys a b | c d | e f | g h: d is another model's, left out of its page
    expect(await pages(MODEL, 2)).toEqual([['a', 'b'], ['c'], ['e', 'f'], ['g', 'h']]);
    expect(await pages(MODEL, 100)).toEqual([['a', 'b', 'c', 'e', 'f', 'g', 'h']]);
    expect(await pages('other@fp32', 3)).toEqual([['d']]);
    expect(await pages('none', 3)).toEqual([]);
  });

  it('reads assets, vectors and frames of given ids in order; missing ids give undefined', async () => {
    const db = await dbs.open();
    await library(db);
    const { rows, frames } = await readStoredItems(db, ['c', 'gone', 'a']);
    expect(rows.map(([asset, e]) => [asset?.id, e?.id])).toEqual([['c', 'c'], [undefined, undefined], ['a', 'a']]);
    expect(frames.map((f) => f.id).sort()).toEqual(['c#0', 'c#1']);
  });

  it('keeps, replaces and drops the saved index', async () => {
    const db = await dbs.open();
    expect(await getIndexSnapshot(db, 'assets')).toBeUndefined();
    const snapshot = { name: 'assets' as const, modelKey: MODEL, kind: 'hnsw' as const, count: 3, bytes: new Uint8Array([1, 2, 3]), savedAt: 5 };
    await putIndexSnapshot(db, snapshot);
    await putIndexSnapshot(db, { ...snapshot, count: 4 });
    expect((await getIndexSnapshot(db, 'assets'))?.count).toBe(4);
    await deleteIndexSnapshot(db, 'assets');
    expect(await getIndexSnapshot(db, 'assets')).toBeUndefined();
  });

  it('stores a snapshot larger than a chunk in chunks, reads it back whole, and a smaller one replaces every chunk', async () => {
    const db = await dbs.open();
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 251);
    const snapshot = { name: 'assets' as const, modelKey: MODEL, kind: 'compact' as const, count: 9, bytes, savedAt: 5 };
    await putIndexSnapshot(db, snapshot, 300);
    const keys = await db.getAllKeys('indexSnapshots');
    expect(keys).toEqual(['assets', 'assets#00000', 'assets#00001', 'assets#00002', 'assets#00003']);
    const back = await getIndexSnapshot(db, 'assets');
    expect(back).toMatchObject({ kind: 'compact', count: 9, chunkCount: 4, byteLength: 1000 });
    expect([...back!.bytes]).toEqual([...bytes]);

    await putIndexSnapshot(db, { ...snapshot, kind: 'hnsw', bytes: new Uint8Array([1, 2, 3]) }, 300);
    expect(await db.getAllKeys('indexSnapshots')).toEqual(['assets']);
    expect([...(await getIndexSnapshot(db, 'assets'))!.bytes]).toEqual([1, 2, 3]);
    await putIndexSnapshot(db, snapshot, 300);
    await deleteIndexSnapshot(db, 'assets');
    expect(await db.getAllKeys('indexSnapshots')).toEqual([]);
  });

  it('a save that stops part way (a tab closed mid-write) leaves the previous snapshot whole; a lost chunk reads as empty bytes', async () => {
    const db = await dbs.open();
    const old = { name: 'assets' as const, modelKey: MODEL, kind: 'compact' as const, count: 2, bytes: Uint8Array.from({ length: 700 }, (_, i) => i % 256), savedAt: 1 };
    await putIndexSnapshot(db, old, 300);
    const put = IDBObjectStore.prototype.put;
    const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if ((value as { name?: string }).name === 'assets#00002') throw new DOMException('The tab went away', 'AbortError');
      return put.call(this, value, key);
    });
    try {
      await expect(putIndexSnapshot(db, { ...old, count: 3, bytes: new Uint8Array(1000).fill(9), savedAt: 2 }, 300)).rejects.toThrow('The tab went away');
    } finally {
      spy.mockRestore();
    }
    const back = await getIndexSnapshot(db, 'assets');
    expect(back).toMatchObject({ count: 2, savedAt: 1, chunkCount: 3 });
    expect([...back!.bytes]).toEqual([...old.bytes]);

    await db.delete('indexSnapshots', 'assets#00001');
    expect((await getIndexSnapshot(db, 'assets'))!.bytes.byteLength).toBe(0);
  });

  it('reads a chunked snapshot one chunk per request into one buffer; chunks of another save read as empty bytes', async () => {
    const db = await dbs.open();
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) % 251);
    await putIndexSnapshot(db, { name: 'assets', modelKey: MODEL, kind: 'hnsw', count: 4, bytes, savedAt: 3 }, 300);
    const getAll = vi.spyOn(IDBObjectStore.prototype, 'getAll');
    const get = vi.spyOn(IDBObjectStore.prototype, 'get');
    try {
      const back = await getIndexSnapshot(db, 'assets');
      expect([...back!.bytes]).toEqual([...bytes]);
      // The head, then each of the 4 chunks on its own: never every chunk held at once.
      expect(get).toHaveBeenCalledTimes(5);
      expect(getAll).not.toHaveBeenCalled();
    } finally {
      getAll.mockRestore();
      get.mockRestore();
    }
    // A chunk longer than the head announces, or one chunk too many, is not this save's.
    await db.put('indexSnapshots', { name: 'assets#00003', modelKey: MODEL, kind: 'hnsw', count: 4, bytes: new Uint8Array(300), savedAt: 3 });
    expect((await getIndexSnapshot(db, 'assets'))!.bytes.byteLength).toBe(0);
    await putIndexSnapshot(db, { name: 'assets', modelKey: MODEL, kind: 'hnsw', count: 4, bytes, savedAt: 3 }, 300);
    await db.put('indexSnapshots', { name: 'assets#00004', modelKey: MODEL, kind: 'hnsw', count: 4, bytes: new Uint8Array(0), savedAt: 3 });
    expect((await getIndexSnapshot(db, 'assets'))!.bytes.byteLength).toBe(0);
  });

  it('reads the vectors of many ids in one batch, undefined for a missing id or another model', async () => {
    const db = await dbs.open();
    await library(db);
    const vectors = await vectorsOfAssets(db, ['c', 'gone', 'd', 'a'], MODEL);
    expect(vectors.map((v) => (v ? [...v] : v))).toEqual([[3, 0], undefined, undefined, [1, 0]]);
  });

  it('reads every asset a page at a time, in key order', async () => {
    const db = await dbs.open();
    await library(db);
    for (const [size, want] of [[3, [['a', 'b', 'c'], ['d']]], [2, [['a', 'b'], ['c', 'd']]], [10, [['a', 'b', 'c', 'd']]]] as const) {
      const pages: string[][] = [];
      await forEachAssetPage(db, size, (page) => pages.push(page.map((a) => a.id)));
      expect(pages).toEqual(want);
    }
  });

  it('visits the assets one by one in key order, after an id and up to a limit, and stops with a visit that throws', async () => {
    const db = await dbs.open();
    await library(db);
    const visited = async (after: string | null, limit: number) => {
      const ids: string[] = [];
      const count = await forEachAssetOf(unwrap(db.transaction('assets').store), after, limit, (a) => ids.push(a.id));
      return { ids, count };
    };
    expect(await visited(null, Infinity)).toEqual({ ids: ['a', 'b', 'c', 'd'], count: 4 });
    expect(await visited('a', 2)).toEqual({ ids: ['b', 'c'], count: 2 });
    expect(await visited('c', 5)).toEqual({ ids: ['d'], count: 1 });
    expect(await visited('d', 5)).toEqual({ ids: [], count: 0 });
    const seen: string[] = [];
    const failing = forEachAssetOf(unwrap(db.transaction('assets').store), null, Infinity, (a) => {
      seen.push(a.id);
      if (a.id === 'b') throw new Error('bad record');
    });
    await expect(failing).rejects.toThrow('bad record');
    expect(seen).toEqual(['a', 'b']);
  });

  it('reads every asset summary in key order as columns: id, name, type and date taken only, in rows of a page or in steps', async () => {
    const db = await dbs.open();
    expect(unpackSummaryPage(await allAssetSummaries(db))).toEqual([]);
    await library(db);
    const all = await allAssetSummaries(db);
    expect(unpackSummaryPage(all)).toEqual([
      { id: 'a', name: 'a.jpg', type: 'image', takenAtMs: 1 },
      { id: 'b', name: 'b.jpg', type: 'image', takenAtMs: 2 },
      { id: 'c', name: 'c.jpg', type: 'image', takenAtMs: 3 },
      { id: 'd', name: 'd.jpg', type: 'image', takenAtMs: 4 },
    ]);
    const steps: string[][] = [];
    forEachSummaryRows(all, 3, (rows) => steps.push(rows.map((r) => r.id)));
    expect(steps).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('packs a library larger than a packing step and a transaction into one page, every row in key order', async () => {
    const db = await dbs.open();
    const tx = db.transaction('assets', 'readwrite');
    const ids = Array.from({ length: 2500 }, (_, i) => `id-${String(i).padStart(5, '0')}`);
    for (const [i, id] of ids.entries()) {
      const asset: AssetRecord = { id, name: `${i} été.jpg`, type: i % 7 === 0 ? 'video' : 'image', mime: 'image/jpeg', sizeBytes: 1, sha256: id, pHash: '0000000000000000', width: 1, height: 1, addedAt: i, takenAtMs: 1e12 + i, takenAtSource: 'added', status: 'ready', blobLocation: 'idb' };
      void tx.store.put(asset);
    }
    await tx.done;
    const rows = unpackSummaryPage(await allAssetSummaries(db));
    expect(rows.map((r) => r.id)).toEqual(ids);
    // A transaction per 1,000 or per 500 records (the last read ends exactly at the end), the same rows.
    for (const readRows of [1000, 500]) expect(unpackSummaryPage(await allAssetSummaries(db, readRows))).toEqual(rows);
    expect(rows[2499]).toEqual({ id: 'id-02499', name: '2499 été.jpg', type: 'video', takenAtMs: 1e12 + 2499 });
    expect(rows.filter((r) => r.type === 'video').length).toBe(Math.ceil(2500 / 7));
  });

  it('lists the jobs refused as duplicates only', async () => {
    const db = await dbs.open();
    await library(db);
    expect((await refusedDuplicateJobs(db)).map((j) => j.id)).toEqual(['j1']);
  });
});
