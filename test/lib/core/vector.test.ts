import { describe, expect, it } from 'vitest';
import {
  VectorMatrix,
  cosineSimilarity,
  dot,
  l2Normalize,
  rankByCosine,
  type ScoredId,
} from '../../../src/lib/core/vector';
import { rng, randomUnit } from '../../helpers/random';


const f32 = (...v: number[]) => new Float32Array(v);


/** Reference ranking: score everything, full sort (score desc, id asc), slice. */
function fullSort(query: Float32Array, items: Array<{ id: string; vector: Float32Array }>, k: number): ScoredId[] {
  return items
    .map(({ id, vector }) => ({ id, score: dot(query, vector) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, Math.max(0, k));
}

describe('l2Normalize / dot / cosineSimilarity', () => {
  it.each([
    { v: [3, 4], want: [0.6, 0.8] },
    { v: [0, -2, 0], want: [0, -1, 0] },
    { v: [1, 1, 1, 1], want: [0.5, 0.5, 0.5, 0.5] },
    { v: [0, 0, 0], want: [0, 0, 0] }, // zero vector → zeros (documented choice)
  ])('l2Normalize($v) = $want', ({ v, want }) => {
    const input = f32(...v);
    const out = l2Normalize(input);
    expect(out).not.toBe(input);
    out.forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 6));
    expect(Array.from(input)).toEqual(v); // input untouched
  });

  it.each([
    { a: [1, 2, 3], b: [4, 5, 6], dot: 32, cos: 32 / Math.sqrt(14 * 77) },
    { a: [1, 0], b: [0, 1], dot: 0, cos: 0 },
    { a: [1, 1], b: [2, 2], dot: 4, cos: 1 },
    { a: [1, 1], b: [-3, -3], dot: -6, cos: -1 },
    { a: [1, 0], b: [1, 1], dot: 1, cos: Math.SQRT1_2 },
    { a: [3, 4], b: [4, 3], dot: 24, cos: 0.96 },
    { a: [0, 0], b: [1, 2], dot: 0, cos: 0 },
  ])('a=$a b=$b: dot $dot, cosine $cos', ({ a, b, dot: d, cos }) => {
    expect(dot(f32(...a), f32(...b))).toBeCloseTo(d, 9);
    expect(cosineSimilarity(f32(...a), f32(...b))).toBeCloseTo(cos, 6);
    expect(dot(l2Normalize(f32(...a)), l2Normalize(f32(...b)))).toBeCloseTo(cos, 6);
  });

  it('throws on length mismatch', () => {
    expect(() => dot(f32(1), f32(1, 2))).toThrow(RangeError);
    expect(() => cosineSimilarity(f32(1), f32(1, 2))).toThrow(RangeError);
  });
});

describe('rankByCosine', () => {
  const items = [
    { id: 'east', vector: f32(1, 0) },
    { id: 'north', vector: f32(0, 1) },
    { id: 'northeast', vector: l2Normalize(f32(1, 1)) },
    { id: 'west', vector: f32(-1, 0) },
    { id: 'east-again', vector: f32(1, 0) },
  ];

  it('ranks hand-computed cosines, ties by id', () => {
    const got = rankByCosine(f32(1, 0), items, 10);
    expect(got.map((r) => r.id)).toEqual(['east', 'east-again', 'northeast', 'north', 'west']);
    expect(got.map((r) => r.score)).toEqual([1, 1, expect.closeTo(Math.SQRT1_2, 6), 0, -1]);
  });

  it.each([0, 1, 2, 3])('k = %i returns the top k', (k) => {
    expect(rankByCosine(f32(1, 0), items, k)).toEqual(rankByCosine(f32(1, 0), items, 10).slice(0, k));
  });

  it('accepts any iterable and skips NaN scores', () => {
    function* gen() {
      yield { id: 'nan', vector: f32(Number.NaN, 0) };
      yield* items;
    }
    expect(rankByCosine(f32(1, 0), gen(), 2).map((r) => r.id)).toEqual(['east', 'east-again']);
  });

  it.each([
    { n: 1000, dim: 64, k: 10, seed: 1 },
    { n: 500, dim: 33, k: 1, seed: 2 },
    { n: 200, dim: 8, k: 200, seed: 3 },
    { n: 50, dim: 16, k: 80, seed: 4 },
  ])('matches a full sort on random data (n=$n dim=$dim k=$k)', ({ n, dim, k, seed }) => {
    const r = rng(seed);
    const data = Array.from({ length: n }, (_, i) => ({ id: `id${i}`, vector: randomUnit(r, dim) }));
    // Exact-duplicate vectors make ties that only the id can break.
    for (let i = 0; i < 10; i++) data.push({ id: `dup${i}`, vector: data[i]!.vector });
    for (let t = 0; t < 5; t++) {
      const q = t === 0 ? data[0]!.vector : randomUnit(r, dim);
      expect(rankByCosine(q, data, k)).toEqual(fullSort(q, data, k));
    }
  });
});

describe('VectorMatrix', () => {
  it('add / get / topK / remove on a small hand-made set', () => {
    const m = new VectorMatrix(2, 1); // capacity 1 forces growth
    m.add('east', f32(1, 0));
    m.add('north', f32(0, 1));
    m.add('west', f32(-1, 0));
    m.add('northeast', l2Normalize(f32(1, 1)));
    expect(m.size).toBe(4);
    expect(Array.from(m.get('north')!)).toEqual([0, 1]);
    expect(m.topK(f32(1, 0), 2)).toEqual([
      { id: 'east', score: 1 },
      { id: 'northeast', score: expect.closeTo(Math.SQRT1_2, 6) },
    ]);
    expect(m.remove('east')).toBe(true); // swap-remove: 'northeast' moves into row 0
    expect(m.remove('east')).toBe(false);
    expect(m.has('east')).toBe(false);
    expect(m.idList()).toEqual(['northeast', 'north', 'west']);
    expect(Array.from(m.get('northeast')!)).toEqual(Array.from(l2Normalize(f32(1, 1))));
    expect(m.topK(f32(1, 0), 10).map((r) => r.id)).toEqual(['northeast', 'north', 'west']);
    m.add('north', f32(0, -1)); // replace in place
    expect(m.size).toBe(3);
    expect(m.topK(f32(0, 1), 1)).toEqual([{ id: 'northeast', score: expect.closeTo(Math.SQRT1_2, 6) }]);
    expect(m.topK(f32(0, 1), 0)).toEqual([]);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.topK(f32(0, 1), 3)).toEqual([]);
  });

  it('validates dimensions', () => {
    const m = new VectorMatrix(3);
    expect(() => m.add('a', f32(1, 2))).toThrow(RangeError);
    expect(() => m.topK(f32(1, 2), 1)).toThrow(RangeError);
    expect(() => new VectorMatrix(0)).toThrow(RangeError);
  });

  it('stores a copy of the added vector', () => {
    const m = new VectorMatrix(2);
    const v = f32(1, 0);
    m.add('a', v);
    v[0] = -1;
    expect(Array.from(m.get('a')!)).toEqual([1, 0]);
  });

  it.each([
    { dim: 512, n: 3000, k: 20 },
    { dim: 37, n: 1000, k: 5 },
  ])('topK equals rankByCosine and a full sort after random removals (dim=$dim)', ({ dim, n, k }) => {
    const r = rng(dim);
    const live = new Map<string, Float32Array>();
    const m = new VectorMatrix(dim, 16);
    for (let i = 0; i < n; i++) {
      const v = randomUnit(r, dim);
      live.set(`v${i}`, v);
      m.add(`v${i}`, v);
    }
    for (let i = 0; i < n / 3; i++) {
      const id = `v${Math.floor(r() * n)}`;
      expect(m.remove(id)).toBe(live.delete(id));
    }
    expect(m.size).toBe(live.size);
    const items = [...live].map(([id, vector]) => ({ id, vector }));
    for (let t = 0; t < 3; t++) {
      const q = randomUnit(r, dim);
      const got = m.topK(q, k);
      expect(got.map((x) => x.id)).toEqual(fullSort(q, items, k).map((x) => x.id));
      got.forEach((x, i) => expect(x.score).toBeCloseTo(fullSort(q, items, k)[i]!.score, 5));
      expect(got).toEqual(rankByCosine(q, items, k).map((x) => ({ id: x.id, score: expect.closeTo(x.score, 5) })));
    }
  });
});
