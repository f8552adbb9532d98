import { describe, expect, it } from 'vitest';
import {
  codeDotAt,
  codePairDotAt,
  codeQueryWeights,
  covariance,
  decodeScalarRow,
  encodeResidualRow,
  encodeRow,
  encodeScalarRow,
  fitPcaCoder,
  fitScalarCoder,
  inverseScales,
  maxWeight,
  queryWeights,
  refinedDotAt,
  residualRowBytes,
  scalarQueryWeights,
  scoreCodes,
  topRows,
} from '../../../src/lib/core/int8-codes';
import { dot, l2Normalize } from '../../../src/lib/core/vector';
import { randomUnit, rng } from '../../helpers/random';

/** n vectors of `dim` whose spread along axis d is spreads[d] (0 beyond the list), plus a constant offset. */
function spreadAlongAxes(n: number, dim: number, spreads: number[], seed: number): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const v = new Float32Array(dim).fill(0.1);
    spreads.forEach((s, d) => (v[d]! += s * (r() * 2 - 1)));
    return v;
  });
}

describe('fitPcaCoder', () => {
  it('finds the axes of largest spread, largest first', () => {
    const coder = fitPcaCoder(spreadAlongAxes(600, 24, [0.1, 0.9, 0.5, 0.3], 1), 3);
    // Axis j should be ±e_{1}, ±e_{2}, ±e_{3} in that order.
    [1, 2, 3].forEach((d, j) => expect(Math.abs(coder.axes[j * 24 + d]!)).toBeGreaterThan(0.99));
    expect(coder.rowBytes).toBe(16);
    expect(coder.mean[5]).toBeCloseTo(0.1, 6);
  });

  it('rejects a codeDim past the vector length and too small a sample', () => {
    const sample = spreadAlongAxes(10, 8, [1], 2);
    expect(() => fitPcaCoder(sample, 9)).toThrow(RangeError);
    expect(() => fitPcaCoder(sample.slice(0, 1), 2)).toThrow(RangeError);
  });

  it('gives the same coder for the same sample and seed', () => {
    const sample = spreadAlongAxes(200, 16, [0.5, 0.4, 0.3], 3);
    expect(fitPcaCoder(sample, 3).axes).toEqual(fitPcaCoder(sample, 3).axes);
  });
});

describe('codes and query weights', () => {
  it('rank rows as the full dot product does when the data lies along the kept axes', () => {
    const dim = 32;
    const data = spreadAlongAxes(400, dim, [0.8, 0.6, 0.5, 0.4, 0.3], 4);
    const coder = fitPcaCoder(data, 5);
    const codes = new Int8Array(data.length * coder.rowBytes);
    data.forEach((v, i) => encodeRow(coder, v, codes, i * coder.rowBytes));
    const r = rng(5);
    const q = Float32Array.from({ length: dim }, () => r() * 2 - 1);
    const scores = new Int32Array(data.length);
    scoreCodes(codes, data.length, coder.rowBytes, queryWeights(coder, q), scores);
    const exactTop = data.map((v, i) => [v.reduce((s, x, d) => s + x * q[d]!, 0), i] as const).sort((a, b) => b[0] - a[0]).slice(0, 20).map(([, i]) => i);
    const codeTop = [...topRows(scores, data.length, 40)];
    // int8 rounding may reorder near-ties, never lose a clear winner.
    const found = exactTop.filter((i) => codeTop.includes(i)).length;
    expect(found).toBeGreaterThanOrEqual(19);
    expect(codeTop[0]).toBe(exactTop[0]);
  });

  it('clamps codes to ±127 and zeroes the padding', () => {
    const coder = fitPcaCoder(spreadAlongAxes(100, 8, [0.01, 0.01], 6), 2);
    const out = new Int8Array(16).fill(9);
    encodeRow(coder, Float32Array.from({ length: 8 }, (_, d) => (d < 2 ? 50 : 0.1)), out, 0);
    expect(Math.abs(out[0]!)).toBe(127);
    expect([...out.subarray(2)]).toEqual(new Array(14).fill(0));
  });

  it('scores a query with no component along the axes as zero everywhere', () => {
    const coder = fitPcaCoder(spreadAlongAxes(100, 8, [0.5, 0.4], 7), 2);
    expect([...queryWeights(coder, new Float32Array(8))]).toEqual(new Array(16).fill(0));
  });
});

describe('topRows', () => {
  it('equals a full sort (score descending, ties by row ascending)', () => {
    const r = rng(8);
    const scores = Int32Array.from({ length: 5000 }, () => Math.floor(r() * 300) - 150);
    for (const k of [1, 7, 64, 5000, 6000]) {
      const want = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, k);
      expect([...topRows(scores, scores.length, k)]).toEqual(want);
    }
    expect([...topRows(scores, 0, 5)]).toEqual([]);
    expect([...topRows(scores, 10, 0)]).toEqual([]);
  });
});

describe('component codes', () => {
  it('score a query within the stated rounding bound of F · q·(x − μ)', () => {
    const r = rng(9);
    const dim = 512;
    const data = Array.from({ length: 300 }, () => Float32Array.from({ length: dim }, () => (r() * 2 - 1) * 0.08));
    const coder = fitScalarCoder(data);
    expect(coder.rowBytes).toBe(512);
    const q = Float32Array.from({ length: dim }, () => r() * 2 - 1);
    const w = new Int16Array(coder.rowBytes);
    const f = scalarQueryWeights(coder, q, w);
    expect(Math.max(...w.map(Math.abs))).toBe(maxWeight(512));
    const code = new Int8Array(coder.rowBytes);
    for (const x of data.slice(0, 50)) {
      encodeScalarRow(coder, x, code, 0);
      const got = new Int32Array(1);
      scoreCodes(code, 1, coder.rowBytes, w, got);
      let want = 0;
      // Each code is off by at most ½ unit (1 / (2 s_d)) unless clipped at ±127; each weight by ½.
      let bound = 0;
      for (let d = 0; d < dim; d++) {
        want += q[d]! * (x[d]! - coder.mean[d]!);
        bound += Math.abs(q[d]!) / (2 * coder.scales[d]!) + 127 / (2 * f);
      }
      const clipped = [...code].some((c) => Math.abs(c) === 127);
      if (!clipped) expect(Math.abs(got[0]! / f - want)).toBeLessThanOrEqual(bound);
    }
  });

  it('the covariance is symmetric and has the sample variance on its diagonal', () => {
    const data = spreadAlongAxes(500, 6, [0.3, 0.1], 10);
    const mean = new Float64Array(6).map((_, d) => data.reduce((s, v) => s + v[d]!, 0) / data.length);
    const c = covariance(data, mean);
    const variance0 = data.reduce((s, v) => s + (v[0]! - mean[0]!) ** 2, 0) / data.length;
    expect(c[0]).toBeCloseTo(variance0, 10);
    expect(c[1]).toBe(c[6]);
    expect(c[2 * 6 + 2]).toBeCloseTo(0, 12);
  });
});

describe('float scores of component codes (the HNSW over codes)', () => {
  // CLIP-like unit vectors: a shared offset (every photo shares a direction) plus a spread per cluster.
  const dim = 64;
  const r = rng(40);
  const offset = randomUnit(r, dim);
  const centres = Array.from({ length: 8 }, () => randomUnit(r, dim));
  const data = Array.from({ length: 500 }, (_, i) => l2Normalize(offset.map((o, d) => 2 * o + centres[i % 8]![d]! + 0.6 * (r() * 2 - 1))));
  const coder = fitScalarCoder(data.slice(0, 300));
  const codes = new Int8Array(data.length * coder.rowBytes);
  data.forEach((v, i) => encodeScalarRow(coder, v, codes, i * coder.rowBytes));
  const queries = Array.from({ length: 20 }, (_, i) => (i % 2 ? randomUnit(rng(100 + i), dim) : data[i * 7]!));

  it('a query against codes scores within Σ|q_d|·0.5/s_d of the float cosine, and within 0.01 on every pair', () => {
    const weights = new Float32Array(dim);
    let worst = 0;
    for (const q of queries) {
      const bias = codeQueryWeights(coder, q, weights);
      let bound = 0;
      for (let d = 0; d < dim; d++) bound += (Math.abs(q[d]!) * 0.5) / coder.scales[d]!;
      data.forEach((v, i) => {
        const err = Math.abs(bias + codeDotAt(weights, codes, i * coder.rowBytes, dim) - dot(q, v));
        // Clipped components (beyond 4σ of the sample) may exceed the rounding bound: rare, and small.
        expect(err).toBeLessThanOrEqual(bound + 1e-3);
        worst = Math.max(worst, err);
      });
    }
    expect(worst).toBeLessThan(0.01);
    expect(worst).toBeGreaterThan(0);
  });

  it('two coded rows score as their decoded vectors do, close to the float cosine', () => {
    const inverse = inverseScales(coder);
    const a = new Float32Array(dim);
    const b = new Float32Array(dim);
    let sumErr = 0;
    for (let i = 0; i < 100; i++) {
      const j = (i * 37 + 11) % data.length;
      const pair = codePairDotAt(coder.mean, inverse, codes, i * coder.rowBytes, j * coder.rowBytes, dim);
      decodeScalarRow(coder, codes, i * coder.rowBytes, a);
      decodeScalarRow(coder, codes, j * coder.rowBytes, b);
      expect(pair).toBeCloseTo(dot(a, b), 5);
      const err = Math.abs(pair - dot(data[i]!, data[j]!));
      expect(err).toBeLessThan(0.01);
      sumErr += err;
    }
    expect(sumErr / 100).toBeLessThan(0.003);
  });

  it('with its residual code a row scores within Σ|q_d|/(32·s_d) of the float cosine: 16× the code alone', () => {
    const rb = residualRowBytes(coder);
    expect(rb).toBe(coder.rowBytes / 2);
    const residuals = new Uint8Array(data.length * rb);
    data.forEach((v, i) => encodeResidualRow(coder, v, codes, i * coder.rowBytes, residuals, i * rb));
    const weights = new Float32Array(dim);
    let codeErr = 0;
    let refinedErr = 0;
    let checked = 0;
    for (const q of queries) {
      const bias = codeQueryWeights(coder, q, weights);
      let bound = 0;
      for (let d = 0; d < dim; d++) bound += Math.abs(q[d]!) / (32 * coder.scales[d]!);
      data.forEach((v, i) => {
        const exact = dot(q, v);
        const refined = bias + refinedDotAt(weights, codes, i * coder.rowBytes, residuals, i * rb, dim);
        const row = codes.subarray(i * coder.rowBytes, i * coder.rowBytes + dim);
        // A clipped component keeps most of the clip's error (stated in int8-codes.ts): only unclipped rows have the bound.
        if (row.every((c) => Math.abs(c) < 127)) {
          expect(Math.abs(refined - exact)).toBeLessThanOrEqual(bound + 1e-6);
          checked++;
        }
        refinedErr += Math.abs(refined - exact);
        codeErr += Math.abs(bias + codeDotAt(weights, codes, i * coder.rowBytes, dim) - exact);
      });
    }
    expect(checked).toBeGreaterThan(0.9 * queries.length * data.length);
    // 4 bits more per component: the mean error shrinks about as the step does (1/16).
    expect(refinedErr / codeErr).toBeLessThan(1 / 10);
    expect(refinedErr).toBeGreaterThan(0);
  });

  it('decoding then encoding a row gives the same code back', () => {
    const v = new Float32Array(dim);
    const again = new Int8Array(coder.rowBytes);
    for (let i = 0; i < 50; i++) {
      decodeScalarRow(coder, codes, i * coder.rowBytes, v);
      encodeScalarRow(coder, v, again, 0);
      expect([...again]).toEqual([...codes.subarray(i * coder.rowBytes, (i + 1) * coder.rowBytes)]);
    }
  });
});
