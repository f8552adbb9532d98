// What the search index reads and keeps: the stored vectors of a model, the saved index, and the
// assets and refused jobs the duplicate report lists.
import type { Db } from './db';
import type { AssetRecord, EmbeddingRecord, FrameEmbeddingRecord, IndexSnapshotRecord, JobRecord } from './schema';

export async function countEmbeddings(db: Db, modelKey: string): Promise<number> {
  return db.countFromIndex('embeddings', 'byModelId', modelKey);
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

export async function getIndexSnapshot(db: Db, name: IndexSnapshotRecord['name']): Promise<IndexSnapshotRecord | undefined> {
  return db.get('indexSnapshots', name);
}

export async function putIndexSnapshot(db: Db, snapshot: IndexSnapshotRecord): Promise<void> {
  await db.put('indexSnapshots', snapshot);
}

export async function deleteIndexSnapshot(db: Db, name: IndexSnapshotRecord['name']): Promise<void> {
  await db.delete('indexSnapshots', name);
}

/** Every asset record, in key order. */
export async function allAssets(db: Db): Promise<AssetRecord[]> {
  return db.getAll('assets');
}

/** Jobs refused as exact duplicates of a stored asset. */
export async function refusedDuplicateJobs(db: Db): Promise<JobRecord[]> {
  return db.getAllFromIndex('jobs', 'byStatus', 'duplicate');
}
