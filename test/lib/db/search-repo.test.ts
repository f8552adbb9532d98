import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import type { Db } from '../../../src/lib/db/db';
import type { AssetRecord } from '../../../src/lib/db/schema';
import {
  countEmbeddings,
  deleteIndexSnapshot,
  firstEmbedding,
  firstVectors,
  forEachEmbedding,
  getIndexSnapshot,
  putIndexSnapshot,
  readStoredItems,
  refusedDuplicateJobs,
  vectorOfAsset,
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

  it('lists the jobs refused as duplicates only', async () => {
    const db = await dbs.open();
    await library(db);
    expect((await refusedDuplicateJobs(db)).map((j) => j.id)).toEqual(['j1']);
  });
});
