import { describe, expect, it } from 'vitest';
import { IndexMismatchError, type VectorIndex } from '../../../src/lib/core/vector-index';
import { chooseIndexKind, COMPACT_MIN_ITEMS, createIndex, EXACT_BELOW_ITEMS, HNSW_BELOW_ITEMS, HNSW_MIN_ITEMS, restoreAnyIndex } from '../../../src/lib/index/choose-index';
import { rng, randomUnit } from '../../helpers/random';

const DIM = 24;

/** n random unit vectors, ids "p0".."p{n-1}", added to the index. */
function fill(index: VectorIndex, n: number, seed: number): void {
  const r = rng(seed);
  for (let i = 0; i < n; i++) index.add(`p${i}`, randomUnit(r, DIM));
}

describe('choose-index', () => {
  it('switches to HNSW at HNSW_MIN_ITEMS and back only below EXACT_BELOW_ITEMS', () => {
    expect(chooseIndexKind(HNSW_MIN_ITEMS - 1)).toBe('exact');
    expect(chooseIndexKind(HNSW_MIN_ITEMS)).toBe('hnsw');
    expect(chooseIndexKind(HNSW_MIN_ITEMS - 1, 'exact')).toBe('exact');
    expect(chooseIndexKind(HNSW_MIN_ITEMS - 1, 'hnsw')).toBe('hnsw');
    expect(chooseIndexKind(EXACT_BELOW_ITEMS, 'hnsw')).toBe('hnsw');
    expect(chooseIndexKind(EXACT_BELOW_ITEMS - 1, 'hnsw')).toBe('exact');
  });

  it('keeps HNSW up to 100k and beyond, switches to compact codes at COMPACT_MIN_ITEMS and back only below HNSW_BELOW_ITEMS', () => {
    expect(COMPACT_MIN_ITEMS).toBeGreaterThan(100_000);
    expect(chooseIndexKind(100_000)).toBe('hnsw');
    expect(chooseIndexKind(100_000, 'hnsw')).toBe('hnsw');
    expect(chooseIndexKind(COMPACT_MIN_ITEMS - 1, 'hnsw')).toBe('hnsw');
    expect(chooseIndexKind(COMPACT_MIN_ITEMS, 'hnsw')).toBe('compact');
    expect(chooseIndexKind(COMPACT_MIN_ITEMS)).toBe('compact');
    expect(chooseIndexKind(HNSW_BELOW_ITEMS, 'compact')).toBe('compact');
    expect(chooseIndexKind(HNSW_BELOW_ITEMS - 1, 'compact')).toBe('hnsw');
    expect(chooseIndexKind(EXACT_BELOW_ITEMS - 1, 'compact')).toBe('exact');
  });

  it('createIndex + restoreAnyIndex round-trip both kinds', async () => {
    for (const kind of ['exact', 'hnsw'] as const) {
      const index = await createIndex(kind, DIM, 'clip-vit-b32');
      fill(index, 40, 50);
      const back = await restoreAnyIndex(await index.serialize(), { expectedModelKey: 'clip-vit-b32' });
      expect(back.kind).toBe(kind);
      const q = randomUnit(rng(51), DIM);
      expect(back.search(q, { k: 5, ef: 40 })).toEqual(index.search(q, { k: 5, ef: 40 }));
      await expect(restoreAnyIndex(await index.serialize(), { expectedModelKey: 'other' })).rejects.toBeInstanceOf(IndexMismatchError);
    }
  });
});
