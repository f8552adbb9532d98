/**
 * How far the library's items are known to have had their own metadata read, so the writer's
 * metadata pass (ingest/metadata-pass.ts) walks only the records added after that point instead
 * of every record on every start. Reading a record costs the same whether it needs reading or
 * not: at 100,000 items the walk held ~90 MB in the import worker while the start was still busy.
 *
 * The mark says: every record added at or before `readThroughAddedAtMs` has its metadata read at
 * `version`. Records taken in later have a later `addedAt` (the import hands out increasing
 * times), so the next pass walks `addedAt > readThroughAddedAtMs` only. Records can also arrive
 * with an earlier `addedAt` and unread metadata: an archive merged in (its items keep their
 * dates), an undone delete (the item comes back as it was), a clock set back. Whoever writes such a
 * record updates the mark in the same transaction (`markAfterArrival`): an early one clears
 * `readThroughAddedAtMs` (the next pass walks everything once), and any one bumps `generation`,
 * so a pass that walked before it arrived does not mark it as read (`markAfterPass`).
 */

export interface MetadataReadMark {
  /** The metadata reading (PHOTO_METADATA_VERSION) the mark was made for: another means nothing is known. */
  version: number;
  /** Every record added at or before this time (ms) has been read at `version`; null: nothing is known. */
  readThroughAddedAtMs: number | null;
  /** Raised by every arrival of records still to be read. */
  generation: number;
}

/** What the mark needs to know of an arriving record. */
export interface ArrivingRecord {
  addedAt: number;
  metadataVersion?: number;
}

/**
 * Where a pass walks from: the records added after the returned time (ms), or every record
 * (null) when nothing is known at this `version`.
 */
export function metadataWalkAfter(mark: MetadataReadMark | undefined, version: number): number | null {
  return mark?.version === version ? mark.readThroughAddedAtMs : null;
}

/**
 * The mark after `arrived` records were written, or null when it stays as it is (every one of
 * them already read at `version`).
 */
export function markAfterArrival(mark: MetadataReadMark | undefined, arrived: readonly ArrivingRecord[], version: number): MetadataReadMark | null {
  const unread = arrived.filter((a) => a.metadataVersion !== version);
  if (unread.length === 0) return null;
  const after = metadataWalkAfter(mark, version);
  // Records added after the mark are walked anyway; one at or before it (or one without a usable
  // addedAt, which the walk by addedAt would never reach) makes the next pass walk everything.
  const stillAfter = after !== null && unread.every((a) => Number.isFinite(a.addedAt) && a.addedAt > after);
  return { version, readThroughAddedAtMs: stillAfter ? after : null, generation: (mark?.generation ?? 0) + 1 };
}

/**
 * The mark a pass that read every record it walked leaves, or null when the stored one must stay:
 * records arrived since the walk (`stored`'s generation moved on), or nothing changed.
 * `walked` is the mark as read together with the walk; `lastWalkedAddedAtMs` the latest `addedAt`
 * the walk met (null when it met none).
 */
export function markAfterPass(
  walked: MetadataReadMark | undefined,
  stored: MetadataReadMark | undefined,
  lastWalkedAddedAtMs: number | null,
  version: number,
): MetadataReadMark | null {
  const generation = walked?.generation ?? 0;
  if ((stored?.generation ?? 0) !== generation) return null;
  const after = metadataWalkAfter(walked, version);
  const readThroughAddedAtMs = lastWalkedAddedAtMs === null ? after : after === null ? lastWalkedAddedAtMs : Math.max(after, lastWalkedAddedAtMs);
  if (stored?.version === version && stored.readThroughAddedAtMs === readThroughAddedAtMs) return null;
  return { version, readThroughAddedAtMs, generation };
}
