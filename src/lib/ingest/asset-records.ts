/**
 * What one imported item becomes in the library: the asset, its thumbnail, vector(s) and
 * lineage. Pure: the time and the model are passed in, so the same input gives the same records.
 */
import type { StoredAsset } from '../db/repo';
import type { AssetRecord, FrameEmbeddingRecord, JobRecord, LineageRecord, ThumbnailRecord } from '../db/schema';
import { phashToHex } from '../core/phash';
import { attentionPool, meanPool } from '../core/pooling';
import type { VideoSettings } from '../core/video-settings';
import type { ExtractedVideo, PixelImage } from './ports';

export const MODEL_INPUT_PX = 224;
export const THUMBNAIL_MAX_EDGE_PX = 320;
export const FRAME_THUMBNAIL_MAX_EDGE_PX = 160;
export const THUMBNAIL_JPEG_QUALITY = 0.85;
const PRODUCER_VERSION = '1';

interface PreparedBase {
  job: JobRecord;
  sha256: string;
  pHash: bigint;
  width: number;
  height: number;
  thumbnail: { blob: Blob; width: number; height: number };
  nearDuplicateOf?: AssetRecord['nearDuplicateOf'];
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

export interface ItemVectors {
  asset: Float32Array;
  /** Videos: one per keyframe, in time order. */
  frames?: Float32Array[];
}

/** The images a batch sends to the model, in order: a photo's crop, or every keyframe of a video. */
export function modelImagesOf(batch: readonly Prepared[]): PixelImage[] {
  return batch.flatMap((p) => (p.kind === 'image' ? [p.pixels] : p.video.frames.map((f) => f.pixels)));
}

/** Hands the vectors of `modelImagesOf(batch)` back to their items; a video's keyframes are pooled into its vector. */
export function vectorsByItem(batch: readonly Prepared[], vectors: readonly Float32Array[], settings: VideoSettings): ItemVectors[] {
  let at = 0;
  return batch.map((p) => {
    const n = p.kind === 'image' ? 1 : p.video.frames.length;
    const mine = vectors.slice(at, at + n);
    at += n;
    if (p.kind === 'image') return { asset: mine[0] };
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

/** The date taken an item starts with: its file's last-modified time when that is plausible, else when it was added. */
export function takenAtOf(lastModifiedMs: number | undefined, addedAtMs: number): Pick<AssetRecord, 'takenAtMs' | 'takenAtSource'> {
  const plausible = lastModifiedMs !== undefined && Number.isFinite(lastModifiedMs) && lastModifiedMs >= EARLIEST_FILE_TIME_MS && lastModifiedMs <= addedAtMs + FUTURE_SLACK_MS;
  return plausible ? { takenAtMs: lastModifiedMs, takenAtSource: 'file-modified' } : { takenAtMs: addedAtMs, takenAtSource: 'added' };
}

/** Everything one prepared item stores, in the shape commitAsset(s) writes. */
export function assetRecords(p: Prepared, vectors: ItemVectors, { addedAtMs, modelKey, videoSettings }: RecordContext): StoredAsset {
  const id = p.job.id;
  const asset: AssetRecord = {
    id,
    name: p.job.name,
    type: p.kind,
    mime: p.job.mime,
    sizeBytes: p.job.sizeBytes,
    sha256: p.sha256,
    pHash: phashToHex(p.pHash),
    width: p.width,
    height: p.height,
    addedAt: addedAtMs,
    ...takenAtOf(p.job.lastModifiedMs, addedAtMs),
    status: 'ready',
    blobLocation: p.job.blobLocation,
    ...(p.nearDuplicateOf ? { nearDuplicateOf: p.nearDuplicateOf } : {}),
    ...(p.kind === 'video'
      ? { durationSec: p.video.durationSec, decoder: p.video.decoder, frameTimestampsSec: p.video.frames.map((f) => f.timestampSec) }
      : {}),
  };
  const lineage = (store: LineageRecord['store'], params: LineageRecord['params'], producer: string, model?: string): LineageRecord => ({
    id: `${store}:${id}`,
    store,
    recordId: id,
    sourceAssetId: id,
    producer,
    producerVersion: PRODUCER_VERSION,
    ...(model ? { modelId: model } : {}),
    params,
    createdAt: addedAtMs,
  });
  const frames: FrameEmbeddingRecord[] = [];
  const frameThumbnails: ThumbnailRecord[] = [];
  const records: LineageRecord[] = [
    lineage('thumbnails', { maxEdgePx: THUMBNAIL_MAX_EDGE_PX, format: 'image/jpeg', quality: THUMBNAIL_JPEG_QUALITY }, 'thumbnail'),
    lineage('assets', { pHash: 'dct-64', sha256: true }, 'ingest'),
  ];
  if (p.kind === 'video') {
    const frameVectors = vectors.frames ?? [];
    p.video.frames.forEach((f, i) => {
      const frameId = `${id}#${i}`;
      frames.push({ id: frameId, assetId: id, frameIndex: i, timestampSec: f.timestampSec, modelId: modelKey, dim: frameVectors[i].length, vector: frameVectors[i] });
      frameThumbnails.push({ id: frameId, blob: f.thumbnail, width: 0, height: 0 });
    });
    const s = videoSettings;
    records.push(
      lineage('embeddings', { pooling: s.pooling, temperature: s.temperature, frames: frames.length, normalized: 'l2' }, 'clip-video', modelKey),
      lineage('frameEmbeddings', {
        decoder: p.video.decoder,
        maxFrames: s.maxFrames,
        minSecondsBetween: s.minSecondsBetween,
        diversityThreshold: s.diversityThreshold,
        histogram: 'hsv-8x8x8-bhattacharyya',
        candidates: p.video.candidateCount,
        skippedBlank: p.video.skippedBlank,
        inputPx: MODEL_INPUT_PX,
      }, 'clip-video-frames', modelKey),
    );
  } else {
    records.push(lineage('embeddings', { input: 'center-square', inputPx: MODEL_INPUT_PX, exifOrientation: true, normalized: 'l2' }, 'clip-image', modelKey));
  }
  return {
    asset,
    thumbnail: { id, ...p.thumbnail },
    embedding: { id, modelId: modelKey, dim: vectors.asset.length, vector: vectors.asset },
    lineage: records,
    frames,
    frameThumbnails,
  };
}
