import type { Db } from './db';
import type { TakeoutSidecar } from '../core/takeout';

/**
 * Google Takeout sidecars dropped without their photo or video, kept so the file can take its
 * sidecar when it is dropped later (a Takeout split over several archives, dropped one at a
 * time). One `meta` entry; the oldest go first past MAX_WAITING_SIDECARS.
 */
export interface WaitingSidecar {
  id: string;
  /** The sidecar's path in its drop (its folder helps pick between sidecars of the same name). */
  path: string;
  sidecar: TakeoutSidecar;
  droppedAtMs: number;
}

export const WAITING_SIDECARS_META = 'takeout:waitingSidecars';
/** About 150 bytes each: a few MB at most. */
const MAX_WAITING_SIDECARS = 20_000;

export async function waitingSidecars(db: Db): Promise<WaitingSidecar[]> {
  const v = await db.get('meta', WAITING_SIDECARS_META);
  return Array.isArray(v) ? (v as WaitingSidecar[]) : [];
}

/** Takes out the sidecars files have now taken and adds the new ones, in one transaction (another tab may drop meanwhile). */
export async function updateWaitingSidecars(db: Db, taken: ReadonlySet<string>, added: readonly WaitingSidecar[]): Promise<void> {
  if (taken.size === 0 && added.length === 0) return;
  const tx = db.transaction('meta', 'readwrite');
  const current = await tx.store.get(WAITING_SIDECARS_META);
  const kept = (Array.isArray(current) ? (current as WaitingSidecar[]) : []).filter((w) => !taken.has(w.id));
  await tx.store.put([...kept, ...added].slice(-MAX_WAITING_SIDECARS), WAITING_SIDECARS_META);
  await tx.done;
}
