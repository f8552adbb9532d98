/// <reference lib="webworker" />
import { expose, transfer, wrap, type Remote } from 'comlink';
import type { EmbedApi, PixelImage } from './embed.worker';
import type { ExtractedVideo, VideoApi } from './video.worker';
import { openLibraryDb, type Db } from '../src/lib/db/db';
import { deletePartialOriginal, deleteUnownedOriginal, getOriginal, putOriginal } from '../src/lib/db/blob-store';
import {
  assetBySha256,
  assetSummaries,
  claimQueuedJobs,
  commitAsset,
  commitAssets,
  deleteDrop,
  deleteJobs,
  getDrop,
  getFolder,
  getJob,
  jobsOfDrop,
  listDrops,
  listFolders,
  putDrop,
  putFolder,
  putJobs,
  requeueInterrupted,
  unfinishedJobs,
  updateJob,
  type StoredAsset,
} from '../src/lib/db/repo';
import type { AssetRecord, DropEntry, DropRecord, FrameEmbeddingRecord, JobRecord, LineageRecord, ThumbnailRecord } from '../src/lib/db/schema';
import { fileKey, matchMissing, missingEntries, newSinceLastScan, type Candidate } from '../src/lib/core/drop-manifest';
import { SNIFF_BYTES, pixelLimitReason, rejectionReason, sniffFileKind } from '../src/lib/core/file-kind';
import { scanImageDimensions } from '../src/lib/core/image-dimensions';
import { sha256Hex } from '../src/lib/core/sha256';
import { PHASH_SIZE, grayscaleFromRgba, phashFromGray32, phashToHex } from '../src/lib/core/phash';
import { HammingIndex } from '../src/lib/core/hamming-index';
import { centerSquare, fitWithin } from '../src/lib/core/geometry';
import { NEAR_DUPLICATE_MAX_DISTANCE } from '../src/lib/core/near-duplicate';
import { attentionPool, meanPool } from '../src/lib/core/pooling';
import { DEFAULT_VIDEO_SETTINGS, type VideoSettings } from '../src/lib/core/video-settings';
import { StageClock, type Stage, type StageTimings } from '../src/lib/core/stage-timings';
import { toModelInput, type ModelInputSpec } from '../src/lib/core/model-input';
import { nameInText } from '../src/lib/core/display-name';
import { plural } from '../src/lib/core/plural';
import { context2d } from './lib/canvas';

const MODEL_INPUT_PX = 224;
const THUMBNAIL_MAX_EDGE_PX = 320;
const FRAME_THUMBNAIL_MAX_EDGE_PX = 160;
/** Images per forward pass: large enough to amortise per-call overhead, small enough to keep progress lively. */
const BATCH_SIZE = 8;
const PRODUCER_VERSION = '1';
const BYTES_GONE = "the file's data is no longer stored here; drop the file again";

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
    }
  | { type: 'job'; id: string; name: string; status: JobRecord['status']; message: string }
  | { type: 'stored'; ids: string[] }
  | { type: 'paused'; reason: string; notImported: number }
  | { type: 'idle' }
  /** This tab took over the import queue and found files a closed tab or a reload left waiting. */
  | { type: 'resumed'; left: number }
  /** Whether this tab runs the import queue (one tab at a time does) or hands its files to the one that does. */
  | { type: 'role'; writer: boolean }
  /** Drops a reload or a closed tab cut off while their files were being copied in. */
  | { type: 'interrupted'; drops: InterruptedDrop[] };

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

/**
 * One tab at a time runs the import queue and writes the library's derived data: two tabs
 * working through one queue each stored the other's files a second time. The tab holding this
 * lock is the writer; the others copy their files in and hand them over on the channel below.
 */
const WRITER_LOCK = 'shoebox:import-writer';
const CHANNEL = 'shoebox:import';
/** Held while a drop's files are copied in: a drop whose lock is free and whose manifest remains was cut off. */
const dropLock = (dropId: string) => `shoebox:drop:${dropId}`;
/** A tab copying files says so at least this often; the writer forgets a tab silent for longer (closed mid-copy). */
const REMOTE_ADDING_STALE_MS = 2000;

type ChannelMessage =
  | { kind: 'event'; from: string; event: IngestEvent }
  | { kind: 'queued'; from: string; count: number }
  | { kind: 'adding'; from: string; done: number; total: number }
  | { kind: 'resume'; from: string }
  | { kind: 'forget'; from: string; ids: string[] };

interface PreparedBase {
  job: JobRecord;
  sha256: string;
  pHash: bigint;
  width: number;
  height: number;
  thumbnail: { blob: Blob; width: number; height: number };
  nearDuplicateOf?: AssetRecord['nearDuplicateOf'];
}

interface PreparedImage extends PreparedBase {
  kind: 'image';
  pixels: PixelImage;
}

interface PreparedVideo extends PreparedBase {
  kind: 'video';
  video: ExtractedVideo;
}

type Prepared = PreparedImage | PreparedVideo;

const dbReady: Promise<Db> = openLibraryDb();
let db: Db;
let embed: Remote<EmbedApi>;
let video: Remote<VideoApi>;
let videoSettings: VideoSettings = DEFAULT_VIDEO_SETTINGS;
let modelKey = '';
let toPage: (e: IngestEvent) => void = () => undefined;
/** This worker's tab, on the channel and as the owner of the jobs it claims. */
const tabId = crypto.randomUUID();
let writer = false;
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL);
const post = (m: ChannelMessage) => channel?.postMessage(m);
/** Files other tabs are copying in, by tab: shown in every tab's progress. */
const remoteAdding = new Map<string, { done: number; total: number; atMs: number }>();
let idleCheck: ReturnType<typeof setTimeout> | undefined;

/** What the writer says goes to every tab, so all of them show the same counts and messages. */
function emit(e: IngestEvent): void {
  toPage(e);
  if (writer) post({ kind: 'event', from: tabId, event: e });
}
const pHashes = new HammingIndex<string>();
/**
 * pHashes of photos prepared but not yet committed: a resized copy in the same drop as its
 * original is flagged although the original is not stored yet.
 */
const pendingPHashes = new HammingIndex<string>();
const namesById = new Map<string, string>();
/** The model's input recipe, asked once: pixels become model input here rather than in the model worker. */
let inputSpec: Promise<ModelInputSpec | null> | null = null;
/** Jobs taken by the running loop, so the prefetch of the next batch never takes them twice. */
const inFlight = new Set<string>();
/** sha256 → job id of files being processed now, to catch the same file twice in one drop. */
const inFlightSha = new Map<string, string>();
let running: Promise<void> | null = null;
let paused = '';
/** Last createdAt handed out, so jobs staged within one millisecond still run in drop order. */
let lastCreatedAt = 0;
/** Last addedAt handed out, for the same reason. */
let lastAddedAt = 0;
const counters = { total: 0, done: 0, stored: 0, startedAt: 0, storedAt: 0 };
/** Files of the drops being taken in; indexing starts with the first one rather than after the last. */
const adding = { done: 0, total: 0 };
const stillAdding = () => adding.done < adding.total;
function freshRemoteAdding(): { done: number; total: number } {
  const sum = { done: 0, total: 0 };
  const now = performance.now();
  for (const [tab, a] of remoteAdding) {
    if (now - a.atMs > REMOTE_ADDING_STALE_MS || a.done >= a.total) remoteAdding.delete(tab);
    else {
      sum.done += a.done;
      sum.total += a.total;
    }
  }
  return sum;
}
/** A run that has caught up with the files taken in so far waits here for the next ones. */
let addWaiters: (() => void)[] = [];
function wakeAddWaiters(): void {
  const waiters = addWaiters;
  addWaiters = [];
  for (const wake of waiters) wake();
}
/** Thrown inside a run to stop it when something else paused the import and says why. */
class PausedStop extends Error {}
/** Progress events while files are taken in: often enough to look alive, not one per file. */
const ADDING_PROGRESS_EVERY_MS = 250;
/** Per-stage elapsed time of the current run, for Diagnostics and the ingest benchmark. */
const clock = new StageClock();

/** Books the elapsed time of one awaited step (failed or not) to `stage`. */
async function timed<T>(stage: Stage, step: () => Promise<T> | T, count = 1): Promise<T> {
  const startMs = performance.now();
  try {
    return await step();
  } finally {
    clock.add(stage, startMs, performance.now(), count);
  }
}

function progress(): void {
  const seconds = (counters.storedAt - counters.startedAt) / 1000;
  const remote = freshRemoteAdding();
  const addingNow = { done: adding.done + remote.done, total: adding.total + remote.total };
  emit({
    type: 'progress',
    done: counters.done,
    // Files other tabs have yet to copy in count from the start, as this tab's own drops do.
    total: counters.total + (remote.total - remote.done),
    stored: counters.stored,
    imagesPerSecond: seconds > 0 ? counters.stored / seconds : 0,
    ...(clock.empty ? {} : { stages: clock.snapshot() }),
    ...(addingNow.done < addingNow.total ? { adding: addingNow } : {}),
  });
}

function isQuotaError(err: unknown): boolean {
  return err instanceof DOMException && (err.name === 'QuotaExceededError' || err.code === 22);
}

/** A failed job keeps its staged bytes, so "Retry" can run it again until the user dismisses it. */
async function finish(job: JobRecord, status: 'duplicate' | 'failed', message: string, assetId?: string): Promise<void> {
  // The job's id is also the id its item would have: never delete bytes an item already owns.
  if (status === 'duplicate') await deleteUnownedOriginal(db, job.id, job.blobLocation);
  // A duplicate names the asset it repeats, for the Duplicates view.
  await updateJob(db, job.id, { status, message, ...(assetId ? { assetId } : {}) });
  counters.done++;
  emit({ type: 'job', id: job.id, name: job.name, status, message });
}

/** Decodes once and derives everything the library keeps from the pixels. */
async function prepare(job: JobRecord): Promise<Prepared | null> {
  const readStartMs = performance.now();
  const blob = await getOriginal(db, job.id, job.blobLocation);
  if (!blob) {
    await finish(job, 'failed', BYTES_GONE);
    return null;
  }
  const fileKind = sniffFileKind(new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer()));
  const readBytes = async (offsetBytes: number, lengthBytes: number) => new Uint8Array(await blob.slice(offsetBytes, offsetBytes + lengthBytes).arrayBuffer());
  const reason = rejectionReason(fileKind, blob.size, await scanImageDimensions(readBytes, blob.size, fileKind));
  clock.add('read', readStartMs, performance.now());
  if (reason) {
    await finish(job, 'failed', reason);
    return null;
  }
  const sha256 = await timed('sha256', () => sha256Hex(blob));
  const existing = await assetBySha256(db, sha256);
  if (existing) {
    await finish(job, 'duplicate', `already in your library as "${nameInText(existing.name)}"`, existing.id);
    return null;
  }
  const twin = inFlightSha.get(sha256);
  if (twin && twin !== job.id) {
    await finish(job, 'duplicate', 'the same file is already being added in this import', twin);
    return null;
  }
  inFlightSha.set(sha256, job.id);

  const kind = fileKind.kind;
  try {
    return kind === 'video' ? await prepareVideo(job, blob, sha256) : await prepareImage(job, blob, sha256);
  } catch (err) {
    inFlightSha.delete(sha256);
    throw err;
  }
}

/** Thumbnail and pHash from one decoded still (a photo, or a video's poster frame). */
async function deriveStill(source: CanvasImageSource, width: number, height: number) {
  const resizeStartMs = performance.now();
  const thumbSize = fitWithin(width, height, THUMBNAIL_MAX_EDGE_PX);
  const thumbCtx = context2d(thumbSize.width, thumbSize.height);
  thumbCtx.drawImage(source, 0, 0, thumbSize.width, thumbSize.height);
  const blob = await thumbCtx.canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
  const phashStartMs = performance.now();
  clock.add('resize', resizeStartMs, phashStartMs);
  // pHash reads the thumbnail rather than the original: same result within a bit or two,
  // and a 32×32 draw from a 320 px image is far cheaper than from a 24 MP one.
  const hashCtx = context2d(PHASH_SIZE, PHASH_SIZE);
  hashCtx.drawImage(thumbCtx.canvas, 0, 0, PHASH_SIZE, PHASH_SIZE);
  const pHash = phashFromGray32(grayscaleFromRgba(hashCtx.getImageData(0, 0, PHASH_SIZE, PHASH_SIZE).data, PHASH_SIZE, PHASH_SIZE));
  const nearest = [...pHashes.query(pHash, NEAR_DUPLICATE_MAX_DISTANCE), ...pendingPHashes.query(pHash, NEAR_DUPLICATE_MAX_DISTANCE)].sort(
    (a, b) => a.distance - b.distance,
  )[0];
  const nearDuplicateOf = nearest ? { id: nearest.id, name: namesById.get(nearest.id) ?? '', distance: nearest.distance } : undefined;
  clock.add('phash', phashStartMs, performance.now());
  return { thumbnail: { blob, ...thumbSize }, pHash, nearDuplicateOf };
}

async function prepareImage(job: JobRecord, blob: Blob, sha256: string): Promise<PreparedImage | null> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await timed('decode', () => createImageBitmap(blob, { imageOrientation: 'from-image' }));
  } catch {
    inFlightSha.delete(sha256);
    await finish(job, 'failed', 'could not be decoded: the image is damaged or in a format this browser cannot read');
    return null;
  }
  try {
    const { width, height } = bitmap;
    // Backstop for a header that understated the size: too late to spare the decode, not too late to stop the rest.
    const tooLarge = pixelLimitReason({ width, height });
    if (tooLarge) {
      inFlightSha.delete(sha256);
      await finish(job, 'failed', tooLarge);
      return null;
    }
    const still = await deriveStill(bitmap, width, height);
    const cropStartMs = performance.now();
    const crop = centerSquare(width, height);
    const modelCtx = context2d(MODEL_INPUT_PX, MODEL_INPUT_PX);
    modelCtx.drawImage(bitmap, crop.x, crop.y, crop.width, crop.height, 0, 0, MODEL_INPUT_PX, MODEL_INPUT_PX);
    const pixels = { data: modelCtx.getImageData(0, 0, MODEL_INPUT_PX, MODEL_INPUT_PX).data, width: MODEL_INPUT_PX, height: MODEL_INPUT_PX };
    // Thumbnail and model crop together are "resize": two spans for one item.
    clock.add('resize', cropStartMs, performance.now(), 0);
    pending(job, still.pHash);
    return { kind: 'image', job, sha256, width, height, pixels, ...still };
  } finally {
    bitmap.close();
  }
}

async function prepareVideo(job: JobRecord, blob: Blob, sha256: string): Promise<PreparedVideo | null> {
  let extracted: ExtractedVideo;
  try {
    // A video's decode is the whole video-worker round trip: demux, decode, frame choice, crops.
    extracted = await timed('decode', () => video.extract(blob, {
      maxFrames: videoSettings.maxFrames,
      minSecondsBetween: videoSettings.minSecondsBetween,
      diversityThreshold: videoSettings.diversityThreshold,
      modelInputPx: MODEL_INPUT_PX,
      thumbMaxEdgePx: THUMBNAIL_MAX_EDGE_PX,
      frameThumbMaxEdgePx: FRAME_THUMBNAIL_MAX_EDGE_PX,
    }));
  } catch (err) {
    inFlightSha.delete(sha256);
    await finish(job, 'failed', err instanceof Error ? err.message : String(err));
    return null;
  }
  const poster = await timed('decode', () => createImageBitmap(extracted.poster.blob), 0);
  try {
    const still = await deriveStill(poster, poster.width, poster.height);
    pending(job, still.pHash);
    return { kind: 'video', job, sha256, width: extracted.width, height: extracted.height, video: extracted, ...still };
  } finally {
    poster.close();
  }
}

function pending(job: JobRecord, pHash: bigint): void {
  pendingPHashes.add(job.id, pHash);
  namesById.set(job.id, job.name);
}

/** Forgets what the loop holds for a job it has finished with (stored or not). */
function release(jobId: string, sha256?: string): void {
  inFlight.delete(jobId);
  if (sha256 && inFlightSha.get(sha256) === jobId) inFlightSha.delete(sha256);
  if (pendingPHashes.remove(jobId) && !pHashes.has(jobId)) namesById.delete(jobId);
}

async function takeBatch(): Promise<Prepared[] | null> {
  let jobs = await claimQueuedJobs(db, BATCH_SIZE, inFlight, tabId);
  // Files still being taken in: wait for a full batch rather than end the run or send a thin one.
  while (jobs.length < BATCH_SIZE && stillAdding() && !paused) {
    await new Promise<void>((wake) => addWaiters.push(wake));
    jobs.push(...(await claimQueuedJobs(db, BATCH_SIZE - jobs.length, new Set([...inFlight, ...jobs.map((j) => j.id)]), tabId)));
  }
  if (jobs.length === 0) return null;
  const prepared: Prepared[] = [];
  for (const job of jobs) {
    inFlight.add(job.id);
    try {
      const p = await prepare(job);
      if (p) prepared.push(p);
      else inFlight.delete(job.id);
    } catch (err) {
      inFlight.delete(job.id);
      if (isQuotaError(err)) throw err;
      await finish(job, 'failed', `could not be processed: ${err instanceof Error ? err.message : String(err)}`);
      release(job.id);
    }
  }
  progress();
  return prepared;
}

interface Vectors {
  asset: Float32Array;
  frames?: Float32Array[];
}

/** Everything one prepared item stores, in the shape commitAsset(s) writes. */
function recordsOf(p: Prepared, vectors: Vectors): StoredAsset {
  // Distinct times, so "Recently added" keeps the order of a batch written in one go.
  const now = (lastAddedAt = Math.max(Date.now(), lastAddedAt + 1));
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
    addedAt: now,
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
    createdAt: now,
  });
  const frames: FrameEmbeddingRecord[] = [];
  const frameThumbnails: ThumbnailRecord[] = [];
  const records: LineageRecord[] = [
    lineage('thumbnails', { maxEdgePx: THUMBNAIL_MAX_EDGE_PX, format: 'image/jpeg', quality: 0.85 }, 'thumbnail'),
    lineage('assets', { pHash: 'dct-64', sha256: true }, 'ingest'),
  ];
  if (p.kind === 'video') {
    p.video.frames.forEach((f, i) => {
      const frameId = `${id}#${i}`;
      frames.push({ id: frameId, assetId: id, frameIndex: i, timestampSec: f.timestampSec, modelId: modelKey, dim: vectors.frames![i].length, vector: vectors.frames![i] });
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

/** One item, alone in its transaction: false when the same file was stored meanwhile. */
async function storeOne(p: Prepared, record: StoredAsset): Promise<boolean> {
  try {
    await commitAsset(db, p.job.id, record);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'ConstraintError') {
      const existing = await assetBySha256(db, p.sha256);
      await finish(p.job, 'duplicate', `already in your library as "${existing ? nameInText(existing.name) : 'another file'}"`, existing?.id);
      return false;
    }
    throw err;
  }
  return true;
}

/** The library's view of an item once its records are committed. */
function afterStored(p: Prepared): void {
  const id = p.job.id;
  pendingPHashes.remove(id);
  pHashes.add(id, p.pHash);
  namesById.set(id, p.job.name);
  counters.done++;
  counters.stored++;
  counters.storedAt = performance.now();
  const notes: string[] = [];
  if (p.kind === 'video' && p.video.readableSec !== undefined)
    notes.push(`the file is cut short: only the first ${p.video.readableSec.toFixed(1)} s could be read (kept)`);
  if (p.nearDuplicateOf) notes.push(`looks like a near-duplicate of "${nameInText(p.nearDuplicateOf.name)}" (kept, marked in the library)`);
  if (notes.length) emit({ type: 'job', id, name: p.job.name, status: 'stored', message: notes.join('; ') });
}

function pool(frames: Float32Array[]): Float32Array {
  const dim = frames[0].length;
  return videoSettings.pooling === 'mean' ? meanPool(frames, dim) : attentionPool(frames, dim, videoSettings.temperature).vector;
}

/** Photos and video keyframes share forward passes, BATCH_SIZE images at a time. */
async function embedAndStore(batch: Prepared[]): Promise<void> {
  if (batch.length === 0) return;
  const images = batch.flatMap((p) => (p.kind === 'image' ? [p.pixels] : p.video.frames.map((f) => f.pixels)));
  inputSpec ??= embed.modelInputSpec(MODEL_INPUT_PX).catch(() => null);
  const spec = await inputSpec;
  const vectors: Float32Array[] = [];
  for (let i = 0; i < images.length; i += BATCH_SIZE) {
    const chunk = images.slice(i, i + BATCH_SIZE);
    if (spec) {
      // Rescale/normalize/CHW here (counted as "resize"), so the model worker only runs the model.
      const inputs = await timed('resize', () => chunk.map((c) => toModelInput(c.data, MODEL_INPUT_PX, spec)), 0);
      // The embed worker round trip, transfer and queueing included: what the pipeline waits for.
      const sent = transfer(inputs, inputs.map((x) => x.buffer as ArrayBuffer));
      vectors.push(...(await timed('model', () => embed.embedModelInputs(sent, MODEL_INPUT_PX), chunk.length)));
    } else {
      vectors.push(...(await timed('model', () => embed.embedImages(transfer(chunk, chunk.map((c) => c.data.buffer as ArrayBuffer))), chunk.length)));
    }
  }
  let at = 0;
  const records = batch.map((p) => {
    const n = p.kind === 'image' ? 1 : p.video.frames.length;
    const mine = vectors.slice(at, at + n);
    at += n;
    return recordsOf(p, p.kind === 'image' ? { asset: mine[0] } : { asset: pool(mine), frames: mine });
  });
  const ids: string[] = [];
  try {
    await timed('store', async () => {
      // One transaction for the whole batch: a commit per item cost more than the writes. If it
      // fails (the same file stored meanwhile, a record the store refuses), each item is tried
      // alone so one bad item cannot take the others down; a full disk stops both ways.
      let together = false;
      try {
        await commitAssets(db, batch.map((p, i) => ({ jobId: p.job.id, record: records[i]! })));
        together = true;
      } catch (err) {
        if (isQuotaError(err)) throw err;
      }
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i]!;
        if (together || (await storeOne(p, records[i]!))) {
          afterStored(p);
          ids.push(p.job.id);
        }
      }
    }, batch.length);
  } finally {
    // Items of the batch stored before a failure (a full disk) are in the library: the page must know.
    if (ids.length) emit({ type: 'stored', ids });
  }
  for (const p of batch) release(p.job.id, p.sha256);
  progress();
}

/** Prepares batch n+1 (decode, hash, resize) while the model runs on batch n. */
async function runQueue(): Promise<void> {
  counters.startedAt = counters.storedAt = performance.now();
  clock.reset();
  let next = takeBatch();
  try {
    for (;;) {
      const batch = await next;
      if (!batch) break;
      if (paused) throw new PausedStop();
      next = takeBatch();
      next.catch(() => undefined);
      try {
        await embedAndStore(batch);
      } catch (err) {
        for (const p of batch) release(p.job.id, p.sha256);
        throw err;
      }
    }
  } catch (err) {
    // Whichever step failed (storing batch n or preparing n+1), no job may stay marked in flight:
    // a resume would skip it forever and the import would end short.
    await next.catch(() => undefined);
    inFlight.clear();
    inFlightSha.clear();
    pendingPHashes.clear();
    throw err;
  }
}


function storageFullMessage(notImported: number): string {
  return `Storage is full — free up space or export your library, then resume. ${plural(notImported, 'file')} not imported yet; everything already in your library is safe.`;
}

/** Jobs a stopped run left "processing" go back to the queue; a full disk may refuse even that, so init and resume repeat it. */
async function requeueQuietly(): Promise<void> {
  await requeueInterrupted(db).catch(() => undefined);
}

function kick(): void {
  if (running || paused || !writer) return;
  running = runQueue()
    .catch(async (err: unknown) => {
      await requeueQuietly();
      if (err instanceof PausedStop) return;
      const notImported = (await unfinishedJobs(db).catch(() => [])).length;
      paused = isQuotaError(err)
        ? storageFullMessage(notImported)
        : `Import paused: ${err instanceof Error ? err.message : String(err)}`;
      emit({ type: 'paused', reason: paused, notImported });
    })
    .finally(() => {
      running = null;
      settle();
    });
}

/**
 * Ends an import once nothing runs and no tab is still copying files in: counts reset and every
 * tab refreshes. While a drop is still being taken in, its next file starts a new run with the same counts.
 */
function settle(): void {
  clearTimeout(idleCheck);
  if (running || paused || stillAdding()) return;
  if (freshRemoteAdding().total > 0) {
    // Another tab is copying: look again once it has said more, or has gone silent (closed).
    idleCheck = setTimeout(settle, REMOTE_ADDING_STALE_MS);
    return;
  }
  counters.total = counters.done = counters.stored = 0;
  clock.reset();
  emit({ type: 'idle' });
}

/** Settles once this tab knows whether it runs the queue: files dropped meanwhile wait for it, so none is left unrun. */
let roleKnown = Promise.withResolvers<void>();
const forever = () => new Promise<never>(() => undefined);

/**
 * Takes the writer lock if it is free; otherwise this tab hands its files over and waits in line,
 * taking over (and resuming what the old writer left) when that tab closes.
 */
function claimWriter(): void {
  roleKnown = Promise.withResolvers<void>();
  const known = roleKnown;
  const takeOver = async () => {
    await becomeWriter().catch((err: unknown) => emit({ type: 'paused', reason: `Import paused: ${err instanceof Error ? err.message : String(err)}`, notImported: 0 }));
    known.resolve();
    await forever();
  };
  void navigator.locks.request(WRITER_LOCK, { ifAvailable: true }, async (lock) => {
    if (lock) return takeOver();
    known.resolve();
    void navigator.locks.request(WRITER_LOCK, takeOver);
  });
}

/** Files another tab copied in (or queued again) are waiting: count them and run. */
function onQueuedElsewhere(count: number): void {
  counters.total += count;
  kick();
}

/** Called when this tab gets the writer lock: the previous writer is gone, so what it left in flight runs here. */
async function becomeWriter(): Promise<void> {
  writer = true;
  toPage({ type: 'role', writer: true });
  pHashes.clear();
  namesById.clear();
  for (const a of await assetSummaries(db)) {
    pHashes.add(a.id, BigInt(`0x${a.pHash}`));
    namesById.set(a.id, a.name);
  }
  await requeueQuietly();
  const pending = await unfinishedJobs(db);
  counters.total += pending.length;
  if (pending.length) {
    emit({ type: 'resumed', left: pending.length });
    kick();
  }
}

channel?.addEventListener('message', (e: MessageEvent<ChannelMessage>) => {
  const m = e.data;
  if (m.from === tabId) return;
  if (m.kind === 'event') {
    if (!writer) toPage(m.event);
    return;
  }
  if (!writer) return;
  if (m.kind === 'queued') onQueuedElsewhere(m.count);
  else if (m.kind === 'adding') {
    remoteAdding.set(m.from, { done: m.done, total: m.total, atMs: performance.now() });
    progress();
    if (m.done >= m.total) settle();
  } else if (m.kind === 'resume') void api.resume();
  else if (m.kind === 'forget') api.forget(m.ids);
});

/**
 * Drops whose manifest remains while no tab holds their lock were cut off mid-copy (a reload, a
 * closed tab or browser). Files whose bytes were being written are discarded (partial), and each
 * file that never made it in is listed so the user can add it again.
 */
async function interruptedDrops(): Promise<InterruptedDrop[]> {
  const out: InterruptedDrop[] = [];
  for (const drop of await listDrops(db)) {
    await navigator.locks.request(dropLock(drop.id), { ifAvailable: true }, async (lock) => {
      if (!lock) return; // still being copied by a tab that is open
      const jobs = await jobsOfDrop(db, drop.id);
      const partial = jobs.filter((j) => j.status === 'staging');
      for (const j of partial) await deletePartialOriginal(db, j.id, j.blobLocation);
      if (partial.length) await deleteJobs(db, partial.map((j) => j.id));
      const missing = missingEntries(drop.entries, jobs);
      if (missing.length === 0) {
        await deleteDrop(db, drop.id);
        return;
      }
      out.push({ id: drop.id, createdAtMs: drop.createdAtMs, missing: missing.map(({ index: _, ...e }) => e), roots: drop.roots ?? [] });
    });
  }
  return out.sort((a, b) => a.createdAtMs - b.createdAtMs);
}

interface StageItem {
  file: File;
  entryIndex: number;
}

/**
 * Copies files into the library under one drop: each file's job is written first (status
 * staging, so its bytes always have an owner), then its bytes, then it is queued. The drop's lock is
 * held meanwhile, so a reload mid-copy is recognised on the next start.
 */
async function stage(drop: DropRecord, items: StageItem[]): Promise<{ queued: number; rejected: string[] }> {
  await roleKnown.promise;
  const rejected: string[] = [];
  let queued = 0;
  let full = false;
  // A new drop is the user asking to go on.
  paused = '';
  adding.total += items.length;
  if (writer) counters.total += items.length;
  let progressAtMs = 0;
  let taken = 0;
  const tell = () => {
    if (writer) progress();
    else post({ kind: 'adding', from: tabId, done: adding.done, total: adding.total });
  };
  await navigator.locks.request(dropLock(drop.id), async () => {
    try {
      for (const { file, entryIndex } of items) {
        const id = crypto.randomUUID();
        const now = (lastCreatedAt = Math.max(Date.now(), lastCreatedAt + 1));
        const job: JobRecord = { id, name: file.name, mime: file.type, sizeBytes: file.size, status: 'staging', batchId: drop.id, entryIndex, createdAt: now, updatedAt: now, blobLocation: 'opfs' };
        let jobWritten = false;
        try {
          // Once the disk is full every further write fails too: stop writing, say so per file.
          if (full) throw new DOMException('storage is full', 'QuotaExceededError');
          await putJobs(db, [job]);
          jobWritten = true;
          const blobLocation = await putOriginal(db, id, file);
          await updateJob(db, id, { status: 'queued', blobLocation });
          queued++;
          if (writer) kick();
          else post({ kind: 'queued', from: tabId, count: 1 });
        } catch (err) {
          if (jobWritten) {
            await deletePartialOriginal(db, id, job.blobLocation).catch(() => undefined);
            await deleteJobs(db, [id]).catch(() => undefined);
          }
          if (isQuotaError(err) && !full) {
            full = true;
            // Stop indexing too: what is queued waits for space, and for the count below.
            if (writer) paused = storageFullMessage(0);
          }
          const message = isQuotaError(err)
            ? 'not added: your browser storage is full; free up space, then drop the file again'
            : `not added: ${err instanceof Error ? err.message : String(err)}`;
          rejected.push(file.name);
          if (writer) counters.total--;
          emit({ type: 'job', id, name: file.name, status: 'failed', message });
        } finally {
          adding.done++;
          taken++;
        }
        wakeAddWaiters();
        if (performance.now() - progressAtMs >= ADDING_PROGRESS_EVERY_MS) {
          progressAtMs = performance.now();
          tell();
        }
      }
      // Every file is either in or was named as not added: the manifest has done its job.
      await deleteDrop(db, drop.id).catch(() => undefined);
    } finally {
      adding.done -= taken;
      adding.total -= items.length;
      wakeAddWaiters();
    }
  });
  if (writer) progress();
  else post({ kind: 'adding', from: tabId, done: 0, total: 0 });
  if (full && writer) {
    // The run stops at its next batch; count what is left once it has.
    while (running) await running;
    const notImported = rejected.length + (await unfinishedJobs(db)).length;
    paused = storageFullMessage(notImported);
    emit({ type: 'paused', reason: paused, notImported });
  }
  if (writer) settle();
  return { queued, rejected };
}

/** Lists every file of a directory handle with its path, for continuing an interrupted drop. */
async function walkHandle(handle: FileSystemHandle, prefix: string, out: Array<{ file: File; path: string }>): Promise<void> {
  const path = prefix ? `${prefix}/${handle.name}` : handle.name;
  if (handle.kind === 'file') {
    out.push({ file: await (handle as FileSystemFileHandle).getFile(), path });
    return;
  }
  for await (const child of (handle as FileSystemDirectoryHandle).values()) await walkHandle(child, path, out);
}

const candidateOf = ({ file, path }: { file: File; path: string }): Candidate => ({ name: file.name, sizeBytes: file.size, lastModifiedMs: file.lastModified, path });

/** Keeps a dropped or picked folder with every file it holds now: a later scan adds only what is new. */
async function rememberFolder(handle: FileSystemDirectoryHandle, found: Array<{ file: File; path: string }>): Promise<void> {
  let folder = null;
  for (const f of await listFolders(db)) if (await f.handle.isSameEntry(handle)) folder = f;
  const now = Date.now();
  const seen = new Set(folder?.seen ?? []);
  for (const f of found) seen.add(fileKey(candidateOf(f)));
  await putFolder(db, {
    id: folder?.id ?? crypto.randomUUID(),
    name: handle.name,
    handle,
    addedAtMs: folder?.addedAtMs ?? now,
    lastScanAtMs: now,
    seen: [...seen],
  });
}

/** Files picked or found again, matched to what a cut-off drop is missing, then copied in under that drop. */
async function addToDrop(dropId: string, found: Array<{ file: File; path: string }>): Promise<{ added: number; stillMissing: number }> {
  const drop = await getDrop(db, dropId);
  if (!drop) return { added: 0, stillMissing: 0 };
  const missing = missingEntries(drop.entries, await jobsOfDrop(db, dropId));
  const pairs = matchMissing(missing, found.map(candidateOf));
  const { queued } = await stage(drop, pairs.map(([entryIndex, c]) => ({ file: found[c].file, entryIndex })));
  const stillMissing = missing.length - queued;
  // stage() removed the manifest; keep it while files are still missing, so they stay listed.
  if (stillMissing > 0) await putDrop(db, drop);
  return { added: queued, stillMissing };
}

const api = {
  async init(
    embedPort: MessagePort,
    videoPort: MessagePort,
    currentModelKey: string,
    settings: VideoSettings,
    onEvent: (e: IngestEvent) => void,
  ): Promise<void> {
    db = await dbReady;
    embed = wrap<EmbedApi>(embedPort);
    video = wrap<VideoApi>(videoPort);
    videoSettings = settings;
    modelKey = currentModelKey;
    toPage = onEvent;
    toPage({ type: 'role', writer: false });
    const cutOff = await interruptedDrops();
    if (cutOff.length) toPage({ type: 'interrupted', drops: cutOff });
    claimWriter();
  },

  /**
   * Copies every dropped file into the library (original bytes + a queued job) under a manifest
   * written first, so a reload mid-copy can name what never made it in. Indexing starts with the first file.
   */
  async enqueue(files: DroppedFile[], roots: FileSystemHandle[] = []): Promise<{ batchId: string; queued: number; rejected: string[] }> {
    db = await dbReady;
    const drop: DropRecord = {
      id: crypto.randomUUID(),
      createdAtMs: Date.now(),
      entries: files.map(({ file, path, root }) => ({
        name: file.name,
        sizeBytes: file.size,
        lastModifiedMs: file.lastModified,
        path: path || file.webkitRelativePath || file.name,
        ...(root !== undefined && roots[root] ? { root } : {}),
      })),
      ...(roots.length ? { roots } : {}),
    };
    await putDrop(db, drop);
    const { queued, rejected } = await stage(drop, files.map(({ file }, entryIndex) => ({ file, entryIndex })));
    return { batchId: drop.id, queued, rejected };
  },

  /**
   * Dropped or picked files and folders as handles: every file under them, kept with the drop's
   * manifest. Folders are remembered, so they can be scanned again for what is new.
   */
  async enqueueHandles(roots: FileSystemHandle[]): Promise<{ batchId: string; queued: number; rejected: string[] }> {
    db = await dbReady;
    const files: DroppedFile[] = [];
    for (const [root, handle] of roots.entries()) {
      const found: Array<{ file: File; path: string }> = [];
      await walkHandle(handle, '', found);
      for (const f of found) files.push({ ...f, root });
      if (handle.kind === 'directory') await rememberFolder(handle as FileSystemDirectoryHandle, found);
    }
    return api.enqueue(files, roots);
  },

  /** Adds the files of a remembered folder that are new since it was last scanned (the page has asked for permission). */
  async scanFolder(folderId: string): Promise<{ found: number; queued: number; rejected: string[] }> {
    db = await dbReady;
    const folder = await getFolder(db, folderId);
    if (!folder) return { found: 0, queued: 0, rejected: [] };
    const found: Array<{ file: File; path: string }> = [];
    await walkHandle(folder.handle, '', found);
    const fresh = newSinceLastScan(folder.seen, found.map(candidateOf)).map((i) => ({ ...found[i], root: 0 }));
    await rememberFolder(folder.handle, found);
    if (fresh.length === 0) return { found: 0, queued: 0, rejected: [] };
    const { queued, rejected } = await api.enqueue(fresh, [folder.handle]);
    return { found: fresh.length, queued, rejected };
  },

  /** Files picked again for a cut-off drop: only those it is missing are added. */
  async addMissing(dropId: string, files: DroppedFile[]): Promise<{ added: number; stillMissing: number }> {
    db = await dbReady;
    return addToDrop(dropId, files.map(({ file, path }) => ({ file, path: path || file.webkitRelativePath || '' })));
  },

  /** Continues a cut-off drop from its kept handles (the page has asked for read permission again). */
  async continueDrop(dropId: string): Promise<{ added: number; stillMissing: number }> {
    db = await dbReady;
    const drop = await getDrop(db, dropId);
    const found: Array<{ file: File; path: string }> = [];
    for (const root of drop?.roots ?? []) await walkHandle(root, '', found);
    return addToDrop(dropId, found);
  },

  /** The user lets a cut-off drop go: its missing files are no longer listed. */
  async dismissDrop(dropId: string): Promise<void> {
    db = await dbReady;
    await deleteDrop(db, dropId);
  },

  /** Deleted assets no longer count as near-duplicate originals, in whichever tab runs the queue. */
  forget(ids: string[]): void {
    for (const id of ids) {
      pHashes.remove(id);
      namesById.delete(id);
    }
    if (!writer) post({ kind: 'forget', from: tabId, ids });
  },

  /** Called after the model (re)loads or space was freed. */
  async resume(): Promise<void> {
    if (!writer) {
      post({ kind: 'resume', from: tabId });
      return;
    }
    paused = '';
    if (!running) await requeueQuietly();
    kick();
  },

  /**
   * Runs failed jobs again from their staged bytes. Returns the ids whose bytes are gone
   * (dismissed, or never staged because storage was full): those files must be dropped again.
   */
  async retry(ids: string[]): Promise<{ requeued: string[]; gone: string[] }> {
    db = await dbReady;
    const requeued: string[] = [];
    const gone: string[] = [];
    for (const id of ids) {
      const job = await getJob(db, id);
      if (!job || job.status !== 'failed' || !(await getOriginal(db, id, job.blobLocation))) {
        gone.push(id);
        continue;
      }
      await updateJob(db, id, { status: 'queued', message: undefined });
      requeued.push(id);
    }
    if (requeued.length) {
      if (writer) {
        counters.total += requeued.length;
        progress();
        paused = '';
        kick();
      } else post({ kind: 'queued', from: tabId, count: requeued.length });
    }
    return { requeued, gone };
  },

  /** Forgets failed jobs: their records and their staged bytes. Jobs still running are left alone. */
  async dismiss(ids: string[]): Promise<void> {
    db = await dbReady;
    const failed: JobRecord[] = [];
    for (const id of ids) {
      const job = await getJob(db, id);
      if (job?.status === 'failed') failed.push(job);
    }
    for (const job of failed) await deleteUnownedOriginal(db, job.id, job.blobLocation);
    await deleteJobs(db, failed.map((j) => j.id));
  },

  async whenIdle(): Promise<void> {
    while (running) await running;
  },
};

export type IngestApi = typeof api;
expose(api);
