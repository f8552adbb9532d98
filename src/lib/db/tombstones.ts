import type { Db } from './db';
import type { TombstoneRecord } from './schema';
import { deleteUnownedOriginal } from './blob-store';
import { dueTombstones, isDue, type TombstoneTiming } from '../core/tombstones';
import { motionOriginalId } from '../core/live-photos';

/** Id and expiry of every tombstone, earliest expiry first, read from the index without the bundles. */
export async function tombstoneTimings(db: Db): Promise<TombstoneTiming[]> {
  const out: TombstoneTiming[] = [];
  let cursor = await db.transaction('tombstones').store.index('byExpiresAt').openKeyCursor();
  while (cursor) {
    out.push({ id: cursor.primaryKey, expiresAtMs: cursor.key });
    cursor = await cursor.continue();
  }
  return out;
}

export async function getTombstones(db: Db, ids: readonly string[]): Promise<TombstoneRecord[]> {
  const tx = db.transaction('tombstones');
  return (await Promise.all(ids.map((id) => tx.store.get(id)))).filter((t): t is TombstoneRecord => !!t);
}

/**
 * Makes a due delete final: first the original bytes (refused while an asset record with that id
 * exists), then the tombstone. A crash between the two leaves a due tombstone whose file is
 * already gone; carrying it out again just removes the tombstone. A tombstone not yet due (its
 * delete may still be undone, in this tab or another) is left alone. Returns whether it was carried out.
 */
export async function carryOutTombstone(db: Db, id: string, clock: () => number = Date.now): Promise<boolean> {
  const tombstone = await db.get('tombstones', id);
  if (!tombstone || !isDue(tombstone, clock())) return false;
  await deleteUnownedOriginal(db, id, tombstone.blobLocation);
  const motion = tombstone.bundle.asset.motion;
  if (motion?.kind === 'live') await deleteUnownedOriginal(db, motionOriginalId(id), motion.blobLocation);
  const tx = db.transaction('tombstones', 'readwrite');
  const again = await tx.store.get(id);
  if (again && isDue(again, clock())) await tx.store.delete(id);
  await tx.done;
  return true;
}

/** Carries out every due tombstone, earliest first; returns their ids. */
export async function carryOutDueTombstones(db: Db, clock: () => number = Date.now): Promise<string[]> {
  const done: string[] = [];
  for (const t of dueTombstones(await tombstoneTimings(db), clock())) if (await carryOutTombstone(db, t.id, clock)) done.push(t.id);
  return done;
}
