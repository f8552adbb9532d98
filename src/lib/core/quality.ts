/**
 * Search quality on a labelled set: the figures of the "Check search quality" report and of the
 * bench's `quality` part, computed from image vectors, label vectors and the true labels.
 *
 * - Zero-shot classification as CLIP measured it (A. Radford et al., "Learning Transferable
 *   Visual Models From Natural Language Supervision", ICML 2021): each image takes the label
 *   whose prompt vector has the highest cosine; top-k accuracy counts the images whose true label
 *   is among the k best.
 * - Text→image retrieval with one query per label: recall@k and mean average precision in the
 *   sense of TREC / PASCAL VOC (M. Everingham et al., IJCV 2010, uninterpolated AP), defined
 *   precisely at {@link textToImage}.
 * - The relevance cut-off of search (core/query.ts `relevanceThreshold`): how many true matches it
 *   folds under "Weaker matches" and how many wrong ones it leaves above, and the z that separates
 *   them best on this set (Youden's J = true-positive rate − false-positive rate, W. J. Youden, 1950).
 * - The similar-shot threshold (core/duplicates.ts `SIMILAR_MIN_COSINE`) from the cosines of
 *   pictures with different labels.
 *
 * Ranking ties are broken by input order (first label, first image wins), as `pickSubject` in
 * zero-shot.ts does, so every figure is a deterministic function of the vectors.
 *
 * Pure and synchronous.
 */
import { DEFAULT_RELEVANCE_Z, cutoffAt, sampleSpread } from './query';
import { dot, l2Normalize } from './vector';
import { attentionPool, meanPool } from './pooling';
import { bestMoments, type FrameVector } from './moments';
import { mulberry32 } from './random.js';

/**
 * The template ensemble of one label: the mean of the L2-normalised text vectors of the label in
 * every template, L2-normalised again (CLIP's Prompt_Engineering_for_ImageNet notebook:
 * `class_embeddings /= norm; class_embedding = mean; class_embedding /= norm`).
 * @param vectors ≥ 1 text vectors of one label, same length
 * @throws RangeError on no vectors or vectors of different lengths
 */
export function templateEnsemble(vectors: readonly Float32Array[]): Float32Array {
  if (vectors.length === 0) throw new RangeError('templateEnsemble: no vectors');
  const dim = vectors[0]!.length;
  const sum = new Float64Array(dim);
  for (const v of vectors) {
    if (v.length !== dim) throw new RangeError(`templateEnsemble: vector of length ${v.length}, expected ${dim}`);
    const unit = l2Normalize(v);
    for (let d = 0; d < dim; d++) sum[d]! += unit[d]!;
  }
  return l2Normalize(Float32Array.from(sum, (x) => x / vectors.length));
}

/** Cosines of each row vector against each column vector: `rows.length × cols.length`, row-major. */
export function scoreMatrix(rows: readonly Float32Array[], cols: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(rows.length * cols.length);
  for (let r = 0; r < rows.length; r++) for (let c = 0; c < cols.length; c++) out[r * cols.length + c] = dot(rows[r]!, cols[c]!);
  return out;
}

/**
 * 1-based rank of entry `target` in `scores[offset … offset+count)` ordered best first, ties to
 * the earlier entry: 1 + (entries scoring higher) + (earlier entries scoring the same).
 */
function rankIn(scores: ArrayLike<number>, offset: number, count: number, target: number): number {
  const s = scores[offset + target]!;
  let rank = 1;
  for (let j = 0; j < count; j++) {
    const x = scores[offset + j]!;
    if (x > s || (x === s && j < target)) rank++;
  }
  return rank;
}

export interface LabelAccuracy {
  label: string;
  images: number;
  /** Images of this label whose best label is this one. */
  correct: number;
  /** correct / images, in [0, 1]. */
  accuracy: number;
}

export interface Confusion {
  /** The true label. */
  label: string;
  /** The label the model picked instead. */
  predicted: string;
  count: number;
}

export interface ZeroShotResult {
  /** Share of images whose true label scores best, in [0, 1]. */
  top1: number;
  /** Share of images whose true label is among the 5 best (every image when there are ≤ 5 labels). */
  top5: number;
  perLabel: LabelAccuracy[];
  /** Wrong top-1 picks as (true, picked) pairs, most frequent first (then by label names). */
  confusions: Confusion[];
  /** Index of the best label of each image. */
  predicted: number[];
}

/**
 * Zero-shot classification of `images` over `labelVectors`.
 * @param truth index into `labels` of each image's true label
 * @param maxConfusions at most this many pairs are kept
 */
export function zeroShot(
  images: readonly Float32Array[],
  labelVectors: readonly Float32Array[],
  labels: readonly string[],
  truth: readonly number[],
  maxConfusions = 10,
): ZeroShotResult {
  const L = labelVectors.length;
  const scores = scoreMatrix(images, labelVectors);
  let top1 = 0;
  let top5 = 0;
  const correct = new Array<number>(L).fill(0);
  const total = new Array<number>(L).fill(0);
  const pairs = new Map<string, Confusion>();
  const predicted: number[] = [];
  for (let i = 0; i < images.length; i++) {
    const t = truth[i]!;
    const rank = rankIn(scores, i * L, L, t);
    let best = 0;
    for (let j = 1; j < L; j++) if (scores[i * L + j]! > scores[i * L + best]!) best = j;
    predicted.push(best);
    total[t]!++;
    if (rank === 1) {
      top1++;
      correct[t]!++;
    } else {
      const key = `${t}\u0000${best}`;
      const c = pairs.get(key) ?? { label: labels[t]!, predicted: labels[best]!, count: 0 };
      c.count++;
      pairs.set(key, c);
    }
    if (rank <= 5) top5++;
  }
  const n = Math.max(1, images.length);
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    top1: top1 / n,
    top5: top5 / n,
    perLabel: labels.map((label, l) => ({ label, images: total[l]!, correct: correct[l]!, accuracy: total[l] ? correct[l]! / total[l]! : 0 })),
    confusions: [...pairs.values()].sort((a, b) => b.count - a.count || byName(a.label, b.label) || byName(a.predicted, b.predicted)).slice(0, maxConfusions),
    predicted,
  };
}

/**
 * Uninterpolated average precision of one ranked list:
 *   AP = (1/|R|) · Σ over the ranks k of the relevant items of precision@k,
 * precision@k = (relevant items in the first k) / k. 1 when every relevant item comes before every
 * other; 0 when nothing is relevant.
 * @param relevantRanks 1-based ranks of the relevant items, in any order
 */
export function averagePrecision(relevantRanks: readonly number[]): number {
  if (relevantRanks.length === 0) return 0;
  const ranks = [...relevantRanks].sort((a, b) => a - b);
  let sum = 0;
  ranks.forEach((rank, i) => (sum += (i + 1) / rank));
  return sum / ranks.length;
}

export interface RetrievalResult {
  /** Share of label queries with at least one image of the label among the first k results. */
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  /** Mean over the label queries of their average precision over the whole ranking. */
  meanAveragePrecision: number;
  /** Average precision of each label's query, in label order. */
  averagePrecision: number[];
}

/**
 * Text→image retrieval, one query per label (its vector in `labelVectors`), over all images.
 * Each query ranks every image by cosine, best first, ties by image order. The relevant images of
 * a query are those of its label.
 * - recall@k: the share of queries that find at least one relevant image in their first k (the
 *   "R@k" of CLIP's Flickr30k/MSCOCO retrieval tables; with one image per label it is the usual
 *   recall). Queries of labels without images are left out.
 * - mAP: the mean over those queries of {@link averagePrecision} of the relevant images' ranks.
 */
export function textToImage(images: readonly Float32Array[], labelVectors: readonly Float32Array[], truth: readonly number[]): RetrievalResult {
  const n = images.length;
  const scores = scoreMatrix(labelVectors, images);
  const hits = { 1: 0, 5: 0, 10: 0 };
  const aps: number[] = [];
  let queries = 0;
  let apSum = 0;
  for (let l = 0; l < labelVectors.length; l++) {
    const ranks: number[] = [];
    for (let i = 0; i < n; i++) if (truth[i] === l) ranks.push(rankIn(scores, l * n, n, i));
    const ap = averagePrecision(ranks);
    aps.push(ap);
    if (ranks.length === 0) continue;
    queries++;
    apSum += ap;
    const first = Math.min(...ranks);
    if (first <= 1) hits[1]++;
    if (first <= 5) hits[5]++;
    if (first <= 10) hits[10]++;
  }
  const q = Math.max(1, queries);
  return { recallAt1: hits[1] / q, recallAt5: hits[5] / q, recallAt10: hits[10] / q, meanAveragePrecision: apSum / q, averagePrecision: aps };
}

/** The library's relevance cut-off works from this many items' scores (index worker SAMPLE_SIZE). */
export const CUTOFF_SAMPLE_SIZE = 256;

/** What search's "Weaker matches" fold does to the label queries at one z. */
export interface CutoffBehaviour {
  zScore: number;
  /** (label query, image of that label) pairs. */
  trueMatches: number;
  /** …of which the image scored below the cut-off: shown under "Weaker matches". */
  trueFolded: number;
  /** trueFolded / trueMatches, in [0, 1]. */
  trueFoldedShare: number;
  /** (label query, image of another label) pairs. */
  wrongMatches: number;
  /** …of which the image scored at or above the cut-off: shown among the results. */
  wrongAbove: number;
  /** wrongAbove / wrongMatches, in [0, 1]. */
  wrongAboveShare: number;
}

/**
 * The cut-off behaviour, as search applies it: for each label query, the cut-off is
 * `relevanceThreshold(scores of the sample images, z)`, and an image scoring below it is folded.
 * @param sampleIndices the images that stand for "a random sample of the library"
 */
export function cutoffBehaviour(
  images: readonly Float32Array[],
  labelVectors: readonly Float32Array[],
  truth: readonly number[],
  sampleIndices: readonly number[],
  zScore: number,
): CutoffBehaviour {
  const scores = scoreMatrix(labelVectors, images);
  return cutoffOfScores(scores, images.length, truth, spreadsOf(scores, images.length, sampleIndices), zScore);
}

/** Each label query's sample spread (core/query.ts), null where the sample is too small to fold anything. */
function spreadsOf(scores: Float64Array, n: number, sampleIndices: readonly number[]): Array<ReturnType<typeof sampleSpread>> {
  const queries = n ? scores.length / n : 0;
  return Array.from({ length: queries }, (_, l) => sampleSpread(sampleIndices.map((i) => scores[l * n + i]!)));
}

/** {@link cutoffBehaviour} over label × image scores already computed (row-major, `n` images per row). */
function cutoffOfScores(scores: Float64Array, n: number, truth: readonly number[], spreads: ReadonlyArray<ReturnType<typeof sampleSpread>>, zScore: number): CutoffBehaviour {
  let trueMatches = 0;
  let trueFolded = 0;
  let wrongMatches = 0;
  let wrongAbove = 0;
  for (let l = 0; l < spreads.length; l++) {
    // As search: too small a sample folds nothing (relevanceThreshold's floor of −1).
    const spread = spreads[l];
    const cut = spread ? cutoffAt(spread, zScore) : -1;
    for (let i = 0; i < n; i++) {
      const above = scores[l * n + i]! >= cut;
      if (truth[i] === l) {
        trueMatches++;
        if (!above) trueFolded++;
      } else {
        wrongMatches++;
        if (above) wrongAbove++;
      }
    }
  }
  return {
    zScore,
    trueMatches,
    trueFolded,
    trueFoldedShare: trueMatches ? trueFolded / trueMatches : 0,
    wrongMatches,
    wrongAbove,
    wrongAboveShare: wrongMatches ? wrongAbove / wrongMatches : 0,
  };
}

/** The z values {@link suggestRelevanceZ} chooses from: 1 to 6 in steps of 0.1. */
export const RELEVANCE_Z_CANDIDATES: readonly number[] = Array.from({ length: 51 }, (_, i) => Math.round((1 + i * 0.1) * 10) / 10);

/**
 * The z of the cut-off that best separates true matches from wrong ones on this set: the
 * candidate with the highest Youden's J = (1 − trueFoldedShare) − wrongAboveShare; among equal J
 * the one nearest the default z (3), so a set that cannot tell keeps today's behaviour.
 */
export function suggestRelevanceZ(
  images: readonly Float32Array[],
  labelVectors: readonly Float32Array[],
  truth: readonly number[],
  sampleIndices: readonly number[],
  defaultZ = DEFAULT_RELEVANCE_Z,
): { zScore: number; behaviour: CutoffBehaviour } {
  let best: { zScore: number; behaviour: CutoffBehaviour; j: number } | null = null;
  // The label × image cosines and each query's median and MAD once, not once per candidate.
  const scores = scoreMatrix(labelVectors, images);
  const spreads = spreadsOf(scores, images.length, sampleIndices);
  for (const z of RELEVANCE_Z_CANDIDATES) {
    const behaviour = cutoffOfScores(scores, images.length, truth, spreads, z);
    const j = 1 - behaviour.trueFoldedShare - behaviour.wrongAboveShare;
    const better = !best || j > best.j + 1e-12 || (Math.abs(j - best.j) <= 1e-12 && Math.abs(z - defaultZ) < Math.abs(best.zScore - defaultZ));
    if (better) best = { zScore: z, behaviour, j };
  }
  return { zScore: best!.zScore, behaviour: best!.behaviour };
}

/** Bounds of a measured similar-shot threshold: never looser than 0.5, never stricter than 0.99. */
export const SIMILAR_MIN_COSINE_RANGE = { min: 0.5, max: 0.99 } as const;

/**
 * The similar-shot threshold measured on a labelled set: the 99th percentile (nearest rank) of
 * the image–image cosines of pairs with different labels, rounded up to 0.01 and kept within
 * {@link SIMILAR_MIN_COSINE_RANGE}. At that threshold at most 1 % of such pairs would be grouped
 * as similar shots; pairs of one label may differ as much as they like (one label, many scenes).
 * Sets of more than `maxImages` images are scored on pairs among their first `maxImages`.
 * @returns null when no pair has different labels
 */
export function suggestSimilarMinCosine(images: readonly Float32Array[], truth: readonly number[], maxImages = 1500): number | null {
  const n = Math.min(images.length, maxImages);
  const cosines: number[] = [];
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (truth[a] !== truth[b]) cosines.push(dot(images[a]!, images[b]!));
  if (cosines.length === 0) return null;
  cosines.sort((x, y) => x - y);
  const p99 = cosines[Math.max(0, Math.ceil(0.99 * cosines.length) - 1)]!;
  // float32 vectors: a cosine of 0.96 may come out as 0.96000004, which must not round up to 0.97.
  const up = Math.ceil(p99 * 100 - 1e-4) / 100;
  return Math.min(SIMILAR_MIN_COSINE_RANGE.max, Math.max(SIMILAR_MIN_COSINE_RANGE.min, up));
}

/**
 * The images standing for a random sample of the library: `size` distinct indices of `count`,
 * chosen by a Fisher–Yates shuffle driven by `random` (a seeded generator keeps reports repeatable).
 */
export function sampleIndices(count: number, size: number, random: () => number): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, Math.min(size, count)).sort((a, b) => a - b);
}

/** A video of the labelled set with its kept frames. */
export interface LabelledVideo {
  label: number;
  frames: FrameVector[];
  /** Given moments: a query and the second at which it should be found. */
  moments?: Array<{ query: Float32Array; atSec: number }>;
}

/** Whether a video's best moment for a query lies within `toleranceSec` of where it should be. */
export function momentFound(query: Float32Array, frames: readonly FrameVector[], atSec: number, toleranceSec = 1): boolean {
  const best = bestMoments(query, frames, 1)[0];
  return best !== undefined && Math.abs(best.timestampSec - atSec) <= toleranceSec;
}

export interface VideoResult {
  videos: number;
  /** Given moments, and how many of them search finds within ±1 s. */
  moments: number;
  momentsFound: number;
  /** Zero-shot top-1 of the videos with their frames mean-pooled / attention-pooled (pooling.ts). */
  meanPoolTop1: number;
  attentionPoolTop1: number;
}

/** The video figures: moments within ±1 s, and zero-shot top-1 under each pooling. */
export function videoQuality(videos: readonly LabelledVideo[], labelVectors: readonly Float32Array[], labels: readonly string[]): VideoResult {
  let moments = 0;
  let momentsFound = 0;
  const meanVectors: Float32Array[] = [];
  const attentionVectors: Float32Array[] = [];
  const truth: number[] = [];
  for (const v of videos) {
    for (const m of v.moments ?? []) {
      moments++;
      if (momentFound(m.query, v.frames, m.atSec)) momentsFound++;
    }
    if (v.frames.length === 0) continue;
    const dim = v.frames[0]!.vector.length;
    const vectors = v.frames.map((f) => f.vector);
    meanVectors.push(meanPool(vectors, dim));
    attentionVectors.push(attentionPool(vectors, dim).vector);
    truth.push(v.label);
  }
  return {
    videos: videos.length,
    moments,
    momentsFound,
    meanPoolTop1: truth.length ? zeroShot(meanVectors, labelVectors, labels, truth).top1 : 0,
    attentionPoolTop1: truth.length ? zeroShot(attentionVectors, labelVectors, labels, truth).top1 : 0,
  };
}

/** Everything the report computes from vectors: the input of {@link qualityFigures}. */
export interface FiguresInput {
  images: Float32Array[];
  /** Label index of each image. */
  truth: number[];
  labels: string[];
  /** Each label's vector with the single template, and with the template ensemble. */
  single: Float32Array[];
  ensemble: Float32Array[];
  videos: LabelledVideo[];
  /** z of the cut-off search uses now. */
  relevanceZ: number;
  /** Seed of the cut-off's sample of images (a fixed one keeps reports repeatable). */
  sampleSeed: number;
}

export interface Figures {
  single: Omit<ZeroShotResult, 'predicted'>;
  ensemble: { top1: number; top5: number };
  retrieval: RetrievalResult;
  cutoff: { current: CutoffBehaviour; measured: CutoffBehaviour };
  relevanceZ: number;
  similarMinCosine: number | null;
  video: VideoResult | null;
}

/**
 * Every figure of the report at once. Seconds of work at 1,000 photos × 1,000 labels, so the app
 * runs it in a worker (workers/quality.worker.ts).
 */
export function qualityFigures(input: FiguresInput): Figures {
  const { images, truth, labels, single, ensemble } = input;
  const { predicted: _predicted, ...singleResult } = zeroShot(images, single, labels, truth);
  const ensembleResult = zeroShot(images, ensemble, labels, truth);
  const sample = sampleIndices(images.length, CUTOFF_SAMPLE_SIZE, mulberry32(input.sampleSeed));
  const measured = suggestRelevanceZ(images, single, truth, sample);
  return {
    single: singleResult,
    ensemble: { top1: ensembleResult.top1, top5: ensembleResult.top5 },
    retrieval: textToImage(images, single, truth),
    cutoff: { current: cutoffBehaviour(images, single, truth, sample, input.relevanceZ), measured: measured.behaviour },
    relevanceZ: measured.zScore,
    similarMinCosine: suggestSimilarMinCosine(images, truth),
    video: input.videos.length ? videoQuality(input.videos, single, labels) : null,
  };
}
