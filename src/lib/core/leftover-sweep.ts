/**
 * Which stored files no record owns and may be removed. A file is a leftover when no record
 * claims its owner id and it has been around for at least the grace period: a file younger than
 * that may belong to a write still in flight (an import in another tab stores the bytes before
 * the record that owns them), so it is left for a later sweep.
 *
 * The age comes from the file itself where storage records one (OPFS: `File.lastModified`). For
 * entries of IndexedDB stores, which carry no time, it is the time a previous sweep first saw the
 * entry without an owner (`updateFirstSeen`): an entry is removed only when it was unowned at two
 * sweeps at least the grace period apart, which bounds its age from below the same way.
 */

/** Long enough for any import step between writing bytes and writing the record that owns them. */
export const DEFAULT_SWEEP_GRACE_MS = 10 * 60_000;
/** Bounds of the stored setting. */
export const MIN_SWEEP_GRACE_MS = 1000;
export const MAX_SWEEP_GRACE_MS = 7 * 24 * 3600_000;

export interface StoredFile {
  id: string;
  /** When the file was last written (OPFS), or first seen without an owner (IndexedDB), epoch ms. */
  lastModifiedMs: number;
  sizeBytes: number;
}

export interface SweepPlan {
  remove: StoredFile[];
  removeBytes: number;
}

/** The stored setting as a grace period in ms: the default when absent or not a number, else clamped. */
export function sweepGraceMs(setting: unknown): number {
  if (typeof setting !== 'number' || !Number.isFinite(setting)) return DEFAULT_SWEEP_GRACE_MS;
  return Math.round(Math.min(MAX_SWEEP_GRACE_MS, Math.max(MIN_SWEEP_GRACE_MS, setting)));
}

/** The id of the record a stored entry belongs to: thumbnails of video keyframes are `${assetId}#${frameIndex}`. */
export function ownerId(storedId: string): string {
  const hash = storedId.indexOf('#');
  return hash < 0 ? storedId : storedId.slice(0, hash);
}

/**
 * Ids that own stored files: every asset, every tombstone (its delete may still be undone), and
 * every job except a stored one. A job owns its bytes from the moment it is written until its item
 * is stored (queued, processing, failed, a duplicate not yet cleared, or any state a later version
 * adds); from then on the item owns them (its asset record, or its tombstone once deleted), so a
 * stored job whose item is gone for good owns nothing: that is a file a delete left behind.
 */
export function fileOwners(assetIds: readonly string[], tombstoneIds: readonly string[], jobs: ReadonlyArray<{ id: string; stored: boolean }>): Set<string> {
  const owners = new Set([...assetIds, ...tombstoneIds]);
  for (const j of jobs) if (!j.stored) owners.add(j.id);
  return owners;
}

/** Ids of stored entries whose owner is not among the owned ids. */
export function unownedIds(storedIds: readonly string[], owned: ReadonlySet<string>): string[] {
  return storedIds.filter((id) => !owned.has(ownerId(id)));
}

/**
 * The files to remove: unowned and at least `graceMs` old at `nowMs`. A file dated in the future
 * (clock changed) is younger than any grace and kept.
 */
export function planSweep(files: readonly StoredFile[], owned: ReadonlySet<string>, nowMs: number, graceMs: number): SweepPlan {
  const remove = files.filter((f) => !owned.has(ownerId(f.id)) && nowMs - f.lastModifiedMs >= graceMs);
  return { remove, removeBytes: remove.reduce((sum, f) => sum + f.sizeBytes, 0) };
}

/**
 * The first-seen times after a sweep that found `unowned` entries at `nowMs`: an entry keeps the
 * time it was first seen unowned, a newly unowned one gets `nowMs`, an entry that is owned again
 * (or gone) is forgotten, so its clock starts over if it is ever orphaned.
 */
export function updateFirstSeen(previous: Readonly<Record<string, number>>, unowned: readonly string[], nowMs: number): Record<string, number> {
  const next: Record<string, number> = {};
  for (const id of unowned) {
    const seen = previous[id];
    next[id] = typeof seen === 'number' && Number.isFinite(seen) && seen <= nowMs ? seen : nowMs;
  }
  return next;
}

/** The message after a sweep, or null when nothing was removed. Sizes in decimal MB, as file managers show them. */
export function sweepMessage(count: number, bytes: number): string | null {
  if (count <= 0) return null;
  const mb = bytes / 1e6;
  const size = mb > 0 && mb < 0.1 ? 'less than 0.1 MB' : `${mb.toFixed(1)} MB`;
  return `Removed ${count} leftover file${count === 1 ? '' : 's'} (${size}) that no item used`;
}
