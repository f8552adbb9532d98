import { describe, expect, it } from 'vitest';
import { ATTENTION_TEMPERATURE, attentionPool, meanPool } from '../../../src/lib/core/pooling';
import { rng } from '../../helpers/random';

const f32 = (...v: number[]) => Float32Array.from(v);
const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s / (norm(a) * norm(b));
};

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, digits);
}

function unit(v: number[]): Float32Array {
  const n = norm(v);
  return Float32Array.from(v, (x) => x / n);
}

describe('meanPool', () => {
  it.each([
    // mean [0.5, 0.5] → /(√2/2)
    { frames: [[1, 0], [0, 1]], expected: [Math.SQRT1_2, Math.SQRT1_2] },
    // mean [1.5, 2, 0], ‖·‖ = 2.5
    { frames: [[3, 0, 0], [0, 4, 0]], expected: [0.6, 0.8, 0] },
    // mean [2/3, 1/3, 1/3], ‖·‖ = √6/3
    { frames: [[1, 0, 0], [0, 1, 0], [1, 0, 1]], expected: [2 / Math.sqrt(6), 1 / Math.sqrt(6), 1 / Math.sqrt(6)] },
    { frames: [[0, -2]], expected: [0, -1] },
    // Frames that cancel out → zero vector, not NaN.
    { frames: [[1, 0], [-1, 0]], expected: [0, 0] },
  ])('meanPool($frames) = $expected', ({ frames, expected }) => {
    const v = meanPool(frames.map((f) => f32(...f)), expected.length);
    expect(v).toBeInstanceOf(Float32Array);
    expectClose(v, expected);
  });

  it('rejects empty input, bad dim and mismatched frames', () => {
    expect(() => meanPool([], 3)).toThrow(RangeError);
    expect(() => meanPool([f32(1, 2)], 3)).toThrow(RangeError);
    expect(() => meanPool([f32(1, 2, 3), f32(1, 2)], 3)).toThrow(RangeError);
    expect(() => meanPool([f32()], 0)).toThrow(RangeError);
  });
});

describe('attentionPool', () => {
  it('exports the notebook temperature', () => {
    expect(ATTENTION_TEMPERATURE).toBe(0.08);
  });

  it.each([
    {
      // F = e1, e2, (0, 0.6, 0.8); m = (1/3, 0.5333, 0.2667).
      // F·m = 0.3333, 0.5333, 0.5333 → /0.08 = 4.1667, 6.6667, 6.6667 → minus max: −2.5, 0, 0.
      // exp = 0.0820850, 1, 1 (Σ = 2.0820850) → a = 0.0394244, 0.4802878, 0.4802878.
      // v = (0.0394244, 0.4802878·1.6, 0.4802878·0.8) = (0.0394244, 0.7684605, 0.3842302), ‖v‖ = 0.8600690.
      name: '3-D unit frames, T = 0.08',
      frames: [[1, 0, 0], [0, 1, 0], [0, 0.6, 0.8]],
      temperature: 0.08,
      weights: [0.0394244, 0.4802878, 0.4802878],
      vector: [0.0458387, 0.893487, 0.4467435],
    },
    {
      // F = (3, 0), (0, 4); m = (1.5, 2); F·m = 4.5, 8 → minus max: −3.5, 0.
      // exp = 0.0301974, 1 (Σ = 1.0301974) → a = 0.0293122, 0.9706878.
      // v = (0.0879367, 3.8827511), ‖v‖ = 3.8837468.
      name: '2-D unnormalised frames, T = 1',
      frames: [[3, 0], [0, 4]],
      temperature: 1,
      weights: [0.0293122, 0.9706878],
      vector: [0.0226422, 0.9997436],
    },
  ])('$name', ({ frames, temperature, weights, vector }) => {
    const r = attentionPool(frames.map((f) => f32(...f)), frames[0]!.length, temperature);
    expect(r.weights).toBeInstanceOf(Float64Array);
    expectClose(r.weights, weights);
    expectClose(r.vector, vector);
  });

  it('uniform frames → uniform weights and the mean', () => {
    const f = unit([0.2, -0.5, 0.7, 0.1]);
    const frames = [f, f, f, f, f];
    const r = attentionPool(frames, 4);
    expectClose(r.weights, [0.2, 0.2, 0.2, 0.2, 0.2], 12);
    expectClose(r.vector, meanPool(frames, 4));
    expectClose(r.vector, f);
  });

  it('gives an outlier frame a low weight and pulls the result less than the mean does', () => {
    const r = rng(5);
    const dim = 16;
    const onTopic = Array.from({ length: 9 }, () => unit(Array.from({ length: dim }, (_, d) => (d === 0 ? 1 : 0) + 0.05 * (r() - 0.5))));
    const outlier = unit(Array.from({ length: dim }, (_, d) => (d === 2 ? 1 : 0)));
    const frames = [...onTopic.slice(0, 4), outlier, ...onTopic.slice(4)];
    const { vector, weights } = attentionPool(frames, dim);
    // Scores differ by ≈ (0.9 − 0.1)/0.08 = 10 → weight ≈ e^−10 / 9 ≈ 5e−6.
    expect(weights[4]).toBeLessThan(1e-4);
    for (let i = 0; i < frames.length; i++) if (i !== 4) expect(weights[i]).toBeGreaterThan(0.1);
    const topic = meanPool(onTopic, dim);
    expect(cos(vector, topic)).toBeGreaterThan(0.9999);
    expect(cos(meanPool(frames, dim), topic)).toBeLessThan(0.995);
  });

  it('T → ∞ gives the mean with uniform weights', () => {
    const frames = [unit([1, 0, 0]), unit([0.8, 0.6, 0]), unit([0, 1, 0]), unit([0, 0.6, 0.8])];
    for (const t of [1e9, Infinity]) {
      const r = attentionPool(frames, 3, t);
      expectClose(r.weights, [0.25, 0.25, 0.25, 0.25], 7);
      expectClose(r.vector, meanPool(frames, 3));
    }
  });

  it('T → 0 gives the frame most aligned with the mean', () => {
    // m = (0.6, 0.5333, 0); F·m = 0.6, 0.8, 0.5333 → frame 1 wins.
    const frames = [f32(1, 0, 0), f32(0.8, 0.6, 0), f32(0, 1, 0)];
    const r = attentionPool(frames, 3, 1e-6);
    expectClose(r.weights, [0, 1, 0], 12);
    expectClose(r.vector, [0.8, 0.6, 0]);
  });

  it('stays finite when scores are huge (softmax subtracts the max)', () => {
    const frames = [f32(1000, 0), f32(0, 1000), f32(800, 600)];
    const r = attentionPool(frames, 2, 1e-3);
    expect(Array.from(r.weights).every(Number.isFinite)).toBe(true);
    expect(r.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expectClose(r.vector, [0.8, 0.6]);
  });

  it('a single frame → itself, normalised, with weight 1', () => {
    const r = attentionPool([f32(0, 3, 4)], 3);
    expect(Array.from(r.weights)).toEqual([1]);
    expectClose(r.vector, [0, 0.6, 0.8]);
  });

  it('weights always sum to 1 and the vector has unit length', () => {
    const r = rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const frames = Array.from({ length: 1 + trial }, () => unit(Array.from({ length: 32 }, () => r() - 0.5)));
      const { vector, weights } = attentionPool(frames, 32);
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(norm(vector)).toBeCloseTo(1, 6);
    }
  });

  it('rejects empty input, mismatched frames and non-positive temperatures', () => {
    expect(() => attentionPool([], 3)).toThrow(RangeError);
    expect(() => attentionPool([f32(1, 2)], 3)).toThrow(RangeError);
    for (const t of [0, -0.08, Number.NaN]) expect(() => attentionPool([f32(1)], 1, t)).toThrow(RangeError);
  });
});
