import type { Db } from './db';
import type { AssetRecord, ClusterRecord, EmbeddingRecord } from './schema';
import { forEachAssetPageOf } from './search-repo';

/** Threshold in force for a model, fixed by the last full clustering so incremental joins match it. */
export interface ClusterParams {
  tau: number;
  background: number;
  threshold: number;
  /** Library size the background was measured on. */
  count: number;
  /** Library size at the last full clustering. */
  fullRunCount?: number;
  at: number;
}

/** Prompt vectors of the zero-shot subjects for one model; `key` names the vocabulary they were made from. */
export interface VocabularyCache {
  key: string;
  entries: Array<{ name: string; vector: Float32Array }>;
}

/** An asset and its vector, either missing when the id is not (or no longer) stored. */
export type AssetWithEmbedding = readonly [AssetRecord | undefined, EmbeddingRecord | undefined];

const paramsKey = (modelKey: string) => `clusters:params:${modelKey}`;
const vocabularyCacheKey = (modelKey: string) => `clusters:vocabulary:${modelKey}`;

export async function clustersForModel(db: Db, modelKey: string): Promise<ClusterRecord[]> {
  return db.getAllFromIndex('clusters', 'byModelKey', modelKey);
}

/** A cluster as the viewer's info panel names it. */
export interface MemberCluster {
  id: string;
  name: string;
  count: number;
}

/** Each clustered item's cluster, for one model's clusters. */
export async function clustersByMember(db: Db, modelKey: string): Promise<Map<string, MemberCluster>> {
  const byMember = new Map<string, MemberCluster>();
  for (const c of await clustersForModel(db, modelKey)) {
    const cluster = { id: c.id, name: c.name, count: c.memberIds.length };
    for (const id of c.memberIds) byMember.set(id, cluster);
  }
  return byMember;
}

export async function clusterIdsForModel(db: Db, modelKey: string): Promise<string[]> {
  return db.getAllKeysFromIndex('clusters', 'byModelKey', modelKey);
}

/**
 * Writes and deletes clusters (and the model's params, when given) in one transaction, so a reload
 * sees all of it or none.
 */
export async function writeClusters(
  db: Db,
  put: readonly ClusterRecord[],
  remove: readonly string[] = [],
  params?: { modelKey: string; params: ClusterParams },
): Promise<void> {
  const tx = db.transaction(['clusters', 'meta'], 'readwrite');
  const clusters = tx.objectStore('clusters');
  await Promise.all([
    ...remove.map((id) => clusters.delete(id)),
    ...put.map((c) => clusters.put(c)),
    ...(params ? [tx.objectStore('meta').put(params.params, paramsKey(params.modelKey))] : []),
    tx.done,
  ]);
}

export async function readClusterParams(db: Db, modelKey: string): Promise<ClusterParams | undefined> {
  return (await db.get('meta', paramsKey(modelKey))) as ClusterParams | undefined;
}

/** Asset records read per request by `readClusteringOutline`. */
const OUTLINE_PAGE = 2000;

/**
 * What opening stored clusters without their vectors needs, in one transaction: which assets have
 * a vector for the model, which assets are videos, all clusters and the params. Keys only from
 * the vectors (reading 100,000 of them costs about 200 MB) and from the assets; which are videos
 * comes from the clusters themselves when they keep it (`videosFromRecords` false), or else from
 * the asset records.
 */
export async function readClusteringOutline(
  db: Db,
  modelKey: string,
  pageSize = OUTLINE_PAGE,
): Promise<{ embeddedIds: string[]; videoIds: string[]; videosFromRecords: boolean; clusters: ClusterRecord[]; params: ClusterParams | undefined }> {
  const tx = db.transaction(['assets', 'embeddings', 'clusters', 'meta']);
  const [vectorIds, clusters, params, assetKeys] = await Promise.all([
    tx.objectStore('embeddings').index('byModelId').getAllKeys(modelKey),
    tx.objectStore('clusters').getAll(),
    tx.objectStore('meta').get(paramsKey(modelKey)) as Promise<ClusterParams | undefined>,
    tx.objectStore('assets').getAllKeys(),
  ]);
  const assetIds = new Set<string>(assetKeys);
  const embeddedIds = vectorIds.filter((id) => assetIds.has(id));
  const kept = keptVideoIds(clusters, modelKey);
  if (kept) return { embeddedIds, videoIds: kept, videosFromRecords: false, clusters, params };
  // Clusters that do not say which members are videos: the records are read a page at a time and
  // only the videos' ids kept (100,000 records read at once grow the worker's heap by ~100 MB that
  // it keeps after they are dropped).
  const videoIds: string[] = [];
  await forEachAssetPageOf(tx.objectStore('assets'), pageSize, (page) => {
    for (const a of page) if (a.type === 'video') videoIds.push(a.id);
  });
  return { embeddedIds, videoIds, videosFromRecords: true, clusters, params };
}

/**
 * The video members of a model's clusters when each of them keeps its own list (members only),
 * null when one does not or there are none: the records must say then.
 */
function keptVideoIds(clusters: readonly ClusterRecord[], modelKey: string): string[] | null {
  const mine = clusters.filter((c) => c.modelKey === modelKey);
  if (mine.length === 0) return null;
  const out: string[] = [];
  for (const c of mine) {
    if (!Array.isArray(c.videoIds)) return null;
    const members = new Set(c.memberIds);
    if (!c.videoIds.every((id) => members.has(id))) return null;
    out.push(...c.videoIds);
  }
  return out;
}

/** Everything clustering starts from, read in one transaction: asset types, the model's vectors, all clusters and the params. */
export async function readClusteringInput(
  db: Db,
  modelKey: string,
): Promise<{ assets: Array<Pick<AssetRecord, 'id' | 'type'>>; embeddings: EmbeddingRecord[]; clusters: ClusterRecord[]; params: ClusterParams | undefined }> {
  const tx = db.transaction(['assets', 'embeddings', 'clusters', 'meta']);
  const [assets, embeddings, clusters, params] = await Promise.all([
    tx.objectStore('assets').getAll(),
    tx.objectStore('embeddings').index('byModelId').getAll(modelKey),
    tx.objectStore('clusters').getAll(),
    tx.objectStore('meta').get(paramsKey(modelKey)) as Promise<ClusterParams | undefined>,
  ]);
  return { assets, embeddings, clusters, params };
}

/** The asset and embedding records of `ids`, in order, read in one transaction. */
export async function readAssetsWithEmbeddings(db: Db, ids: readonly string[]): Promise<AssetWithEmbedding[]> {
  const tx = db.transaction(['assets', 'embeddings']);
  return Promise.all(ids.map(async (id) => [await tx.objectStore('assets').get(id), await tx.objectStore('embeddings').get(id)] as const));
}

/** What an archive import stored for a model, with the imported items, read in one transaction. */
export async function readImportedClusters(
  db: Db,
  modelKey: string,
  ids: readonly string[],
): Promise<{ clusters: ClusterRecord[]; params: ClusterParams | undefined; items: AssetWithEmbedding[] }> {
  const tx = db.transaction(['assets', 'embeddings', 'clusters', 'meta']);
  const [clusters, params, items] = await Promise.all([
    tx.objectStore('clusters').index('byModelKey').getAll(modelKey),
    tx.objectStore('meta').get(paramsKey(modelKey)) as Promise<ClusterParams | undefined>,
    Promise.all(ids.map(async (id) => [await tx.objectStore('assets').get(id), await tx.objectStore('embeddings').get(id)] as const)),
  ]);
  return { clusters, params, items };
}

export async function readVocabularyCache(db: Db, modelKey: string): Promise<VocabularyCache | undefined> {
  return (await db.get('meta', vocabularyCacheKey(modelKey))) as VocabularyCache | undefined;
}

export async function writeVocabularyCache(db: Db, modelKey: string, vocabulary: VocabularyCache): Promise<void> {
  await db.put('meta', vocabulary, vocabularyCacheKey(modelKey));
}
