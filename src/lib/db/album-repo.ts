import type { Db } from './db';
import type { AlbumItemRecord, AlbumRecord } from './schema';
import { albumItemId, cleanAlbumName } from '../core/albums';

/** An album as the Albums view lists it. */
export interface AlbumSummary extends AlbumRecord {
  count: number;
  /** The item most recently added, shown as the cover; null for an empty album. */
  coverId: string | null;
}

export class AlbumNameError extends Error {
  override name = 'AlbumNameError';
}

function nameOrThrow(raw: string): string {
  const name = cleanAlbumName(raw);
  if (!name) throw new AlbumNameError('An album needs a name.');
  return name;
}

export async function createAlbum(db: Db, rawName: string, nowMs: number, id: string = crypto.randomUUID()): Promise<AlbumRecord> {
  const album: AlbumRecord = { id, name: nameOrThrow(rawName), createdAtMs: nowMs, updatedAtMs: nowMs };
  await db.add('albums', album);
  return album;
}

/** Returns the album as stored, or undefined when it no longer exists (deleted in another tab). */
export async function renameAlbum(db: Db, id: string, rawName: string, nowMs: number): Promise<AlbumRecord | undefined> {
  const name = nameOrThrow(rawName);
  const tx = db.transaction('albums', 'readwrite');
  const album = await tx.store.get(id);
  if (!album) return undefined;
  const next = { ...album, name, updatedAtMs: nowMs };
  await tx.store.put(next);
  await tx.done;
  return next;
}

/** Deletes an album and its memberships in one transaction; the items themselves stay in the library. */
export async function deleteAlbum(db: Db, id: string): Promise<void> {
  const tx = db.transaction(['albums', 'albumItems'], 'readwrite');
  const keys = await tx.objectStore('albumItems').index('byAlbumId').getAllKeys(id);
  await Promise.all([tx.objectStore('albums').delete(id), ...keys.map((k) => tx.objectStore('albumItems').delete(k)), tx.done]);
}

/**
 * Adds items to an album, in one transaction with the check that each item still exists (a
 * deleted one is skipped, so no membership points at nothing). Items already in the album keep
 * their first date added. Returns how many were added.
 */
export async function addToAlbum(db: Db, albumId: string, assetIds: readonly string[], nowMs: number): Promise<number> {
  const tx = db.transaction(['albums', 'albumItems', 'assets'], 'readwrite');
  const album = await tx.objectStore('albums').get(albumId);
  if (!album) {
    await tx.done;
    return 0;
  }
  const unique = [...new Set(assetIds)];
  const [exists, already] = await Promise.all([
    Promise.all(unique.map((id) => tx.objectStore('assets').getKey(id))),
    Promise.all(unique.map((id) => tx.objectStore('albumItems').getKey(albumItemId(albumId, id)))),
  ]);
  const writes: Promise<unknown>[] = [];
  unique.forEach((assetId, i) => {
    if (exists[i] === undefined || already[i] !== undefined) return;
    const item: AlbumItemRecord = { id: albumItemId(albumId, assetId), albumId, assetId, addedAtMs: nowMs };
    writes.push(tx.objectStore('albumItems').put(item));
  });
  if (writes.length) writes.push(tx.objectStore('albums').put({ ...album, updatedAtMs: nowMs }));
  await Promise.all([...writes, tx.done]);
  return writes.length ? writes.length - 1 : 0;
}

/** Takes items out of an album (they stay in the library). Returns how many were in it. */
export async function removeFromAlbum(db: Db, albumId: string, assetIds: readonly string[], nowMs: number): Promise<number> {
  const tx = db.transaction(['albums', 'albumItems'], 'readwrite');
  const keys = await Promise.all(assetIds.map((id) => tx.objectStore('albumItems').getKey(albumItemId(albumId, id))));
  const present = keys.filter((k): k is string => k !== undefined);
  const album = await tx.objectStore('albums').get(albumId);
  const writes: Promise<unknown>[] = present.map((k) => tx.objectStore('albumItems').delete(k));
  if (album && present.length) writes.push(tx.objectStore('albums').put({ ...album, updatedAtMs: nowMs }));
  await Promise.all([...writes, tx.done]);
  return present.length;
}

export async function getAlbum(db: Db, id: string): Promise<AlbumRecord | undefined> {
  return db.get('albums', id);
}

/** The ids of an album's items, most recently added first. */
export async function albumItemIds(db: Db, albumId: string): Promise<string[]> {
  const items = await db.getAllFromIndex('albumItems', 'byAlbumId', albumId);
  return items.sort((a, b) => b.addedAtMs - a.addedAtMs || (a.assetId < b.assetId ? -1 : 1)).map((i) => i.assetId);
}

/** Every album with its count and cover, by name (then by creation). */
export async function listAlbums(db: Db): Promise<AlbumSummary[]> {
  const tx = db.transaction(['albums', 'albumItems']);
  const [albums, items] = await Promise.all([tx.objectStore('albums').getAll(), tx.objectStore('albumItems').getAll()]);
  const byAlbum = new Map<string, { count: number; newest: AlbumItemRecord | null }>();
  for (const i of items) {
    const s = byAlbum.get(i.albumId) ?? { count: 0, newest: null };
    s.count++;
    if (!s.newest || i.addedAtMs > s.newest.addedAtMs) s.newest = i;
    byAlbum.set(i.albumId, s);
  }
  return albums
    .map((a) => ({ ...a, count: byAlbum.get(a.id)?.count ?? 0, coverId: byAlbum.get(a.id)?.newest?.assetId ?? null }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.createdAtMs - b.createdAtMs);
}
