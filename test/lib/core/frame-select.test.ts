import { describe, expect, it } from 'vitest';
import {
  BLANK_MAX_CHANNEL,
  BLANK_MAX_STD_LUMA,
  FRAME_DIVERSITY_THRESHOLD,
  MAX_CANDIDATES,
  MAX_FRAMES,
  MIN_SECONDS_BETWEEN_FRAMES,
  candidateTimestamps,
  frameLumaStats,
  isNearBlank,
  selectDiverseFrames,
  type FrameCandidate,
} from '../../../src/lib/core/frame-select';
import { bhattacharyyaDistance } from '../../../src/lib/core/hsv-histogram';
import { rng } from '../../helpers/random';

it('exports the notebook parameters', () => {
  expect(MIN_SECONDS_BETWEEN_FRAMES).toBe(0.4);
  expect(MAX_FRAMES).toBe(24);
  expect(FRAME_DIVERSITY_THRESHOLD).toBe(0.15);
  expect(MAX_CANDIDATES).toBe(72);
  expect(BLANK_MAX_CHANNEL).toBe(24);
  expect(BLANK_MAX_STD_LUMA).toBe(4);
});

describe('candidateTimestamps', () => {
  it.each([
    { durationSec: 0, expected: [0] },
    // Shorter than the minimum gap: one frame in the middle.
    { durationSec: 0.1, expected: [0.05] },
    { durationSec: 0.5, expected: [0.25] },
    // ⌊1/0.4⌋ = 2 segments of 0.5 s → midpoints.
    { durationSec: 1, expected: [0.25, 0.75] },
    // 1.2/0.4 = 2.9999999999999996 in float64 → 2 segments.
    { durationSec: 1.2, expected: [0.3, 0.9] },
    // ⌊3/0.4⌋ = 7 segments of 3/7 s.
    { durationSec: 3, expected: Array.from({ length: 7 }, (_, i) => ((i + 0.5) * 3) / 7) },
    // 10/0.4 = 25 segments of exactly 0.4 s, but the float midpoints 0.2, 0.6 differ by 0.39999999999999997 → 24.
    { durationSec: 10, expected: Array.from({ length: 24 }, (_, i) => ((i + 0.5) * 10) / 24) },
    // Capped at 72: 7200/72 = 100 s segments.
    { durationSec: 7200, expected: Array.from({ length: 72 }, (_, i) => 50 + 100 * i) },
  ])('$durationSec s → $expected.length candidates', ({ durationSec, expected }) => {
    const t = candidateTimestamps(durationSec);
    expect(t).toHaveLength(expected.length);
    for (let i = 0; i < t.length; i++) expect(t[i]).toBeCloseTo(expected[i]!, 9);
  });

  it.each([
    { durationSec: 100, options: { maxCandidates: 5 }, expected: [10, 30, 50, 70, 90] },
    { durationSec: 3, options: { minSecondsBetween: 1 }, expected: [0.5, 1.5, 2.5] },
    { durationSec: 3, options: { minSecondsBetween: 5 }, expected: [1.5] },
    { durationSec: 2, options: { minSecondsBetween: 0.5, maxCandidates: 1 }, expected: [1] },
  ])('$durationSec s with $options → $expected', ({ durationSec, options, expected }) => {
    expect(candidateTimestamps(durationSec, options)).toEqual(expected);
  });

  it('keeps every pair ≥ minSecondsBetween apart, inside (0, duration), at most maxCandidates, for many durations', () => {
    const durations = [0.1, 0.39, 0.4, 0.41, 0.8, 1.2, 2, 2.4, 5, 9.6, 10, 12, 28.8, 28.80001, 29, 60, 3599.9, 7200];
    for (let k = 1; k <= 500; k++) durations.push(k * 0.4, k * 0.123, k * 0.4 + 1e-12);
    for (const min of [MIN_SECONDS_BETWEEN_FRAMES, 0.1, 1, 1 / 3]) {
      for (const d of durations) {
        const t = candidateTimestamps(d, { minSecondsBetween: min });
        const ideal = Math.min(MAX_CANDIDATES, Math.max(1, Math.floor(d / min)));
        let minGapSec = Infinity;
        for (let i = 1; i < t.length; i++) minGapSec = Math.min(minGapSec, t[i]! - t[i - 1]!);
        // One expect per duration (not per pair) keeps this fast; the label says which case failed.
        // Float rounding at an exact multiple can cost at most one candidate.
        expect({ d, min, ok: t.length <= ideal && t.length >= ideal - 1 && t[0]! > 0 && t.at(-1)! < d && minGapSec >= min }).toEqual({
          d,
          min,
          ok: true,
        });
      }
    }
  });

  it('rejects bad input', () => {
    for (const d of [-1, Number.NaN, Infinity]) expect(() => candidateTimestamps(d)).toThrow(RangeError);
    expect(() => candidateTimestamps(10, { minSecondsBetween: 0 })).toThrow(RangeError);
    expect(() => candidateTimestamps(10, { maxCandidates: 0 })).toThrow(RangeError);
    expect(() => candidateTimestamps(10, { maxCandidates: 2.5 })).toThrow(RangeError);
  });
});

function solid(width: number, height: number, rgb: [number, number, number]): Uint8ClampedArray {
  const a = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) a.set([...rgb, 255], i * 4);
  return a;
}

describe('frameLumaStats', () => {
  it.each([
    { name: 'black', rgba: solid(4, 4, [0, 0, 0]), w: 4, h: 4, step: 1, mean: 0, std: 0 },
    { name: 'grey 100', rgba: solid(4, 4, [100, 100, 100]), w: 4, h: 4, step: 2, mean: 100, std: 0 },
    // 0.299·255 = 76.245
    { name: 'red', rgba: solid(3, 2, [255, 0, 0]), w: 3, h: 2, step: 1, mean: 76.245, std: 0 },
    // Two pixels, 0 and 255: mean 127.5, population std 127.5.
    { name: 'black | white', rgba: new Uint8ClampedArray([0, 0, 0, 255, 255, 255, 255, 255]), w: 2, h: 1, step: 1, mean: 127.5, std: 127.5 },
    // Luma 0, 10, 20, 30: mean 15, std √125 = 11.1803.
    {
      name: 'four greys',
      rgba: new Uint8ClampedArray([0, 0, 0, 0, 10, 10, 10, 0, 20, 20, 20, 0, 30, 30, 30, 0]),
      w: 4,
      h: 1,
      step: 1,
      mean: 15,
      std: Math.sqrt(125),
    },
  ])('$name (step $step): mean $mean, std $std', ({ rgba, w, h, step, mean, std }) => {
    const s = frameLumaStats(rgba, w, h, step);
    expect(s.meanLuma).toBeCloseTo(mean, 9);
    expect(s.stdLuma).toBeCloseTo(std, 9);
  });

  it('the brightest channel of any sampled pixel: (0, 0, 200) has luma 22.8 but channel 200', () => {
    const rgba = solid(3, 1, [0, 0, 0]);
    rgba.set([0, 0, 200], 8);
    expect(frameLumaStats(rgba, 3, 1, 1).maxChannel).toBe(200);
    expect(frameLumaStats(rgba, 3, 1, 2).maxChannel).toBe(200);
    expect(frameLumaStats(rgba, 3, 1, 3).maxChannel).toBe(0); // x = 2 is not sampled at step 3
  });

  it('samples only pixels whose x and y are multiples of step', () => {
    // 4×4, white only at (0,0), (2,0), (0,2), (2,2): step 2 sees all-white, step 1 sees 4/16 white.
    const rgba = solid(4, 4, [0, 0, 0]);
    for (const [x, y] of [[0, 0], [2, 0], [0, 2], [2, 2]] as const) rgba.set([255, 255, 255], (y * 4 + x) * 4);
    expect(frameLumaStats(rgba, 4, 4, 2)).toEqual({ meanLuma: 255, stdLuma: 0, maxChannel: 255 });
    expect(frameLumaStats(rgba, 4, 4, 1).meanLuma).toBeCloseTo(63.75, 9);
    // step 3 on 4×4 samples x, y ∈ {0, 3}: only (0,0) is white → mean 63.75.
    expect(frameLumaStats(rgba, 4, 4, 3).meanLuma).toBeCloseTo(63.75, 9);
  });

  it('rejects bad input', () => {
    expect(() => frameLumaStats(new Uint8ClampedArray(15), 2, 2)).toThrow(RangeError);
    expect(() => frameLumaStats(new Uint8ClampedArray(16), 2, 2, 0)).toThrow(RangeError);
  });
});

describe('isNearBlank: only a black leader (every channel < 24 and luma std < 4) is blank', () => {
  it.each([
    { meanLuma: 0, stdLuma: 0, maxChannel: 0, blank: true },
    { meanLuma: 16, stdLuma: 1, maxChannel: 23, blank: true },
    { meanLuma: 16, stdLuma: 1, maxChannel: 24, blank: false },
    { meanLuma: 10, stdLuma: 3.99, maxChannel: 20, blank: true },
    { meanLuma: 10, stdLuma: 4, maxChannel: 20, blank: false },
    { meanLuma: 250, stdLuma: 0, maxChannel: 250, blank: false },
    { meanLuma: 76, stdLuma: 0, maxChannel: 255, blank: false },
  ])('mean $meanLuma, std $stdLuma, brightest channel $maxChannel → $blank', ({ meanLuma, stdLuma, maxChannel, blank }) => {
    expect(isNearBlank({ meanLuma, stdLuma, maxChannel })).toBe(blank);
  });

  // Synthetic frames of a small copy (96×54), read at every pixel as the collector reads its copy.
  const W = 96;
  const H = 54;
  const frame = (f: (x: number, y: number) => [number, number, number]) => {
    const a = new Uint8ClampedArray(W * H * 4);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) a.set([...f(x, y).map(Math.round), 255], (y * W + x) * 4);
    return a;
  };
  /** The frame's statistics, after checking its mean and std luma lie in the stated ranges. */
  const statsWithin = (rgba: Uint8ClampedArray, mean: number[], std: number[]) => {
    const s = frameLumaStats(rgba, W, H, 1);
    expect(s.meanLuma).toBeGreaterThanOrEqual(mean[0]!);
    expect(s.meanLuma).toBeLessThanOrEqual(mean[1]!);
    expect(s.stdLuma).toBeGreaterThanOrEqual(std[0]!);
    expect(s.stdLuma).toBeLessThanOrEqual(std[1]!);
    return s;
  };
  const noise = rng(11);

  it.each([
    { name: 'black leader (0, 0, 0)', rgba: frame(() => [0, 0, 0]), mean: [0, 0.01], std: [0, 0.01] },
    { name: 'black leader decoded in video range (16, 16, 16)', rgba: frame(() => [16, 16, 16]), mean: [15.99, 16.01], std: [0, 0.01] },
    {
      name: 'black with noise ±2 (levels 0..4, std ≈ 1.4)',
      rgba: frame(() => {
        const v = 2 + Math.round((noise() - 0.5) * 4);
        return [v, v, v];
      }),
      mean: [1.8, 2.2],
      std: [1, 1.6],
    },
  ])('$name is blank', ({ rgba, mean, std }) => {
    expect(isNearBlank(statsWithin(rgba, mean, std))).toBe(true);
  });

  /** Light-grey fog (luma ≈ 200) with two hill silhouettes up to 9 levels darker. */
  const fog = frame((x, y) => {
    const hill = y > 30 + 8 * Math.sin(x / 15) || y > 40 + 4 * Math.cos(x / 7) ? 1 : 0;
    const v = 200 - 9 * hill * Math.min(1, (y - 28) / 20);
    return [v, v, v + 3];
  });
  /**
   * Plain cream card with a line of small text that the downscale has blurred into 17 pixels
   * 20 levels darker than the card: std 20·√(17/5184) ≈ 1.15.
   */
  const titleCard = frame((x, y) => (y === 27 && x >= 40 && x < 57 ? [210, 205, 190] : [230, 225, 210]));
  /** Night street: luma ≈ 9 everywhere, six lit windows of 2×2 pixels at (250, 220, 150). */
  const night = frame((x, y) => (y >= 20 && y < 22 && x % 16 >= 6 && x % 16 < 8 ? [250, 220, 150] : [9, 9, 11]));
  /** A dim room: a silhouette at level 2 against a wall at 20, nothing brighter than 20. */
  const dimRoom = frame((x) => (x > 30 && x < 60 ? [2, 2, 2] : [20, 20, 20]));

  it.each([
    { name: 'solid red card (255, 0, 0): luma 76.2, std 0', rgba: frame(() => [255, 0, 0]), mean: [76, 76.5], std: [0, 0.01] },
    { name: 'solid blue card (0, 0, 255): luma 29.1, std 0', rgba: frame(() => [0, 0, 255]), mean: [29, 29.2], std: [0, 0.01] },
    { name: 'deep blue card (0, 0, 200): luma 22.8, std 0', rgba: frame(() => [0, 0, 200]), mean: [22.7, 22.9], std: [0, 0.01] },
    { name: 'fog with faint hills: luma ≈ 198, std ≈ 3.4', rgba: fog, mean: [195, 200], std: [3.2, 3.6] },
    { name: 'small text on a plain card: luma ≈ 224, std ≈ 1.15', rgba: titleCard, mean: [223, 225], std: [1.1, 1.2] },
    { name: 'dim night scene: mean luma ≈ 10 with six lit windows', rgba: night, mean: [9.5, 10.5], std: [5, 40] },
    { name: 'dim room: every channel ≤ 20 but a silhouette (std ≈ 8)', rgba: dimRoom, mean: [13, 15], std: [7, 9] },
  ])('$name is kept', ({ rgba, mean, std }) => {
    expect(isNearBlank(statsWithin(rgba, mean, std))).toBe(false);
  });
});

/** One-hot histogram: all mass in `bin` — distance 0 to the same bin, exactly 1 to any other. */
function oneHot(bin: number, length = 64): Float32Array {
  const h = new Float32Array(length);
  h[bin] = 1;
  return h;
}

/**
 * Mass `1 − u` in a shared bin plus `u` in a private bin: two such histograms with
 * the same shared bin have BC = 1 − u, so d = √u (e.g. u = 0.09 → d = 0.3).
 */
function sharedPlusPrivate(sharedBin: number, privateBin: number, u: number, length = 128): Float32Array {
  const h = new Float32Array(length);
  h[sharedBin] = 1 - u;
  h[privateBin] = u;
  return h;
}

const cand = (timestampSec: number, histogram: Float32Array, blank = false): FrameCandidate => ({ timestampSec, histogram, blank });

describe('selectDiverseFrames', () => {
  it('returns [] for no candidates', () => {
    expect(selectDiverseFrames([])).toEqual([]);
  });

  it('keeps one frame of a static shot', () => {
    const frames = Array.from({ length: 20 }, (_, i) => cand(i * 0.5, oneHot(3)));
    expect(selectDiverseFrames(frames)).toEqual([0]);
  });

  it('keeps exactly one (the middle) frame when all are blank, even if they differ', () => {
    expect(selectDiverseFrames(Array.from({ length: 5 }, (_, i) => cand(i, oneHot(0), true)))).toEqual([2]);
    expect(selectDiverseFrames(Array.from({ length: 4 }, (_, i) => cand(i, oneHot(i), true)))).toEqual([1]);
    expect(selectDiverseFrames([cand(1, oneHot(0), true)])).toEqual([0]);
  });

  it('skips blank frames, however distinct, when others exist', () => {
    const frames = [cand(0, oneHot(0), true), cand(1, oneHot(1)), cand(2, oneHot(2), true), cand(3, oneHot(3)), cand(4, oneHot(4), true)];
    expect(selectDiverseFrames(frames)).toEqual([1, 3]);
  });

  it('is greedy in time order against every kept frame', () => {
    // A at 0 s; A' (d(A, A') = √0.01 = 0.1 < 0.15) dropped; B kept; A'' (d = 0.1 to A, 1 to B) dropped; C kept.
    const a = sharedPlusPrivate(0, 10, 0.01);
    const a1 = sharedPlusPrivate(0, 11, 0.01);
    const a2 = sharedPlusPrivate(0, 12, 0.01);
    expect(bhattacharyyaDistance(a, a1)).toBeCloseTo(0.1, 6);
    const frames = [cand(0, a), cand(1, a1), cand(2, oneHot(50, 128)), cand(3, a2), cand(4, oneHot(60, 128))];
    expect(selectDiverseFrames(frames)).toEqual([0, 2, 4]);
    // d = √0.04 = 0.2 ≥ 0.15 → all three variants of A are kept.
    const b = [10, 11, 12].map((p, i) => cand(i, sharedPlusPrivate(0, p, 0.04)));
    expect(selectDiverseFrames(b)).toEqual([0, 1, 2]);
  });

  it('keeps a frame whose distance is exactly the threshold, drops it just above', () => {
    const h1 = Float32Array.from([1, 0, 0]);
    const h2 = Float32Array.from([1, 0.3, 0]);
    const d = bhattacharyyaDistance(h1, h2);
    const frames = [cand(0, h1), cand(1, h2)];
    expect(selectDiverseFrames(frames, { threshold: d })).toEqual([0, 1]);
    const justAbove = d + Number.EPSILON * d;
    expect(justAbove).toBeGreaterThan(d);
    expect(selectDiverseFrames(frames, { threshold: justAbove })).toEqual([0]);
  });

  it('returns indices in time order for unsorted input', () => {
    const frames = [cand(3, oneHot(3)), cand(1, oneHot(1)), cand(2, oneHot(1)), cand(0, oneHot(0))];
    // Time order: idx 3 (0 s), idx 1 (1 s), idx 2 (2 s, same look as idx 1 → dropped), idx 0 (3 s).
    expect(selectDiverseFrames(frames)).toEqual([3, 1, 0]);
  });

  it('caps at maxFrames, spreading equally distinct frames over the whole video', () => {
    // 30 mutually disjoint looks (all distances 1): not the first 24, but an even spread incl. both ends.
    const frames = Array.from({ length: 30 }, (_, i) => cand(i, oneHot(i)));
    const kept = selectDiverseFrames(frames);
    expect(kept).toHaveLength(MAX_FRAMES);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(29);
    for (let i = 1; i < kept.length; i++) expect(kept[i]! - kept[i - 1]!).toBeLessThanOrEqual(2);
  });

  it('caps by farthest point: a short distinct scene at the end survives', () => {
    // 40 frames of look X (pairwise d = 0.3) then 10 of look Y (pairwise d = 0.3, d(X, Y) = 1).
    const frames = [
      ...Array.from({ length: 40 }, (_, i) => cand(i, sharedPlusPrivate(0, 2 + i, 0.09))),
      ...Array.from({ length: 10 }, (_, i) => cand(40 + i, sharedPlusPrivate(1, 60 + i, 0.09))),
    ];
    expect(bhattacharyyaDistance(frames[0]!.histogram, frames[1]!.histogram)).toBeCloseTo(0.3, 6);
    const kept = selectDiverseFrames(frames, { maxFrames: 10 });
    expect(kept).toHaveLength(10);
    expect(kept.some((i) => i >= 40)).toBe(true);
    // Medoid seed: an X frame (X is the majority look).
    expect(kept.some((i) => i < 40)).toBe(true);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
  });

  it('maxFrames = 1 keeps the most typical frame (medoid)', () => {
    // Looks: A, B, and A+B blended; the blend is closest to both → medoid.
    const a = Float32Array.from([1, 0]);
    const b = Float32Array.from([0, 1]);
    const ab = Float32Array.from([1, 1]);
    expect(selectDiverseFrames([cand(0, a), cand(1, ab), cand(2, b)], { maxFrames: 1 })).toEqual([1]);
  });

  it('threshold 0 keeps every non-blank frame up to the cap', () => {
    const frames = Array.from({ length: 10 }, (_, i) => cand(i, oneHot(0), i % 3 === 0));
    expect(selectDiverseFrames(frames, { threshold: 0 })).toEqual([1, 2, 4, 5, 7, 8]);
  });

  it('rejects bad options and mismatched histograms', () => {
    const frames = [cand(0, oneHot(0)), cand(1, oneHot(1))];
    expect(() => selectDiverseFrames(frames, { threshold: -0.1 })).toThrow(RangeError);
    expect(() => selectDiverseFrames(frames, { threshold: Number.NaN })).toThrow(RangeError);
    expect(() => selectDiverseFrames(frames, { maxFrames: 0 })).toThrow(RangeError);
    expect(() => selectDiverseFrames([cand(0, oneHot(0, 8)), cand(1, oneHot(1, 9))])).toThrow(RangeError);
  });
});
