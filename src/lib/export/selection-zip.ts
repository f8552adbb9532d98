/**
 * Chosen items' original files streamed into a .zip (client-zip: stored, not compressed, since
 * photos and videos are compressed already; CRC-32 over every byte as it passes). One original is
 * read at a time and flows through to the sink, so an export of any size holds about one chunk in
 * memory when the sink is a file. Runs in the archive worker, off the page's thread.
 */
import { makeZip } from 'client-zip';
import type { Db } from '../db/db';
import { getOriginal } from '../db/blob-store';
import type { AssetRecord } from '../db/schema';
import { uniqueZipNames } from '../core/zip-names';
import { motionOriginalId } from '../core/live-photos';

export interface ZipProgress {
  /** Files written into the zip so far, of `totalFiles`. */
  doneFiles: number;
  totalFiles: number;
  /** Bytes of the zip written so far, and the originals' total (the zip is a little larger). */
  writtenBytes: number;
  totalBytes: number;
}

export interface ZipResult {
  files: number;
  sizeBytes: number;
  /** Items whose original file is not on this device (left out). */
  missing: string[];
}

export class ZipCancelled extends Error {
  override name = 'ZipCancelled';
  constructor() {
    super('The export was cancelled.');
  }
}

export interface ZipOptions {
  onProgress?: (p: ZipProgress) => void;
  /** Asked between chunks: true stops the export (its call rejects with ZipCancelled). */
  cancelled?: () => boolean;
  /** Least time between two progress reports. */
  progressEveryMs?: number;
}

/**
 * Writes the originals of `ids` (in that order; items no longer in the library are skipped) into a
 * zip piped to `sink`. Each entry is named after its file (unique within the zip) and dated with
 * the item's date taken, which is the file's own last-modified time where that was known. A Live
 * Photo's motion file follows its still under its own name, as the phone wrote the pair.
 */
export async function writeSelectionZip(db: Db, ids: readonly string[], sink: WritableStream<Uint8Array>, opts: ZipOptions = {}): Promise<ZipResult> {
  const tx = db.transaction('assets');
  const assets = (await Promise.all(ids.map((id) => tx.store.get(id)))).filter((a): a is AssetRecord => !!a);
  const entries = assets.flatMap((a) => [
    { a, id: a.id, name: a.name, location: a.blobLocation, sizeBytes: a.sizeBytes },
    ...(a.motion?.kind === 'live' ? [{ a, id: motionOriginalId(a.id), name: a.motion.name, location: a.motion.blobLocation, sizeBytes: a.motion.sizeBytes }] : []),
  ]);
  const names = uniqueZipNames(entries.map((e) => e.name));
  const progress: ZipProgress = { doneFiles: 0, totalFiles: entries.length, writtenBytes: 0, totalBytes: entries.reduce((n, e) => n + e.sizeBytes, 0) };
  const missing: string[] = [];
  const everyMs = opts.progressEveryMs ?? 100;
  let lastReport = -Infinity;
  const report = (force = false) => {
    const now = performance.now();
    if (!force && now - lastReport < everyMs) return;
    lastReport = now;
    opts.onProgress?.({ ...progress });
  };
  const check = () => {
    if (opts.cancelled?.()) throw new ZipCancelled();
  };

  async function* files() {
    for (const [i, { a, id, name, location }] of entries.entries()) {
      check();
      const blob = await getOriginal(db, id, location);
      if (!blob) {
        missing.push(name);
        continue;
      }
      yield { input: blob, name: names[i]!, lastModified: new Date(a.takenAtMs), size: blob.size };
      progress.doneFiles++;
    }
  }

  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      check();
      progress.writtenBytes += chunk.byteLength;
      report();
      controller.enqueue(chunk);
    },
  });
  report(true);
  await makeZip(files(), { buffersAreUTF8: true }).pipeThrough(counter).pipeTo(sink);
  report(true);
  return { files: progress.doneFiles, sizeBytes: progress.writtenBytes, missing };
}
