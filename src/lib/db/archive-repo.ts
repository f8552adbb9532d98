import type { Db } from './db';
import { deleteOriginal, getOriginal, putOriginal } from './blob-store';
import type { AlbumItemRecord, AlbumRecord, AssetRecord, ClusterRecord, EmbeddingRecord, FrameEmbeddingRecord, LineageRecord, ShoeboxDB, ThumbnailRecord } from './schema';
import type { StoreNames } from 'idb';
import { SECRET_META_KEYS } from './naming-settings';
import { noteArrivingAssets } from './repo';
import { albumItemId } from '../core/albums';
import { motionOriginalId } from '../core/live-photos';
import { RECORDS_PER_CHUNK, chunkName, encodeRecords, encodeVectors, isExportableMetaKey, type RecordStore, type SourceEntry, type ThumbnailMeta } from '../core/archive';

/**
 * Reads a store in key order, `size` records at a time, each chunk in its own short transaction:
 * a long export never holds a transaction open across the work done between chunks.
 */
export async function* readChunks<S extends 'assets' | 'thumbnails' | 'embeddings' | 'frameEmbeddings' | 'lineage' | 'clusters' | 'albums' | 'albumItems'>(
  db: Db,
  store: S,
  size = RECORDS_PER_CHUNK,
): AsyncGenerator<Array<ShoeboxDB[S]['value']>> {
  let after: IDBValidKey | undefined;
  for (;;) {
    const range = after === undefined ? undefined : IDBKeyRange.lowerBound(after, true);
    const tx = db.transaction(store as StoreNames<ShoeboxDB>);
    const [values, keys] = await Promise.all([tx.store.getAll(range, size), tx.store.getAllKeys(range, size)]);
    if (values.length === 0) return;
    after = keys[keys.length - 1];
    yield values as Array<ShoeboxDB[S]['value']>;
    if (values.length < size) return;
  }
}


export interface ExportOptions {
  modelKey: string;
  dim: number;
  includeOriginals: boolean;
}

/** How many records of each kind an export holds; filled in while the entries are read. */
export type ExportCounts = Record<RecordStore | 'originals', number>;

export const emptyCounts = (): ExportCounts => ({ assets: 0, thumbnails: 0, embeddings: 0, frameEmbeddings: 0, lineage: 0, clusters: 0, meta: 0, albums: 0, albumItems: 0, originals: 0 });

const isPlainJson = (v: unknown): boolean => {
  try {
    return JSON.stringify(JSON.parse(JSON.stringify(v))) === JSON.stringify(v) && v !== undefined;
  } catch {
    return false;
  }
};

/**
 * Every entry of an archive of this library, in archive order. Deterministic for an unchanged
 * library, so a writer can read it once for the manifest's digests and again to write it.
 * Only what belongs to a stored asset and to the current model is included; the VLM key and
 * other device settings never are.
 */
export async function* exportEntries(db: Db, opts: ExportOptions, counts: ExportCounts = emptyCounts()): AsyncGenerator<SourceEntry> {
  const assets = new Map<string, Pick<AssetRecord, 'sha256' | 'sizeBytes' | 'blobLocation' | 'motion'>>();
  let chunk = 0;
  for await (const list of readChunks(db, 'assets')) {
    for (const a of list) assets.set(a.id, { sha256: a.sha256, sizeBytes: a.sizeBytes, blobLocation: a.blobLocation, motion: a.motion });
    // Where the file lives is this device's business; the importing library decides its own.
    const records = list.map(({ blobLocation: _, ...rest }) => rest);
    counts.assets += list.length;
    yield { name: chunkName('records', 'assets', chunk++), bytes: encodeRecords('assets', records) };
  }
  const owned = (assetId: string) => assets.has(assetId);

  chunk = 0;
  for await (const list of readChunks(db, 'thumbnails')) {
    const kept = list.filter((t) => owned(t.id.split('#')[0]));
    if (!kept.length) continue;
    const metas: ThumbnailMeta[] = kept.map((t) => ({ id: t.id, width: t.width, height: t.height, mime: t.blob.type }));
    counts.thumbnails += kept.length;
    yield { name: chunkName('records', 'thumbnails', chunk++), bytes: encodeRecords('thumbnails', metas) };
    for (const t of kept) yield { name: `thumbnails/${t.id}`, bytes: new Uint8Array(await t.blob.arrayBuffer()) };
  }

  for (const store of ['embeddings', 'frameEmbeddings'] as const) {
    chunk = 0;
    for await (const list of readChunks(db, store)) {
      const kept = (list as Array<EmbeddingRecord | FrameEmbeddingRecord>).filter(
        (e) => e.modelId === opts.modelKey && e.vector.length === opts.dim && owned('assetId' in e ? e.assetId : e.id),
      );
      if (!kept.length) continue;
      counts[store] += kept.length;
      yield { name: chunkName('records', store, chunk), bytes: encodeRecords(store, kept) };
      yield { name: chunkName('vectors', store, chunk++), bytes: encodeVectors(store, kept, opts.dim) };
    }
  }

  chunk = 0;
  for await (const list of readChunks(db, 'lineage')) {
    const kept = list.filter((l) => owned(l.sourceAssetId));
    if (!kept.length) continue;
    counts.lineage += kept.length;
    yield { name: chunkName('records', 'lineage', chunk++), bytes: encodeRecords('lineage', kept) };
  }

  chunk = 0;
  for await (const list of readChunks(db, 'clusters')) {
    // Ids of deleted items are left out (a cluster keeps the members it was named for as history,
    // deleted ones included) rather than the cluster, so a renamed cluster is never lost; the
    // importing library recomputes what the missing members changed. A cluster with no member left goes.
    const only = (ids: string[]) => ids.filter(owned);
    const kept = list
      .filter((c) => c.modelKey === opts.modelKey && c.centroid.length === opts.dim && c.memberIds.some(owned))
      .map((c) => ({
        ...c,
        memberIds: only(c.memberIds),
        representativeIds: only(c.representativeIds),
        ...(c.namedMemberIds ? { namedMemberIds: only(c.namedMemberIds) } : {}),
        ...(c.pinnedIds ? { pinnedIds: only(c.pinnedIds) } : {}),
      }));
    if (!kept.length) continue;
    counts.clusters += kept.length;
    yield { name: chunkName('records', 'clusters', chunk), bytes: encodeRecords('clusters', kept) };
    yield { name: chunkName('vectors', 'clusters', chunk++), bytes: encodeVectors('clusters', kept, opts.dim) };
  }

  // Every album (an empty one too), and the memberships of the items exported.
  chunk = 0;
  for await (const list of readChunks(db, 'albums')) {
    counts.albums += list.length;
    yield { name: chunkName('records', 'albums', chunk++), bytes: encodeRecords('albums', list) };
  }
  chunk = 0;
  for await (const list of readChunks(db, 'albumItems')) {
    const kept = list.filter((m) => owned(m.assetId));
    if (!kept.length) continue;
    counts.albumItems += kept.length;
    yield { name: chunkName('records', 'albumItems', chunk++), bytes: encodeRecords('albumItems', kept) };
  }

  const keys = (await db.getAllKeys('meta')).filter((k): k is string => typeof k === 'string' && isExportableMetaKey(k) && !SECRET_META_KEYS.includes(k)).sort();
  const meta: Array<[string, unknown]> = [];
  for (const k of keys) {
    const v = await db.get('meta', k);
    if (isPlainJson(v)) meta.push([k, v]);
  }
  if (meta.length) {
    counts.meta = meta.length;
    yield { name: chunkName('records', 'meta', 0), bytes: encodeRecords('meta', meta) };
  }

  if (!opts.includeOriginals) return;
  for (const [id, a] of [...assets].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    const blob = await getOriginal(db, id, a.blobLocation);
    // A missing or altered original is left out rather than making the archive unreadable.
    if (!blob || blob.size !== a.sizeBytes) continue;
    counts.originals++;
    yield { name: `originals/${id}`, blob, sha256: a.sha256 };
    // A Live Photo's motion file goes with its still.
    const m = a.motion;
    const motion = m?.kind === 'live' ? await getOriginal(db, motionOriginalId(id), m.blobLocation) : undefined;
    if (m?.kind !== 'live' || !motion || motion.size !== m.sizeBytes) continue;
    counts.originals++;
    yield { name: `originals/${motionOriginalId(id)}`, blob: motion, sha256: m.sha256 };
  }
}

// ------------------------------------------------------------------ import

/** One asset of an archive with its bytes in hand. */
export interface ImportBundle {
  asset: AssetRecord;
  thumbnails: ThumbnailRecord[];
  embedding?: EmbeddingRecord;
  frames: FrameEmbeddingRecord[];
  lineage: LineageRecord[];
  original?: Blob;
  /** A Live Photo's motion file; without it the item comes in as a plain photo. */
  motionOriginal?: Blob;
}

export type ImportOutcome = { status: 'added' } | { status: 'present'; existingId: string } | { status: 'failed'; message: string };

/**
 * Adds one asset with everything it consists of, all or nothing. An asset whose file the library
 * already has (same SHA-256) is left as it is: an import merges and never overwrites.
 */
export async function importAsset(db: Db, b: ImportBundle): Promise<ImportOutcome> {
  const existing = await db.getKeyFromIndex('assets', 'bySha256', b.asset.sha256);
  if (typeof existing === 'string') return { status: 'present', existingId: existing };
  if (await db.getKey('assets', b.asset.id)) return { status: 'failed', message: `another item already uses the id ${b.asset.id}` };
  // A delete still within its undo time owns this id and its original file: importing it now would
  // have Undo overwrite the imported item, or the delete's end remove its file.
  if (await db.getKey('tombstones', b.asset.id)) return { status: 'failed', message: 'this item was deleted a moment ago; import the archive again once the delete is final' };

  let blobLocation = b.asset.blobLocation;
  if (b.original) blobLocation = await putOriginal(db, b.asset.id, b.original);
  const asset: AssetRecord = { ...b.asset, blobLocation };
  if (asset.motion?.kind === 'live') {
    if (b.motionOriginal) asset.motion = { ...asset.motion, blobLocation: await putOriginal(db, motionOriginalId(asset.id), b.motionOriginal) };
    else delete asset.motion;
  }
  const tx = db.transaction(['assets', 'thumbnails', 'embeddings', 'frameEmbeddings', 'lineage', 'meta'], 'readwrite');
  try {
    await tx.objectStore('assets').add(asset);
    // The item keeps its date added, before the metadata pass's mark: an unread one must still be read.
    await noteArrivingAssets(tx.objectStore('meta'), [asset]);
    for (const t of b.thumbnails) await tx.objectStore('thumbnails').add(t);
    if (b.embedding) await tx.objectStore('embeddings').add(b.embedding);
    for (const f of b.frames) await tx.objectStore('frameEmbeddings').add(f);
    for (const l of b.lineage) await tx.objectStore('lineage').put(l);
    await tx.done;
    return { status: 'added' };
  } catch (err) {
    try {
      tx.abort();
    } catch {
      /* already aborted by the failed request */
    }
    await tx.done.catch(() => undefined);
    if (b.original) await deleteOriginal(db, b.asset.id, blobLocation);
    if (asset.motion?.kind === 'live') await deleteOriginal(db, motionOriginalId(asset.id), asset.motion.blobLocation);
    // The same file may have arrived meanwhile through a normal import: that is "already here".
    const raced = await db.getKeyFromIndex('assets', 'bySha256', b.asset.sha256);
    if (typeof raced === 'string') return { status: 'present', existingId: raced };
    return { status: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
}

export interface ClusterImport {
  /** Archive clusters stored, under the ids they have in this library. */
  added: number;
  /** Archive clusters left out: of another model, or every member already in a cluster here. */
  skipped: number;
}

/**
 * Stores the archive's clusters of the library's model as they are (names, name source, the
 * user's renames, descriptions, pins, hidden flags, representatives), merged with the clusters the
 * library already has, in one transaction:
 *
 * - Member ids are mapped to the library's ids (an item the library already had keeps its id).
 * - An item that is already in a cluster here stays there: the library's own grouping and the
 *   user's edits to it win, as existing settings and items win elsewhere in an import. It is
 *   taken out of the archive's cluster, and a cluster left with no member is not imported; so
 *   importing the same archive twice adds no cluster.
 * - An archive cluster whose id the library already uses gets a new id. Equal ids mean a shared
 *   history (an archive of this very library), but merging into that cluster would rewrite a
 *   cluster the clustering worker holds while it may be editing it; a new record never races with
 *   it, and the user can merge the two in the Clusters view.
 * - Clusters of another model are not imported: the library clusters those items itself.
 *
 * A cluster whose members changed keeps a stale centroid, representatives and membership hash;
 * the clustering worker recomputes those when it takes the clusters in (ClusterService.adoptImported
 * or its next init), and places the archive's items no imported cluster holds by its incremental
 * rule.
 */
export async function importClusters(
  db: Db,
  clusters: readonly ClusterRecord[],
  idMap: ReadonlyMap<string, string>,
  modelKey: string,
  newId: () => string = () => crypto.randomUUID(),
): Promise<ClusterImport> {
  const result: ClusterImport = { added: 0, skipped: 0 };
  if (clusters.length === 0) return result;
  const tx = db.transaction('clusters', 'readwrite');
  const [existing, usedIds] = await Promise.all([tx.store.index('byModelKey').getAll(modelKey), tx.store.getAllKeys()]);
  const taken = new Set<string>(existing.flatMap((c) => c.memberIds));
  const ids = new Set<string>(usedIds as string[]);
  const map = (list: readonly string[]) => list.map((id) => idMap.get(id) ?? id);
  for (const c of clusters) {
    if (c.modelKey !== modelKey) {
      result.skipped++;
      continue;
    }
    const memberIds = [...new Set(map(c.memberIds))].filter((id) => !taken.has(id));
    if (memberIds.length === 0) {
      result.skipped++;
      continue;
    }
    const members = new Set(memberIds);
    for (const id of memberIds) taken.add(id);
    const id = ids.has(c.id) ? newId() : c.id;
    ids.add(id);
    const record: ClusterRecord = { ...c, id, memberIds, representativeIds: map(c.representativeIds).filter((m) => members.has(m)) };
    // The members the name was given for are history, not membership: mapped, never filtered.
    if (c.namedMemberIds) record.namedMemberIds = map(c.namedMemberIds);
    if (c.pinnedIds) record.pinnedIds = map(c.pinnedIds).filter((m) => members.has(m));
    // Which members are videos is this library's to say: its clustering writes it again.
    delete record.videoIds;
    await tx.store.add(record);
    result.added++;
  }
  await tx.done;
  return result;
}

export interface AlbumImport {
  /** Albums created. */
  created: number;
  /** Archive albums merged into an album of the same name the library already had. */
  merged: number;
  /** Memberships added. */
  items: number;
}

/**
 * Stores the archive's albums and memberships, in one transaction. An archive album whose name
 * (after the same cleaning as a typed name) matches an album here, ignoring letter case, is
 * merged into it: its items join the existing album, nothing is renamed or duplicated, so
 * importing the same archive twice, or an archive of this very library, adds no album. Other
 * albums are created, under a new id when the library already uses theirs. Member ids are mapped
 * to the library's (an item the library already had keeps its id); a membership of an item that
 * is not in the library (it failed to import) is left out, and one the album already has keeps
 * its first date.
 */
export async function importAlbums(
  db: Db,
  albums: readonly AlbumRecord[],
  albumItems: readonly AlbumItemRecord[],
  idMap: ReadonlyMap<string, string>,
  newId: () => string = () => crypto.randomUUID(),
): Promise<AlbumImport> {
  const result: AlbumImport = { created: 0, merged: 0, items: 0 };
  if (albums.length === 0) return result;
  const tx = db.transaction(['albums', 'albumItems', 'assets'], 'readwrite');
  const albumStore = tx.objectStore('albums');
  const itemStore = tx.objectStore('albumItems');
  const existing = await albumStore.getAll();
  const byName = new Map(existing.map((a) => [a.name.toLocaleLowerCase(), a.id]));
  const usedIds = new Set(existing.map((a) => a.id));
  const target = new Map<string, string>();
  for (const a of albums) {
    const key = a.name.toLocaleLowerCase();
    const same = byName.get(key);
    if (same !== undefined) {
      target.set(a.id, same);
      result.merged++;
      continue;
    }
    const id = usedIds.has(a.id) ? newId() : a.id;
    usedIds.add(id);
    byName.set(key, id);
    target.set(a.id, id);
    await albumStore.add({ ...a, id });
    result.created++;
  }
  for (const m of albumItems) {
    const albumId = target.get(m.albumId);
    const assetId = idMap.get(m.assetId) ?? m.assetId;
    if (albumId === undefined || (await tx.objectStore('assets').getKey(assetId)) === undefined) continue;
    const id = albumItemId(albumId, assetId);
    if ((await itemStore.getKey(id)) !== undefined) continue;
    await itemStore.add({ id, albumId, assetId, addedAtMs: m.addedAtMs });
    result.items++;
  }
  await tx.done;
  return result;
}

/** Settings the library does not have yet; existing ones win. */
export async function importMeta(db: Db, entries: ReadonlyArray<[string, unknown]>): Promise<number> {
  const tx = db.transaction('meta', 'readwrite');
  let added = 0;
  for (const [k, v] of entries) {
    if (!isExportableMetaKey(k) || (await tx.store.getKey(k)) !== undefined) continue;
    await tx.store.put(v, k);
    added++;
  }
  await tx.done;
  return added;
}
