import { describe, expect, it } from 'vitest';
import { MIN_PHASH_STRUCTURE, NEAR_DUPLICATE_MAX_DISTANCE, pHashCanMatch } from '../../../src/lib/core/near-duplicate';
import { PHASH_SIZE, grayscaleFromRgba, hammingDistance64, phashFromGray32, phashStructureFromGray32 } from '../../../src/lib/core/phash';
import { rng } from '../../helpers/random';

const N = PHASH_SIZE;

/** A 32×32 RGBA picture rounded to 8 bits like a decoded file, from a pixel function. */
function picture(f: (x: number, y: number) => [number, number, number]): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(N * N * 4);
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const [r, g, b] = f(x, y);
      rgba.set([Math.round(r), Math.round(g), Math.round(b), 255], (y * N + x) * 4);
    }
  }
  return rgba;
}

function measure(rgba: Uint8ClampedArray) {
  const gray = grayscaleFromRgba(rgba, N, N);
  return { hash: phashFromGray32(gray), structure: phashStructureFromGray32(gray) };
}

const grey = (level: number): [number, number, number] => [level, level, level];

/**
 * A foggy scene: soft blobs scaled so the low-frequency luma varies by `structure` levels, drawn
 * in 8 bits at 128×128 and area-averaged to 32×32 as the canvas does. `shift` brightens it and
 * `gain` raises its contrast, the way a brightness edit does.
 */
function foggyScene(seed: number, structure: number, shift = 0, gain = 1) {
  const size = 128;
  const f = size / N;
  const r = rng(seed);
  const blobs = Array.from({ length: 5 }, () => ({ cx: r() * size, cy: r() * size, s: (3 + r() * 6) * f, a: r() - 0.5 }));
  const shape = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (const b of blobs) shape[y * size + x]! += b.a * Math.exp(-((x - b.cx) ** 2 + (y - b.cy) ** 2) / (2 * b.s * b.s));
    }
  }
  const down = (g: Float32Array) => {
    const out = new Float32Array(N * N);
    for (let i = 0; i < size * size; i++) out[Math.floor(i / size / f) * N + Math.floor((i % size) / f)]! += g[i]! / (f * f);
    return out;
  };
  const contrast = structure / phashStructureFromGray32(down(shape));
  const gray = down(shape.map((v) => Math.round(150 + shift + gain * contrast * v)));
  return { hash: phashFromGray32(gray), structure: phashStructureFromGray32(gray) };
}

describe('pHashCanMatch: near-uniform pictures are never near-duplicates', () => {
  it('a plain red (luma 76.2) and a plain blue (luma 29.1) picture hash alike (0, distance 0) but neither can match', () => {
    const red = measure(picture(() => [255, 0, 0]));
    const blue = measure(picture(() => [0, 0, 255]));
    expect(hammingDistance64(red.hash, blue.hash)).toBe(0);
    expect([red.structure, blue.structure]).toEqual([0, 0]);
    expect(pHashCanMatch(red.hash, red.structure)).toBe(false);
    expect(pHashCanMatch(blue.hash, blue.structure)).toBe(false);
  });

  it('a faint shading (6 levels top to bottom, structure ≈ 1.7) on orange cannot match', () => {
    const shaded = measure(picture((_x, y) => [200, 140, 40].map((c) => c + (6 * y) / (N - 1)) as [number, number, number]));
    expect(shaded.structure).toBeGreaterThan(1.5);
    expect(shaded.structure).toBeLessThan(MIN_PHASH_STRUCTURE);
    expect(pHashCanMatch(shaded.hash, shaded.structure)).toBe(false);
  });

  it('flat grey with uniform noise ±2 levels (structure ≈ 0.3: the noise is mostly high-frequency) cannot match', () => {
    const r = rng(7);
    const noisy = measure(picture(() => grey(128 + (r() - 0.5) * 4)));
    expect(noisy.structure).toBeGreaterThan(0.1);
    expect(noisy.structure).toBeLessThan(0.6);
    expect(pHashCanMatch(noisy.hash, noisy.structure)).toBe(false);
  });

  it('a full left-to-right and a full top-to-bottom ramp (structure ≈ 73) hash alike by ties: too few bits to match', () => {
    const across = measure(picture((x) => grey((255 * x) / (N - 1))));
    const down = measure(picture((_x, y) => grey((255 * y) / (N - 1))));
    expect(across.structure).toBeGreaterThan(60);
    expect(hammingDistance64(across.hash, down.hash)).toBeLessThanOrEqual(NEAR_DUPLICATE_MAX_DISTANCE);
    expect(pHashCanMatch(across.hash, across.structure)).toBe(false);
    expect(pHashCanMatch(down.hash, down.structure)).toBe(false);
  });

  it('a low-contrast foggy scene (structure 3 levels) still matches its copy brightened by 10 % (+15 levels, contrast ×1.1)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const original = foggyScene(seed, 3);
      const copy = foggyScene(seed, 3, 15, 1.1);
      expect(original.structure).toBeGreaterThan(2.8);
      expect(original.structure).toBeLessThan(3.2);
      expect(pHashCanMatch(original.hash, original.structure)).toBe(true);
      expect(pHashCanMatch(copy.hash, copy.structure)).toBe(true);
      expect(hammingDistance64(original.hash, copy.hash)).toBeLessThanOrEqual(NEAR_DUPLICATE_MAX_DISTANCE); // measured 0–6
    }
  });

  it('the threshold sits at 2 levels: exactly 2 matches, just below does not', () => {
    const photoHash = 0x7fffffff00000000n; // 31 bits set, as every photo's hash
    expect(pHashCanMatch(photoHash, MIN_PHASH_STRUCTURE)).toBe(true);
    expect(pHashCanMatch(photoHash, MIN_PHASH_STRUCTURE - 0.01)).toBe(false);
  });

  it('items stored before structure was measured count as structured; their flat hashes still never match', () => {
    expect(pHashCanMatch(0x7fffffff00000000n, undefined)).toBe(true);
    expect(pHashCanMatch(0n, undefined)).toBe(false);
    expect(pHashCanMatch(0x5500000000000000n, undefined)).toBe(false); // 4 bits: a falling ramp
  });
});
