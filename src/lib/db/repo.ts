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
} from './schema';
import { undoAllowed } from '../core/tombstones';
import { waitingCount, waitingIds } from '../core/index-queue';

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
 * transaction: a job is claimed once, whoever asks.
 */
export async function claimQueuedJobs(db: Db, limit: number, skip: ReadonlySet<string>, owner: string): Promise<JobRecord[]> {
  const out: JobRecord[] = [];
  const tx = db.transaction('jobs', 'readwrite');
  const range = IDBKeyRange.bound(['queued', -Infinity], ['queued', Infinity]);
  let cursor = await tx.store.index('byStatusCreatedAt').openCursor(range);
  const now = Date.now();
  while (cursor && out.length < limit) {
    if (!skip.has(cursor.value.id)) {
      const claimed: JobRecord = { ...cursor.value, status: 'processing', claimedBy: owner, updatedAt: now };
      await cursor.update(claimed);
      out.push(claimed);
    }
    cursor = await cursor.continue();
  }
  await tx.done;
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
  const tx = db.transaction(['assets', 'thumbnails', 'embeddings', 'lineage', 'jobs', 'frameEmbeddings'], 'readwrite');
  try {
    const jobs = tx.objectStore('jobs');
    const found = await Promise.all(items.map((i) => jobs.get(i.jobId)));
    const writes: Promise<unknown>[] = [];
    // Every request fails with AbortError once one fails; each is awaited below, or, if a record
    // cannot even be queued (DataCloneError), never: so none may be left without a handler.
    const write = (request: Promise<unknown>) => {
      request.catch(() => undefined);
      writes.push(request);
    };
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
    await Promise.all([...writes, tx.done]);
  } catch (err) {
    // Errors thrown outside a request (e.g. DataCloneError) do not abort by themselves;
    // abort explicitly so nothing of these assets is committed, and settle `done` quietly.
    try {
      tx.abort();
    } catch {
      /* already aborted by the failed request */
    }
    await tx.done.catch(() => undefined);
    throw err;
  }
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
  const present = await Promise.all(items.map((i) => tx.objectStore('assets').getKey(i.embedding.id)));
  const written: string[] = [];
  const writes: Promise<unknown>[] = [];
  items.forEach((item, k) => {
    if (present[k] === undefined) return;
    written.push(item.embedding.id);
    writes.push(tx.objectStore('embeddings').put(item.embedding));
    for (const f of item.frames) writes.push(tx.objectStore('frameEmbeddings').put(f));
    for (const l of item.lineage) writes.push(tx.objectStore('lineage').put(l));
  });
  await Promise.all([...writes, tx.done]);
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

/** Asset ids and names, for file-name matches and the pHash index; avoids loading whole records twice. */
export async function assetSummaries(db: Db): Promise<Array<Pick<AssetRecord, 'id' | 'name' | 'pHash' | 'type' | 'addedAt'>>> {
  return (await db.getAll('assets')).map(({ id, name, pHash, type, addedAt }) => ({ id, name, pHash, type, addedAt }));
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

const ASSET_STORES = ['assets', 'thumbnails', 'embeddings', 'frameEmbeddings', 'lineage'] as const;

/**
 * Deletes the records of assets and writes their tombstones, in one transaction (all or none):
 * from then on a reload, a crash or another tab finds either the asset or its tombstone, never
 * neither. Each tombstone carries the asset's records, so Undo works from storage until
 * `nowMs + undoWindowMs`; the original files stay until the tombstone is carried out.
 */
export async function deleteAssetRecords(db: Db, ids: string[], nowMs: number, undoWindowMs: number): Promise<TombstoneRecord[]> {
  const tx = db.transaction([...ASSET_STORES, 'tombstones'], 'readwrite');
  const tombstones: TombstoneRecord[] = [];
  for (const id of ids) {
    const asset = await tx.objectStore('assets').get(id);
    if (!asset) continue;
    const frames = await tx.objectStore('frameEmbeddings').index('byAssetId').getAll(id);
    const thumbIds = [id, ...frames.map((f) => f.id)];
    const thumbnails = (await Promise.all(thumbIds.map((t) => tx.objectStore('thumbnails').get(t)))).filter((t): t is ThumbnailRecord => !!t);
    const embedding = await tx.objectStore('embeddings').get(id);
    const lineage = await tx.objectStore('lineage').index('bySourceAssetId').getAll(id);
    await tx.objectStore('assets').delete(id);
    for (const t of thumbIds) await tx.objectStore('thumbnails').delete(t);
    await tx.objectStore('embeddings').delete(id);
    for (const f of frames) await tx.objectStore('frameEmbeddings').delete(f.id);
    for (const l of lineage) await tx.objectStore('lineage').delete(l.id);
    const tombstone: TombstoneRecord = {
      id,
      name: asset.name,
      blobLocation: asset.blobLocation,
      deletedAtMs: nowMs,
      expiresAtMs: nowMs + undoWindowMs,
      bundle: { asset, thumbnails, embedding, frames, lineage },
    };
    await tx.objectStore('tombstones').put(tombstone);
    tombstones.push(tombstone);
  }
  await tx.done;
  return tombstones;
}

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
 * tombstone: transactions on the tombstones store run one after another, so an undo and the
 * carrying out of the same delete (`carryOutTombstone`) can never both succeed.
 */
export async function restoreAssetRecords(db: Db, ids: string[], clock: () => number = Date.now): Promise<RestoreOutcome> {
  const tx = db.transaction([...ASSET_STORES, 'tombstones'], 'readwrite');
  const outcome: RestoreOutcome = { restored: [], alreadyBack: [], final: [] };
  for (const id of ids) {
    const tombstone = await tx.objectStore('tombstones').get(id);
    if (!tombstone && (await tx.objectStore('assets').getKey(id)) !== undefined) {
      outcome.alreadyBack.push(id);
      continue;
    }
    if (!tombstone || !undoAllowed(tombstone, clock())) {
      outcome.final.push(id);
      continue;
    }
    const b = tombstone.bundle;
    await tx.objectStore('assets').put(b.asset);
    for (const t of b.thumbnails) await tx.objectStore('thumbnails').put(t);
    if (b.embedding) await tx.objectStore('embeddings').put(b.embedding);
    for (const f of b.frames) await tx.objectStore('frameEmbeddings').put(f);
    for (const l of b.lineage) await tx.objectStore('lineage').put(l);
    await tx.objectStore('tombstones').delete(id);
    outcome.restored.push(b);
  }
  await tx.done;
  return outcome;
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
