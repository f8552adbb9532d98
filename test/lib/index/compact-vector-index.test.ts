import { describe, expect, it } from 'vitest';
import { COMPACT_MAX_LISTS, CompactVectorIndex, compactListsFor, compactProbesFor } from '../../../src/lib/index/compact-vector-index';
import { CompactIndex, residualsOf, trainCoarseCentroids } from '../../../src/lib/core/compact-index';
import { ProductQuantizer } from '../../../src/lib/core/quantize';
import { rng, randomUnit } from '../../helpers/random';

const DIM = 32;

describe('compact vector index', () => {
  it('gives a library about √n lists, at most COMPACT_MAX_LISTS', () => {
    expect(compactListsFor(1)).toBe(1);
    expect(compactListsFor(200_000)).toBe(447);
    expect(compactListsFor(1_000_000)).toBe(1000);
    expect(compactListsFor(50_000_000)).toBe(COMPACT_MAX_LISTS);
  });

  it('scans 1/10 of the lists for a text query and 1/64 for an image query, at least 64 and 16, never more than there are', () => {
    expect(compactProbesFor(1000, 'text')).toBe(100);
    expect(compactProbesFor(1024, 'text')).toBe(103);
    expect(compactProbesFor(500, 'text')).toBe(64);
    expect(compactProbesFor(1000, 'image')).toBe(16);
    expect(compactProbesFor(2000, 'image')).toBe(32);
    expect(compactProbesFor(20, 'text')).toBe(20);
    expect(compactProbesFor(10, 'image')).toBe(10);
  });

  it('learns dim/4-byte residual codes and a dim/4-byte refiner from a sample, and its bytes restore to an index with the same answers read from the same store', async () => {
    const r = rng(3);
    const vectors = new Map<string, Float32Array>(Array.from({ length: 400 }, (_, i) => [`v${i}`, randomUnit(r, DIM)]));
    const store = { getVectors: (ids: readonly string[]) => ids.map((id) => vectors.get(id)) };
    const index = CompactVectorIndex.train([...vectors.values()].slice(0, 300), DIM, 400, 'm', store);
    expect(index.compact.codec.codeBytes).toBe(DIM / 4);
    expect(index.compact.residual).toBe(true);
    expect(index.compact.refiner?.codeBytes).toBe(DIM / 4);
    expect(index.compact.lists).toBe(20);
    index.addMany([...vectors].map(([id, vector]) => ({ id, vector })));
    expect(index.size).toBe(400);

    const back = CompactVectorIndex.restore(index.serialize(), 'm', store);
    for (const id of ['v0', 'v123', 'v399']) {
      const query = vectors.get(id)!;
      const hits = await back.search(query, { k: 5, kind: 'image' });
      expect(hits).toEqual(await index.search(query, { k: 5, kind: 'image' }));
      expect(hits[0]).toEqual({ id, score: expect.closeTo(1, 6) });
    }
  });

  it('answers a text query as the exact scan on a small index (every list probed: at least 64), reading only the candidates that can reach the top k', async () => {
    const r = rng(8);
    const vectors = new Map<string, Float32Array>(Array.from({ length: 300 }, (_, i) => [`v${i}`, randomUnit(r, DIM)]));
    let reads = 0;
    const store = {
      getVectors: (ids: readonly string[]) => {
        reads += ids.length;
        return ids.map((id) => vectors.get(id));
      },
    };
    const index = CompactVectorIndex.train([...vectors.values()], DIM, 300, 'm', store);
    index.addMany([...vectors].map(([id, vector]) => ({ id, vector })));
    const query = randomUnit(r, DIM);
    const exact = [...vectors].map(([id, v]) => ({ id, score: v.reduce((s, x, d) => s + x * query[d]!, 0) })).sort((a, b) => b.score - a.score);
    const hits = await index.search(query, { k: 5, kind: 'text' });
    expect(hits.map((h) => h.id)).toEqual(exact.slice(0, 5).map((h) => h.id));
    // every item is a candidate (300 kept from all 17 lists), but reading stops before the last
    expect(index.compact.lists).toBe(17);
    expect(reads).toBeLessThan(300);
  });

  it('opens an index saved before refiners (format version 1) and answers from it', async () => {
    const r = rng(4);
    const vectors = new Map<string, Float32Array>(Array.from({ length: 300 }, (_, i) => [`v${i}`, randomUnit(r, DIM)]));
    const store = { getVectors: (ids: readonly string[]) => ids.map((id) => vectors.get(id)) };
    // residual codes without a refiner: the bytes Shoebox wrote before
    const centroids = trainCoarseCentroids([...vectors.values()], DIM, { lists: 17 });
    const codec = ProductQuantizer.train(residualsOf([...vectors.values()], centroids, DIM), DIM, { subspaces: DIM / 4 });
    const older = new CompactIndex(codec, centroids, 300, true);
    for (const [id, v] of vectors) older.add(id, v);
    const bytes = older.serialize();
    expect(new Uint32Array(bytes.buffer, 0, 2)[1]).toBe(1);
    const opened = CompactVectorIndex.restore(bytes, 'm', store);
    expect(opened.compact.refiner).toBeNull();
    expect(opened.size).toBe(300);
    for (const id of ['v0', 'v150', 'v299']) expect((await opened.search(vectors.get(id)!, { k: 3, kind: 'image' }))[0]).toEqual({ id, score: expect.closeTo(1, 6) });
  });
});
