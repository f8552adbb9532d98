/**
 * Choosing which video frames to embed: evenly spread candidate timestamps,
 * a cheap black-leader test, and a diversity filter on colour histograms so
 * that a static shot is embedded once rather than twenty-four times.
 *
 * Algorithms: centred uniform sampling of the timeline (midpoints of equal
 * segments, as in TSN's segment-based sampling: L. Wang et al., "Temporal
 * Segment Networks", ECCV 2016); keyframe selection by colour-histogram
 * difference (H. J. Zhang, A. Kankanhalli, S. W. Smoliar, "Automatic
 * partitioning of full-motion video", Multimedia Systems 1993) with the
 * Bhattacharyya distance of hsv-histogram.ts; when too many frames pass,
 * greedy farthest-point selection, the 2-approximation to k-center
 * (T. F. Gonzalez, "Clustering to minimize the maximum intercluster
 * distance", Theor. Comput. Sci. 1985). Parameters from the research notebooks.
 *
 * Pure and synchronous: safe in workers and in Node.
 */

import { bhattacharyyaDistance } from './hsv-histogram';

/** Smallest gap between two candidate timestamps, in seconds (the notebooks' value). */
export const MIN_SECONDS_BETWEEN_FRAMES = 0.4;

/** Most frames embedded per video. */
export const MAX_FRAMES = 24;

/**
 * Smallest Bhattacharyya distance, in [0, 1], between a new frame's HSV
 * histogram and every frame already kept for it to be kept too.
 */
export const FRAME_DIVERSITY_THRESHOLD = 0.15;

/**
 * Default number of candidate timestamps: 3 × MAX_FRAMES, so that after the
 * diversity filter drops repeats there are usually still MAX_FRAMES distinct
 * frames to choose from, while decoding stays bounded on long videos.
 */
export const MAX_CANDIDATES = 3 * MAX_FRAMES;

/**
 * A frame none of whose sampled pixels has a channel (R, G or B, 0..255) this
 * bright is "near-black". Black leaders, fades and lens-cap frames measure a
 * few levels (limited-range video black decodes to RGB ≈ 0, or to 16 when a
 * decoder keeps the video range); 24/255 ≈ 9 % brightness. The brightest pixel,
 * not the mean, is what counts: a night scene of mean luma 10 with a few lit
 * windows is content, and CLIP finds it. Channels, not luma: a deep blue card
 * (0, 0, 200) has luma 23 but is plainly blue.
 */
export const BLANK_MAX_CHANNEL = 24;

/**
 * A near-black frame whose luma standard deviation (0..255 levels) is below
 * this is also flat: it carries only compression noise and dither (≈ 1–2
 * levels), so it is a black leader, not a dim scene with shapes in it.
 */
export const BLANK_MAX_STD_LUMA = 4;

/** Options of {@link candidateTimestamps}. */
export interface CandidateOptions {
  /** smallest gap between timestamps, seconds, > 0; default {@link MIN_SECONDS_BETWEEN_FRAMES} */
  minSecondsBetween?: number;
  /** most timestamps returned, integer ≥ 1; default {@link MAX_CANDIDATES} */
  maxCandidates?: number;
}

/**
 * Timestamps at which to decode candidate frames: the midpoints of n equal
 * segments of [0, durationSec], tᵢ = (i + ½)·durationSec/n, with
 * n = min(maxCandidates, ⌊durationSec / minSecondsBetween⌋), at least 1.
 *
 * Midpoints avoid t = 0 (often black or a fade-in, and for some codecs the
 * only frame a seek to 0 returns) and the last instant (seeking there can
 * return nothing); every part of the video is covered evenly. Consecutive
 * timestamps are durationSec/n ≥ minSecondsBetween apart — guaranteed for the
 * computed float values: when durationSec/n is exactly minSecondsBetween and
 * rounding would put a pair a hair closer, n is lowered by one.
 *
 * @param durationSec video duration in seconds, finite, ≥ 0; 0 gives [0] (the only frame)
 * @returns ascending timestamps in seconds, each in (0, durationSec) (or [0])
 * @throws RangeError on a negative or non-finite duration or bad options
 */
export function candidateTimestamps(durationSec: number, options: CandidateOptions = {}): number[] {
  const { minSecondsBetween = MIN_SECONDS_BETWEEN_FRAMES, maxCandidates = MAX_CANDIDATES } = options;
  if (!Number.isFinite(durationSec) || durationSec < 0) {
    throw new RangeError(`candidateTimestamps: durationSec must be finite and ≥ 0, got ${durationSec}`);
  }
  if (!Number.isFinite(minSecondsBetween) || minSecondsBetween <= 0) {
    throw new RangeError(`candidateTimestamps: minSecondsBetween must be > 0, got ${minSecondsBetween}`);
  }
  if (!Number.isInteger(maxCandidates) || maxCandidates < 1) {
    throw new RangeError(`candidateTimestamps: maxCandidates must be an integer ≥ 1, got ${maxCandidates}`);
  }
  if (durationSec === 0) return [0];

  let n = Math.max(1, Math.min(maxCandidates, Math.floor(durationSec / minSecondsBetween)));
  for (;;) {
    const timestamps: number[] = [];
    for (let i = 0; i < n; i++) timestamps.push(((2 * i + 1) * durationSec) / (2 * n));
    let spaced = true;
    for (let i = 1; i < n && spaced; i++) spaced = timestamps[i]! - timestamps[i - 1]! >= minSecondsBetween;
    if (spaced) return timestamps;
    n--; // n = 1 is always spaced, so this ends
  }
}

/** Brightness statistics of a frame, Rec. 601 luma levels. */
export interface FrameLumaStats {
  /** mean luma, 0..255 */
  meanLuma: number;
  /** population standard deviation of luma, 0..127.5 */
  stdLuma: number;
  /** brightest channel value (R, G or B) of the sampled pixels, 0..255 */
  maxChannel: number;
}

/**
 * Mean and standard deviation of Rec. 601 luma Y = 0.299·R + 0.587·G +
 * 0.114·B (gamma-encoded 8-bit values, as phash.ts), and the brightest R, G or
 * B value, over the pixels (x, y) with x and y multiples of `step` — a grid of
 * ⌈w/step⌉·⌈h/step⌉ samples. The collector reads every pixel (step 1) of its
 * small copy (frame-collector.ts), so a small bright spot is never stepped over. Alpha is ignored.
 *
 * @param rgba   width·height·4 bytes, row-major, 0..255 per channel
 * @param width  pixels, ≥ 1
 * @param height pixels, ≥ 1
 * @param step   sampling stride in pixels along both axes, integer ≥ 1
 * @throws RangeError on a short buffer or bad step
 */
export function frameLumaStats(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  step = 4,
): FrameLumaStats {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || rgba.length < width * height * 4) {
    throw new RangeError(`frameLumaStats: need ${width}×${height}×4 bytes, got ${rgba.length}`);
  }
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`frameLumaStats: step must be an integer ≥ 1, got ${step}`);
  let sum = 0;
  let sumSq = 0;
  let maxChannel = 0;
  let count = 0;
  for (let y = 0; y < height; y += step) {
    for (let x = 0, j = y * width * 4; x < width; x += step, j += step * 4) {
      const luma = 0.299 * rgba[j]! + 0.587 * rgba[j + 1]! + 0.114 * rgba[j + 2]!;
      sum += luma;
      sumSq += luma * luma;
      maxChannel = Math.max(maxChannel, rgba[j]!, rgba[j + 1]!, rgba[j + 2]!);
      count++;
    }
  }
  const meanLuma = sum / count;
  // E[Y²] − E[Y]² in float64 is accurate here (Y ≤ 255); clamp the rounding residue of flat frames.
  const variance = Math.max(0, sumSq / count - meanLuma * meanLuma);
  return { meanLuma, stdLuma: Math.sqrt(variance), maxChannel };
}

/**
 * True for frames not worth embedding: a black leader, i.e. near-black
 * (maxChannel < {@link BLANK_MAX_CHANNEL} = 24) AND flat (stdLuma <
 * {@link BLANK_MAX_STD_LUMA} = 4). Anything else is kept, however plain or
 * faint: a solid colour card is what a colour search must find (a red-then-blue
 * clip needs both cards), and fog with faint hills, small text on a plain card
 * or a dim night scene measure only 1–4 levels of std or a mean near 10 yet
 * show something. Repeats of such a frame cost nothing extra: the diversity
 * filter keeps one.
 */
export function isNearBlank(stats: FrameLumaStats): boolean {
  return stats.maxChannel < BLANK_MAX_CHANNEL && stats.stdLuma < BLANK_MAX_STD_LUMA;
}

/** One decoded candidate frame. */
export interface FrameCandidate {
  /** position in the video, seconds */
  timestampSec: number;
  /** HSV histogram (hsvHistogram / hsvHistogramFromRgba), same length for all candidates */
  histogram: Float32Array;
  /** {@link isNearBlank} of the frame */
  blank: boolean;
}

/** Options of {@link selectDiverseFrames}. */
export interface SelectOptions {
  /** Bhattacharyya distance in [0, 1] a frame needs to every kept frame; default {@link FRAME_DIVERSITY_THRESHOLD} */
  threshold?: number;
  /** most frames returned, integer ≥ 1; default {@link MAX_FRAMES} */
  maxFrames?: number;
}

/**
 * Which candidates to embed, as indices into `candidates`, in time order.
 *
 * 1. Greedy in time order (ties by index) over the non-blank candidates: a
 *    candidate is kept when its Bhattacharyya distance to EVERY frame kept so
 *    far is ≥ threshold (so a distance exactly at the threshold is kept).
 * 2. Blank candidates are used only if no candidate is non-blank; then exactly
 *    one is returned — the middle one in time — since blank frames carry
 *    nothing a second copy would add. So a non-empty input always yields ≥ 1.
 * 3. If more than maxFrames pass, keep maxFrames of them by farthest-point
 *    selection: start from the medoid (smallest summed distance to the other
 *    passing frames, i.e. the video's most typical look), then repeatedly add
 *    the frame whose distance to its nearest chosen frame is largest. Taking
 *    the first maxFrames in time would drop the end of long videos, and even
 *    spacing in time ignores content (it can drop a short, distinct scene and
 *    keep two similar ones); farthest-point drops exactly the frames most
 *    like one already chosen and keeps the set covering the most colour
 *    variety. Ties in distance — common, since histograms of unrelated scenes
 *    are often disjoint (d = 1) — go to the frame farthest in time from the
 *    chosen ones, then the earliest, which spreads equally distinct frames
 *    evenly over the video.
 *
 * Cost: O(K²·bins) for the K passing candidates (K ≤ 72 by default).
 *
 * @param candidates frames with timestamps, histograms of equal length and blank flags, any order
 * @returns indices into `candidates`, ascending by timestampSec; [] only for empty input
 * @throws RangeError on bad options or histograms of different lengths
 */
export function selectDiverseFrames(candidates: readonly FrameCandidate[], options: SelectOptions = {}): number[] {
  const { threshold = FRAME_DIVERSITY_THRESHOLD, maxFrames = MAX_FRAMES } = options;
  if (!(threshold >= 0)) throw new RangeError(`selectDiverseFrames: threshold must be ≥ 0, got ${threshold}`);
  if (!Number.isInteger(maxFrames) || maxFrames < 1) {
    throw new RangeError(`selectDiverseFrames: maxFrames must be an integer ≥ 1, got ${maxFrames}`);
  }
  if (candidates.length === 0) return [];

  const order = candidates.map((_, i) => i).sort((a, b) => candidates[a]!.timestampSec - candidates[b]!.timestampSec || a - b);

  const kept: number[] = [];
  for (const i of order) {
    const c = candidates[i]!;
    if (c.blank) continue;
    if (kept.every((k) => bhattacharyyaDistance(c.histogram, candidates[k]!.histogram) >= threshold)) kept.push(i);
  }
  if (kept.length === 0) return [order[(order.length - 1) >> 1]!];
  if (kept.length <= maxFrames) return kept;
  return farthestPointSubset(candidates, kept, maxFrames);
}

/**
 * Farthest-point selection of `count` of the `kept` indices (ascending in
 * time), seeded with the medoid; tie rules as in {@link selectDiverseFrames}.
 */
function farthestPointSubset(candidates: readonly FrameCandidate[], kept: number[], count: number): number[] {
  const k = kept.length;
  const dist = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const d = bhattacharyyaDistance(candidates[kept[a]!]!.histogram, candidates[kept[b]!]!.histogram);
      dist[a * k + b] = d;
      dist[b * k + a] = d;
    }
  }
  const timeSec = kept.map((i) => candidates[i]!.timestampSec);

  let seed = 0;
  let bestSum = Infinity;
  for (let a = 0; a < k; a++) {
    let s = 0;
    for (let b = 0; b < k; b++) s += dist[a * k + b]!;
    if (s < bestSum) {
      bestSum = s;
      seed = a;
    }
  }

  const chosen = new Uint8Array(k);
  const nearestDist = new Float64Array(k).fill(Infinity); // histogram distance to the nearest chosen frame
  const nearestGapSec = new Float64Array(k).fill(Infinity); // time gap to the nearest chosen frame
  let next = seed;
  for (let picked = 0; picked < count; picked++) {
    chosen[next] = 1;
    for (let a = 0; a < k; a++) {
      nearestDist[a] = Math.min(nearestDist[a]!, dist[a * k + next]!);
      nearestGapSec[a] = Math.min(nearestGapSec[a]!, Math.abs(timeSec[a]! - timeSec[next]!));
    }
    let best = -1;
    for (let a = 0; a < k; a++) {
      if (chosen[a]) continue;
      // Strict comparisons: on a full tie the earlier (lower a, kept is in time order) frame stays.
      if (
        best < 0 ||
        nearestDist[a]! > nearestDist[best]! ||
        (nearestDist[a] === nearestDist[best] && nearestGapSec[a]! > nearestGapSec[best]!)
      ) {
        best = a;
      }
    }
    next = best;
  }
  const out: number[] = [];
  for (let a = 0; a < k; a++) if (chosen[a]) out.push(kept[a]!);
  return out;
}
