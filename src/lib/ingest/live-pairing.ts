/**
 * Which files of a drop are copied in as Live Photos: a still and its motion file under one job
 * (core/live-photos.ts says which names pair). Only files of the same drop pair: a MOV dropped
 * later than its still stays a video of its own, as it cannot be told from a clip the user meant
 * to keep apart, and a library item is never changed by a later drop.
 */
import { LIVE_MOTION_MAX_SEC, movieDurationSec, pairLivePhotos } from '../core/live-photos';
import type { TakeoutSidecar } from '../core/takeout';
import type { DropEntry } from '../core/drop-manifest';

/** One file of a drop to copy in, with the motion file that goes with it when it is a Live Photo's still. */
export interface StageItem {
  file: File;
  entryIndex: number;
  /** What the file's Google Takeout sidecar says, when the drop held one. */
  takeout?: TakeoutSidecar;
  /** `durationSec` is read just before the pair is copied in (confirmMotion). */
  motion?: { file: File; entryIndex: number; durationSec?: number };
}

const readerOf = (file: Blob) => async (offsetBytes: number, lengthBytes: number) => new Uint8Array(await file.slice(offsetBytes, offsetBytes + lengthBytes).arrayBuffer());

/**
 * The drop's files as they are copied in: a still with a motion file of the same base name in the
 * same folder carries that file, which is not copied in on its own. Everything else is as it
 * was, in the same order. By names only: nothing is read here, so a drop of thousands starts at once.
 */
export function withLiveMotion(entries: readonly DropEntry[], items: readonly StageItem[]): StageItem[] {
  const pairs = pairLivePhotos(items.map((item) => ({ name: item.file.name, path: entries[item.entryIndex]?.path ?? item.file.name })));
  if (pairs.length === 0) return [...items];
  const motionOf = new Map(pairs.map(({ still, motion }) => [still, motion]));
  const taken = new Set(pairs.map((p) => p.motion));
  return items.flatMap((item, i) => {
    if (taken.has(i)) return [];
    const m = motionOf.get(i);
    return [m === undefined ? item : { ...item, motion: { file: items[m].file, entryIndex: items[m].entryIndex } }];
  });
}

/**
 * The item to copy in at `index`, its motion file checked: a Live Photo's motion says in its own
 * header that it lasts at most LIVE_MOTION_MAX_SEC (a 40-second `IMG_0042.MOV` beside
 * `IMG_0042.JPG` is a clip of its own). One that does not, or cannot be read, is put back in the
 * list right after its still as an item of its own (`onSplit` counts it).
 */
export async function confirmMotion(items: StageItem[], index: number, onSplit: () => void): Promise<StageItem> {
  const item = items[index];
  if (!item.motion) return item;
  const { file, entryIndex } = item.motion;
  const durationSec = await movieDurationSec(readerOf(file), file.size).catch(() => null);
  if (durationSec !== null && durationSec <= LIVE_MOTION_MAX_SEC) return { ...item, motion: { file, entryIndex, durationSec } };
  items.splice(index + 1, 0, { file, entryIndex });
  onSplit();
  return { file: item.file, entryIndex: item.entryIndex };
}
