/// <reference lib="webworker" />
import { expose } from 'comlink';
import { openLibraryDb, SCHEMA_VERSION, type Db } from '../src/lib/db/db';
import { emptyCounts, exportEntries, importAlbums, importAsset, importClusters, importMeta, type ExportCounts, type ExportOptions } from '../src/lib/db/archive-repo';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, ArchiveError, readArchive, writeArchive, type ArchiveSink, type ByteSource } from '../src/lib/core/archive';

import { writeSelectionZip, type ZipProgress, type ZipResult } from '../src/lib/export/selection-zip';

export type { ExportOptions, ZipProgress };

export interface ZipExportResult extends ZipResult {
  /** The zip when it was not written straight to a file the user picked (then it is held in memory). */
  blob: Blob | null;
}

export interface ArchiveProgress {
  phase: 'reading' | 'writing' | 'checking' | 'importing';
  done: number;
  /** 0 while not yet known. */
  total: number;
}

export interface ExportResult {
  /** The archive when it was not written straight to a file the user picked. */
  blob: Blob | null;
  sizeBytes: number;
  counts: ExportCounts;
}

export interface ImportResult {
  added: number;
  /** Items whose file the library already had: left as they were. */
  present: number;
  failed: Array<{ name: string; message: string }>;
  clusters: number;
  settings: number;
  /** Albums created, and archive albums merged into one of the same name here. */
  albums: { created: number; merged: number };
  addedIds: string[];
}

interface Sink extends ArchiveSink {
  close(): Promise<Blob | null>;
  abort(): Promise<void>;
}

let db: Db | undefined;
let zipCancelled = false;

function memorySink(): Sink {
  const parts: Array<Uint8Array<ArrayBuffer> | Blob> = [];
  return {
    async write(part) {
      parts.push(part as Uint8Array<ArrayBuffer> | Blob);
    },
    async close() {
      return new Blob(parts, { type: 'application/x-tar' });
    },
    async abort() {
      parts.length = 0;
    },
  };
}

/** Writes straight to the file the user picked: nothing the size of the library is held in memory. */
async function fileSink(target: FileSystemFileHandle): Promise<Sink> {
  const writable = await target.createWritable();
  return {
    write: (part) => writable.write(part as Blob),
    async close() {
      await writable.close();
      return null;
    },
    abort: () => writable.abort().catch(() => undefined),
  };
}

const api = {
  /** Streams the archive to the picked file, or returns it as a Blob when there is none. */
  async exportLibrary(opts: ExportOptions, target: FileSystemFileHandle | null, onProgress?: (p: ArchiveProgress) => void): Promise<ExportResult> {
    db ??= await openLibraryDb();
    const library = db;
    const counts = emptyCounts();
    let pass = 0;
    const sink = target ? await fileSink(target) : memorySink();
    try {
      const sizeBytes = await writeArchive(
        { format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, schemaVersion: SCHEMA_VERSION, createdAt: Date.now(), modelKey: opts.modelKey, dim: opts.dim, includesOriginals: opts.includeOriginals },
        counts,
        // Counted on the first pass only; the second must yield the same entries.
        () => exportEntries(library, opts, pass++ === 0 ? counts : emptyCounts()),
        sink,
        onProgress,
      );
      return { blob: await sink.close(), sizeBytes, counts };
    } catch (err) {
      await sink.abort();
      throw err;
    }
  },

  /**
   * Streams the chosen items' originals into a .zip: straight into the picked file, or, where the
   * browser has no save picker, into a Blob (held in memory) for a download.
   */
  async exportZip(ids: string[], target: FileSystemFileHandle | null, onProgress?: (p: ZipProgress) => void): Promise<ZipExportResult> {
    db ??= await openLibraryDb();
    zipCancelled = false;
    const opts = { onProgress, cancelled: () => zipCancelled };
    if (target) return { ...(await writeSelectionZip(db, ids, await target.createWritable(), opts)), blob: null };
    const parts: Uint8Array<ArrayBuffer>[] = [];
    const memory = new WritableStream<Uint8Array>({ write: (chunk) => void parts.push(chunk as Uint8Array<ArrayBuffer>) });
    const result = await writeSelectionZip(db, ids, memory, opts);
    return { ...result, blob: new Blob(parts, { type: 'application/zip' }) };
  },

  /** Stops the running zip export at its next chunk; a picked file is left as it was. */
  cancelZip(): void {
    zipCancelled = true;
  },

  /**
   * Checks the whole archive first (nothing is written if any of it is wrong), then adds it
   * item by item; items already in the library are skipped.
   */
  async importLibrary(file: File, expect: { modelKey: string; dim?: number }, onProgress?: (p: ArchiveProgress) => void): Promise<ImportResult> {
    db ??= await openLibraryDb();
    const src: ByteSource = { sizeBytes: file.size, read: async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()) };
    let contents;
    try {
      contents = await readArchive(src, { schemaVersion: SCHEMA_VERSION, ...expect }, (p) => onProgress?.({ phase: 'checking', done: p.doneBytes, total: p.totalBytes }));
    } catch (err) {
      // A file that changed or vanished after it was picked cannot be read either.
      if (err instanceof ArchiveError) throw err;
      throw new ArchiveError(`The archive could not be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    const result: ImportResult = { added: 0, present: 0, failed: [], clusters: 0, settings: 0, albums: { created: 0, merged: 0 }, addedIds: [] };
    const idMap = new Map<string, string>();
    let done = 0;
    for (const a of contents.assets) {
      try {
        const thumbnails = await Promise.all(
          a.thumbnails.map(async (t) => ({
            id: t.id,
            width: t.width,
            height: t.height,
            blob: new Blob([await file.slice(t.offset, t.offset + t.sizeBytes).arrayBuffer()], { type: t.mime }),
          })),
        );
        const original = a.original ? file.slice(a.original.offset, a.original.offset + a.original.sizeBytes, a.asset.mime) : undefined;
        const motionOriginal = a.motionOriginal ? file.slice(a.motionOriginal.offset, a.motionOriginal.offset + a.motionOriginal.sizeBytes) : undefined;
        const outcome = await importAsset(db, { asset: a.asset, thumbnails, embedding: a.embedding, frames: a.frames, lineage: a.lineage, original, motionOriginal });
        if (outcome.status === 'added') {
          result.added++;
          result.addedIds.push(a.asset.id);
        } else if (outcome.status === 'present') {
          result.present++;
          idMap.set(a.asset.id, outcome.existingId);
        } else result.failed.push({ name: a.asset.name, message: outcome.message });
      } catch (err) {
        result.failed.push({ name: a.asset.name, message: err instanceof Error ? err.message : String(err) });
      }
      onProgress?.({ phase: 'importing', done: ++done, total: contents.assets.length });
    }
    result.clusters = (await importClusters(db, contents.clusters, idMap, expect.modelKey)).added;
    result.settings = await importMeta(db, contents.meta);
    const albums = await importAlbums(db, contents.albums, contents.albumItems, idMap);
    result.albums = { created: albums.created, merged: albums.merged };
    return result;
  },
};

export type ArchiveApi = typeof api;
expose(api);
