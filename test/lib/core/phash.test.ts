import { describe, expect, it } from 'vitest';
import {
  PHASH_SIZE,
  grayscaleFromRgba,
  hammingDistance64,
  phashFromGray32,
  phashFromHex,
  phashStructureFromGray32,
  phashToHex,
  popcount32,
} from '../../../src/lib/core/phash';
import { rng } from '../../helpers/random';

const N = PHASH_SIZE;

function image32(f: (x: number, y: number) => number): Float32Array {
  const g = new Float32Array(N * N);
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) g[y * N + x] = f(x, y);
  return g;
}

/**
 * Independent reference: the 2-D DCT-II straight from its definition, O(N^4)
 * over the whole 32×32 spectrum (low 8×8 kept), then the same bit rule written with strings.
 */
function referenceLowCoefficients(gray: Float32Array): number[] {
  const alpha = (k: number) => Math.sqrt((k === 0 ? 1 : 2) / N);
  const coeff: number[][] = [];
  for (let v = 0; v < N; v++) {
    coeff.push([]);
    for (let u = 0; u < N; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) {
        for (let x = 0; x < N; x++) {
          s += gray[y * N + x]! * Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N)) * Math.cos(((2 * y + 1) * v * Math.PI) / (2 * N));
        }
      }
      const c = alpha(u) * alpha(v) * s;
      coeff[v]!.push(Math.abs(c) < 1e-6 ? 0 : c);
    }
  }
  const low: number[] = [];
  for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) low.push(coeff[v]![u]!);
  return low;
}

function referencePhash(gray: Float32Array): bigint {
  const low = referenceLowCoefficients(gray);
  const ac = low.slice(1).sort((a, b) => a - b);
  const median = ac[31]!;
  const bits = low.map((c, k) => (k > 0 && c > median ? '1' : '0')).join('');
  return BigInt(`0b${bits}`);
}

/** Photo-like synthetic scene at `size`×`size`: Gaussian blobs over a tilted gradient, 0..255. */
function scene(seed: number, size = 128): Float32Array {
  const r = rng(seed);
  const gx = (r() - 0.5) * 120;
  const gy = (r() - 0.5) * 120;
  const blobs = Array.from({ length: 6 }, () => ({
    cx: r() * size,
    cy: r() * size,
    s: (0.08 + r() * 0.2) * size,
    a: (r() - 0.5) * 200,
  }));
  const g = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = 128 + (gx * (x - size / 2)) / size + (gy * (y - size / 2)) / size;
      for (const b of blobs) v += b.a * Math.exp(-((x - b.cx) ** 2 + (y - b.cy) ** 2) / (2 * b.s * b.s));
      g[y * size + x] = Math.min(255, Math.max(0, v));
    }
  }
  return g;
}

/** Area-average downscale of a square image to 32×32 (what a high-quality canvas resize approximates). */
function downTo32(g: Float32Array, size: number): Float32Array {
  const f = size / N;
  return image32((x, y) => {
    let s = 0;
    for (let j = 0; j < f; j++) for (let i = 0; i < f; i++) s += g[(y * f + j) * size + x * f + i]!;
    return s / (f * f);
  });
}

function boxBlur3(g: Float32Array, size: number): Float32Array {
  const out = new Float32Array(g.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let s = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < size && yy < size) {
            s += g[yy * size + xx]!;
            n++;
          }
        }
      }
      out[y * size + x] = s / n;
    }
  }
  return out;
}

const hashScene = (g: Float32Array, size = 128) => phashFromGray32(downTo32(g, size));

describe('grayscaleFromRgba', () => {
  it.each([
    { rgba: [255, 0, 0, 255], luma: 76.245 },
    { rgba: [0, 255, 0, 255], luma: 149.685 },
    { rgba: [0, 0, 255, 0], luma: 29.07 },
    { rgba: [255, 255, 255, 255], luma: 255 },
    { rgba: [0, 0, 0, 255], luma: 0 },
    { rgba: [10, 20, 30, 128], luma: 18.15 },
  ])('Rec. 601 luma of $rgba = $luma', ({ rgba, luma }) => {
    const g = grayscaleFromRgba(new Uint8ClampedArray(rgba), 1, 1);
    expect(g[0]).toBeCloseTo(luma, 3);
  });

  it('keeps row-major layout', () => {
    const rgba = new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 255, 0, 0, 255, 255]);
    expect(Array.from(grayscaleFromRgba(rgba, 2, 2)).map((v) => Math.round(v))).toEqual([0, 255, 76, 29]);
  });

  it('rejects short buffers', () => {
    expect(() => grayscaleFromRgba(new Uint8Array(15), 2, 2)).toThrow(RangeError);
  });
});

describe('phashFromGray32 known values', () => {
  // Analytic expectations: a horizontal ramp has only row-0 (v = 0) coefficients, non-zero at odd u
  // (negative for a rising ramp). With 59 exact zeros among the 63 AC terms the median is 0, so only
  // positive coefficients set bits: a falling ramp sets bits k = 1,3,5,7 → 0x55 in the top byte;
  // a falling vertical ramp sets k = 8,24,40,56 → 0x80 in bytes 1,3,5,7. Ramps use integer levels
  // so the input is exactly antisymmetric (float32-rounded levels would make the "zero" terms ~1e-5).
  it.each([
    { name: 'black', f: () => 0, hex: '0000000000000000' },
    { name: 'mid grey', f: () => 128, hex: '0000000000000000' },
    { name: 'white', f: () => 255, hex: '0000000000000000' },
    { name: 'rising horizontal ramp', f: (x: number) => 8 * x, hex: '0000000000000000' },
    { name: 'falling horizontal ramp', f: (x: number) => 248 - 8 * x, hex: '5500000000000000' },
    { name: 'falling vertical ramp', f: (_x: number, y: number) => 248 - 8 * y, hex: '0080008000800080' },
    {
      name: 'smooth 2-D pattern',
      f: (x: number, y: number) => 128 + 60 * Math.sin(x * 0.31 + y * 0.17) + 40 * Math.cos(y * 0.23 - x * 0.05),
      hex: '5ab0e54f244f244f',
    },
  ])('$name → $hex', ({ f, hex }) => {
    const gray = image32(f);
    const h = phashFromGray32(gray);
    expect(phashToHex(h)).toBe(hex);
    expect(referencePhash(gray)).toBe(h);
  });

  it.each([1, 2, 3, 4, 5, 6])('matches the O(N^4) reference DCT on random image seed %i', (seed) => {
    const r = rng(seed);
    const gray = image32(() => Math.floor(r() * 256));
    expect(phashFromGray32(gray)).toBe(referencePhash(gray));
  });

  it('matches the reference on photo-like scenes', () => {
    for (let seed = 100; seed < 106; seed++) {
      const gray = downTo32(scene(seed), 128);
      expect(phashFromGray32(gray)).toBe(referencePhash(gray));
    }
  });

  it('never sets the DC bit and is invariant to gain and offset', () => {
    const gray = downTo32(scene(7), 128);
    const h = phashFromGray32(gray);
    expect(h >> 63n).toBe(0n);
    expect(phashFromGray32(gray.map((v) => 0.5 * v + 40))).toBe(h);
  });

  it('rejects wrong sizes', () => {
    expect(() => phashFromGray32(new Float32Array(1000))).toThrow(RangeError);
  });
});

describe('phashStructureFromGray32', () => {
  it.each([0, 128, 255])('a flat picture at level %i measures 0', (level) => {
    expect(phashStructureFromGray32(image32(() => level))).toBe(0);
  });

  it('a horizontal cosine of amplitude 10 levels at the first frequency measures 10/√2 = 7.071 (its std)', () => {
    const gray = image32((x) => 128 + 10 * Math.cos(((2 * x + 1) * Math.PI) / (2 * N)));
    expect(phashStructureFromGray32(gray)).toBeCloseTo(10 / Math.SQRT2, 3);
  });

  it('a frequency above the 8×8 block the hash reads measures ≈ 0 (cosine at u = 12)', () => {
    const gray = image32((x) => 128 + 10 * Math.cos(((2 * x + 1) * 12 * Math.PI) / (2 * N)));
    expect(phashStructureFromGray32(gray)).toBeLessThan(1e-3);
  });

  it('is √(Σ c²)/32 over the 63 low AC coefficients of the O(N^4) reference DCT', () => {
    for (const gray of [downTo32(scene(3), 128), image32((x, y) => (x * 7 + y * 3) % 256)]) {
      const low = referenceLowCoefficients(gray);
      const expected = Math.sqrt(low.slice(1).reduce((sum, c) => sum + c * c, 0)) / N;
      expect(phashStructureFromGray32(gray)).toBeCloseTo(expected, 2);
    }
  });

  it('scales with gain and ignores offset', () => {
    const gray = downTo32(scene(5), 128);
    const structure = phashStructureFromGray32(gray);
    expect(structure).toBeGreaterThan(5);
    expect(phashStructureFromGray32(gray.map((v) => 0.5 * v + 40))).toBeCloseTo(structure / 2, 2);
  });

  it('rejects wrong sizes', () => {
    expect(() => phashStructureFromGray32(new Float32Array(1025))).toThrow(RangeError);
  });
});

describe('phash robustness on synthetic scenes', () => {
  const SAME_MAX = 10;
  const DIFFERENT_MIN = 14;
  const size = 128;

  const edits: Array<{ name: string; edit: (g: Float32Array, seed: number) => Float32Array }> = [
    { name: 'box blur 3×3', edit: (g) => boxBlur3(g, size) },
    { name: 'brighten +20', edit: (g) => g.map((v) => Math.min(255, v + 20)) },
    { name: 'contrast ×1.2', edit: (g) => g.map((v) => Math.min(255, Math.max(0, 128 + 1.2 * (v - 128)))) },
    {
      name: 'uniform noise ±8',
      edit: (g, seed) => {
        const r = rng(seed + 999);
        return g.map((v) => Math.min(255, Math.max(0, v + (r() - 0.5) * 16)));
      },
    },
  ];

  it.each(edits)('$name stays within SAME_MAX bits', ({ edit }) => {
    for (let seed = 1; seed <= 20; seed++) {
      const g = scene(seed, size);
      expect(hammingDistance64(hashScene(g), hashScene(edit(g, seed)))).toBeLessThanOrEqual(SAME_MAX);
    }
  });

  it('different scenes are more than DIFFERENT_MIN bits apart', () => {
    const hashes = Array.from({ length: 20 }, (_, i) => hashScene(scene(i + 1, size)));
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) {
        expect(hammingDistance64(hashes[i]!, hashes[j]!)).toBeGreaterThan(DIFFERENT_MIN);
      }
    }
  });
});

describe('hex encoding', () => {
  it.each([
    { h: 0n, hex: '0000000000000000' },
    { h: 1n, hex: '0000000000000001' },
    { h: 0x5500000000000000n, hex: '5500000000000000' },
    { h: 0x0123456789abcdefn, hex: '0123456789abcdef' },
    { h: (1n << 64n) - 1n, hex: 'ffffffffffffffff' },
  ])('$hex round-trips', ({ h, hex }) => {
    expect(phashToHex(h)).toBe(hex);
    expect(phashFromHex(hex)).toBe(h);
    expect(phashFromHex(hex.toUpperCase())).toBe(h);
  });

  it('rejects bad input', () => {
    expect(() => phashToHex(-1n)).toThrow(RangeError);
    expect(() => phashToHex(1n << 64n)).toThrow(RangeError);
    expect(() => phashFromHex('123')).toThrow(SyntaxError);
    expect(() => phashFromHex('0x23456789abcdef0')).toThrow(SyntaxError);
    expect(() => phashFromHex('g000000000000000')).toThrow(SyntaxError);
  });
});

describe('hammingDistance64', () => {
  it.each([
    { a: 0n, b: 0n, d: 0 },
    { a: 0n, b: (1n << 64n) - 1n, d: 64 },
    { a: 0x5500000000000000n, b: 0n, d: 4 },
    { a: 1n, b: 1n << 63n, d: 2 },
    { a: 0xffffffffn, b: 0xffffffff00000000n, d: 64 },
    { a: 0x0123456789abcdefn, b: 0n, d: 32 },
    { a: 0x0123456789abcdefn, b: 0xfedcba9876543210n, d: 64 },
    { a: 0x8000000080000000n, b: 0x0000000100000001n, d: 4 },
  ])('d($a, $b) = $d', ({ a, b, d }) => {
    expect(hammingDistance64(a, b)).toBe(d);
    expect(hammingDistance64(b, a)).toBe(d);
  });

  it.each([
    [0, 0],
    [1, 1],
    [0xffffffff, 32],
    [0x80000000, 1],
    [0x55555555, 16],
    [-1, 32],
  ])('popcount32(%i) = %i', (x, n) => {
    expect(popcount32(x)).toBe(n);
  });
});
