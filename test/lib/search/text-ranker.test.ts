import { describe, expect, it } from 'vitest';
import { covariance, encodeScalarRow, fitScalarCoder, maxWeight, scoreCodes } from '../../../src/lib/core/int8-codes';
import { createInt8Scan } from '../../../src/lib/search/int8-scan';
import { codedCovariance, rowsAtTop, sampledCut, TextRanker, topCut } from '../../../src/lib/search/text-ranker';
import { Hnsw } from '../../../src/lib/core/hnsw';
import { ExactIndex, rescoreHits } from '../../../src/lib/core/vector-index';
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

describe('scoreF32 in WebAssembly', () => {
  it('gives the float products of rows and a query, within f32 rounding', () => {
    const scan = createInt8Scan()!;
    const r = rng(7);
    for (const [floats, count] of [
      [4, 1],
      [132, 3],
      [512, 130],
    ] as const) {
      const rowsAt = 1024;
      const queryAt = rowsAt + 4 * floats * count;
      const outAt = queryAt + 4 * floats;
      const need = outAt + 4 * count;
      if (need > scan.memory.buffer.byteLength) scan.memory.grow(Math.ceil((need - scan.memory.buffer.byteLength) / 65536));
      const rows = new Float32Array(scan.memory.buffer, rowsAt, floats * count);
      const query = new Float32Array(scan.memory.buffer, queryAt, floats);
      for (const a of [rows, query]) for (let i = 0; i < a.length; i++) a[i] = r() * 2 - 1;
      scan.scoreF32(rowsAt, count, 4 * floats, queryAt, outAt);
      const out = new Float32Array(scan.memory.buffer, outAt, count);
      for (let i = 0; i < count; i++) {
        let want = 0;
        for (let j = 0; j < floats; j++) want += rows[i * floats + j]! * query[j]!;
        expect(Math.abs(out[i]! - want)).toBeLessThan(1e-5 * floats);
      }
    }
  });
});

describe('rowsAtLeast in WebAssembly', () => {
  it('lists in order the rows whose score reaches the cut, stops writing at max and still counts past it', () => {
    const scan = createInt8Scan()!;
    const r = rng(4);
    for (const count of [0, 1, 3, 4, 7, 1001]) {
      const scoresAt = 1024;
      const outAt = scoresAt + 4 * count + 64;
      const need = outAt + 4 * count + 64;
      if (need > scan.memory.buffer.byteLength) scan.memory.grow(Math.ceil((need - scan.memory.buffer.byteLength) / 65536));
      const scores = new Int32Array(scan.memory.buffer, scoresAt, count);
      for (let i = 0; i < count; i++) scores[i] = Math.floor(r() * 2001) - 1000;
      for (const cut of [-1001, -3, 0, 999, 1001]) {
        const want = [...scores.keys()].filter((i) => scores[i]! >= cut);
        const out = new Int32Array(scan.memory.buffer, outAt, count + 16).fill(-7);
        expect(scan.rowsAtLeast(scoresAt, count, cut, outAt, count + 16)).toBe(want.length);
        expect([...out.subarray(0, want.length)]).toEqual(want);
        expect(out[want.length]).toBe(-7);
        const max = want.length >> 1;
        out.fill(-7);
        expect(scan.rowsAtLeast(scoresAt, count, cut, outAt, max)).toBe(want.length);
        expect([...out.subarray(0, max)]).toEqual(want.slice(0, max));
        expect(out[max]).toBe(-7);
      }
    }
  });
});

describe('topCut and sampledCut', () => {
  const r = rng(5);
  const passing = (cut: number, of: Int32Array) => of.reduce((n, s) => n + (s >= cut ? 1 : 0), 0);

  it('topCut lets at least the best r through and few more, ties and tiny sets included', () => {
    for (const n of [1, 2, 3, 10, 257, 5000]) {
      const scores = Int32Array.from({ length: n }, () => Math.floor((r() + r() + r()) * (n < 100 ? 3 : 1e6)));
      for (const k of [1, 2, Math.ceil(n / 3), n, n + 5]) {
        const through = passing(topCut(scores, k), scores);
        expect(through).toBeGreaterThanOrEqual(Math.min(k, n));
        if (n >= 257) expect(through).toBeLessThanOrEqual(k + Math.ceil(n / 100));
      }
    }
    expect(topCut(new Int32Array(50).fill(-4), 3)).toBe(-4);
  });

  it('sampledCut lets about r rows through in a large set of scores, the exact cut when every score is sampled', () => {
    const scores = Int32Array.from({ length: 100_000 }, () => Math.floor((r() + r() + r()) * 1e6));
    const n = passing(sampledCut(scores, 4096, 8192), scores);
    // The sample's quantile error: ~220 rows (one standard deviation) at this size.
    expect(n).toBeGreaterThan(4096 - 700);
    expect(n).toBeLessThan(4096 + 700);
    const few = scores.subarray(0, 5000);
    expect(sampledCut(few, 300, 8192)).toBe(topCut(few, 300));
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
function textLikeWorld(n: number, dim: number, classes: number, seed: number, noiseWeight = 0.3) {
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
      items.push({ id: `p${items.length}`, vector: l2Normalize(c.map((x, d) => (0.3 + 0.2 * typical) * x + 0.6 * photoDir[d]! + 0.5 * scene[d]! + noiseWeight * noise[d]!)) });
    }
  }
  return { items, queries: classDirs.slice(0, 40) };
}

describe('TextRanker', () => {
  const dim = 192;
  const { items, queries } = textLikeWorld(5000, dim, 60, 3);
  const vectors = items.map((i) => i.vector);
  const byId = new Map(items.map((i) => [i.id, i.vector]));
  const coder = fitScalarCoder(vectors);

  /** An HNSW keeping its codes in a ranker, the ranker's axes fitted and every row projected. */
  function codedIndex(initialCapacity = 1024): { hnsw: Hnsw; ranker: TextRanker } {
    const ranker = TextRanker.create(coder)!;
    const hnsw = new Hnsw(dim, 'test', { seed: 3, initialCapacity }, { coder, store: ranker });
    hnsw.addMany(items);
    ranker.fitAxes(vectors);
    ranker.projectUpTo(hnsw.nodeCount);
    return { hnsw, ranker };
  }
  const { hnsw, ranker } = codedIndex();
  const idOf = (row: number) => hnsw.idOfNode(row);

  it('holds the index codes itself (one copy) and finds the exact top 10 of text-like queries once the best are scored with their vectors', () => {
    expect(ranker.projectedRows).toBe(items.length);
    // The index reads its codes from the ranker's memory: its own arrays hold no vectors.
    expect(ranker.memoryBytes).toBeGreaterThanOrEqual(items.length * (coder.rowBytes + 128 + 4));
    expect(hnsw.get('p9')!.every((x, d) => Math.abs(x - byId.get('p9')![d]!) < 0.05)).toBe(true);
    const exact = new ExactIndex(dim, 'test');
    exact.addMany(items);
    let hits = 0;
    for (const q of queries) {
      const want = new Set(exact.search(q, { k: 10 }).map((h) => h.id));
      const ids = ranker.candidates(q, 10 + 16, idOf, 1024);
      const got = rescoreHits(q, ids, ids.map((id) => byId.get(id)), 10);
      hits += got.filter((h) => want.has(h.id)).length;
      for (const h of got) expect(h.score).toBe(dot(q, byId.get(h.id)!));
    }
    expect(hits / (10 * queries.length)).toBeGreaterThanOrEqual(0.98);
  });

  it('skips the rows of removed items, and ranks the rest as an index built without them', () => {
    const { hnsw: shrunk, ranker: shrunkRanker } = codedIndex();
    const removed = new Set(items.filter((_, i) => i % 3 === 0).map((i) => i.id));
    for (const id of removed) shrunk.remove(id);
    for (const q of queries.slice(0, 8)) {
      const got = shrunkRanker.candidates(q, 20, (row) => shrunk.idOfNode(row), 512);
      expect(got).toHaveLength(20);
      expect(got.some((id) => removed.has(id))).toBe(false);
      const all = ranker.candidates(q, 60, idOf, 512).filter((id) => !removed.has(id));
      expect(got).toEqual(all.slice(0, 20));
    }
  });

  it('keeps the codes right as the index grows past its first capacity, and finds an id added again', () => {
    const { hnsw: grown, ranker: grownRanker } = codedIndex(16);
    expect(grown.capacity).toBeGreaterThanOrEqual(items.length);
    for (const q of queries.slice(0, 8)) expect(grownRanker.candidates(q, 20, (row) => grown.idOfNode(row), 512)).toEqual(ranker.candidates(q, 20, idOf, 512));
    grown.add('p5', items[7]!.vector);
    expect(grownRanker.projectUpTo(grown.nodeCount)).toBe(1);
    expect(grownRanker.candidates(items[7]!.vector, 2, (row) => grown.idOfNode(row), 64).sort()).toEqual(['p5', 'p7']);
  });

  it('refuses rows of another length', () => {
    expect(() => TextRanker.create(coder)!.resize(10, coder.rowBytes + 16, 0)).toThrow(RangeError);
  });
});

describe('TextRanker over a large library (candidates past a sampled cut-off)', () => {
  it('finds the exact top 10 of text-like queries among 40,000 rows, the best scored with their vectors', () => {
    // 40,000 rows: past the size where the candidates' cut-off is placed from a sample of the scores.
    const dim = 256;
    // Photos with more noise of their own than the small world's: a flatter spectrum, where the short codes alone miss part of the top 10.
    const { items, queries: classDirs } = textLikeWorld(40_000, dim, 80, 8, 0.8);
    // Queries partly off the photos' principal axes (as CLIP's text vectors are), so that scores differ in directions the short codes drop.
    const r = rng(9);
    const queries = classDirs.map((c) => {
      const off = randomUnit(r, dim);
      return l2Normalize(c.map((x, d) => x + 2 * off[d]!));
    });
    const vectors = items.map((i) => i.vector);
    const coder = fitScalarCoder(vectors.filter((_, i) => i % 5 === 0));
    const ranker = TextRanker.create(coder)!;
    const codes = ranker.resize(items.length, coder.rowBytes, 0);
    vectors.forEach((v, row) => encodeScalarRow(coder, v, codes, row * coder.rowBytes));
    ranker.fitAxes(vectors.filter((_, i) => i % 5 === 0));
    expect(ranker.projectUpTo(items.length)).toBe(items.length);
    const exact = new ExactIndex(dim, 'test');
    exact.addMany(items);
    let hits = 0;
    for (const q of queries) {
      const want = new Set(exact.search(q, { k: 10 }).map((h) => h.id));
      const ids = ranker.candidates(q, 10 + 16, (row) => `p${row}`, 1024);
      expect(ids).toHaveLength(26);
      const got = rescoreHits(q, ids, ids.map((id) => vectors[Number(id.slice(1))]), 10);
      hits += got.filter((h) => want.has(h.id)).length;
    }
    expect(hits / (10 * queries.length)).toBeGreaterThanOrEqual(0.98);
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
