import { describe, expect, it } from 'vitest';
import { covariance, fitScalarCoder, maxWeight, scoreCodes } from '../../../src/lib/core/int8-codes';
import { createInt8Scan } from '../../../src/lib/search/int8-scan';
import { codedCovariance, rowsAtTop, TEXT_KEEP, TextRanker } from '../../../src/lib/search/text-ranker';
import { Hnsw } from '../../../src/lib/core/hnsw';
import { compareHits, ExactIndex } from '../../../src/lib/core/vector-index';
import { dot, l2Normalize } from '../../../src/lib/core/vector';
import { rng, randomUnit } from '../../helpers/random';

describe('the int8 scan in WebAssembly', () => {
  it('gives exactly the sums of the plain scan, for all rows and for listed rows, extremes included', () => {
    const scan = createInt8Scan()!;
    expect(scan).not.toBeNull();
    const r = rng(1);
    for (const [rowBytes, count] of [
      [16, 1],
      [64, 1000],
      [512, 37],
      [768, 5],
    ] as const) {
      const codesAt = 4096;
      const outAt = codesAt + count * rowBytes;
      const rowsAt = outAt + 4 * count;
      const need = rowsAt + 4 * count;
      if (need > scan.memory.buffer.byteLength) scan.memory.grow(Math.ceil((need - scan.memory.buffer.byteLength) / 65536));
      const buffer = scan.memory.buffer;
      const weights = new Int16Array(buffer, 0, rowBytes);
      const codes = new Int8Array(buffer, codesAt, count * rowBytes);
      const limit = maxWeight(rowBytes);
      for (let j = 0; j < rowBytes; j++) weights[j] = Math.floor(r() * (2 * limit + 1)) - limit;
      for (let i = 0; i < codes.length; i++) codes[i] = Math.floor(r() * 255) - 127;
      const want = new Int32Array(count);
      const out = new Int32Array(buffer, outAt, count);
      scoreCodes(codes, count, rowBytes, weights, want);
      scan.scoreI8(codesAt, count, rowBytes, 0, outAt);
      expect([...out]).toEqual([...want]);
      // Listed rows, in reverse order.
      const rows = new Int32Array(buffer, rowsAt, count);
      for (let i = 0; i < count; i++) rows[i] = count - 1 - i;
      scan.scoreRowsI8(codesAt, rowsAt, count, rowBytes, 0, outAt);
      expect([...out]).toEqual([...want].reverse());
      // The largest sum the weights allow: every product 127 · maxWeight with one sign, no overflow.
      codes.fill(127, 0, rowBytes);
      weights.fill(limit);
      scan.scoreI8(codesAt, 1, rowBytes, 0, outAt);
      expect(out[0]).toBe(127 * limit * rowBytes);
      expect(out[0]).toBeLessThan(2 ** 31);
    }
  });
});

describe('rowsAtTop', () => {
  it('returns every row of the true top r, and not many more', () => {
    const r = rng(2);
    const scores = Int32Array.from({ length: 20_000 }, () => Math.floor((r() + r() + r()) * 1e6));
    const out = new Int32Array(2000 + 2048);
    const n = rowsAtTop(scores, 2000, out);
    const want = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!).slice(0, 2000);
    const got = new Set(out.subarray(0, n));
    expect(want.every((row) => got.has(row))).toBe(true);
    expect(n).toBeLessThan(2100);
    expect(rowsAtTop(scores.subarray(0, 10), 50, out)).toBe(10);
  });
});

/**
 * A small text-like world: photos in scenes around class directions, all shifted along one shared
 * "photo" direction; a text query is a class direction itself (outside the photo cloud).
 */
function textLikeWorld(n: number, dim: number, classes: number, seed: number) {
  const r = rng(seed);
  const photoDir = randomUnit(r, dim);
  const classDirs = Array.from({ length: classes }, () => randomUnit(r, dim));
  const items: Array<{ id: string; vector: Float32Array }> = [];
  while (items.length < n) {
    const c = classDirs[Math.floor(r() * classes)]!;
    const typical = r();
    const scene = randomUnit(r, dim);
    const size = 1 + Math.floor(r() * 8);
    for (let i = 0; i < size && items.length < n; i++) {
      const noise = randomUnit(r, dim);
      items.push({ id: `p${items.length}`, vector: l2Normalize(c.map((x, d) => (0.3 + 0.2 * typical) * x + 0.6 * photoDir[d]! + 0.5 * scene[d]! + 0.3 * noise[d]!)) });
    }
  }
  return { items, queries: classDirs.slice(0, 40) };
}

describe('TextRanker', () => {
  const dim = 192;
  const { items, queries } = textLikeWorld(5000, dim, 60, 3);
  const vectors = items.map((i) => i.vector);

  it('finds the exact top 10 of text-like queries, with the index scoring them', () => {
    const hnsw = new Hnsw(dim, 'test', { seed: 3 });
    const exact = new ExactIndex(dim, 'test');
    hnsw.addMany(items);
    exact.addMany(items);
    const ranker = TextRanker.fit(vectors)!;
    ranker.addMany(items);
    expect(ranker.size).toBe(items.length);
    const byId = new Map(items.map((i) => [i.id, i.vector]));
    let hits = 0;
    for (const q of queries) {
      const truth = exact.search(q, { k: 10 });
      const got = hnsw.scoreIds(q, ranker.candidates(q, TEXT_KEEP, 1024)).sort(compareHits).slice(0, 10);
      const want = new Set(truth.map((h) => h.id));
      hits += got.filter((h) => want.has(h.id)).length;
      // Scores are the index's own, bit for bit (the kernel every index scores with).
      for (const h of got) expect(h.score).toBe(dot(q, byId.get(h.id)!));
    }
    expect(hits / (10 * queries.length)).toBeGreaterThanOrEqual(0.98);
  });

  it('forgets removed items and ranks the rest as a ranker filled without them', () => {
    const ranker = TextRanker.fit(vectors)!;
    ranker.addMany(items);
    const removed = new Set(items.filter((_, i) => i % 3 === 0).map((i) => i.id));
    for (const id of removed) expect(ranker.remove(id)).toBe(true);
    expect(ranker.remove('p0')).toBe(false);
    const fresh = TextRanker.fit(vectors)!;
    fresh.addMany(items.filter((i) => !removed.has(i.id)));
    expect(ranker.size).toBe(fresh.size);
    for (const q of queries.slice(0, 8)) {
      const got = ranker.candidates(q, 20, 512);
      expect(got.some((id) => removed.has(id))).toBe(false);
      // Same codes, other row order: the same best ids.
      expect(new Set(got)).toEqual(new Set(fresh.candidates(q, 20, 512)));
    }
  });

  it('replaces the codes of an id added again and grows past its first capacity', () => {
    const ranker = TextRanker.fit(vectors)!;
    ranker.addMany(items.slice(0, 100));
    for (const item of items.slice(100)) ranker.add(item.id, item.vector);
    ranker.add('p5', items[7]!.vector);
    expect(ranker.size).toBe(items.length);
    const q = items[7]!.vector;
    expect(ranker.candidates(q, 2, 64).sort()).toEqual(['p5', 'p7']);
  });
});

describe('codedCovariance', () => {
  it('matches the float covariance within the codes rounding', () => {
    const r = rng(11);
    const sample = Array.from({ length: 3000 }, () => {
      const base = r() * 2 - 1;
      return Float32Array.from({ length: 48 }, (_, d) => (d < 8 ? base * 0.2 : 0) + (r() * 2 - 1) * 0.05);
    });
    const full = fitScalarCoder(sample);
    const coded = codedCovariance(sample, full)!;
    const exact = covariance(sample, full.mean);
    const largest = Math.max(...exact);
    // Codes carry 1/127 of 4σ per unit: entries agree to about 1 % of the largest variance.
    for (let i = 0; i < exact.length; i++) expect(Math.abs(coded[i]! - exact[i]!)).toBeLessThan(0.01 * largest);
  });
});
