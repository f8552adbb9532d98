import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  HSV_BINS,
  bhattacharyyaDistance,
  hsvHistogram,
  hsvHistogramFromRgba,
  rgbaToHsvOpenCv,
  type HsvBins,
} from '../../../src/lib/core/hsv-histogram';

/** Shape of test/fixtures/opencv-hsv-reference.json (written by scripts/make-opencv-reference.py). */
interface Reference {
  opencv: string;
  width: number;
  height: number;
  images: Array<{
    name: string;
    rgb: number[];
    hsv: number[];
    hist8Counts: Record<string, number>;
    hist8: Record<string, number>;
    hist8Step3: Record<string, number>;
  }>;
  bhattacharyya: Record<string, { normalized: number; counts: number }>;
  binning: Array<{ bins: [number, number, number]; hsv: number[]; counts: Record<string, number>; normalized: Record<string, number> }>;
  allColours: {
    checksum: number;
    modulus: number;
    multiplier: number;
    hMax: number;
    hCounts: number[];
    sCounts: number[];
    sample: Array<[number, number, number, number]>;
  };
}

const ref = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../fixtures/opencv-hsv-reference.json', import.meta.url)), 'utf8'),
) as Reference;
const { width: W, height: H } = ref;

function rgbToRgba(rgb: ArrayLike<number>): Uint8ClampedArray {
  const n = rgb.length / 3;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[4 * i] = rgb[3 * i]!;
    rgba[4 * i + 1] = rgb[3 * i + 1]!;
    rgba[4 * i + 2] = rgb[3 * i + 2]!;
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

function dense(sparse: Record<string, number>, length: number): Float32Array {
  const out = new Float32Array(length);
  for (const [k, v] of Object.entries(sparse)) out[Number(k)] = v;
  return out;
}

const binsOf = ([h, s, v]: [number, number, number]): HsvBins => ({ h, s, v });
const hsvOf = (name: string) => rgbaToHsvOpenCv(rgbToRgba(ref.images.find((i) => i.name === name)!.rgb), W, H);

describe('rgbaToHsvOpenCv', () => {
  // Hand-checked against OpenCV's fixed-point formula (H = degrees/2, S = round(255·diff/V)).
  it.each([
    { rgb: [255, 0, 0], hsv: [0, 255, 255] },
    { rgb: [0, 255, 0], hsv: [60, 255, 255] },
    { rgb: [0, 0, 255], hsv: [120, 255, 255] },
    { rgb: [255, 255, 0], hsv: [30, 255, 255] },
    { rgb: [255, 0, 255], hsv: [150, 255, 255] },
    { rgb: [0, 0, 0], hsv: [0, 0, 0] },
    { rgb: [128, 128, 128], hsv: [0, 0, 128] },
    { rgb: [255, 255, 255], hsv: [0, 0, 255] },
    // H' = G − B = −1 → (−1·hdiv[255] + 2048) >> 12 = (−482 + 2048) >> 12 = 0: rounds to 0, not 179.
    { rgb: [255, 0, 1], hsv: [0, 255, 255] },
    // H' = −20, diff = 200 → (−20·614 + 2048) >> 12 = −3 → 177; S = (200·4096 + 2048) >> 12 = 200.
    { rgb: [200, 0, 20], hsv: [177, 255, 200] },
    // V = 100, diff = 50: S = round(255·50/100) = 128 (127.5 rounds up in fixed point).
    { rgb: [100, 50, 75], hsv: [165, 128, 100] },
  ])('$rgb → $hsv', ({ rgb, hsv }) => {
    expect(Array.from(rgbaToHsvOpenCv(rgbToRgba(rgb), 1, 1))).toEqual(hsv);
  });

  it.each(ref.images.map((i) => [i.name, i] as const))(`matches OpenCV on the 16×16 image "%s"`, (_name, img) => {
    expect(Array.from(rgbaToHsvOpenCv(rgbToRgba(img.rgb), W, H))).toEqual(img.hsv);
  });

  it(`matches OpenCV ${ref.opencv} on all 2^24 colours (checksum, per-value counts, sample)`, () => {
    const { modulus: P, multiplier: K } = ref.allColours;
    const hCounts = new Array<number>(180).fill(0);
    const sCounts = new Array<number>(256).fill(0);
    let checksum = 0;
    let hMax = 0;
    // One red level (65 536 colours) at a time to keep memory small; colour index i = r·65536 + g·256 + b.
    const rgba = new Uint8ClampedArray(65536 * 4);
    for (let r = 0; r < 256; r++) {
      for (let gb = 0; gb < 65536; gb++) {
        rgba[4 * gb] = r;
        rgba[4 * gb + 1] = gb >> 8;
        rgba[4 * gb + 2] = gb & 255;
      }
      const hsv = rgbaToHsvOpenCv(rgba, 256, 256);
      // Same checksum as the generator: Σ hsv[k]·((k·K) mod P) mod P. The weight is stepped
      // by K instead of recomputed, and the sum reduced every 768 terms (768·255·2^31 < 2^53).
      let weight = (r * 65536 * 3 * K) % P;
      for (let row = 0; row < hsv.length; row += 768) {
        for (let o = row; o < row + 768; o++) {
          checksum += hsv[o]! * weight;
          weight += K;
          if (weight >= P) weight -= P;
        }
        checksum %= P;
      }
      for (let o = 0; o < hsv.length; o += 3) {
        hCounts[hsv[o]!]!++;
        sCounts[hsv[o + 1]!]!++;
        if (hsv[o]! > hMax) hMax = hsv[o]!;
      }
    }
    expect(hMax).toBe(ref.allColours.hMax);
    expect(hCounts).toEqual(ref.allColours.hCounts);
    expect(sCounts).toEqual(ref.allColours.sCounts);
    expect(checksum).toBe(ref.allColours.checksum);

    for (const [i, h, s, v] of ref.allColours.sample) {
      const px = rgbaToHsvOpenCv(new Uint8ClampedArray([i >> 16, (i >> 8) & 255, i & 255, 255]), 1, 1);
      expect([i, ...px]).toEqual([i, h, s, v]);
    }
  });

  it('ignores alpha and accepts Uint8Array', () => {
    const a = rgbaToHsvOpenCv(new Uint8Array([10, 200, 30, 0]), 1, 1);
    const b = rgbaToHsvOpenCv(new Uint8ClampedArray([10, 200, 30, 255]), 1, 1);
    expect(a).toEqual(b);
  });

  it('rejects short buffers and bad sizes', () => {
    expect(() => rgbaToHsvOpenCv(new Uint8ClampedArray(15), 2, 2)).toThrow(RangeError);
    expect(() => rgbaToHsvOpenCv(new Uint8ClampedArray(16), 0, 4)).toThrow(RangeError);
    expect(() => rgbaToHsvOpenCv(new Uint8ClampedArray(16), 1.5, 2)).toThrow(RangeError);
  });
});

describe('hsvHistogram', () => {
  it.each(ref.images.map((i) => [i.name, i] as const))('matches cv2.calcHist + cv2.normalize bit for bit on "%s"', (_name, img) => {
    const hsv = Uint8Array.from(img.hsv);
    const hist = hsvHistogram(hsv);
    expect(hist).toHaveLength(512);
    expect(hist).toEqual(dense(img.hist8, 512));
    // Unit L2 norm (float32 rounding only).
    expect(Math.hypot(...hist)).toBeCloseTo(1, 6);
    // Counts are recoverable: the scale factor is the same for every bin.
    const counts = dense(img.hist8Counts, 512);
    const scale = hist.find((x) => x > 0)! / counts.find((x) => x > 0)!;
    for (let i = 0; i < 512; i++) expect(hist[i]!).toBeCloseTo(counts[i]! * scale, 6);
  });

  it.each(ref.images.map((i) => [i.name, i] as const))('sampleStep = 3 matches OpenCV on hsv[::3] for "%s"', (_name, img) => {
    expect(hsvHistogram(Uint8Array.from(img.hsv), HSV_BINS, 3)).toEqual(dense(img.hist8Step3, 512));
  });

  it.each(ref.binning.map((b) => [b.bins.join('×'), b] as const))(
    'bin edges for every channel value match calcHist with %s bins',
    (_label, b) => {
      const n = b.bins[0] * b.bins[1] * b.bins[2];
      expect(hsvHistogram(Uint8Array.from(b.hsv), binsOf(b.bins))).toEqual(dense(b.normalized, n));
    },
  );

  it.each([
    // One pixel per row: [H, S, V] → bin (⌊H/22.5⌋·8 + ⌊S/32⌋)·8 + ⌊V/32⌋.
    { hsv: [0, 0, 0], bin: 0 },
    { hsv: [22, 31, 31], bin: 0 },
    { hsv: [23, 32, 32], bin: 73 },
    { hsv: [45, 0, 0], bin: 128 },
    { hsv: [179, 255, 255], bin: 511 },
    { hsv: [90, 128, 64], bin: 4 * 64 + 4 * 8 + 2 },
  ])('$hsv lands in bin $bin', ({ hsv, bin }) => {
    const hist = hsvHistogram(Uint8Array.from(hsv));
    expect(hist[bin]).toBe(1);
    expect(hist.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('does not count hue bytes ≥ 180 (outside OpenCV range) and returns zeros when nothing counts', () => {
    expect(hsvHistogram(Uint8Array.from([200, 10, 10])).every((x) => x === 0)).toBe(true);
    expect(hsvHistogram(new Uint8Array(0)).every((x) => x === 0)).toBe(true);
    const hist = hsvHistogram(Uint8Array.from([200, 10, 10, 0, 0, 0]));
    expect(hist[0]).toBe(1);
  });

  it('hsvHistogramFromRgba equals rgbaToHsvOpenCv → hsvHistogram, for several steps and bins', () => {
    for (const img of ref.images) {
      const rgba = rgbToRgba(img.rgb);
      for (const step of [1, 2, 3, 7, 16, 1000]) {
        for (const bins of [HSV_BINS, { h: 7, s: 5, v: 3 }]) {
          expect(hsvHistogramFromRgba(rgba, W, H, bins, step)).toEqual(hsvHistogram(rgbaToHsvOpenCv(rgba, W, H), bins, step));
        }
      }
    }
  });

  it('rejects bad input', () => {
    expect(() => hsvHistogram(new Uint8Array(4))).toThrow(RangeError);
    expect(() => hsvHistogram(new Uint8Array(3), { h: 0, s: 8, v: 8 })).toThrow(RangeError);
    expect(() => hsvHistogram(new Uint8Array(3), HSV_BINS, 0)).toThrow(RangeError);
    expect(() => hsvHistogram(new Uint8Array(3), HSV_BINS, 1.5)).toThrow(RangeError);
    expect(() => hsvHistogramFromRgba(new Uint8Array(3), 1, 1)).toThrow(RangeError);
  });
});

describe('bhattacharyyaDistance', () => {
  const pairs = Object.entries(ref.bhattacharyya).map(([key, d]) => {
    const [a, b] = key.split('|') as [string, string];
    return [key, a, b, d] as const;
  });

  it.each(pairs)('matches cv2.compareHist(HISTCMP_BHATTACHARYYA) for %s', (_key, a, b, d) => {
    const ha = hsvHistogram(hsvOf(a));
    const hb = hsvHistogram(hsvOf(b));
    // OpenCV sums in SIMD lanes and multiplies by a reciprocal; we sum sequentially and divide.
    expect(Math.abs(bhattacharyyaDistance(ha, hb) - d.normalized)).toBeLessThan(1e-7);
    expect(Math.abs(bhattacharyyaDistance(hb, ha) - d.normalized)).toBeLessThan(1e-7);
    const ca = dense(ref.images.find((i) => i.name === a)!.hist8Counts, 512);
    const cb = dense(ref.images.find((i) => i.name === b)!.hist8Counts, 512);
    expect(Math.abs(bhattacharyyaDistance(ca, cb) - d.counts)).toBeLessThan(1e-7);
  });

  it.each([
    // Hand-computed: Σ√(h1·h2) / √(Σh1·Σh2).
    { h1: [1, 0], h2: [1, 0], d: 0 },
    { h1: [1, 0], h2: [0, 1], d: 1 },
    // BC = (√(1·1) + √(1·0)) / √(2·1) = 1/√2 → d = √(1 − 0.70710678) = 0.5411961
    { h1: [1, 1], h2: [1, 0], d: Math.sqrt(1 - Math.SQRT1_2) },
    // BC = (√0.25 + √0.25) / √(1·1) = 1 → d = 0 (same shape, L1-normalised vs counts below)
    { h1: [0.5, 0.5], h2: [3, 3], d: 0 },
    // BC = (√(1·4) + √(3·0) + √(0·4)) / √(4·8) = 2/√32 = 0.35355339 → d = 0.80403591
    { h1: [1, 3, 0], h2: [4, 0, 4], d: Math.sqrt(1 - 2 / Math.sqrt(32)) },
    // Empty histogram: OpenCV skips the division (Σ product ≤ FLT_EPSILON) → BC = 0 → d = 1.
    { h1: [0, 0], h2: [0, 0], d: 1 },
    { h1: [0, 0], h2: [1, 1], d: 1 },
  ])('d($h1, $h2) = $d', ({ h1, h2, d }) => {
    expect(bhattacharyyaDistance(Float32Array.from(h1), Float32Array.from(h2))).toBeCloseTo(d, 7);
  });

  it('is exactly 0 for identical histograms and exactly 1 for disjoint ones', () => {
    for (const img of ref.images) {
      const h = hsvHistogram(Uint8Array.from(img.hsv));
      expect(bhattacharyyaDistance(h, h)).toBe(0);
      expect(bhattacharyyaDistance(h, Float32Array.from(h))).toBe(0);
    }
    expect(bhattacharyyaDistance(hsvHistogram(hsvOf('solid-black')), hsvHistogram(hsvOf('solid-white')))).toBe(1);
  });

  it('is invariant to the scale of either histogram', () => {
    const a = hsvHistogram(hsvOf('noise'));
    const b = hsvHistogram(hsvOf('rg-gradient'));
    const d = bhattacharyyaDistance(a, b);
    expect(bhattacharyyaDistance(a.map((x) => x * 37), b)).toBeCloseTo(d, 6);
    expect(bhattacharyyaDistance(a, b.map((x) => x / 1000))).toBeCloseTo(d, 6);
  });

  it('rejects histograms of different lengths', () => {
    expect(() => bhattacharyyaDistance(new Float32Array(512), new Float32Array(511))).toThrow(RangeError);
  });
});
