/**
 * What one imported item becomes in the library: the asset, its thumbnail, vector(s) and
 * lineage. Pure: the time and the model are passed in, so the same input gives the same records.
 */
import type { StoredAsset, TakenInAsset } from '../db/repo';
import type { AssetRecord, EmbeddingRecord, FrameEmbeddingRecord, JobRecord, LineageRecord, ThumbnailRecord } from '../db/schema';
import { phashToHex } from '../core/phash';
import { PHOTO_METADATA_VERSION, dateFromFileName, type PhotoMetadata } from '../core/photo-metadata';
import { attentionPool, meanPool } from '../core/pooling';
import { titleAsName, type TakeoutSidecar } from '../core/takeout';
import type { VideoSettings } from '../core/video-settings';
import type { ExtractOptions, ExtractedVideo, PixelImage } from './ports';

export const MODEL_INPUT_PX = 224;
export const THUMBNAIL_MAX_EDGE_PX = 320;
export const FRAME_THUMBNAIL_MAX_EDGE_PX = 160;
export const THUMBNAIL_JPEG_QUALITY = 0.85;
const PRODUCER_VERSION = '1';

/** What the video worker is asked for: keyframes as the settings choose them, cut to the model's and thumbnails' sizes. */
export function videoExtractOptions(s: VideoSettings, decoder?: ExtractOptions['decoder']): ExtractOptions {
  return {
    maxFrames: s.maxFrames,
    minSecondsBetween: s.minSecondsBetween,
    diversityThreshold: s.diversityThreshold,
    modelInputPx: MODEL_INPUT_PX,
    thumbMaxEdgePx: THUMBNAIL_MAX_EDGE_PX,
    frameThumbMaxEdgePx: FRAME_THUMBNAIL_MAX_EDGE_PX,
    ...(decoder ? { decoder } : {}),
  };
}

interface PreparedBase {
  job: JobRecord;
  sha256: string;
  pHash: bigint;
  /** Low-frequency luma std of the pHash input, 0..255 levels (phashStructureFromGray32). */
  pHashStructure: number;
  width: number;
  height: number;
  thumbnail: { blob: Blob; width: number; height: number };
  nearDuplicateOf?: AssetRecord['nearDuplicateOf'];
  /** What the file's own metadata says: a photo's EXIF/XMP (date taken, camera, GPS), a video's container (date, place). */
  metadata?: PhotoMetadata;
  /** Photos: a Live Photo's or Motion Photo's motion. */
  motion?: AssetRecord['motion'];
}

export interface PreparedImage extends PreparedBase {
  kind: 'image';
  pixels: PixelImage;
}

export interface PreparedVideo extends PreparedBase {
  kind: 'video';
  video: ExtractedVideo;
}

/** An item decoded, hashed and cut to size, waiting for its vector(s). */
export type Prepared = PreparedImage | PreparedVideo;

/**
 * What the indexing stage needs of an item: the model's input images (a photo's centre crop, or a
 * video's keyframes in time order). Handed over in memory by the take-in stage when the model is
 * ready, or made again from the stored original when the item waited.
 */
export interface IndexWork {
  id: string;
  kind: AssetRecord['type'];
  images: PixelImage[];
  /** Videos: the keyframes' times, as stored on the asset. */
  frameTimestampsSec?: number[];
  /** Videos: how the keyframes were chosen, when the take-in stage just did it. */
  extraction?: { decoder: ExtractedVideo['decoder']; candidates: number; skippedBlank: number };
}

/** The model input of an item just taken in. */
export function indexWorkOf(p: Prepared): IndexWork {
  if (p.kind === 'image') return { id: p.job.id, kind: 'image', images: [p.pixels] };
  const v = p.video;
  return {
    id: p.job.id,
    kind: 'video',
    images: v.frames.map((f) => f.pixels),
    frameTimestampsSec: v.frames.map((f) => f.timestampSec),
    extraction: { decoder: v.decoder, candidates: v.candidateCount, skippedBlank: v.skippedBlank },
  };
}

export interface ItemVectors {
  asset: Float32Array;
  /** Videos: one per keyframe, in time order. */
  frames?: Float32Array[];
}

/** The images a batch sends to the model, in order: a photo's crop, or every keyframe of a video. */
export function modelImagesOf(batch: readonly IndexWork[]): PixelImage[] {
  return batch.flatMap((w) => w.images);
}

/** Hands the vectors of `modelImagesOf(batch)` back to their items; a video's keyframes are pooled into its vector. */
export function vectorsByItem(batch: readonly IndexWork[], vectors: readonly Float32Array[], settings: VideoSettings): ItemVectors[] {
  let at = 0;
  return batch.map((w) => {
    const n = w.images.length;
    const mine = vectors.slice(at, at + n);
    at += n;
    if (w.kind === 'image') return { asset: mine[0] };
    const dim = mine[0].length;
    const pooled = settings.pooling === 'mean' ? meanPool(mine, dim) : attentionPool(mine, dim, settings.temperature).vector;
    return { asset: pooled, frames: mine };
  });
}

export interface RecordContext {
  /** When the item joins the library, ms since the epoch. */
  addedAtMs: number;
  modelKey: string;
  videoSettings: VideoSettings;
}

/** File times before this are unset clocks (0 = 1970, FAT's 1980), not when a photo was taken. */
const EARLIEST_FILE_TIME_MS = Date.UTC(1981, 0, 1);
/** A file time more than a day ahead of the clock is a camera with its clock wrong. */
const FUTURE_SLACK_MS = 24 * 3600 * 1000;

/** What, besides the file's time, may say when an item was taken. */
export interface TakenAtClues {
  /** The photo's own metadata, already checked. */
  metadata?: PhotoMetadata;
  /** The file's name, for a camera's `IMG_20230714_153012.jpg`. */
  name?: string;
  /** What its Google Takeout sidecar says. */
  takeout?: Pick<TakeoutSidecar, 'takenAtMs' | 'uploadedAtMs'>;
}

/**
 * The date taken an item starts with, from the most trusted source that has a plausible one:
 *   1. the file's own metadata when it places the date in time with its UTC offset (EXIF or XMP
 *      with an offset, the GPS clock, a QuickTime creation date with its offset);
 *   2. a Google Takeout sidecar's photoTakenTime: a UTC instant Google worked out from the file
 *      and the phone that uploaded it, so it beats a date whose zone is a guess;
 *   3. the file's own metadata without an offset (EXIF read as this device's local time, a
 *      video's mvhd creation time, which many cameras write in local time though it means UTC);
 *   4. a date in its file name;
 *   5. when a Takeout sidecar without photoTakenTime says the file reached Google Photos (its
 *      creationTime), which beats the file's own time: an unpacked Takeout's files are dated
 *      when they were unpacked;
 *   6. the file's last-modified time, else when it was added.
 */
export function takenAtOf(
  lastModifiedMs: number | undefined,
  addedAtMs: number,
  { metadata, name, takeout }: TakenAtClues = {},
): Pick<AssetRecord, 'takenAtMs' | 'takenAtSource' | 'takenAtOffsetMin'> {
  const m = metadata?.takenAt;
  if (m && m.offsetMin !== undefined) return { takenAtMs: m.ms, takenAtSource: m.source, takenAtOffsetMin: m.offsetMin };
  if (takeout?.takenAtMs !== undefined) return { takenAtMs: takeout.takenAtMs, takenAtSource: 'takeout' };
  if (m) return { takenAtMs: m.ms, takenAtSource: m.source };
  const fromName = name === undefined ? null : dateFromFileName(name, addedAtMs);
  if (fromName !== null) return { takenAtMs: fromName, takenAtSource: 'file-name' };
  if (takeout?.uploadedAtMs !== undefined) return { takenAtMs: takeout.uploadedAtMs, takenAtSource: 'takeout' };
  const plausible = lastModifiedMs !== undefined && Number.isFinite(lastModifiedMs) && lastModifiedMs >= EARLIEST_FILE_TIME_MS && lastModifiedMs <= addedAtMs + FUTURE_SLACK_MS;
  return plausible ? { takenAtMs: lastModifiedMs, takenAtSource: 'file-modified' } : { takenAtMs: addedAtMs, takenAtSource: 'added' };
}

/** Sources a photo's own metadata outranks: a record dated by one of these is dated again when its metadata is read. */
const WEAKER_THAN_METADATA: ReadonlySet<AssetRecord['takenAtSource']> = new Set(['file-name', 'file-modified', 'added']);

/**
 * An item taken in before its metadata was read, with what its metadata says: the date taken
 * when the metadata (or its file name) outranks the one it has, camera and position, and the
 * marker that it was read. Everything else (favourite, name…) is kept as it is.
 */
export function withPhotoMetadata(asset: AssetRecord, metadata: PhotoMetadata | null): AssetRecord {
  const out: AssetRecord = { ...asset, metadataVersion: PHOTO_METADATA_VERSION };
  if (!metadata) return out;
  const takeout = asset.takenAtSource === 'takeout' ? { takenAtMs: asset.takenAtMs } : undefined;
  if (WEAKER_THAN_METADATA.has(asset.takenAtSource) || takeout) {
    const fileTimeMs = asset.takenAtSource === 'file-modified' ? asset.takenAtMs : undefined;
    delete out.takenAtOffsetMin;
    Object.assign(out, takenAtOf(fileTimeMs, asset.addedAt, { metadata, name: asset.name, takeout }));
  }
  if (metadata.camera) out.camera = metadata.camera;
  if (metadata.gps) {
    out.gps = metadata.gps;
    delete out.gpsSource;
    if (asset.type === 'video') out.gpsSource = 'video-metadata';
  }
  return out;
}

/**
 * An item already in the library with what a Takeout sidecar dropped later says, by the same
 * rules as at take-in: its date unless the file's own placed it in time with an offset, its
 * position where it has none, its full name where Takeout cut the file's.
 */
export function withTakeoutSidecar(asset: AssetRecord, sidecar: TakeoutSidecar): AssetRecord {
  const out: AssetRecord = { ...asset };
  const ownDateWins = !WEAKER_THAN_METADATA.has(asset.takenAtSource) && asset.takenAtSource !== 'takeout' && asset.takenAtOffsetMin !== undefined;
  if (sidecar.takenAtMs !== undefined && !ownDateWins) {
    delete out.takenAtOffsetMin;
    Object.assign(out, { takenAtMs: sidecar.takenAtMs, takenAtSource: 'takeout' });
  } else if (sidecar.uploadedAtMs !== undefined && (asset.takenAtSource === 'file-modified' || asset.takenAtSource === 'added')) {
    Object.assign(out, { takenAtMs: sidecar.uploadedAtMs, takenAtSource: 'takeout' });
  }
  if (sidecar.gps && !asset.gps) Object.assign(out, { gps: sidecar.gps, gpsSource: 'takeout' });
  const title = asset.fileName ? null : titleAsName(asset.name, sidecar.title);
  if (title) Object.assign(out, { name: title, fileName: asset.name });
  return out;
}

/** Position and name from the file's own metadata and its Takeout sidecar: the file's own position first. */
function placeAndName(p: Prepared): Pick<AssetRecord, 'gps' | 'gpsSource' | 'name' | 'fileName'> {
  const takeout = p.job.takeout;
  const own = p.metadata?.gps;
  const gps = own ?? takeout?.gps;
  const gpsSource = own ? (p.kind === 'video' ? 'video-metadata' : undefined) : takeout?.gps ? 'takeout' : undefined;
  const title = titleAsName(p.job.name, takeout?.title);
  return {
    name: title ?? p.job.name,
    ...(title ? { fileName: p.job.name } : {}),
    ...(gps ? { gps } : {}),
    ...(gpsSource ? { gpsSource } : {}),
  };
}

/** What the take-in stage stores of an item: everything but its vectors. */
export type TakenInRecords = TakenInAsset;

/** What the indexing stage stores of an item: its vector(s) and their lineage. */
export interface VectorRecords {
  embedding: EmbeddingRecord;
  frames: FrameEmbeddingRecord[];
  lineage: LineageRecord[];
}

const lineageOf = (id: string, atMs: number) =>
  (store: LineageRecord['store'], params: LineageRecord['params'], producer: string, model?: string): LineageRecord => ({
    id: `${store}:${id}`,
    store,
    recordId: id,
    sourceAssetId: id,
    producer,
    producerVersion: PRODUCER_VERSION,
    ...(model ? { modelId: model } : {}),
    params,
    createdAt: atMs,
  });

/** The asset, its thumbnails and their lineage, in the shape commitTakenIn writes. */
export function takenInRecords(p: Prepared, addedAtMs: number): TakenInRecords {
  const id = p.job.id;
  const { name, ...place } = placeAndName(p);
  const asset: AssetRecord = {
    id,
    name,
    type: p.kind,
    mime: p.job.mime,
    sizeBytes: p.job.sizeBytes,
    sha256: p.sha256,
    pHash: phashToHex(p.pHash),
    // Two decimals are plenty for a threshold of whole levels and keep exported records readable.
    pHashStructure: Math.round(p.pHashStructure * 100) / 100,
    width: p.width,
    height: p.height,
    addedAt: addedAtMs,
    ...takenAtOf(p.job.lastModifiedMs, addedAtMs, { metadata: p.metadata, name: p.job.name, takeout: p.job.takeout }),
    ...(p.metadata?.camera ? { camera: p.metadata.camera } : {}),
    ...place,
    ...(p.metadata ? { metadataVersion: PHOTO_METADATA_VERSION } : {}),
    status: 'ready',
    blobLocation: p.job.blobLocation,
    ...(p.nearDuplicateOf ? { nearDuplicateOf: p.nearDuplicateOf } : {}),
    ...(p.motion ? { motion: p.motion } : {}),
    ...(p.kind === 'video'
      ? { durationSec: p.video.durationSec, decoder: p.video.decoder, frameTimestampsSec: p.video.frames.map((f) => f.timestampSec) }
      : {}),
  };
  const lineage = lineageOf(id, addedAtMs);
  const frameThumbnails: ThumbnailRecord[] = p.kind === 'video' ? p.video.frames.map((f, i) => ({ id: `${id}#${i}`, blob: f.thumbnail, width: 0, height: 0 })) : [];
  return {
    asset,
    thumbnail: { id, ...p.thumbnail },
    lineage: [
      lineage('thumbnails', { maxEdgePx: THUMBNAIL_MAX_EDGE_PX, format: 'image/jpeg', quality: THUMBNAIL_JPEG_QUALITY }, 'thumbnail'),
      lineage('assets', { pHash: 'dct-64', sha256: true }, 'ingest'),
    ],
    frameThumbnails,
  };
}

/** An item's vector(s) for one model, with their lineage, in the shape commitVectors writes. */
export function vectorRecords(w: IndexWork, vectors: ItemVectors, { addedAtMs, modelKey, videoSettings }: RecordContext): VectorRecords {
  const id = w.id;
  const lineage = lineageOf(id, addedAtMs);
  if (w.kind === 'image') {
    return {
      embedding: { id, modelId: modelKey, dim: vectors.asset.length, vector: vectors.asset },
      frames: [],
      lineage: [lineage('embeddings', { input: 'center-square', inputPx: MODEL_INPUT_PX, exifOrientation: true, normalized: 'l2' }, 'clip-image', modelKey)],
    };
  }
  const frameVectors = vectors.frames ?? [];
  const times = w.frameTimestampsSec ?? [];
  const frames: FrameEmbeddingRecord[] = frameVectors.map((vector, i) => ({
    id: `${id}#${i}`, assetId: id, frameIndex: i, timestampSec: times[i] ?? 0, modelId: modelKey, dim: vector.length, vector,
  }));
  const s = videoSettings;
  const x = w.extraction;
  return {
    embedding: { id, modelId: modelKey, dim: vectors.asset.length, vector: vectors.asset },
    frames,
    lineage: [
      lineage('embeddings', { pooling: s.pooling, temperature: s.temperature, frames: frames.length, normalized: 'l2' }, 'clip-video', modelKey),
      lineage('frameEmbeddings', {
        ...(x ? { decoder: x.decoder } : {}),
        maxFrames: s.maxFrames,
        minSecondsBetween: s.minSecondsBetween,
        diversityThreshold: s.diversityThreshold,
        histogram: 'hsv-8x8x8-bhattacharyya',
        ...(x ? { candidates: x.candidates, skippedBlank: x.skippedBlank } : {}),
        inputPx: MODEL_INPUT_PX,
      }, 'clip-video-frames', modelKey),
    ],
  };
}

/** Everything one prepared item stores once it has its vectors: both stages' records together. */
export function assetRecords(p: Prepared, vectors: ItemVectors, ctx: RecordContext): StoredAsset {
  const taken = takenInRecords(p, ctx.addedAtMs);
  const v = vectorRecords(indexWorkOf(p), vectors, ctx);
  return { ...taken, embedding: v.embedding, frames: v.frames, lineage: [...taken.lineage, ...v.lineage] };
}
