/**
 * When a delete may still be undone and when it is carried out. A delete leaves a tombstone
 * that expires `undoWindowMs` after the delete; before that instant the delete can be undone
 * and nothing may touch the original file, from that instant on it is final and its original
 * may be removed. The two conditions are exact complements, so no instant allows both: a tab
 * can never carry out a delete another tab (or a reload of itself) may still undo.
 */

/** How long "Undo" is offered after a delete, unless the library's setting says otherwise. */
export const DEFAULT_UNDO_WINDOW_MS = 8000;
/** Bounds of the stored setting: long enough to click, short enough that a delete soon means gone. */
export const MIN_UNDO_WINDOW_MS = 1000;
export const MAX_UNDO_WINDOW_MS = 60_000;

export interface TombstoneTiming {
  id: string;
  /** Epoch ms. */
  expiresAtMs: number;
}

/** The stored setting as a window in ms: the default when absent or not a number, else clamped to the bounds. */
export function undoWindowMs(setting: unknown): number {
  if (typeof setting !== 'number' || !Number.isFinite(setting)) return DEFAULT_UNDO_WINDOW_MS;
  return Math.round(Math.min(MAX_UNDO_WINDOW_MS, Math.max(MIN_UNDO_WINDOW_MS, setting)));
}

/** Undo is allowed strictly before the expiry. */
export function undoAllowed(t: Pick<TombstoneTiming, 'expiresAtMs'>, nowMs: number): boolean {
  return nowMs < t.expiresAtMs;
}

/** A tombstone is due (its original may be removed) from its expiry on. */
export function isDue(t: Pick<TombstoneTiming, 'expiresAtMs'>, nowMs: number): boolean {
  return !undoAllowed(t, nowMs);
}

/** The due tombstones, earliest expiry first. */
export function dueTombstones<T extends TombstoneTiming>(tombstones: readonly T[], nowMs: number): T[] {
  return tombstones.filter((t) => isDue(t, nowMs)).sort((a, b) => a.expiresAtMs - b.expiresAtMs || a.id.localeCompare(b.id));
}

/** The earliest expiry still to come, or null when none is pending: when to look again. */
export function nextExpiryMs(tombstones: readonly TombstoneTiming[], nowMs: number): number | null {
  let next: number | null = null;
  for (const t of tombstones) if (undoAllowed(t, nowMs) && (next === null || t.expiresAtMs < next)) next = t.expiresAtMs;
  return next;
}

/** What the toast says for a delete: "Deleted beach.jpg" or "Deleted 3 items". */
export function deletedLabel(names: readonly string[]): string {
  return names.length === 1 ? `Deleted ${names[0]}` : `Deleted ${names.length} items`;
}
