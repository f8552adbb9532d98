import type { DBSchema } from 'idb';
import type { DropEntry } from '../core/drop-manifest';
import type { TakeoutSidecar } from '../core/takeout';
import type {
  AlbumItemRecord,
  AlbumRecord,
  AssetRecord,
  AssetType,
  BlobLocation,
  ClusterNameSource,
  ClusterRecord,
  EmbeddingRecord,
  FrameEmbeddingRecord,
  LineageRecord,
  QueryTimingRecord,
  TakenAtSource,
} from '../core/records';

export type { AlbumItemRecord, AlbumRecord, TakenAtSource, AssetRecord, AssetType, BlobLocation, ClusterNameSource, ClusterRecord, DropEntry, EmbeddingRecord, FrameEmbeddingRecord, LineageRecord, QueryTimingRecord };

export interface ThumbnailRecord {
  id: string;
  blob: Blob;
  width: number;
  height: number;
}

/** The saved indexes: whole assets or video frames. */
export type IndexSnapshotName = 'assets' | 'frames';

/**
 * A persisted vector index, so a restart does not rebuild it. A snapshot larger than one chunk
 * (db/search-repo.ts) is a head record (`chunkCount` set, `bytes` empty) plus `chunkCount` records
 * named `<name>#00000`, `<name>#00001`, … holding the bytes in order, all written in one transaction.
 */
export interface IndexSnapshotRecord {
  /** Which index: whole assets or video frames; or one chunk of a chunked snapshot. */
  name: IndexSnapshotName | `${IndexSnapshotName}#${string}`;
  modelKey: string;
  kind: 'exact' | 'hnsw' | 'compact';
  count: number;
  bytes: Uint8Array;
  savedAt: number;
  /** Chunk records holding the bytes (head record of a chunked snapshot only). */
  chunkCount?: number;
  /** Total bytes over the chunks (head record of a chunked snapshot only). */
  byteLength?: number;
}

/**
 * `staging`: the job is written before its file's bytes, so stored bytes always have an owner; a
 * staging job whose drop was interrupted (tab closed) holds partial bytes and is discarded.
 */
export type JobStatus = 'staging' | 'queued' | 'processing' | 'stored' | 'duplicate' | 'failed';

export interface JobRecord {
  id: string;
  name: string;
  mime: string;
  sizeBytes: number;
  status: JobStatus;
  /** Batch the job came in with, so progress counts "N of this drop". */
  batchId: string;
  createdAt: number;
  updatedAt: number;
  blobLocation: BlobLocation;
  /** Human-readable reason for duplicate/failed, shown to the user. */
  message?: string;
  /** Asset this job produced, or the existing asset it duplicates. */
  assetId?: string;
  /** Position of the file in its drop's manifest (`DropRecord.entries`). */
  entryIndex?: number;
  /** The import writer that claimed the job (status `processing`). */
  claimedBy?: string;
  /** The dropped file's last-modified time: the item's date taken until its metadata says better. */
  lastModifiedMs?: number;
  /** What the file's Google Takeout sidecar in the same drop says (core/takeout.ts). */
  takeout?: TakeoutSidecar;
  /**
   * A Live Photo's motion file, copied in with its still under one job (its bytes under
   * `motionOriginalId(id)`, written before the still's): never an item of its own.
   */
  motion?: { name: string; mime: string; sizeBytes: number; durationSec: number; blobLocation: BlobLocation; entryIndex: number };
}

/**
 * The manifest of a drop, written before copying starts and removed once every file is in, so a
 * reload or a closed tab mid-copy can tell the user exactly which files never made it in.
 */
export interface DropRecord {
  /** Also the `batchId` of its jobs. */
  id: string;
  createdAtMs: number;
  entries: DropEntry[];
  /**
   * File and folder handles from drag-and-drop or the pickers, where the browser gives them: after
   * a reload the copy can continue from them once the user allows reading again.
   */
  roots?: FileSystemHandle[];
}

/** A folder the user picked or dropped, remembered so it can be scanned again for what is new. */
export interface FolderRecord {
  id: string;
  name: string;
  handle: FileSystemDirectoryHandle;
  addedAtMs: number;
  lastScanAtMs: number;
  /** `fileKey()` of every file already taken from it (core/drop-manifest.ts). */
  seen: string[];
}

/**
 * A deleted asset while its delete can still be undone, and until its original file is gone.
 * Written in the same transaction that removes the asset's records, so a reload, a crash or a
 * second tab can neither lose the undo nor leave the original behind.
 */
export interface TombstoneRecord {
  /** The asset id, which is also the original file's id. */
  id: string;
  name: string;
  blobLocation: BlobLocation;
  deletedAtMs: number;
  /** Undo is allowed while now < expiresAtMs; from then on the original may be deleted. */
  expiresAtMs: number;
  /** Everything the delete removed except the original bytes: what Undo puts back. */
  bundle: AssetBundle;
}

/** Everything stored for one asset except its original bytes: what an undo puts back. */
export interface AssetBundle {
  asset: AssetRecord;
  thumbnails: ThumbnailRecord[];
  embedding?: EmbeddingRecord;
  frames: FrameEmbeddingRecord[];
  lineage: LineageRecord[];
  /** The albums it was in; absent in tombstones written before albums existed. */
  albumItems?: AlbumItemRecord[];
}

export interface ShoeboxDB extends DBSchema {
  assets: { key: string; value: AssetRecord; indexes: { bySha256: string; byAddedAt: number; byName: string; byTakenAt: number } };
  blobs: { key: string; value: Blob };
  thumbnails: { key: string; value: ThumbnailRecord };
  embeddings: { key: string; value: EmbeddingRecord; indexes: { byModelId: string } };
  jobs: { key: string; value: JobRecord; indexes: { byStatus: JobStatus; byStatusCreatedAt: [JobStatus, number]; byCreatedAt: number; byBatchId: string } };
  lineage: { key: string; value: LineageRecord; indexes: { bySourceAssetId: string } };
  meta: { key: string; value: unknown };
  queryTimings: { key: number; value: QueryTimingRecord; indexes: { byAt: number } };
  frameEmbeddings: { key: string; value: FrameEmbeddingRecord; indexes: { byAssetId: string; byModelId: string } };
  indexSnapshots: { key: string; value: IndexSnapshotRecord };
  clusters: { key: string; value: ClusterRecord; indexes: { byModelKey: string } };
  drops: { key: string; value: DropRecord };
  folders: { key: string; value: FolderRecord };
  tombstones: { key: string; value: TombstoneRecord; indexes: { byExpiresAt: number } };
  albums: { key: string; value: AlbumRecord };
  albumItems: { key: string; value: AlbumItemRecord; indexes: { byAlbumId: string; byAssetId: string } };
}

export type StoreName =
  | 'assets'
  | 'blobs'
  | 'thumbnails'
  | 'embeddings'
  | 'jobs'
  | 'lineage'
  | 'meta'
  | 'queryTimings'
  | 'frameEmbeddings'
  | 'indexSnapshots'
  | 'clusters'
  | 'drops'
  | 'folders'
  | 'tombstones'
  | 'albums'
  | 'albumItems';
