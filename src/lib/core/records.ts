/**
 * The library's records that pure code reads and builds (archives, duplicate groups, clusters,
 * query timings). Defined here so `core/` needs nothing from storage; `db/schema.ts` stores them
 * as they are.
 */

/** Where an original file's bytes live. OPFS is preferred: large blobs in IndexedDB are slow to write. */
export type BlobLocation = 'opfs' | 'idb';

export type AssetType = 'image' | 'video';

/**
 * Where an item's date taken came from, most trusted first: the photo's EXIF, its XMP, its GPS
 * clock (UTC), a date in its file name (`IMG_20230714_153012.jpg`), the file's last-modified time
 * (what a camera or phone usually sets when it writes the file), else the moment the item joined
 * the library. 'takeout' is a Google Takeout sidecar's photoTakenTime; 'video-metadata' a video
 * container's creation time (asset-records.ts `takenAtOf` ranks them).
 */
export type TakenAtSource = 'exif' | 'xmp' | 'gps-time' | 'file-name' | 'file-modified' | 'added'
  | 'takeout' | 'video-metadata';

export const TAKEN_AT_SOURCES: readonly TakenAtSource[] = ['exif', 'xmp', 'gps-time', 'file-name', 'file-modified', 'added', 'takeout', 'video-metadata'];

/** A place an item was taken in: city within 25 km of a known place, else region and country only. */
export interface ItemPlace {
  city?: string;
  region?: string;
  /** English country name (Intl.DisplayNames), for display and for search. */
  country: string;
  /** ISO 3166-1 alpha-2. */
  countryCode: string;
}

/**
 * The few seconds of motion that belong to a still (core/live-photos.ts). `live`: an Apple Live
 * Photo's MOV (or Takeout's MP4), stored as a second original under `motionOriginalId(id)` in the
 * same place as the still's. `motion-photo`: an Android Motion Photo's MP4, which stays inside the
 * still's own original at `offsetBytes`. Either way the item is the still: shown, searched and
 * deleted as one, and the motion plays in the viewer.
 */
export type ItemMotion =
  | { kind: 'live'; name: string; mime: string; sizeBytes: number; sha256: string; durationSec: number; blobLocation: BlobLocation }
  | { kind: 'motion-photo'; offsetBytes: number; sizeBytes: number };

export interface AssetRecord {
  id: string;
  name: string;
  type: AssetType;
  mime: string;
  sizeBytes: number;
  sha256: string;
  /** 64-bit DCT perceptual hash, 16 lowercase hex digits. */
  pHash: string;
  /**
   * How much structure the pHash saw: std of the low-frequency luma, 0..255 levels
   * (phashStructureFromGray32). Below MIN_PHASH_STRUCTURE the item is never a near-duplicate.
   * Absent on items taken in before it was measured: those count as structured.
   */
  pHashStructure?: number;
  width: number;
  height: number;
  addedAt: number;
  /** When the photo or video was taken, ms since the epoch: the one field the timeline orders by. */
  takenAtMs: number;
  takenAtSource: TakenAtSource;
  /** Minutes east of UTC the camera's clock was set to, when its metadata said (+120 for UTC+02:00). */
  takenAtOffsetMin?: number;
  /** From the photo's metadata, as text from the file (shown escaped). */
  camera?: { make?: string; model?: string; lens?: string };
  /** From the photo's metadata: degrees, north and east positive. */
  gps?: { lat: number; lon: number };
  /** Where `gps` came from when not the photo's own EXIF/XMP: a Takeout sidecar, or a video's container. */
  gpsSource?: 'takeout' | 'video-metadata';
  /** The dropped file's own name when `name` is the fuller one a Takeout sidecar gave (Takeout cut the file's). */
  fileName?: string;
  /** Where `gps` lies, from the offline GeoNames table (core/places.ts); absent far from any place. */
  place?: ItemPlace;
  /** Which places lookup `place` reflects (`PLACE_VERSION`); absent → the places pass looks it up. */
  placeVersion?: number;
  /**
   * Which reading of the photo's own metadata the record reflects (`PHOTO_METADATA_VERSION`);
   * absent on photos taken in before metadata was read, which a background pass then reads.
   */
  metadataVersion?: number;
  /** Marked by the user as a favourite. */
  favourite?: boolean;
  status: 'ready';
  blobLocation: BlobLocation;
  /** Set when the pHash is within the near-duplicate threshold of an asset already stored. */
  nearDuplicateOf?: { id: string; name: string; distance: number };
  /** Photos only: a Live Photo's or Motion Photo's motion, played in the viewer. */
  motion?: ItemMotion;
  /** Videos only. */
  durationSec?: number;
  /** Videos only: which decoder read the frames. */
  decoder?: 'webcodecs' | 'ffmpeg';
  /** Videos only: timestamps of the kept keyframes, in order (their vectors are in `frameEmbeddings`). */
  frameTimestampsSec?: number[];
}

export interface EmbeddingRecord {
  /** Asset id. */
  id: string;
  modelId: string;
  dim: number;
  /** L2-normalized. */
  vector: Float32Array;
}

/** One kept video frame's vector, so search can return the moment inside a video. */
export interface FrameEmbeddingRecord {
  /** `${assetId}#${frameIndex}` */
  id: string;
  assetId: string;
  frameIndex: number;
  timestampSec: number;
  modelId: string;
  dim: number;
  /** L2-normalized. */
  vector: Float32Array;
}

/** An item's vectors for one model as the import stored them: handed to the search index with the news, so it need not read them back. */
export interface NewVectors {
  /** The item's kind, which clusters keep beside its vector. */
  type: AssetType;
  embedding: EmbeddingRecord;
  /** Videos: one vector per kept keyframe; empty for a photo. */
  frames: FrameEmbeddingRecord[];
}

export interface LineageRecord {
  /** `${store}:${recordId}` */
  id: string;
  store: 'embeddings' | 'thumbnails' | 'assets' | 'frameEmbeddings';
  recordId: string;
  sourceAssetId: string;
  producer: string;
  producerVersion: string;
  modelId?: string;
  params: Record<string, string | number | boolean>;
  createdAt: number;
}

export interface QueryTimingRecord {
  id?: number;
  at: number;
  query: string;
  modelId: string;
  encodeMs: number;
  rankMs: number;
  renderMs: number;
  resultCount: number;
  libraryCount: number;
}

/** Who gave a cluster its name. A user's name is never overwritten by the VLM or the zero-shot namer. */
export type ClusterNameSource = 'user' | 'vlm' | 'zero-shot';

/** A group of photos and videos close in meaning (cosine on the stored L2-normalized vectors). */
export interface ClusterRecord {
  /** Stable across incremental updates and, by best overlap, across a full re-cluster. */
  id: string;
  /** Model the vectors came from; clusters of another model are rebuilt. */
  modelKey: string;
  memberIds: string[];
  /** L2-normalized mean of the members' vectors. */
  centroid: Float32Array;
  /** 4–6 members that show the cluster (medoid first, then diverse picks): the cover mosaic and what the VLM sees. */
  representativeIds: string[];
  name: string;
  nameSource: ClusterNameSource;
  /** Optional one-line description from the VLM. */
  description?: string;
  /** Hash of the sorted member ids now. */
  membershipHash: string;
  /** Membership hash and members when the name was given, so naming is repeated only after a material change. */
  namedMembershipHash?: string;
  namedMemberIds?: string[];
  /** Items the user moved here by hand: a re-cluster keeps them here. */
  pinnedIds?: string[];
  /**
   * The members that are videos, as this device's clustering last wrote them, so stored clusters
   * open without reading the library's records (db/cluster-repo.ts readClusteringOutline). Absent
   * in clusters from an archive or from before it was kept.
   */
  videoIds?: string[];
  hidden: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A named set of items the user made. Membership is kept in `albumItems`, one record per item. */
export interface AlbumRecord {
  id: string;
  name: string;
  createdAtMs: number;
  updatedAtMs: number;
}

/** One item in one album. */
export interface AlbumItemRecord {
  /** `${albumId}:${assetId}` */
  id: string;
  albumId: string;
  assetId: string;
  addedAtMs: number;
}
