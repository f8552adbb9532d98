// Bench-only page (built by bench/bulk-delete.mjs, never part of the app): writes a library of
// `n` items as ingest would (record, 4 KB thumbnail, 512-d vector, lineage), a fifth of them in an
// album, then deletes all of them the way "Delete" on a selection does and undoes it, timing each.
import { openLibraryDb } from '../../../../src/lib/db/db';
import { addToAlbum, createAlbum } from '../../../../src/lib/db/album-repo';
import { commitAssets, DELETE_SLICE, deleteAssetRecordsInSlices, restoreAssetRecordsInSlices, type StoredAsset } from '../../../../src/lib/db/repo';

const DIM = 512;

function stored(id: string, i: number): StoredAsset {
  const vector = new Float32Array(DIM);
  vector[i % DIM] = 1;
  return {
    asset: { id, name: `${id}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: 2_000_000, sha256: i.toString(16).padStart(64, '0'), pHash: '0123456789abcdef', width: 4000, height: 3000, addedAt: i, takenAtMs: i, takenAtSource: 'added', status: 'ready', blobLocation: 'opfs' },
    thumbnail: { id, blob: new Blob([new Uint8Array(4096).fill(i & 0xff)], { type: 'image/jpeg' }), width: 256, height: 192 },
    embedding: { id, modelId: 'bench@q8', dim: DIM, vector },
    lineage: [{ id: `embeddings:${id}`, store: 'embeddings', recordId: id, sourceAssetId: id, producer: 'clip-image', producerVersion: '1', params: {}, createdAt: i }],
  };
}

export interface BulkDeleteResult {
  items: number;
  slice: number;
  seedMs: number;
  deleteMs: number;
  /** Time of each slice's transaction, ms. */
  sliceMs: number[];
  undoMs: number;
  restored: number;
  albumItemsBack: number;
}

async function bulkDelete(n: number): Promise<BulkDeleteResult> {
  const db = await openLibraryDb(`bulk-delete-${n}-${Date.now()}`);
  const ids = Array.from({ length: n }, (_, i) => `item-${String(i).padStart(6, '0')}`);
  let t0 = performance.now();
  for (let i = 0; i < n; i += 1000) await commitAssets(db, ids.slice(i, i + 1000).map((id, k) => ({ jobId: 'none', record: stored(id, i + k) })));
  await createAlbum(db, 'Bench', 1, 'bench');
  await addToAlbum(db, 'bench', ids.filter((_, i) => i % 5 === 0), 2);
  const seedMs = performance.now() - t0;

  const sliceMs: number[] = [];
  let last = performance.now();
  t0 = last;
  await deleteAssetRecordsInSlices(db, ids, Date.now(), 600_000, () => {
    const now = performance.now();
    sliceMs.push(now - last);
    last = now;
  });
  const deleteMs = performance.now() - t0;
  t0 = performance.now();
  const outcome = await restoreAssetRecordsInSlices(db, ids);
  const undoMs = performance.now() - t0;
  const albumItemsBack = await db.count('albumItems');
  db.close();
  return { items: n, slice: DELETE_SLICE, seedMs, deleteMs, sliceMs, undoMs, restored: outcome.restored.length, albumItemsBack };
}

declare global {
  interface Window {
    bulkDelete: typeof bulkDelete;
  }
}
window.bulkDelete = bulkDelete;

