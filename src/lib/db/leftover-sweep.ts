import type { IDBPTransaction } from 'idb';
import type { Db } from './db';
import type { ShoeboxDB } from './schema';
import { deleteOriginal, listOpfsOriginals, statOpfsOriginals } from './blob-store';
import { fileOwners, ownerId, planSweep, unownedIds, updateFirstSeen, type StoredFile } from '../core/leftover-sweep';

/** Where IndexedDB entries without an owner were first seen: they carry no time of their own. */
export const FIRST_SEEN_KEY = 'sweep:firstSeenUnowned';
const IDB_STORES = ['blobs', 'thumbnails'] as const;
type IdbStore = (typeof IDB_STORES)[number];
type FirstSeen = Record<IdbStore, Record<string, number>>;

export interface SweepResult {
  removedCount: number;
  removedBytes: number;
  /** How many stored entries were looked at: OPFS files, `blobs` and `thumbnails` entries. */
  scanned: { opfs: number; blobs: number; thumbnails: number };
}

/** The owners of stored files (see `fileOwners`), read in one transaction: a delete moving an id from assets to tombstones is seen on one side or the other. */
export async function ownerIds(db: Db): Promise<Set<string>> {
  const tx = db.transaction(['assets', 'jobs', 'tombstones']);
  const [assetIds, tombstoneIds, jobIds, storedJobIds] = await Promise.all([
    tx.objectStore('assets').getAllKeys(),
    tx.objectStore('tombstones').getAllKeys(),
    tx.objectStore('jobs').getAllKeys(),
    tx.objectStore('jobs').index('byStatus').getAllKeys('stored'),
  ]);
  const stored = new Set(storedJobIds);
  return fileOwners(assetIds, tombstoneIds, jobIds.map((id) => ({ id, stored: stored.has(id) })));
}

type OwnerStores = Pick<IDBPTransaction<ShoeboxDB, ('assets' | 'jobs' | 'tombstones')[], IDBTransactionMode>, 'objectStore'>;

/** Whether `id` has an owner now, by the rule of `fileOwners`. */
async function hasOwnerIn(tx: OwnerStores, id: string): Promise<boolean> {
  const [asset, tombstone, job] = await Promise.all([tx.objectStore('assets').getKey(id), tx.objectStore('tombstones').getKey(id), tx.objectStore('jobs').get(id)]);
  return fileOwners(asset === undefined ? [] : [id], tombstone === undefined ? [] : [id], job ? [{ id, stored: job.status === 'stored' }] : []).has(id);
}

/** Which of `ids` have an owner now, read in one transaction. */
async function withOwner(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const tx = db.transaction(['assets', 'jobs', 'tombstones']);
  const found = await Promise.all(ids.map(async (id) => ((await hasOwnerIn(tx, id)) ? id : null)));
  return new Set(found.filter((id): id is string => id !== null));
}

/**
 * Removes stored originals (OPFS `originals` folder, `blobs` store) and thumbnails that no record
 * owns and that are older than `graceMs` (see core/leftover-sweep for how IndexedDB entries are
 * aged). Only names and keys are listed; files are opened only when unowned, so a library of
 * 10,000 items costs three key lists and one directory listing.
 */
export async function sweepLeftovers(db: Db, nowMs: number, graceMs: number): Promise<SweepResult> {
  const owned = await ownerIds(db);
  const result: SweepResult = { removedCount: 0, removedBytes: 0, scanned: { opfs: 0, blobs: 0, thumbnails: 0 } };

  const opfsIds = await listOpfsOriginals();
  result.scanned.opfs = opfsIds.length;
  const opfsPlan = planSweep(await statOpfsOriginals(unownedIds(opfsIds, owned)), owned, nowMs, graceMs);
  if (opfsPlan.remove.length) {
    // Checked again just before removing: a record may have been written, or the file rewritten,
    // since the owners were read.
    const ids = opfsPlan.remove.map((f) => f.id);
    const [claimed, again] = await Promise.all([withOwner(db, ids), statOpfsOriginals(ids)]);
    const unchanged = new Map(again.map((f) => [f.id, f.lastModifiedMs]));
    const removable = opfsPlan.remove.filter((f) => !claimed.has(f.id) && unchanged.get(f.id) === f.lastModifiedMs);
    await Promise.all(removable.map((f) => deleteOriginal(db, f.id, 'opfs')));
    result.removedCount += removable.length;
    result.removedBytes += removable.reduce((sum, f) => sum + f.sizeBytes, 0);
  }

  const read = db.transaction([...IDB_STORES, 'meta']);
  const [blobKeys, thumbKeys, seenBefore] = await Promise.all([
    read.objectStore('blobs').getAllKeys(),
    read.objectStore('thumbnails').getAllKeys(),
    read.objectStore('meta').get(FIRST_SEEN_KEY) as Promise<Partial<FirstSeen> | undefined>,
  ]);
  result.scanned.blobs = blobKeys.length;
  result.scanned.thumbnails = thumbKeys.length;
  const unowned: FirstSeen = { blobs: {}, thumbnails: {} };
  const plans = {} as Record<IdbStore, StoredFile[]>;
  for (const [store, keys] of [['blobs', blobKeys], ['thumbnails', thumbKeys]] as const) {
    const seen = updateFirstSeen(seenBefore?.[store] ?? {}, unownedIds(keys, owned), nowMs);
    unowned[store] = seen;
    const aged = Object.entries(seen).map(([id, lastModifiedMs]) => ({ id, lastModifiedMs, sizeBytes: 0 }));
    plans[store] = planSweep(aged, owned, nowMs, graceMs).remove;
  }
  const anyUnowned = IDB_STORES.some((s) => Object.keys(unowned[s]).length > 0);
  const anySeenBefore = IDB_STORES.some((s) => Object.keys(seenBefore?.[s] ?? {}).length > 0);
  if (!anyUnowned && !anySeenBefore) return result;

  // Removal and the new first-seen times in one transaction that checks the owners again.
  const tx = db.transaction([...IDB_STORES, 'assets', 'jobs', 'tombstones', 'meta'], 'readwrite');
  for (const store of IDB_STORES) {
    for (const { id } of plans[store]) {
      if (await hasOwnerIn(tx, ownerId(id))) continue;
      const value = store === 'blobs' ? await tx.objectStore('blobs').get(id) : (await tx.objectStore('thumbnails').get(id))?.blob;
      await tx.objectStore(store).delete(id);
      delete unowned[store][id];
      result.removedCount++;
      result.removedBytes += value?.size ?? 0;
    }
  }
  await tx.objectStore('meta').put(unowned, FIRST_SEEN_KEY);
  await tx.done;
  return result;
}
