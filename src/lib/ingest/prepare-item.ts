/**
 * The first half of importing one file: read, check, decode once and derive everything the
 * library keeps from the pixels. Runs for batch n+1 while the model works on batch n.
 */
import { assetBySha256 } from '../db/repo';
import type { JobRecord } from '../db/schema';
import { nameInText } from '../core/display-name';
import { SNIFF_BYTES, pixelLimitReason, rejectionReason, sniffFileKind } from '../core/file-kind';
import { scanImageDimensions, type ByteReader } from '../core/image-dimensions';
import { PHASH_SIZE, grayscaleFromRgba, phashFromGray32, phashStructureFromGray32 } from '../core/phash';
import type { PhotoMetadata } from '../core/photo-metadata';
import { sha256Hex } from '../core/sha256';
import { releaseBuffer } from '../core/typed-columns';
import { StageClock, type Stage } from '../core/stage-timings';
import type { VideoSettings } from '../core/video-settings';
import { MODEL_INPUT_PX, THUMBNAIL_MAX_EDGE_PX, videoExtractOptions, type Prepared, type PreparedImage, type PreparedVideo } from './asset-records';
import type { DuplicateChecks } from './duplicate-checks';
import { HeifDecodeError } from './heif-decode';
import { readPhotoMetadata } from './read-photo-metadata';
import { readVideoMetadata } from '../core/video-metadata';
import { motionOfStill } from './item-motion';
import type { DecodedStill, ExtractedVideo, IngestStorage, StillDecoder, VideoDecoder } from './ports';

export const BYTES_GONE = "the file's data is no longer stored here; drop the file again";
/**
 * Files up to this size are read into memory whole before they are checked (see prepareItem); a
 * larger one, which may be refused for its size, is read whole only once it passed. 64 MiB is
 * above any phone's photo and well below what a tab can hold for one item.
 */
const READ_WHOLE_MAX_BYTES = 64 * 2 ** 20;
const UNDECODABLE = 'could not be decoded: the image is damaged or in a format this browser cannot read';

/** Per-stage elapsed time of a run, for Diagnostics and the ingest benchmark. */
export class StageTimer {
  readonly clock = new StageClock();
  constructor(readonly nowMs: () => number) {}

  add(stage: Stage, startMs: number, count = 1): void {
    this.clock.add(stage, startMs, this.nowMs(), count);
  }

  /** Books the elapsed time of one awaited step (failed or not) to `stage`. */
  async timed<T>(stage: Stage, step: () => Promise<T> | T, count = 1): Promise<T> {
    const startMs = this.nowMs();
    try {
      return await step();
    } finally {
      this.add(stage, startMs, count);
    }
  }
}

export interface PrepareContext {
  storage: IngestStorage;
  stills: StillDecoder;
  video: VideoDecoder;
  videoSettings: VideoSettings;
  duplicates: DuplicateChecks;
  timer: StageTimer;
  /** Ends a job that will not be stored: its status and message are saved and shown. */
  finish(job: JobRecord, status: 'duplicate' | 'failed', message: string, assetId?: string): Promise<void>;
}

/** Decodes once and derives everything the library keeps; null when the job ended here (failed or duplicate). */
export async function prepareItem(ctx: PrepareContext, job: JobRecord): Promise<Prepared | null> {
  const { storage, timer } = ctx;
  const readStartMs = timer.nowMs();
  const blob = await storage.originals.get(job.id, job.blobLocation);
  if (!blob) {
    await ctx.finish(job, 'failed', BYTES_GONE);
    return null;
  }
  // A file of a photo's size is read whole, once: the sniff, the header scan, the digest and the
  // metadata all use those bytes, where each asking the browser for a part of the file again cost
  // a request to its storage. Only a larger file is checked from its parts before it is read.
  let whole: Uint8Array | null = blob.size <= READ_WHOLE_MAX_BYTES ? new Uint8Array(await blob.arrayBuffer()) : null;
  const readBytes: ByteReader = async (offsetBytes, lengthBytes) =>
    whole ? whole.subarray(offsetBytes, offsetBytes + lengthBytes) : new Uint8Array(await blob.slice(offsetBytes, offsetBytes + lengthBytes).arrayBuffer());
  const fileKind = sniffFileKind(await readBytes(0, SNIFF_BYTES));
  const reason = rejectionReason(fileKind, blob.size, await scanImageDimensions(readBytes, blob.size, fileKind));
  timer.add('read', readStartMs);
  if (reason) {
    await ctx.finish(job, 'failed', reason);
    return null;
  }
  // The whole file serves the digest and, for a photo, its metadata (read here when it was too large to read before the checks).
  let bytes: ArrayBuffer | null = whole ? (whole.buffer as ArrayBuffer) : await timer.timed('sha256', () => blob.arrayBuffer(), 0);
  const sha256 = await timer.timed('sha256', () => sha256Hex(bytes!));
  const existing = await assetBySha256(storage.db, sha256);
  if (existing) {
    await ctx.finish(job, 'duplicate', `already in your library as "${nameInText(existing.name)}"`, existing.id);
    return null;
  }
  const liveOwner = ctx.duplicates.motionOwner(sha256);
  if (liveOwner) {
    await ctx.finish(job, 'duplicate', `already in your library as the motion of the Live Photo "${nameInText(liveOwner.name)}"`, liveOwner.id);
    return null;
  }
  const twin = ctx.duplicates.claimSha256(sha256, job.id);
  if (twin) {
    await ctx.finish(job, 'duplicate', 'the same file is already being added in this import', twin);
    return null;
  }
  try {
    // Booked to "read" with no count of its own: the item was counted when its bytes came back.
    const metadata = await timer.timed('read', () => (fileKind.kind === 'image' ? readPhotoMetadata(bytes!, Date.now()) : readVideoMetadata(readBytes, blob.size, Date.now())), 0);
    const motion = await timer.timed('read', () => motionOfStill(storage, job, fileKind.kind === 'video', fileKind.kind === 'image' && fileKind.format === 'jpeg' ? new Uint8Array(bytes!) : null), 0);
    // The bytes go before the decode: a video's frames and a photo's pixels need the memory more.
    // Given back rather than dropped: this worker collects garbage rarely, and a batch of phone
    // photos (3–12 MB each) stayed allocated until it did.
    releaseBuffer(bytes);
    bytes = whole = null;
    const prepared = fileKind.kind === 'video' ? await prepareVideo(ctx, job, blob, sha256, metadata) : await prepareImage(ctx, job, blob, sha256, metadata);
    if (!prepared) return null;
    if (motion) prepared.motion = motion;
    ctx.duplicates.addPending(job.id, job.name, prepared.pHash, prepared.pHashStructure);
    return prepared;
  } catch (err) {
    ctx.duplicates.releaseSha256(sha256, job.id);
    throw err;
  }
}

/** Thumbnail and pHash from one decoded still (a photo, or a video's poster frame). */
async function deriveStill(ctx: PrepareContext, still: DecodedStill) {
  const { timer } = ctx;
  const resizeStartMs = timer.nowMs();
  const thumbnail = await still.thumbnail(THUMBNAIL_MAX_EDGE_PX);
  const phashStartMs = timer.nowMs();
  timer.clock.add('resize', resizeStartMs, phashStartMs);
  // pHash reads the thumbnail rather than the original: same result within a bit or two,
  // and a 32×32 draw from a 320 px image is far cheaper than from a 24 MP one.
  const gray = grayscaleFromRgba(still.thumbnailRgba(PHASH_SIZE), PHASH_SIZE, PHASH_SIZE);
  const pHash = phashFromGray32(gray);
  const pHashStructure = phashStructureFromGray32(gray);
  const nearDuplicateOf = ctx.duplicates.nearest(pHash, pHashStructure);
  timer.add('phash', phashStartMs);
  return { thumbnail, pHash, pHashStructure, nearDuplicateOf };
}

/** Ends a job after its sha256 was claimed: the claim goes with it. */
async function fail(ctx: PrepareContext, job: JobRecord, sha256: string, message: string): Promise<null> {
  ctx.duplicates.releaseSha256(sha256, job.id);
  await ctx.finish(job, 'failed', message);
  return null;
}

async function prepareImage(ctx: PrepareContext, job: JobRecord, blob: Blob, sha256: string, metadata?: PhotoMetadata): Promise<PreparedImage | null> {
  let decoded: DecodedStill;
  try {
    decoded = await ctx.timer.timed('decode', () => ctx.stills.decodeImage(blob));
  } catch (err) {
    // libheif says what is wrong with a HEIC; the browser's decoder only that it failed.
    return fail(ctx, job, sha256, err instanceof HeifDecodeError ? err.message : UNDECODABLE);
  }
  try {
    const { width, height } = decoded;
    // Backstop for a header that understated the size: too late to spare the decode, not too late to stop the rest.
    const tooLarge = pixelLimitReason({ width, height });
    if (tooLarge) return await fail(ctx, job, sha256, tooLarge);
    const still = await deriveStill(ctx, decoded);
    const cropStartMs = ctx.timer.nowMs();
    const pixels = decoded.centerCrop(MODEL_INPUT_PX);
    // Thumbnail and model crop together are "resize": two spans for one item.
    ctx.timer.add('resize', cropStartMs, 0);
    return { kind: 'image', job, sha256, width, height, pixels, ...still, ...(metadata ? { metadata } : {}) };
  } finally {
    decoded.close();
  }
}

async function prepareVideo(ctx: PrepareContext, job: JobRecord, blob: Blob, sha256: string, metadata: PhotoMetadata): Promise<PreparedVideo | null> {
  const s = ctx.videoSettings;
  let extracted: ExtractedVideo;
  try {
    // A video's decode is the whole video-worker round trip: demux, decode, frame choice, crops.
    extracted = await ctx.timer.timed('decode', () => ctx.video.extract(blob, videoExtractOptions(s)));
  } catch (err) {
    return fail(ctx, job, sha256, err instanceof Error ? err.message : String(err));
  }
  const poster = await ctx.timer.timed('decode', () => ctx.stills.decodePoster(extracted.poster.blob), 0);
  try {
    const still = await deriveStill(ctx, poster);
    return { kind: 'video', job, sha256, width: extracted.width, height: extracted.height, video: extracted, ...still, metadata };
  } finally {
    poster.close();
  }
}
