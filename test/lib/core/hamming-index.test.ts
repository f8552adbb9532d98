import { describe, expect, it } from 'vitest';
import { HammingIndex, type HammingMatch } from '../../../src/lib/core/hamming-index';
import { hammingDistance64 } from '../../../src/lib/core/phash';
import { rng } from '../../helpers/random';

const random64 = (r: () => number) =>
  (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32));

/** Flips `bits` distinct random bit positions. */
function flipBits(h: bigint, bits: number, r: () => number): bigint {
  const positions = new Set<number>();
  while (positions.size < bits) positions.add(Math.floor(r() * 64));
  for (const p of positions) h ^= 1n << BigInt(p);
  return h;
}

function bruteForce(entries: Map<string, bigint>, q: bigint, maxDistance: number): Array<HammingMatch<string>> {
  const out: Array<HammingMatch<string>> = [];
  for (const [id, h] of entries) {
    const distance = hammingDistance64(h, q);
    if (distance <= maxDistance) out.push({ id, distance });
  }
  return out.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** 5,000 random hashes plus 40 clusters of planted near-duplicates at distances 1..12. */
function buildFixture(): { entries: Map<string, bigint>; queries: bigint[] } {
  const r = rng(42);
  const entries = new Map<string, bigint>();
  for (let i = 0; i < 5000; i++) entries.set(`r${i}`, random64(r));
  const queries: bigint[] = [];
  for (let c = 0; c < 40; c++) {
    const base = random64(r);
    queries.push(base);
    entries.set(`c${c}-base`, base);
    entries.set(`c${c}-dup`, base); // exact duplicate under another id
    for (let d = 1; d <= 12; d++) entries.set(`c${c}-d${d}`, flipBits(base, d, r));
    queries.push(flipBits(base, 3, r)); // query that is itself off-centre
  }
  for (let i = 0; i < 20; i++) queries.push(random64(r));
  return { entries, queries };
}

describe('HammingIndex', () => {
  const { entries, queries } = buildFixture();
  const index = new HammingIndex();
  for (const [id, h] of entries) index.add(id, h);

  it('holds every entry', () => {
    expect(index.size).toBe(entries.size);
  });

  it.each(Array.from({ length: 13 }, (_, r) => r))('r = %i: same results as brute force, few candidates', (r) => {
    let maxCandidates = 0;
    let matches = 0;
    for (const q of queries) {
      const got = index.query(q, r);
      expect(got).toEqual(bruteForce(entries, q, r));
      matches += got.length;
      maxCandidates = Math.max(maxCandidates, index.lastCandidateCount);
    }
    // Planted clusters guarantee non-trivial result sets at every radius.
    expect(matches).toBeGreaterThan(0);
    // Uniform hashes: expected candidates ≈ size·4·ball(⌊r/4⌋)/2^16 ≈ 5 (r<4) … 215 (r=12), far below size.
    expect(maxCandidates).toBeLessThan(index.size / 10);
  });

  it('finds planted duplicates at exactly their distance', () => {
    const base = entries.get('c0-base')!;
    const got = index.query(base, 12).filter((m) => m.id.startsWith('c0-'));
    expect(got.map((m) => m.id)).toEqual([
      'c0-base',
      'c0-dup',
      ...Array.from({ length: 12 }, (_, i) => `c0-d${i + 1}`),
    ]);
    expect(got.map((m) => m.distance)).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it.each([16, 20, 32, 64])('r = %i (scan fallback): same results as brute force', (r) => {
    const q = queries[0]!;
    expect(index.query(q, r)).toEqual(bruteForce(entries, q, r));
    expect(index.lastCandidateCount).toBe(index.size);
  });

  it('negative radius matches nothing', () => {
    expect(index.query(queries[0]!, -1)).toEqual([]);
  });

  it('remove keeps the index consistent (swap-remove of slots)', () => {
    const local = new HammingIndex();
    const kept = new Map(entries);
    for (const [id, h] of entries) local.add(id, h);
    const r = rng(7);
    const ids = [...entries.keys()];
    for (let i = 0; i < 1500; i++) {
      const id = ids[Math.floor(r() * ids.length)]!;
      expect(local.remove(id)).toBe(kept.delete(id));
    }
    expect(local.size).toBe(kept.size);
    expect(local.has('c0-base')).toBe(kept.has('c0-base'));
    for (const q of queries) {
      for (const radius of [0, 5, 12]) expect(local.query(q, radius)).toEqual(bruteForce(kept, q, radius));
    }
    expect(local.remove('no-such-id')).toBe(false);
  });

  it('re-adding an id replaces its hash', () => {
    const local = new HammingIndex<number>();
    local.add(1, 0n);
    local.add(2, 0b111n);
    local.add(1, 0xffn);
    expect(local.size).toBe(2);
    expect(local.query(0n, 0)).toEqual([]);
    expect(local.query(0xffn, 8)).toEqual([
      { id: 1, distance: 0 },
      { id: 2, distance: 5 },
    ]);
  });

  it('numeric ids sort numerically on equal distance; extreme hashes work', () => {
    const local = new HammingIndex<number>();
    const max = (1n << 64n) - 1n;
    local.add(10, max);
    local.add(9, max);
    local.add(100, 0n);
    expect(local.query(max, 0)).toEqual([
      { id: 9, distance: 0 },
      { id: 10, distance: 0 },
    ]);
    expect(local.query(1n << 63n, 64).map((m) => [m.id, m.distance])).toEqual([
      [100, 1],
      [9, 63],
      [10, 63],
    ]);
  });

  it('clear empties the index and rejects out-of-range hashes', () => {
    const local = new HammingIndex();
    local.add('a', 5n);
    local.clear();
    expect(local.size).toBe(0);
    expect(local.query(5n, 4)).toEqual([]);
    local.add('a', 5n);
    expect(local.query(5n, 0)).toEqual([{ id: 'a', distance: 0 }]);
    expect(() => local.add('b', -1n)).toThrow(RangeError);
    expect(() => local.add('b', 1n << 64n)).toThrow(RangeError);
  });
});
