/**
 * The search quality check: a labelled folder embedded in memory with the loaded model, and the
 * figures of core/quality.ts over it. Runs the same in the app (Settings → "Check search
 * quality") and in the bench (bench/quality.mjs through bench/pages).
 *
 * Nothing is stored: files are decoded as the import decodes them (canvas-stills.ts, EXIF
 * orientation, the centre square at 224 px), the model worker returns their vectors, and the
 * vectors live in this call's memory only. The library's databases, files and index are never
 * opened, so there is nothing to clean up afterwards.
 */
import type { PixelImage } from '../../../workers/embed.worker';
import { readLabelledFolder, sideFiles, type LabelledFolder } from '../core/labelled-folder';
import { CLIP_IMAGENET_TEMPLATES, CLIP_IMAGENET_TEMPLATES_7, SINGLE_TEMPLATE, fillTemplate } from '../core/prompt-templates';
import {
  qualityFigures,
  templateEnsemble,
  type Confusion,
  type CutoffBehaviour,
  type Figures,
  type FiguresInput,
  type LabelAccuracy,
  type LabelledVideo,
  type VideoResult,
} from '../core/quality';
import { DEFAULT_RELEVANCE_Z } from '../core/query';
import { canvasStills } from '../ingest/canvas-stills';
import { MODEL_INPUT_PX } from '../ingest/asset-records';
import type { StillDecoder } from '../ingest/ports';
import type { FrameVector } from '../core/moments';

/** What the check needs of the model: the embed worker's API, or its client. */
export interface QualityEmbedder {
  embedImages(images: PixelImage[]): Promise<Float32Array[]>;
  embedText(text: string): Promise<Float32Array>;
  /** Several texts in one model call; without it, texts are embedded one by one. */
  embedTexts?(texts: string[]): Promise<Float32Array[]>;
  /**
   * A video's kept frames, as the import picks them (the video worker with the video settings).
   * Without it, videos are counted but not measured.
   */
  videoFrames?(blob: Blob): Promise<Array<{ timestampSec: number; pixels: PixelImage }>>;
}

/** One picked file: its path inside the pick (`webkitRelativePath`) and its bytes. */
export interface CheckFile {
  path: string;
  blob: Blob;
}

export interface CheckProgress {
  phase: 'photos' | 'videos' | 'labels' | 'figures';
  done: number;
  total: number;
}

/** Labels × 80 templates above this many text encodes use the notebook's 7-template subset. */
const MAX_ENSEMBLE_ENCODES = 8000;
/** Photos embedded per model call (the import's batch). */
const EMBED_BATCH = 8;
/** Fixed seed of the cut-off's sample, so one folder gives one report. */
const SAMPLE_SEED = 0x5eb0;

export interface QualityReport {
  /** Report format version. */
  version: 1;
  createdAt: string;
  /** The model's key (model-source.ts `modelKey`). */
  model: string;
  images: number;
  labels: number;
  /** Videos in the folder that were not measured (no video decoder, or unreadable). */
  videosNotMeasured: number;
  /**
   * Videos of the labels compared: given moments found within ±1 s, and zero-shot top-1 of the
   * video vectors with mean and with attention pooling (single template). Null without videos.
   */
  video: VideoResult | null;
  /** Wall time of each step, ms: decoding and embedding photos, videos, label prompts, and the figures. */
  timingsMs: { photos: number; videos: number; labels: number; figures: number };
  /** Files left out and why (no label, not media, could not be read). */
  skipped: Array<{ path: string; reason: string }>;
  zeroShot: {
    single: { template: string; top1: number; top5: number };
    ensemble: { source: string; templates: number; top1: number; top5: number };
  };
  /** Text→image with one prompt per label (the single template). */
  retrieval: { template: string; recallAt1: number; recallAt5: number; recallAt10: number; meanAveragePrecision: number };
  /** Zero-shot with the single template, per label, in label order. */
  perLabel: LabelAccuracy[];
  /** The most frequent wrong picks with the single template. */
  confusions: Confusion[];
  cutoff: { current: CutoffBehaviour; measured: CutoffBehaviour };
  /** What "Use these thresholds" stores for this model. */
  thresholds: { relevanceZ: number; similarMinCosine: number | null };
}

export type CheckOutcome = { ok: true; report: QualityReport } | { ok: false; message: string };

export interface CheckOptions {
  modelKey: string;
  /** The z of the cut-off search uses now for this model (the "current" figures); 3 by default. */
  relevanceZ?: number;
  signal?: AbortSignal;
  onProgress?: (p: CheckProgress) => void;
  /** How photos are decoded; the import's canvas decoder by default. */
  stills?: StillDecoder;
  /** Where the figures are worked out (a worker in the app); on this thread by default. */
  figures?: (input: FiguresInput, signal?: AbortSignal) => Promise<Figures>;
  /** For tests and reports: the time written in the report. */
  now?: () => Date;
}

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('The check was cancelled.', 'AbortError');
}

async function readText(files: readonly CheckFile[], path: string | null): Promise<string | undefined> {
  const file = path ? files.find((f) => f.path === path) : undefined;
  return file ? file.blob.text() : undefined;
}

/** Decodes and embeds the folder's photos in batches; photos that cannot be decoded are listed. */
async function embedPhotos(
  files: readonly CheckFile[],
  folder: LabelledFolder,
  embedder: QualityEmbedder,
  stills: StillDecoder,
  opts: CheckOptions,
): Promise<{ vectors: Float32Array[]; truth: number[]; unreadable: string[] }> {
  const photos = folder.files.filter((f) => f.kind === 'image');
  const vectors: Float32Array[] = [];
  const truth: number[] = [];
  const unreadable: string[] = [];
  opts.onProgress?.({ phase: 'photos', done: 0, total: photos.length });
  for (let start = 0; start < photos.length; start += EMBED_BATCH) {
    checkAborted(opts.signal);
    const batch: PixelImage[] = [];
    const labels: number[] = [];
    for (const photo of photos.slice(start, start + EMBED_BATCH)) {
      try {
        const still = await stills.decodeImage(files[photo.index]!.blob);
        try {
          batch.push(still.centerCrop(MODEL_INPUT_PX));
          labels.push(photo.label);
        } finally {
          still.close();
        }
      } catch {
        unreadable.push(photo.path);
      }
    }
    if (batch.length) {
      vectors.push(...(await embedder.embedImages(batch)));
      truth.push(...labels);
    }
    opts.onProgress?.({ phase: 'photos', done: Math.min(photos.length, start + EMBED_BATCH), total: photos.length });
  }
  return { vectors, truth, unreadable };
}

/** Kept frames of the folder's videos, embedded; videos that cannot be read are listed. */
async function embedVideos(
  files: readonly CheckFile[],
  folder: LabelledFolder,
  embedder: QualityEmbedder,
  opts: CheckOptions,
): Promise<{ videos: Array<{ path: string; label: number; frames: FrameVector[] }>; unreadable: string[] }> {
  const list = embedder.videoFrames ? folder.files.filter((f) => f.kind === 'video') : [];
  const videos: Array<{ path: string; label: number; frames: FrameVector[] }> = [];
  const unreadable: string[] = [];
  for (const [i, v] of list.entries()) {
    checkAborted(opts.signal);
    opts.onProgress?.({ phase: 'videos', done: i, total: list.length });
    try {
      const frames = await embedder.videoFrames!(files[v.index]!.blob);
      const vectors: Float32Array[] = [];
      for (let start = 0; start < frames.length; start += EMBED_BATCH) vectors.push(...(await embedder.embedImages(frames.slice(start, start + EMBED_BATCH).map((f) => f.pixels))));
      if (vectors.length) videos.push({ path: v.path, label: v.label, frames: frames.map((f, j) => ({ timestampSec: f.timestampSec, vector: vectors[j]! })) });
      else unreadable.push(v.path);
    } catch {
      unreadable.push(v.path);
    }
  }
  if (list.length) opts.onProgress?.({ phase: 'videos', done: list.length, total: list.length });
  return { videos, unreadable };
}

/** Label prompts per model call when the model takes several (a few ms of padding each, far less than a call). */
const TEXT_BATCH = 32;

/** Text vectors of every label: one template, and the ensemble. */
async function embedLabels(texts: readonly string[], embedder: QualityEmbedder, opts: CheckOptions) {
  const templates = texts.length * CLIP_IMAGENET_TEMPLATES.length <= MAX_ENSEMBLE_ENCODES ? CLIP_IMAGENET_TEMPLATES : CLIP_IMAGENET_TEMPLATES_7;
  // Per label: the single template, then each ensemble template.
  const prompts = texts.flatMap((text) => [SINGLE_TEMPLATE, ...templates].map((t) => fillTemplate(t, text)));
  const vectors: Float32Array[] = [];
  opts.onProgress?.({ phase: 'labels', done: 0, total: prompts.length });
  const step = embedder.embedTexts ? TEXT_BATCH : 8;
  for (let start = 0; start < prompts.length; start += step) {
    checkAborted(opts.signal);
    const chunk = prompts.slice(start, start + step);
    if (embedder.embedTexts) vectors.push(...(await embedder.embedTexts(chunk)));
    else for (const p of chunk) vectors.push(await embedder.embedText(p));
    opts.onProgress?.({ phase: 'labels', done: Math.min(prompts.length, start + step), total: prompts.length });
  }
  const per = 1 + templates.length;
  const single = texts.map((_, l) => vectors[l * per]!);
  const ensemble = texts.map((_, l) => templateEnsemble(vectors.slice(l * per + 1, (l + 1) * per)));
  return { single, ensemble, templates };
}

/** The videos of the labels compared, with their moments' queries embedded. */
async function videosWithMoments(
  embedded: ReadonlyArray<{ path: string; label: number; frames: FrameVector[] }>,
  folder: LabelledFolder,
  remap: ReadonlyMap<number, number>,
  embedder: QualityEmbedder,
  opts: CheckOptions,
): Promise<LabelledVideo[]> {
  const videos: LabelledVideo[] = [];
  for (const v of embedded) {
    const label = remap.get(v.label);
    if (label === undefined) continue;
    const moments: NonNullable<LabelledVideo['moments']> = [];
    for (const m of folder.moments.filter((x) => x.path === v.path)) {
      checkAborted(opts.signal);
      moments.push({ query: await embedder.embedText(m.query), atSec: m.atSec });
    }
    videos.push({ label, frames: v.frames, moments });
  }
  return videos;
}

/**
 * Runs the check over the picked files.
 * @returns the report, or a message saying why the folder cannot be checked
 * @throws the signal's reason (an AbortError) when cancelled
 */
export async function runQualityCheck(files: readonly CheckFile[], embedder: QualityEmbedder, opts: CheckOptions): Promise<CheckOutcome> {
  const paths = files.map((f) => f.path);
  const side = sideFiles(paths);
  const reading = readLabelledFolder(paths, await readText(files, side.csv), await readText(files, side.moments));
  if (!reading.ok) return reading;
  const folder = reading.folder;
  if (!folder.files.some((f) => f.kind === 'image')) return { ok: false, message: 'The folder has videos but no photos: the check measures photos.' };

  let t = performance.now();
  const lap = () => {
    const ms = performance.now() - t;
    t = performance.now();
    return Math.round(ms);
  };
  const { vectors: allVectors, truth: allTruth, unreadable } = await embedPhotos(files, folder, embedder, opts.stills ?? canvasStills, opts);
  const photosMs = lap();
  const embeddedVideos = await embedVideos(files, folder, embedder, opts);
  const videosMs = lap();
  // Labels none of whose photos could be read leave the comparison.
  const kept = [...new Set(allTruth)].sort((a, b) => a - b);
  if (kept.length < 2) {
    return {
      ok: false,
      message: `${allVectors.length === 0 ? 'None of the photos' : 'Photos of only one label'} could be read (${unreadable.length} could not): the check needs photos of at least two labels.`,
    };
  }
  const remap = new Map(kept.map((old, i) => [old, i]));
  const labels = kept.map((l) => folder.labels[l]!);
  const texts = kept.map((l) => folder.labelTexts[l]!);
  const truth = allTruth.map((l) => remap.get(l)!);
  const images = allVectors;

  const text = await embedLabels(texts, embedder, opts);
  const labelsMs = lap();
  const videos = await videosWithMoments(embeddedVideos.videos, folder, remap, embedder, opts);
  checkAborted(opts.signal);
  opts.onProgress?.({ phase: 'figures', done: 0, total: 1 });
  const input: FiguresInput = { images, truth, labels, single: text.single, ensemble: text.ensemble, videos, relevanceZ: opts.relevanceZ ?? DEFAULT_RELEVANCE_Z, sampleSeed: SAMPLE_SEED };
  const figures = await (opts.figures ?? ((i: FiguresInput) => Promise.resolve(qualityFigures(i))))(input, opts.signal);
  checkAborted(opts.signal);
  opts.onProgress?.({ phase: 'figures', done: 1, total: 1 });
  const { single, video } = figures;
  const videoCount = folder.files.filter((f) => f.kind === 'video').length;
  const timingsMs = { photos: photosMs, videos: videosMs, labels: labelsMs, figures: lap() };

  return {
    ok: true,
    report: {
      version: 1,
      createdAt: (opts.now?.() ?? new Date()).toISOString(),
      model: opts.modelKey,
      images: images.length,
      labels: labels.length,
      videosNotMeasured: videoCount - (video?.videos ?? 0),
      timingsMs,
      video,
      skipped: [
        ...folder.ignored,
        ...unreadable.map((path) => ({ path, reason: 'could not be read as a photo' })),
        ...embeddedVideos.unreadable.map((path) => ({ path, reason: 'could not be read as a video' })),
      ],
      zeroShot: {
        single: { template: SINGLE_TEMPLATE, top1: single.top1, top5: single.top5 },
        ensemble: {
          source: text.templates.length === CLIP_IMAGENET_TEMPLATES.length ? "OpenAI CLIP's 80 ImageNet templates" : "OpenAI CLIP's 7-template ImageNet subset",
          templates: text.templates.length,
          top1: figures.ensemble.top1,
          top5: figures.ensemble.top5,
        },
      },
      retrieval: {
        template: SINGLE_TEMPLATE,
        recallAt1: figures.retrieval.recallAt1,
        recallAt5: figures.retrieval.recallAt5,
        recallAt10: figures.retrieval.recallAt10,
        meanAveragePrecision: figures.retrieval.meanAveragePrecision,
      },
      perLabel: single.perLabel,
      confusions: single.confusions,
      cutoff: figures.cutoff,
      thresholds: { relevanceZ: figures.relevanceZ, similarMinCosine: figures.similarMinCosine },
    },
  };
}
