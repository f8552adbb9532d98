/**
 * Reads the metadata of photos and videos taken in before Shoebox read it, from their stored originals, in
 * the background: each item gets its date taken (when its metadata outranks the date it has),
 * camera and position, and a marker, so a pass cut off by a reload goes on where it stopped.
 * A pass that read everything it walked moves the library's mark past it (core/metadata-mark.ts):
 * the next start walks only the records added since.
 */
import { finishMetadataPass, photosWithoutMetadata, updateAsset } from '../db/repo';
import { PHOTO_METADATA_VERSION } from '../core/photo-metadata';
import { withPhotoMetadata } from './asset-records';
import type { IngestStorage } from './ports';
import { readPhotoMetadata } from './read-photo-metadata';
import { readVideoMetadata } from '../core/video-metadata';

export interface MetadataPassOptions {
  nowMs: () => number;
  /** After each photo: how many of this pass's photos are done. */
  onProgress(done: number, total: number): void;
  /** Stops between photos (the tab lost the writer role, the worker is closing). */
  stopped?: () => boolean;
}

/** Reads every photo not yet read; returns the ids whose records changed beyond the marker. */
export async function readMissingMetadata(storage: IngestStorage, { nowMs, onProgress, stopped = () => false }: MetadataPassOptions): Promise<string[]> {
  const walk = await photosWithoutMetadata(storage.db, PHOTO_METADATA_VERSION);
  const { todo } = walk;
  const changed: string[] = [];
  if (todo.length) onProgress(0, todo.length);
  let i = 0;
  for (; i < todo.length && !stopped(); i++) {
    const { id, blobLocation, type } = todo[i]!;
    // No original here (an archive imported without originals): nothing to read, marked all the same.
    const blob = await storage.originals.get(id, blobLocation).catch(() => undefined);
    // A video is read in slices: only its moov box (or Matroska's Info and Tags), never its frames.
    const readSlice = async (offset: number, length: number) => new Uint8Array(await blob!.slice(offset, offset + length).arrayBuffer());
    const metadata = !blob ? null : type === 'video' ? await readVideoMetadata(readSlice, blob.size, nowMs()) : await readPhotoMetadata(await blob.arrayBuffer(), nowMs());
    let shows = false;
    await updateAsset(storage.db, id, (current) => {
      const next = withPhotoMetadata(current, metadata);
      shows = next.takenAtMs !== current.takenAtMs || next.takenAtSource !== current.takenAtSource || !!next.camera || !!next.gps;
      return next;
    });
    if (shows) changed.push(id);
    onProgress(i + 1, todo.length);
  }
  if (i === todo.length) await finishMetadataPass(storage.db, walk, PHOTO_METADATA_VERSION);
  return changed;
}
