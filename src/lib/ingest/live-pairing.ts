/**
 * Which files of a drop are copied in as Live Photos: a still and its motion file under one job
 * (core/live-photos.ts says which names pair). Only files of the same drop pair: a MOV dropped
 * later than its still stays a video of its own, as it cannot be told from a clip the user meant
 * to keep apart, and a library item is never changed by a later drop.
 */
import { LIVE_MOTION_MAX_SEC, movieDurationSec, pairLivePhotos } from '../core/live-photos';
import type { DropEntry } from '../core/drop-manifest';

/** One file of a drop to copy in, with the motion file that goes with it when it is a Live Photo's still. */
export interface StageItem {
  file: File;
  entryIndex: number;
  motion?: { file: File; entryIndex: number; durationSec: number };
}

const readerOf = (file: Blob) => async (offsetBytes: number, lengthBytes: number) => new Uint8Array(await file.slice(offsetBytes, offsetBytes + lengthBytes).arrayBuffer());

/**
 * The drop's files as they are copied in: a still whose motion file has the same base name in the
 * same folder, and says in its own header that it lasts at most LIVE_MOTION_MAX_SEC, carries that
 * file, which is not copied in on its own. Everything else is as it was, in the same order.
 */
export async function withLiveMotion(entries: readonly DropEntry[], items: readonly StageItem[]): Promise<StageItem[]> {
  const pairs = pairLivePhotos(items.map((item) => ({ name: item.file.name, path: entries[item.entryIndex]?.path ?? item.file.name })));
  if (pairs.length === 0) return [...items];
  const motionOf = new Map<number, { file: File; entryIndex: number; durationSec: number }>();
  const taken = new Set<number>();
  for (const { still, motion } of pairs) {
    const file = items[motion].file;
    // A motion file that cannot be read here stays a file of its own: its import will say why.
    const durationSec = await movieDurationSec(readerOf(file), file.size).catch(() => null);
    if (durationSec === null || durationSec > LIVE_MOTION_MAX_SEC) continue;
    motionOf.set(still, { file, entryIndex: items[motion].entryIndex, durationSec });
    taken.add(motion);
  }
  return items.flatMap((item, i) => {
    if (taken.has(i)) return [];
    const motion = motionOf.get(i);
    return [motion ? { ...item, motion } : item];
  });
}
