/**
 * What the import stage needs from the outside world, as small interfaces: the worker plugs in
 * the browser (IndexedDB + OPFS, the model and video workers, canvases, Web Locks, a
 * BroadcastChannel), unit tests plug in fakes. Nothing here touches a browser global.
 */
import type { Db } from '../db/db';
import type { AssetRecord, BlobLocation, DropEntry, JobRecord } from '../db/schema';
import type { ModelInputSpec } from '../core/model-input';
import type { NewVectors } from '../core/records';
import type { StageTimings } from '../core/stage-timings';
import type { IndexingState } from '../core/index-queue';
import type { PixelImage } from '../../../workers/embed.worker';
import type { ExtractOptions, ExtractedVideo } from '../../../workers/video.worker';

export type { PixelImage, ExtractedVideo, ExtractOptions };

export type IngestEvent =
  | {
      type: 'progress';
      done: number;
      total: number;
      stored: number;
      imagesPerSecond: number;
      stages?: StageTimings;
      /** Files of the current drops taken in so far (copied into the library and queued), while that lasts. */
      adding?: { done: number; total: number };
      /**
       * The model cannot be loaded: `done` counts files added to the library (browsable, not yet
       * searchable) rather than indexed.
       */
      modelMissing?: boolean;
    }
  | { type: 'job'; id: string; name: string; status: JobRecord['status']; message: string }
  /**
   * Items taken in: in the library and browsable, searchable once indexed. The writer's own page
   * gets their records with the news, so it need not read them back.
   */
  | { type: 'stored'; ids: string[]; assets?: AssetRecord[] }
  /**
   * Items whose vectors for the current model are stored: they join search and clusters. The
   * writer's own page gets the vectors with the news, so its search index need not read them back.
   */
  | { type: 'indexed'; ids: string[]; vectors?: NewVectors[] }
  /** How many items have no vector for the current model yet, and whether they are being indexed. */
  | { type: 'waiting'; count: number; state: IndexingState }
  | { type: 'paused'; reason: string; notImported: number }
  | { type: 'idle' }
  /** This tab took over the import queue and found files a closed tab or a reload left waiting. */
  | { type: 'resumed'; left: number }
  /** Whether this tab runs the import queue (one tab at a time does) or hands its files to the one that does. */
  | {
      type: 'role';
      writer: boolean;
      /**
       * This tab waited while another was the writer and now takes over: what the closing writer
       * stored last may never have been announced here, so the page reads the library again.
       */
      tookOver?: boolean;
    }
  /**
   * Photos taken in before their metadata was read are read in the background; the last event
   * (`done === total`) lists those whose date, camera or position changed.
   */
  | { type: 'metadata'; done: number; total: number; changedIds?: string[] }
  /** Drops a reload or a closed tab cut off while their files were being copied in. */
  | { type: 'interrupted'; drops: InterruptedDrop[] }
  /** Something about a drop worth telling that is not one file's outcome (Takeout sidecars without media). */
  | { type: 'note'; name: string; message: string };

export interface InterruptedDrop {
  id: string;
  createdAtMs: number;
  /** Files of the drop that never made it in. */
  missing: DropEntry[];
  /** The dropped or picked files and folders, where their handles were kept: the copy can continue from them. */
  roots: FileSystemHandle[];
}

/** A file handed to the import with where it came from. */
export interface DroppedFile {
  file: File;
  /** Path inside a dropped or picked folder; the file name for a loose file. */
  path?: string;
  /** Index into the drop's root handles, when the browser gave handles. */
  root?: number;
}

/** Where original files' bytes live (OPFS or the `blobs` store): see db/blob-store.ts. */
export interface OriginalsStore {
  put(id: string, blob: Blob): Promise<BlobLocation>;
  get(id: string, location: BlobLocation): Promise<Blob | undefined>;
  /** Deletes only when no asset owns the bytes; says whether it did. */
  deleteUnowned(id: string, location: BlobLocation): Promise<boolean>;
  /** Deletes the bytes of a copy that was cut off, with whatever the browser left beside them. */
  deletePartial(id: string, location: BlobLocation): Promise<void>;
}

/** The library database (reached through the repository functions of db/repo.ts) and the originals. */
export interface IngestStorage {
  db: Db;
  originals: OriginalsStore;
}

/** The model: pixels (or ready model input) in, one L2-normalised vector per image out. */
export interface ImageEmbedder {
  modelInputSpec(sizePx: number): Promise<ModelInputSpec | null>;
  embedModelInputs(inputs: Float32Array[], sizePx: number): Promise<Float32Array[]>;
  embedImages(images: PixelImage[]): Promise<Float32Array[]>;
}

/** Keyframes, poster and crops of a video. */
export interface VideoDecoder {
  extract(blob: Blob, options: ExtractOptions): Promise<ExtractedVideo>;
}

/** One decoded still (a photo, or a video's poster frame) and the pixel work done on it. */
export interface DecodedStill {
  /** Display size after EXIF orientation, px. */
  readonly width: number;
  readonly height: number;
  /** JPEG thumbnail with its long edge at most `maxEdgePx`. */
  thumbnail(maxEdgePx: number): Promise<{ blob: Blob; width: number; height: number }>;
  /** RGBA of the last thumbnail drawn down to `sizePx` × `sizePx` (the pHash input). */
  thumbnailRgba(sizePx: number): Uint8ClampedArray;
  /** RGBA of the centre square scaled to `sizePx` × `sizePx` (the model input). */
  centerCrop(sizePx: number): PixelImage;
  close(): void;
}

export interface StillDecoder {
  /** Throws when the bytes cannot be decoded. */
  decodeImage(blob: Blob): Promise<DecodedStill>;
  /** A video's poster frame (JPEG written by the video decoder). */
  decodePoster(blob: Blob): Promise<DecodedStill>;
}

export interface Clock {
  /** Wall time, ms since the epoch: stored on records. */
  nowMs(): number;
  /** Monotonic time, ms: durations and rates. */
  monotonicMs(): number;
}

/** The part of the Web Locks API the import uses. */
export interface LockManagerPort {
  request<T>(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

/** The message channel between this library's open tabs (a BroadcastChannel in the browser). */
export interface TabChannel<M> {
  post(message: M): void;
  listen(onMessage: (message: M) => void): void;
}
