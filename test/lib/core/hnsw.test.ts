import { describe, expect, it, vi } from 'vitest';
import { dot, l2Normalize } from '../../../src/lib/core/vector';
import {
  compareHits,
  decodeIndex,
  decodePackedIndex,
  encodeIndex,
  ExactIndex,
  IndexFormatError,
  IndexMismatchError,
  readIndexHeader,
  rescoreHits,
  restoreIndex,
  type VectorIndex,
} from '../../../src/lib/core/vector-index';
import { ArrayCodeStore, DEFAULT_HNSW_PARAMS, Hnsw } from '../../../src/lib/core/hnsw';
import { fitScalarCoder } from '../../../src/lib/core/int8-codes';
import { createIndex, restoreAnyIndex } from '../../../src/lib/index/choose-index';
import { rng, randomUnit } from '../../helpers/random';
import { formatErrorCode, hnswCodesWithoutResiduals } from '../../helpers/index-format';



/** n unit vectors around `clusters` random centres (cosine to the centre ≈ 0.7–0.9), ids "p0".."p{n−1}". */
function clustered(n: number, dim: number, clusters: number, seed: number): Array<{ id: string; vector: Float32Array }> {
  const r = rng(seed);
  const centres = Array.from({ length: clusters }, () => randomUnit(r, dim));
  return Array.from({ length: n }, (_, i) => {
    const c = centres[Math.floor(r() * clusters)]!;
    const noise = randomUnit(r, dim);
    const spread = 0.4 + 0.5 * r();
    return { id: `p${i}`, vector: l2Normalize(c.map((x, j) => x + spread * noise[j]!)) };
  });
}

const ids = (hits: Array<{ id: string }>) => hits.map((h) => h.id);

function build(items: Array<{ id: string; vector: Float32Array }>, dim: number, params: ConstructorParameters<typeof Hnsw>[2] = {}): { hnsw: Hnsw; exact: ExactIndex } {
  const hnsw = new Hnsw(dim, 'clip-vit-b32', params);
  const exact = new ExactIndex(dim, 'clip-vit-b32');
  hnsw.addMany(items);
  exact.addMany(items);
  return { hnsw, exact };
}

function recallAt10(index: VectorIndex, exact: ExactIndex, queries: Float32Array[], ef: number): number {
  let hit = 0;
  for (const q of queries) {
    const want = new Set(ids(exact.search(q, { k: 10 })));
    hit += index.search(q, { k: 10, ef }).filter((h) => want.has(h.id)).length;
  }
  return hit / (10 * queries.length);
}

const DIM = 48;
const ITEMS = clustered(2000, DIM, 40, 1);
const { hnsw: BIG, exact: BIG_EXACT } = build(ITEMS, DIM, { m: 12, efConstruction: 80 });
const QUERIES = [...clustered(60, DIM, 40, 1).map((x, i) => l2Normalize(x.vector.map((v, j) => v + 0.3 * randomUnit(rng(i + 500), DIM)[j]!))), ...Array.from({ length: 40 }, (_, i) => randomUnit(rng(900 + i), DIM))];

describe('Hnsw search', () => {
  it('recall@10 ≥ 0.99 against the exact scan on 2k clustered vectors at high ef, with exact scores', () => {
    expect(BIG.size).toBe(2000);
    expect(BIG.kind).toBe('hnsw');
    expect(recallAt10(BIG, BIG_EXACT, QUERIES, 200)).toBeGreaterThanOrEqual(0.99);
    // Scores are summed like VectorMatrix.topK: identical to the exact scan's, not just close.
    for (const q of QUERIES.slice(0, 20)) {
      const want = new Map(BIG_EXACT.search(q, { k: 50 }).map((h) => [h.id, h.score]));
      for (const h of BIG.search(q, { k: 10, ef: 200 })) if (want.has(h.id)) expect(h.score).toBe(want.get(h.id));
    }
  });

  it('results are sorted by score descending, recall grows with ef, ef defaults to params.efSearch', () => {
    for (const q of QUERIES.slice(0, 10)) {
      const hits = BIG.search(q, { k: 10, ef: 64 });
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    }
    const low = recallAt10(BIG, BIG_EXACT, QUERIES, 10);
    const high = recallAt10(BIG, BIG_EXACT, QUERIES, 200);
    expect(low).toBeLessThanOrEqual(high);
    const q = QUERIES[3]!;
    expect(BIG.search(q, { k: 10 })).toEqual(BIG.search(q, { k: 10, ef: DEFAULT_HNSW_PARAMS.efSearch }));
  });

  it('filter inside the graph search: only accepted ids, k of them, recall as unfiltered', () => {
    // Half the ids pass: at 2k nodes and ef 40 the predicted beam (≈ 12·40/0.5 nodes) stays
    // under half the graph, so this runs the filtered beam search, not the scan.
    const even = (id: string) => Number(id.slice(1)) % 2 === 0;
    let hit = 0;
    for (const q of QUERIES) {
      const got = BIG.search(q, { k: 10, filter: even, ef: 40 });
      expect(got).toHaveLength(10);
      expect(got.every((h) => even(h.id))).toBe(true);
      const want = new Set(ids(BIG_EXACT.search(q, { k: 10, filter: even })));
      hit += got.filter((h) => want.has(h.id)).length;
    }
    // The beam stops only once it holds ef accepted results, so it reaches as far as an
    // unfiltered beam of 2·ef: recall at least that of ef 40 unfiltered.
    expect(hit / (10 * QUERIES.length)).toBeGreaterThanOrEqual(recallAt10(BIG, BIG_EXACT, QUERIES, 40) - 0.01);
    expect(hit / (10 * QUERIES.length)).toBeGreaterThanOrEqual(0.97);
  });

  it('selective filters are answered exactly (scan of the accepted ids)', () => {
    const tenth = (id: string) => Number(id.slice(1)) % 10 === 3;
    const one = (id: string) => id === 'p1234';
    for (const q of QUERIES.slice(0, 30)) {
      expect(BIG.search(q, { k: 5, filter: tenth, ef: 100 })).toEqual(BIG_EXACT.search(q, { k: 5, filter: tenth }));
      expect(BIG.search(q, { k: 5, filter: one })).toEqual(BIG_EXACT.search(q, { k: 5, filter: one }));
    }
    expect(BIG.search(QUERIES[0]!, { k: 5, filter: () => false })).toEqual([]);
  });

  it('a filter that itself searches the index does not disturb the outer search', () => {
    const q = QUERIES[1]!;
    const plain = BIG.search(q, { k: 5, ef: 50 });
    let inner = 0;
    const got = BIG.search(q, {
      k: 5,
      ef: 50,
      filter: () => {
        if (inner++ < 3) BIG.search(QUERIES[2]!, { k: 3, ef: 20 });
        return true;
      },
    });
    expect(got).toEqual(plain);
  });

  it('k larger than the index, k ≤ 0, empty index, wrong dimension, non-finite input', () => {
    const empty = new Hnsw(4, 'm');
    const q = randomUnit(rng(1), 4);
    expect(empty.search(q, { k: 5 })).toEqual([]);
    const small = new Hnsw(4, 'm');
    small.addMany([0, 1, 2].map((i) => ({ id: `s${i}`, vector: randomUnit(rng(i + 10), 4) })));
    expect(small.search(q, { k: 10 })).toHaveLength(3);
    expect(small.search(q, { k: 0 })).toEqual([]);
    expect(() => small.add('x', new Float32Array(5))).toThrow(RangeError);
    expect(() => small.search(new Float32Array(3), { k: 1 })).toThrow(RangeError);
    expect(small.search(new Float32Array([NaN, 0, 0, 0]), { k: 1 })).toEqual([]);
    small.add('bad', new Float32Array([NaN, 1, 0, 0])); // stored as zeros: score 0
    expect(small.search(q, { k: 4 }).find((h) => h.id === 'bad')?.score).toBe(0);
    expect(() => new Hnsw(0, 'm')).toThrow(RangeError);
    expect(() => new Hnsw(4, 'm', { m: 1 })).toThrow(RangeError);
  });
});

/**
 * A CLIP-like library with a modality gap: photos = shared image direction + a class direction +
 * a scene direction + noise; text-like queries = the class directions alone, outside the photo cloud.
 */
function gapLibrary(n: number, dim: number, seed: number): { items: Array<{ id: string; vector: Float32Array }>; textQueries: Float32Array[] } {
  const r = rng(seed);
  const image = randomUnit(r, dim);
  const classes = Array.from({ length: 30 }, () => randomUnit(r, dim));
  const items: Array<{ id: string; vector: Float32Array }> = [];
  while (items.length < n) {
    const c = classes[Math.floor(r() * classes.length)]!;
    const scene = randomUnit(r, dim);
    const typical = 0.25 + 0.15 * r();
    for (let i = 0; i < 6 && items.length < n; i++) {
      const noise = randomUnit(r, dim);
      items.push({ id: `g${items.length}`, vector: l2Normalize(image.map((x, j) => 0.6 * x + typical * c[j]! + 0.5 * scene[j]! + 0.3 * noise[j]!)) });
    }
  }
  return { items, textQueries: classes.slice(0, 20) };
}

describe('Hnsw entry beam (queries from outside the photo cloud)', () => {
  const { items, textQueries } = gapLibrary(3000, DIM, 7);
  const { hnsw, exact } = build(items, DIM, { m: 8, efConstruction: 60 });
  const recall = (ef: number, entryBeam: number) => {
    let hit = 0;
    for (const q of textQueries) {
      const want = new Set(ids(exact.search(q, { k: 10 })));
      hit += hnsw.search(q, { k: 10, ef, entryBeam }).filter((h) => want.has(h.id)).length;
    }
    return hit / (10 * textQueries.length);
  };

  it('seeding layer 0 from a layer-1 beam finds more of the exact top-10 than one greedy entry point at the same ef', () => {
    const plain = [16, 32, 64].map((ef) => recall(ef, 0));
    const seeded = [16, 32, 64].map((ef) => recall(ef, 32));
    expect(seeded.reduce((a, b) => a + b)).toBeGreaterThan(plain.reduce((a, b) => a + b));
    expect(recall(160, 32)).toBeGreaterThanOrEqual(0.98);
  });

  it("hits carry the exact scan's scores, sorted; removed ids are not returned; entryBeam 0 is the plain search", () => {
    const q = textQueries[0]!;
    const want = new Map(exact.search(q, { k: 100 }).map((h) => [h.id, h.score]));
    const hits = hnsw.search(q, { k: 10, ef: 64, entryBeam: 32 });
    expect(hits).toHaveLength(10);
    for (let i = 0; i < hits.length; i++) {
      if (want.has(hits[i]!.id)) expect(hits[i]!.score).toBe(want.get(hits[i]!.id));
      if (i > 0) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    }
    expect(hnsw.search(q, { k: 10, ef: 64, entryBeam: 0 })).toEqual(hnsw.search(q, { k: 10, ef: 64 }));
    const copy = Hnsw.fromDecoded(decodeIndex(hnsw.serialize()));
    copy.remove(hits[0]!.id);
    expect(ids(copy.search(q, { k: 10, ef: 64, entryBeam: 32 }))).not.toContain(hits[0]!.id);
  });
});

describe('Hnsw updates', () => {
  it('removed ids are never returned; remove reports presence; deletedCount counts them', () => {
    const items = clustered(600, DIM, 10, 8);
    const { hnsw } = build(items, DIM, { m: 8, efConstruction: 40 });
    const removed = new Set<string>();
    for (let i = 0; i < 600; i += 3) {
      expect(hnsw.remove(`p${i}`)).toBe(true);
      removed.add(`p${i}`);
    }
    expect(hnsw.remove('p0')).toBe(false);
    expect(hnsw.remove('nope')).toBe(false);
    expect(hnsw.size).toBe(600 - removed.size);
    expect(hnsw.deletedCount).toBe(removed.size);
    expect(hnsw.nodeCount).toBe(600);
    for (const { id, vector } of items) {
      if (!removed.has(id)) continue;
      expect(hnsw.has(id)).toBe(false);
      // Even the removed vector itself as the query must not find it.
      expect(ids(hnsw.search(vector, { k: 20, ef: 60 }))).not.toContain(id);
    }
    const all = hnsw.search(randomUnit(rng(1), DIM), { k: 1000, ef: 1000 });
    expect(all).toHaveLength(hnsw.size);
    expect(all.some((h) => removed.has(h.id))).toBe(false);
  });

  it('recall holds after removing half the items (deleted nodes still route)', () => {
    const items = clustered(1500, DIM, 30, 9);
    const { hnsw, exact } = build(items, DIM, { m: 12, efConstruction: 80 });
    for (let i = 0; i < 1500; i += 2) {
      hnsw.remove(`p${i}`);
      exact.remove(`p${i}`);
    }
    expect(recallAt10(hnsw, exact, QUERIES, 200)).toBeGreaterThanOrEqual(0.99);
  });

  it('re-adding an id (after remove, or as a replacement) inserts a new node with the new vector', () => {
    const items = clustered(200, DIM, 5, 10);
    const { hnsw } = build(items, DIM);
    const fresh = randomUnit(rng(123), DIM);
    hnsw.remove('p5');
    hnsw.add('p5', fresh);
    hnsw.add('p6', fresh); // replacement without remove
    expect(hnsw.size).toBe(200);
    expect(hnsw.nodeCount).toBe(202);
    expect(hnsw.deletedCount).toBe(2);
    const top = hnsw.search(fresh, { k: 2, ef: 100 });
    expect(ids(top).sort()).toEqual(['p5', 'p6']);
    expect(top[0]!.score).toBeCloseTo(1, 6);
    expect(hnsw.get('p6')).toEqual(fresh);
    expect(ids(hnsw.search(items[6]!.vector, { k: 200, ef: 200 }))[0]).not.toBe('p6');
  });

  it('addMany: later duplicates win, and it builds the same graph as a loop of add', () => {
    const items = clustered(300, DIM, 6, 4);
    const dup = randomUnit(rng(99), DIM);
    const a = new Hnsw(DIM, 'm', { seed: 7 });
    for (const { id, vector } of items.filter((x) => x.id !== 'p7')) a.add(id, vector);
    a.add('p7', dup);
    const b = new Hnsw(DIM, 'm', { seed: 7 });
    b.addMany([...items, { id: 'p7', vector: dup }]);
    expect(b.size).toBe(300);
    expect(b.nodeCount).toBe(300); // the duplicate was folded before insertion
    expect(b.search(dup, { k: 1 })[0]).toMatchObject({ id: 'p7' });
    expect(b.serialize()).toEqual(a.serialize());
  });

  it('builds are deterministic for a seed, and differ for another seed', () => {
    const items = clustered(400, DIM, 8, 5);
    const one = build(items, DIM, { seed: 42 }).hnsw.serialize();
    const two = build(items, DIM, { seed: 42 }).hnsw.serialize();
    const other = build(items, DIM, { seed: 43 }).hnsw.serialize();
    expect(two).toEqual(one);
    expect(other).not.toEqual(one);
  });

  it('grows capacity by doubling and keeps working', () => {
    const items = clustered(300, DIM, 6, 12);
    const hnsw = new Hnsw(DIM, 'm', { initialCapacity: 16 });
    expect(hnsw.capacity).toBe(16);
    for (const { id, vector } of items.slice(0, 100)) hnsw.add(id, vector);
    expect(hnsw.capacity).toBe(128);
    hnsw.addMany(items.slice(100));
    expect(hnsw.capacity).toBe(512);
    expect(hnsw.size).toBe(300);
    // Vectors (512 × 48 floats) + layer-0 links (512 × (1 + 2M) ints) at least.
    expect(hnsw.memoryBytes).toBeGreaterThanOrEqual(512 * DIM * 4 + 512 * 33 * 4);
    const exact = new ExactIndex(DIM, 'm');
    exact.addMany(items);
    expect(recallAt10(hnsw, exact, QUERIES.slice(0, 30), 100)).toBeGreaterThanOrEqual(0.99);
  });
});

describe('Hnsw serialisation', () => {
  it('serialize → restore gives identical results, header, counts and parameters', async () => {
    const items = clustered(800, DIM, 12, 20);
    const { hnsw } = build(items, DIM, { m: 10, efConstruction: 60, efSearch: 48 });
    hnsw.remove('p1');
    hnsw.add('p2', randomUnit(rng(5), DIM));
    hnsw.add('фото/IMG_0001.jpg', randomUnit(rng(6), DIM));
    const bytes = hnsw.serialize();
    expect(bytes.byteLength % 4).toBe(0);
    expect(readIndexHeader(bytes)).toMatchObject({ kind: 'hnsw', dim: DIM, count: 800, modelKey: 'clip-vit-b32', version: 1 });

    const back = (await restoreIndex(bytes, { restorers: { hnsw: Hnsw.fromDecoded } })) as Hnsw;
    expect(back).toBeInstanceOf(Hnsw);
    expect(back.size).toBe(800);
    expect(back.nodeCount).toBe(hnsw.nodeCount);
    expect(back.deletedCount).toBe(2);
    expect(back.params).toMatchObject({ m: 10, efConstruction: 60, efSearch: 48, seed: DEFAULT_HNSW_PARAMS.seed });
    expect(back.has('p1')).toBe(false);
    expect(back.has('фото/IMG_0001.jpg')).toBe(true);
    expect(back.get('p3')).toEqual(hnsw.get('p3'));
    for (const q of QUERIES.slice(0, 30)) {
      for (const ef of [10, 48, 200]) expect(back.search(q, { k: 10, ef })).toEqual(hnsw.search(q, { k: 10, ef }));
      const keep = (id: string) => id.endsWith('7');
      expect(back.search(q, { k: 5, filter: keep })).toEqual(hnsw.search(q, { k: 5, filter: keep }));
    }
    expect(back.serialize()).toEqual(bytes);
  });

  it('vectorView gives the stored vector without a copy; unknown and removed ids give undefined', () => {
    const items = clustered(60, DIM, 3, 23);
    const restored = Hnsw.restore(build(items, DIM).hnsw.serialize());
    const id = items[7]!.id;
    const view = restored.vectorView(id)!;
    expect([...view]).toEqual([...restored.get(id)!]);
    // A view of the restored bytes themselves: reading every vector allocates nothing per item.
    expect(view.buffer).toBe(restored.vectorView(items[8]!.id)!.buffer);
    expect(view.byteLength).toBe(4 * DIM);
    restored.remove(id);
    expect(restored.vectorView(id)).toBeUndefined();
    expect(restored.vectorView('nope')).toBeUndefined();
  });

  it('a restored index keeps building exactly as if it had never been saved (graph and PRNG state)', () => {
    const items = clustered(700, DIM, 10, 21);
    const straight = build(items, DIM).hnsw;
    const first = build(items.slice(0, 500), DIM).hnsw;
    const resumed = Hnsw.restore(first.serialize());
    resumed.addMany(items.slice(500));
    expect(resumed.serialize()).toEqual(straight.serialize());
    // The restored vectors are a view of the input bytes; growing copies them out.
    expect(resumed.capacity).toBeGreaterThanOrEqual(700);
  });

  it('restores from an unaligned view, and an empty index round-trips', async () => {
    const bytes = build(clustered(50, DIM, 3, 22), DIM).hnsw.serialize();
    const host = new Uint8Array(bytes.byteLength + 3);
    host.set(bytes, 3);
    const back = await restoreIndex(host.subarray(3), { restorers: { hnsw: Hnsw.fromDecoded } });
    expect(back.size).toBe(50);
    expect(back.search(QUERIES[0]!.subarray(0, DIM), { k: 3 })).toHaveLength(3);

    const empty = Hnsw.restore(new Hnsw(DIM, 'm').serialize());
    expect(empty.size).toBe(0);
    expect(empty.search(QUERIES[0]!, { k: 3 })).toEqual([]);
    empty.add('a', QUERIES[0]!);
    expect(empty.search(QUERIES[0]!, { k: 3 })).toEqual([{ id: 'a', score: expect.closeTo(1, 6) as number }]);
  });

  const good = (): Uint8Array => build(clustered(120, DIM, 4, 30), DIM, { m: 6 }).hnsw.serialize();
  /** Re-encodes `bytes` with the payload changed by `edit` (a valid checksum around bad content). */
  const tamper = (bytes: Uint8Array, edit: (words: Int32Array) => void): Uint8Array => {
    const d = decodeIndex(bytes);
    const payload = d.payload.slice();
    edit(new Int32Array(payload.buffer, 0, payload.byteLength >> 2));
    return encodeIndex({ kind: 'hnsw', dim: d.dim, modelKey: d.modelKey, ids: d.ids }, payload.byteLength, (out) => out.set(payload));
  };
  const code = formatErrorCode;

  it.each([
    { name: 'truncated', mutate: (b: Uint8Array) => b.slice(0, b.byteLength - 4), want: 'truncated' },
    { name: 'header only', mutate: (b: Uint8Array) => b.slice(0, 32), want: 'truncated' },
    { name: 'flipped bit in a vector', mutate: (b: Uint8Array) => ((b[Math.floor(b.byteLength * 0.4)]! ^= 0x40), b), want: 'checksum' },
    { name: 'flipped bit in the graph', mutate: (b: Uint8Array) => ((b[b.byteLength - 200]! ^= 0x01), b), want: 'checksum' },
    { name: 'exact bytes', mutate: () => new ExactIndex(DIM, 'm').serialize(), want: 'kind' },
    { name: 'foreign payload (hnswlib-wasm)', mutate: (b: Uint8Array) => tamper(b, (w) => (w[0] = 120)), want: 'payload' },
    { name: 'future payload version', mutate: (b: Uint8Array) => tamper(b, (w) => (w[1] = 2)), want: 'payload' },
    { name: 'link out of range', mutate: (b: Uint8Array) => tamper(b, (w) => (w[12 + 120 * DIM + 1] = 5000)), want: 'payload' },
    { name: 'too many links', mutate: (b: Uint8Array) => tamper(b, (w) => (w[12 + 120 * DIM] = 13)), want: 'payload' },
    { name: 'deleted count off', mutate: (b: Uint8Array) => tamper(b, (w) => (w[11] = 1)), want: 'payload' },
    { name: 'entry point out of range', mutate: (b: Uint8Array) => tamper(b, (w) => (w[8] = 120)), want: 'payload' },
    { name: 'bad M', mutate: (b: Uint8Array) => tamper(b, (w) => (w[2] = 0)), want: 'payload' },
  ])('rejects bad bytes: $name', async ({ mutate, want }) => {
    const bytes = mutate(good());
    expect(code(() => Hnsw.restore(bytes))).toBe(want);
    // (Exact bytes are fine for restoreAnyIndex: only Hnsw.restore insists on kind 'hnsw'.)
    if (want !== 'kind') await expect(restoreAnyIndex(bytes)).rejects.toBeInstanceOf(IndexFormatError);
  });

  it('model-key mismatch is rejected on request', async () => {
    const bytes = good();
    expect(() => Hnsw.restore(bytes, 'siglip2-b16')).toThrow(IndexMismatchError);
    await expect(restoreAnyIndex(bytes, { expectedModelKey: 'siglip2-b16' })).rejects.toBeInstanceOf(IndexMismatchError);
  });
});

describe('choose-index uses this HNSW', () => {
  it('createIndex("hnsw") makes an Hnsw, restoreAnyIndex restores it', async () => {
    const index = await createIndex('hnsw', DIM, 'clip-vit-b32', { m: 8 });
    expect(index).toBeInstanceOf(Hnsw);
    index.addMany(ITEMS.slice(0, 300));
    const back = await restoreAnyIndex(await index.serialize(), { expectedModelKey: 'clip-vit-b32', expectedDim: DIM });
    expect(back).toBeInstanceOf(Hnsw);
    expect(back.search(QUERIES[0]!, { k: 10, ef: 64 })).toEqual(index.search(QUERIES[0]!, { k: 10, ef: 64 }));
  });
});

describe('Hnsw over int8 codes', () => {
  const coder = fitScalarCoder(ITEMS.map((x) => x.vector));
  const coded = new Hnsw(DIM, 'clip-vit-b32', { m: 12, efConstruction: 80 }, { coder });
  coded.addMany(ITEMS);
  const floats = new Map(ITEMS.map((x) => [x.id, x.vector]));
  /** What the library does: the best k + extra by code score, scored again with their stored float vectors. */
  const rescored = (index: Hnsw, q: Float32Array, k: number, extra: number, ef: number) => {
    const ids = index.search(q, { k: k + extra, ef }).map((h) => h.id);
    return rescoreHits(q, ids, ids.map((id) => floats.get(id)), k);
  };

  it('keeps three eighths of the vectors memory (codes and residuals), and its approximate scores stay within 0.02 of the exact ones', () => {
    expect(coded.coder).toBe(coder);
    expect(coded.hasResiduals).toBe(true);
    expect(coded.memoryBytes).toBeLessThan(BIG.memoryBytes - 0.6 * ITEMS.length * DIM * 4);
    expect(coded.vectorView('p1')).toBeUndefined();
    const exactOf = new Map(ITEMS.map((x) => [x.id, x.vector]));
    for (const q of QUERIES.slice(0, 20)) {
      for (const h of coded.search(q, { k: 10, ef: 100 })) expect(Math.abs(h.score - BIG_EXACT.search(q, { k: 2000 }).find((e) => e.id === h.id)!.score)).toBeLessThan(0.02);
      const decoded = coded.get('p5')!;
      expect(Math.abs(decoded.reduce((s, x, j) => s + x * exactOf.get('p5')![j]!, 0) - 1)).toBeLessThan(0.01);
    }
  });

  it('get(id, out) writes the decoded row into a view of a shared buffer, the same numbers a new array gets, and leaves the rest alone', () => {
    const rows = new Float32Array(3 * DIM).fill(7);
    const middle = rows.subarray(DIM, 2 * DIM);
    expect(coded.get('p5', middle)).toBe(middle);
    expect([...middle]).toEqual([...coded.get('p5')!]);
    expect(rows.subarray(0, DIM).every((x) => x === 7) && rows.subarray(2 * DIM).every((x) => x === 7)).toBe(true);
    const plain = new Float32Array(DIM);
    expect(BIG.get('p5', plain)).toBe(plain);
    expect([...plain]).toEqual([...BIG.get('p5')!]);
    expect(coded.get('no such id', middle)).toBeUndefined();
  });

  it('recall@10 ≥ 0.98 against the exact scan once the best 10 + 10 are scored with their float vectors, with exact scores', () => {
    let hit = 0;
    for (const q of QUERIES) {
      const want = BIG_EXACT.search(q, { k: 10 });
      const got = rescored(coded, q, 10, 10, 200);
      const wanted = new Set(ids(want));
      hit += got.filter((h) => wanted.has(h.id)).length;
      for (const h of got) {
        const exact = want.find((w) => w.id === h.id);
        if (exact) expect(h.score).toBe(exact.score);
      }
    }
    expect(hit / (10 * QUERIES.length)).toBeGreaterThanOrEqual(0.98);
  });

  it('recall@10 ≥ 0.98 against the exact scan once the best 10 + 10 are refined with their residual codes, no float vector read', () => {
    let hit = 0;
    let worst = 0;
    for (const q of QUERIES) {
      const want = BIG_EXACT.search(q, { k: 10 });
      const got = coded.refine(q, coded.search(q, { k: 20, ef: 200 }).map((h) => h.id), 10);
      expect(got.length).toBe(10);
      const wanted = new Set(ids(want));
      hit += got.filter((h) => wanted.has(h.id)).length;
      let bound = 0;
      for (let d = 0; d < DIM; d++) bound += Math.abs(q[d]!) / (32 * coder.scales[d]!);
      for (const h of got) {
        const err = Math.abs(h.score - dot(q, floats.get(h.id)!));
        expect(err).toBeLessThanOrEqual(bound + 1e-6);
        worst = Math.max(worst, err);
      }
    }
    expect(hit / (10 * QUERIES.length)).toBeGreaterThanOrEqual(0.98);
    expect(worst).toBeLessThan(1e-3);
    // Ids not in the index are left out; a float index refines with its exact scores.
    expect(coded.refine(QUERIES[0]!, ['nope', 'p1'], 5).map((h) => h.id)).toEqual(['p1']);
    expect(BIG.refine(QUERIES[0]!, ['p1', 'p2'], 2)).toEqual(BIG.scoreIds(QUERIES[0]!, ['p1', 'p2']).sort(compareHits));
  });

  it('serialises as payload version 3 (codes and residuals, not vectors) and restores to the same answers, also into a given store', async () => {
    const bytes = coded.serialize();
    expect(new Uint32Array(decodeIndex(bytes).payload.slice(0, 8).buffer)[1]).toBe(3);
    expect(bytes.byteLength).toBeLessThan(BIG.serialize().byteLength - 0.6 * ITEMS.length * DIM * 4);
    const back = (await restoreAnyIndex(bytes)) as Hnsw;
    expect(back.coder?.mean).toEqual(coder.mean);
    expect(back.coder?.scales).toEqual(coder.scales);
    const store = new ArrayCodeStore();
    const spare = bytes.slice();
    const copied = Hnsw.fromDecodedInto(decodeIndex(spare), () => store);
    expect(store.view().byteLength).toBe(ITEMS.length * coder.rowBytes);
    // Given a store, the index keeps nothing of the bytes (their memory can be given back at once).
    spare.fill(0);
    for (const q of QUERIES.slice(0, 20)) {
      expect(back.search(q, { k: 10, ef: 64 })).toEqual(coded.search(q, { k: 10, ef: 64 }));
      expect(copied.search(q, { k: 10, ef: 64 })).toEqual(coded.search(q, { k: 10, ef: 64 }));
      const found = coded.search(q, { k: 20, ef: 64 }).map((h) => h.id);
      expect(copied.refine(q, found, 10)).toEqual(coded.refine(q, found, 10));
    }
    expect(back.serialize()).toEqual(bytes);
    // Keeps building as if it had never been saved.
    const more = clustered(100, DIM, 40, 77).map((x) => ({ id: `n${x.id}`, vector: x.vector }));
    const straight = new Hnsw(DIM, 'clip-vit-b32', { m: 12, efConstruction: 80 }, { coder });
    straight.addMany(ITEMS);
    straight.addMany(more);
    back.addMany(more);
    expect(back.serialize()).toEqual(straight.serialize());
  });

  it('an index saved with float vectors (payload version 1) opens, and encodeVectors turns it into codes with the same graph', async () => {
    const old = BIG.serialize();
    expect(new Uint32Array(decodeIndex(old).payload.slice(0, 8).buffer)[1]).toBe(1);
    const opened = (await restoreAnyIndex(old)) as Hnsw;
    expect(opened.coder).toBeNull();
    expect(opened.search(QUERIES[0]!, { k: 10, ef: 64 })).toEqual(BIG.search(QUERIES[0]!, { k: 10, ef: 64 }));
    opened.encodeVectors();
    expect(opened.coder).not.toBeNull();
    expect(opened.size).toBe(BIG.size);
    let hit = 0;
    for (const q of QUERIES) {
      const wanted = new Set(ids(BIG_EXACT.search(q, { k: 10 })));
      hit += rescored(opened, q, 10, 10, 200).filter((h) => wanted.has(h.id)).length;
    }
    expect(hit / (10 * QUERIES.length)).toBeGreaterThanOrEqual(0.98);
    const saved = opened.serialize();
    expect(new Uint32Array(decodeIndex(saved).payload.slice(0, 8).buffer)[1]).toBe(3);
    expect(opened.hasResiduals).toBe(true);
    const again = (await restoreAnyIndex(saved)) as Hnsw;
    expect(again.search(QUERIES[1]!, { k: 10, ef: 64 })).toEqual(opened.search(QUERIES[1]!, { k: 10, ef: 64 }));
    // Adding after the conversion works on the codes.
    opened.add('late', ITEMS[3]!.vector);
    expect(opened.search(ITEMS[3]!.vector, { k: 2, ef: 64 }).map((h) => h.id).sort()).toEqual(['late', 'p3']);
  });

  it('codes saved without residuals (payload version 2) open and search; refine needs addResiduals, which gives what a fresh index holds', async () => {
    const old = hnswCodesWithoutResiduals(coded.serialize());
    const opened = (await restoreAnyIndex(old)) as Hnsw;
    expect(opened.hasResiduals).toBe(false);
    expect(opened.search(QUERIES[0]!, { k: 10, ef: 64 })).toEqual(coded.search(QUERIES[0]!, { k: 10, ef: 64 }));
    expect(() => opened.refine(QUERIES[0]!, ['p1'], 1)).toThrow(RangeError);
    expect(opened.serialize()).toEqual(old);
    expect(() => opened.addResiduals(() => undefined)).toThrow(RangeError);
    expect(opened.hasResiduals).toBe(false);
    opened.addResiduals((id) => floats.get(id));
    expect(opened.hasResiduals).toBe(true);
    expect(opened.serialize()).toEqual(coded.serialize());
    const found = coded.search(QUERIES[2]!, { k: 20, ef: 64 }).map((h) => h.id);
    expect(opened.refine(QUERIES[2]!, found, 10)).toEqual(coded.refine(QUERIES[2]!, found, 10));
  });

  it('removed ids are never returned and a non-finite vector is stored as zero', () => {
    const small = new Hnsw(DIM, 'clip-vit-b32', { m: 8 }, { coder });
    small.addMany(ITEMS.slice(0, 300));
    small.remove('p4');
    small.add('bad', new Float32Array(DIM).fill(Number.NaN));
    for (const q of QUERIES.slice(0, 10)) expect(ids(small.search(q, { k: 300, ef: 300 }))).not.toContain('p4');
    expect(Math.abs(small.scoreIds(QUERIES[0]!, ['bad'])[0]!.score)).toBeLessThan(0.02);
    expect(() => new Hnsw(DIM + 1, 'clip-vit-b32', {}, { coder })).toThrow(RangeError);
  });
});

describe('Hnsw restored with its ids packed', () => {
  /** Everything a caller can ask of an index about its ids, to compare two indexes. */
  const idView = (index: Hnsw, names: readonly string[]) => ({
    size: index.size,
    nodeCount: index.nodeCount,
    deletedCount: index.deletedCount,
    ids: index.ids(),
    liveNodes: [...index.liveNodes()],
    has: names.map((id) => index.has(id)),
    nodeOf: names.map((id) => index.nodeOf(id)),
    idOfNode: Array.from({ length: index.nodeCount + 2 }, (_, node) => index.idOfNode(node)),
  });

  /** 500 items (one with a non-ASCII id), some removed and one replaced before the save. */
  const saved = () => {
    const items = clustered(500, DIM, 8, 41);
    items[3] = { id: 'фото/IMG_0003.jpg', vector: items[3]!.vector };
    const { hnsw } = build(items, DIM, { m: 8, efConstruction: 50 });
    for (const id of ['p10', 'p11', 'p400']) hnsw.remove(id);
    hnsw.add('p20', randomUnit(rng(41), DIM));
    return { items, original: hnsw };
  };
  const names = ['p0', 'p1', 'фото/IMG_0003.jpg', 'p10', 'p11', 'p20', 'p400', 'p499', 'q1', 'q2', 'nope', ''];

  it('decodes no id to restore or save, and only the ids a search returns; results, scores, filters and lookups are the original\'s', () => {
    const { original } = saved();
    const bytes = original.serialize();
    const decode = vi.spyOn(TextDecoder.prototype, 'decode');
    // The strings decoded, but for the header's model key.
    const decodedIds = () => decode.mock.results.map((r) => r.value as string).filter((s) => s !== 'clip-vit-b32');
    try {
      const restored = Hnsw.restore(bytes);
      expect(decodedIds()).toEqual([]);
      const q = QUERIES[1]!;
      const hits = original.search(q, { k: 10, ef: 64 });
      decode.mockClear();
      expect(restored.search(q, { k: 10, ef: 64 })).toEqual(hits);
      expect(decodedIds().sort()).toEqual(ids(hits).sort());
      decode.mockClear();
      expect(restored.has('p499')).toBe(true);
      expect(restored.nodeOf('p10')).toBeUndefined();
      // Saved again: the packed ids are copied as they lie.
      expect(restored.serialize()).toEqual(bytes);
      expect(decodedIds()).toEqual([]);
      decode.mockRestore();
      for (const q of QUERIES.slice(0, 30)) {
        for (const ef of [10, 64, 300]) expect(restored.search(q, { k: 10, ef })).toEqual(original.search(q, { k: 10, ef }));
        expect(restored.search(q, { k: 5, entryBeam: 8 })).toEqual(original.search(q, { k: 5, entryBeam: 8 }));
        const keep = (id: string) => id.endsWith('3');
        expect(restored.search(q, { k: 5, filter: keep })).toEqual(original.search(q, { k: 5, filter: keep }));
        // A filter passing one id in fifty is answered by the exact scan.
        const rare = (id: string) => id.endsWith('49') || id.endsWith('99');
        expect(restored.search(q, { k: 5, filter: rare })).toEqual(original.search(q, { k: 5, filter: rare }));
        expect(restored.scoreIds(q, names)).toEqual(original.scoreIds(q, names));
        expect(restored.refine(q, names, 4)).toEqual(original.refine(q, names, 4));
      }
      expect(idView(restored, names)).toEqual(idView(original, names));
      expect(restored.get('фото/IMG_0003.jpg')).toEqual(original.get('фото/IMG_0003.jpg'));
      expect(restored.serialize()).toEqual(bytes);
    } finally {
      decode.mockRestore();
    }
  });

  it('inserts, removals, re-inserts and replacements after a restore behave as on the original, and serialise to the same bytes', () => {
    const { original } = saved();
    const restored = Hnsw.restore(original.serialize());
    const steps: Array<(index: Hnsw) => unknown> = [
      (x) => x.remove('p0'), // a restored id
      (x) => x.remove('p0'), // again: gone
      (x) => x.remove('p10'), // removed before the save
      (x) => x.remove('nope'),
      (x) => x.add('q1', randomUnit(rng(51), DIM)), // a new id
      (x) => x.add('p0', randomUnit(rng(52), DIM)), // a restored id removed, then inserted again
      (x) => x.add('p1', randomUnit(rng(53), DIM)), // a restored id replaced
      (x) => x.add('p10', randomUnit(rng(54), DIM)), // an id removed before the save, inserted again
      (x) => x.remove('q1'), // a new id removed …
      (x) => x.add('q1', randomUnit(rng(55), DIM)), // … and inserted again
      (x) => x.remove('p0'), // a re-inserted restored id removed again
      (x) => x.addMany([{ id: 'q2', vector: randomUnit(rng(56), DIM) }, { id: 'p2', vector: randomUnit(rng(57), DIM) }, { id: 'q2', vector: randomUnit(rng(58), DIM) }]),
    ];
    for (const step of steps) {
      expect(step(restored)).toEqual(step(original));
      expect(idView(restored, names)).toEqual(idView(original, names));
    }
    for (const q of QUERIES.slice(0, 20)) expect(restored.search(q, { k: 10, ef: 64 })).toEqual(original.search(q, { k: 10, ef: 64 }));
    expect(restored.has('p0')).toBe(false);
    expect(restored.has('p10')).toBe(true);
    expect(restored.get('p1')).toEqual(original.get('p1'));
    const bytes = restored.serialize();
    expect(bytes).toEqual(original.serialize());
    // Restored again, with the ids added since among the packed ones.
    const again = Hnsw.restore(bytes);
    expect(idView(again, names)).toEqual(idView(original, names));
    expect(again.serialize()).toEqual(bytes);
  });

  it('a restore of 0 items (nothing saved, or every item removed) is empty and takes new items', () => {
    const none = Hnsw.restore(new Hnsw(DIM, 'm').serialize());
    const emptied = build(clustered(40, DIM, 2, 61), DIM).hnsw;
    for (let i = 0; i < 40; i++) emptied.remove(`p${i}`);
    const allRemoved = Hnsw.restore(emptied.serialize());
    expect(allRemoved.nodeCount).toBe(40);
    for (const index of [none, allRemoved]) {
      expect(index.size).toBe(0);
      expect(index.ids()).toEqual([]);
      expect(index.liveNodes()).toHaveLength(0);
      expect(index.has('p0')).toBe(false);
      expect(index.idOfNode(0)).toBeUndefined();
      expect(index.remove('p0')).toBe(false);
      expect(index.search(QUERIES[0]!, { k: 3 })).toEqual([]);
      index.add('p0', QUERIES[0]!);
      expect(index.size).toBe(1);
      expect(index.search(QUERIES[0]!, { k: 3 })).toEqual([{ id: 'p0', score: expect.closeTo(1, 6) as number }]);
      expect(Hnsw.restore(index.serialize()).ids()).toEqual(['p0']);
    }
  });

  it('rejects a saved index whose ids repeat one, even with a valid checksum', () => {
    const bytes = build(clustered(30, DIM, 2, 62), DIM).hnsw.serialize();
    const d = decodeIndex(bytes);
    const twice = encodeIndex({ kind: 'hnsw', dim: d.dim, modelKey: d.modelKey, ids: d.ids.map((id) => (id === 'p7' ? 'p3' : id)) }, d.payload.byteLength, (out) => out.set(d.payload));
    expect(formatErrorCode(() => Hnsw.restore(twice))).toBe('field');
  });

  it('keeps an int8 index\'s ids packed too, restored into a given store from bytes then given back', () => {
    const coder = fitScalarCoder(ITEMS.slice(0, 400).map((x) => x.vector));
    const coded = new Hnsw(DIM, 'clip-vit-b32', { m: 8, efConstruction: 50 }, { coder });
    coded.addMany(ITEMS.slice(0, 400));
    coded.remove('p5');
    const spare = coded.serialize();
    const restored = Hnsw.fromDecodedInto(decodePackedIndex(spare), () => new ArrayCodeStore());
    spare.fill(0); // nothing of the bytes is kept, the ids neither
    expect(idView(restored, ['p0', 'p5', 'p399', 'p400'])).toEqual(idView(coded, ['p0', 'p5', 'p399', 'p400']));
    for (const q of QUERIES.slice(0, 10)) {
      expect(restored.search(q, { k: 10, ef: 64 })).toEqual(coded.search(q, { k: 10, ef: 64 }));
      const found = coded.search(q, { k: 20, ef: 64 }).map((h) => h.id);
      expect(restored.refine(q, found, 10)).toEqual(coded.refine(q, found, 10));
    }
  });
});
