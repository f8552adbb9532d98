import { describe, expect, it } from 'vitest';
import { ProductQuantizer, ScalarQuantizer, type VectorCodec } from '../../../src/lib/core/quantize';
import { dot } from '../../../src/lib/core/vector';
import { randomUnit, rng } from '../../helpers/random';

/** The codec's table score of `vector` against `query`, through the same path as a scan. */
function tableScore(codec: VectorCodec, query: Float32Array, vector: Float32Array): number {
  const codes = new Uint8Array(codec.codeBytes);
  codec.encode(vector, codes, 0);
  const out = new Float64Array(1);
  codec.scoreCodes(codec.prepare(query), codes, 1, out);
  return out[0]!;
}

describe('ScalarQuantizer (int8, per-dimension range)', () => {
  const sample = [Float32Array.of(-0.5, 0, 0.25, 1), Float32Array.of(0.5, 0.2, 0.25, -1), Float32Array.of(0, 0.1, 0.25, 0)];

  it('learns each dimension’s range and maps its ends to bytes 0 and 255', () => {
    const q = ScalarQuantizer.train(sample, 4);
    expect(Array.from(q.lo)).toEqual([-0.5, 0, 0.25, -1]);
    expect(q.step[0]).toBeCloseTo(1 / 255, 9);
    expect(q.step[1]).toBeCloseTo(0.2 / 255, 9);
    expect(q.step[2]).toBeGreaterThan(0); // a constant dimension keeps a positive step
    expect(q.step[3]).toBeCloseTo(2 / 255, 9);
    const codes = new Uint8Array(8);
    q.encode(Float32Array.of(-0.5, 0, 0.25, -1), codes, 0);
    q.encode(Float32Array.of(0.5, 0.2, 0.25, 1), codes, 4);
    expect(Array.from(codes)).toEqual([0, 0, 0, 0, 255, 255, 0, 255]);
    // the midpoint of [−1, 1] is 127.5 steps up (127 or 128 after float32 rounding of the step): within step / 2 either way
    q.encode(Float32Array.of(0, 0.1, 0.25, 0), codes, 0);
    expect([127, 128]).toContain(codes[3]);
    expect(Math.abs(q.decode(codes, 0)[3]!)).toBeLessThanOrEqual(q.step[3]! / 2 + 1e-7);
    expect(q.decode(codes, 0)[1]).toBeCloseTo(0.1, 3);
  });

  it('clamps values outside the trained range to its ends', () => {
    const q = ScalarQuantizer.train(sample, 4);
    const codes = new Uint8Array(4);
    q.encode(Float32Array.of(-9, 9, 0.25, 2), codes, 0);
    expect(Array.from(codes)).toEqual([0, 255, 0, 255]);
  });

  it('reconstructs every component within step / 2 and every dot product within dotErrorBound', () => {
    const r = rng(3);
    const dim = 128;
    const vectors = Array.from({ length: 400 }, () => randomUnit(r, dim));
    const q = ScalarQuantizer.train(vectors, dim);
    const codes = new Uint8Array(dim);
    let worstShare = 0;
    for (const x of vectors.slice(0, 100)) {
      q.encode(x, codes, 0);
      const xh = q.decode(codes, 0);
      for (let d = 0; d < dim; d++) expect(Math.abs(xh[d]! - x[d]!)).toBeLessThanOrEqual(q.step[d]! / 2 + 1e-7);
      for (let j = 0; j < 5; j++) {
        const query = randomUnit(r, dim);
        const err = Math.abs(tableScore(q, query, x) - dot(query, x));
        const bound = q.dotErrorBound(query);
        expect(err).toBeLessThanOrEqual(bound + 1e-6);
        worstShare = Math.max(worstShare, err / bound);
      }
    }
    // the bound is a worst case: errors of independent components mostly cancel
    expect(worstShare).toBeLessThan(0.5);
  });

  it('bounds the dot error of a unit query by about 1e-3 on CLIP-like ranges (components within ±0.25)', () => {
    const dim = 512;
    const r = rng(9);
    const vectors = Array.from({ length: 300 }, () => Float32Array.from({ length: dim }, () => (r() * 2 - 1) * 0.25));
    const q = ScalarQuantizer.train(vectors, dim);
    const query = randomUnit(r, dim);
    // ½ Σ|q_d|·step_d with step ≈ 0.5/255 and Σ|q_d| ≤ √512 ≈ 22.6
    expect(q.dotErrorBound(query)).toBeLessThan(0.5 * (0.5 / 255) * Math.sqrt(dim));
    expect(q.dotErrorBound(query)).toBeGreaterThan(0.005);
  });

  it('scores through its table exactly as the dot product with the decoded vector', () => {
    const r = rng(4);
    const vectors = Array.from({ length: 50 }, () => randomUnit(r, 37)); // dim not a multiple of 4: the tail loop
    const q = ScalarQuantizer.train(vectors, 37);
    const codes = new Uint8Array(37);
    for (const x of vectors.slice(0, 10)) {
      const query = randomUnit(r, 37);
      q.encode(x, codes, 0);
      expect(tableScore(q, query, x)).toBeCloseTo(dot(query, q.decode(codes, 0)), 5);
    }
  });

  it('rejects bad input', () => {
    expect(() => ScalarQuantizer.train([], 4)).toThrow(RangeError);
    expect(() => ScalarQuantizer.train([new Float32Array(3)], 4)).toThrow(RangeError);
    expect(() => ScalarQuantizer.train(sample, 4).prepare(new Float32Array(3))).toThrow(RangeError);
  });
});

describe('ProductQuantizer (256 centroids per sub-space, asymmetric tables)', () => {
  it.each([2, 4, 8])('reconstructs exactly when each sub-space has at most 256 distinct sub-vectors (%i sub-spaces of a 16-component vector)', (subspaces) => {
    const r = rng(5);
    const dim = 16;
    const distinct = Array.from({ length: 12 }, () => randomUnit(r, dim));
    const sample = Array.from({ length: 600 }, (_, i) => distinct[i % distinct.length]!);
    const pq = ProductQuantizer.train(sample, dim, { subspaces, iterations: 5 });
    expect(pq.codeBytes).toBe(subspaces);
    expect(pq.subDim).toBe(dim / subspaces);
    for (const x of distinct) {
      expect(pq.residualNorm(x)).toBeLessThan(1e-6);
      const query = randomUnit(r, dim);
      expect(tableScore(pq, query, x)).toBeCloseTo(dot(query, x), 6);
    }
  });

  it('keeps every score error within ‖q‖·‖x − x̂‖ and matches the decoded vector’s dot product', () => {
    const r = rng(6);
    const dim = 64;
    const vectors = Array.from({ length: 2000 }, () => randomUnit(r, dim));
    const pq = ProductQuantizer.train(vectors, dim, { subspaces: 16, iterations: 6 });
    const codes = new Uint8Array(pq.codeBytes);
    let meanResidual = 0;
    for (const x of vectors.slice(0, 100)) {
      const residual = pq.residualNorm(x);
      meanResidual += residual / 100;
      pq.encode(x, codes, 0);
      const query = randomUnit(r, dim);
      const score = tableScore(pq, query, x);
      expect(score).toBeCloseTo(dot(query, pq.decode(codes, 0)), 5);
      expect(Math.abs(score - dot(query, x))).toBeLessThanOrEqual(residual + 1e-6);
    }
    // 4 components per byte of uniformly spread unit vectors: the code keeps most of the vector
    expect(meanResidual).toBeGreaterThan(0);
    expect(meanResidual).toBeLessThan(0.7);
  });

  it('is deterministic for a seed', () => {
    const r = rng(7);
    const vectors = Array.from({ length: 300 }, () => randomUnit(r, 8));
    const a = ProductQuantizer.train(vectors, 8, { subspaces: 2, iterations: 3, seed: 4 });
    const b = ProductQuantizer.train(vectors, 8, { subspaces: 2, iterations: 3, seed: 4 });
    expect(Array.from(a.codebooks)).toEqual(Array.from(b.codebooks));
  });

  it.each([8, 6])('scans word-aligned codes a word at a time with the same scores as one byte at a time (%i-byte codes)', (subspaces) => {
    const r = rng(12);
    const dim = 24;
    const sample = Array.from({ length: 300 }, () => randomUnit(r, dim));
    const pq = ProductQuantizer.train(sample, dim, { subspaces, iterations: 3 });
    const count = 50;
    // at offset 0 a whole number of words (read as words when codes are 4-byte multiples); at offset 1 never
    const aligned = new Uint8Array(count * subspaces);
    const unaligned = new Uint8Array(count * subspaces + 1).subarray(1);
    sample.slice(0, count).forEach((v, i) => pq.encode(v, aligned, i * subspaces));
    unaligned.set(aligned);
    const prepared = pq.prepare(randomUnit(r, dim));
    const fromAligned = new Float64Array(count);
    const fromUnaligned = new Float64Array(count);
    pq.scoreCodes(prepared, aligned, count, fromAligned);
    pq.scoreCodes(prepared, unaligned, count, fromUnaligned);
    expect(Array.from(fromAligned)).toEqual(Array.from(fromUnaligned));
    // and each is the table sum of its code, sub-space by sub-space
    const i = 17;
    let want = 0;
    for (let m = 0; m < subspaces; m++) want += prepared.table[m * 256 + aligned[i * subspaces + m]!]!;
    expect(fromAligned[i]).toBeCloseTo(want, 6);
  });

  it('rejects a sub-space count that does not divide the dimension', () => {
    const r = rng(8);
    const vectors = Array.from({ length: 10 }, () => randomUnit(r, 10));
    expect(() => ProductQuantizer.train(vectors, 10, { subspaces: 4 })).toThrow(RangeError);
    expect(() => new ProductQuantizer(10, 5, new Float32Array(10))).toThrow(RangeError);
  });
});
