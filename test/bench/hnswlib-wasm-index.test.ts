// hnswlib-wasm in Node (see ../shared/GOTCHAS.md): its IDBFS needs a global indexedDB,
// its Emscripten glue refuses to start without `window`, and the package has no Node
// entry ("module" only), so point the bare import at the dist file. Test-only shims.
import 'fake-indexeddb/auto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { l2Normalize } from '../../src/lib/core/vector';
import { ExactIndex, IndexFormatError, IndexMismatchError, readIndexHeader, restoreIndex, type VectorIndex } from '../../src/lib/core/vector-index';
import { HnswIndex, loadHnswLibrary } from '../../bench/lib/hnswlib-wasm-index';
import { rng, randomUnit } from '../helpers/random';

(globalThis as { window?: unknown }).window ??= globalThis;
vi.mock('hnswlib-wasm', () => import('hnswlib-wasm/dist/hnswlib.js'));



const DIM = 24;
const made: HnswIndex[] = [];
async function hnsw(params: Parameters<typeof HnswIndex.create>[2] = {}, modelKey = 'clip-vit-b32'): Promise<HnswIndex> {
  const index = await HnswIndex.create(DIM, modelKey, { initialCapacity: 64, ...params });
  made.push(index);
  return index;
}

/** n random unit vectors, ids "p0".."p{n-1}", added to both indexes. */
function fill(indexes: VectorIndex[], n: number, seed = 1): Map<string, Float32Array> {
  const r = rng(seed);
  const items = new Map<string, Float32Array>();
  for (let i = 0; i < n; i++) items.set(`p${i}`, randomUnit(r, DIM));
  for (const index of indexes) for (const [id, v] of items) index.add(id, v);
  return items;
}

const ids = (hits: Array<{ id: string }>) => hits.map((h) => h.id);

beforeAll(async () => {
  await loadHnswLibrary();
});

afterEach(() => {
  for (const index of made.splice(0)) index.dispose();
});

describe('HnswIndex', () => {
  it('matches the exact index at high ef (recall 1.0), scores are cosines', async () => {
    const index = await hnsw();
    const exact = new ExactIndex(DIM, 'clip-vit-b32');
    fill([index, exact], 500);
    expect(index.size).toBe(500);
    expect(index.kind).toBe('hnsw');
    const r = rng(2);
    for (let i = 0; i < 20; i++) {
      const q = randomUnit(r, DIM);
      const got = index.search(q, { k: 10, ef: 500 });
      const want = exact.search(q, { k: 10 });
      expect(ids(got)).toEqual(ids(want));
      got.forEach((h, j) => expect(h.score).toBeCloseTo(want[j]!.score, 5));
    }
  });

  it('addMany equals a loop of add, and later duplicates win', async () => {
    const a = await hnsw();
    const b = await hnsw();
    const exact = new ExactIndex(DIM, 'm');
    const items = fill([a, exact], 300, 4);
    const dup = randomUnit(rng(99), DIM);
    a.add('p7', dup);
    exact.add('p7', dup);
    b.addMany([...[...items].map(([id, vector]) => ({ id, vector })), { id: 'p7', vector: dup }]);
    expect(b.size).toBe(300);
    expect(b.labelCount).toBe(300); // the duplicate was folded before insertion
    expect(b.search(dup, { k: 1 })[0]).toMatchObject({ id: 'p7' });
    const r = rng(5);
    for (let i = 0; i < 10; i++) {
      const q = randomUnit(r, DIM);
      const want = ids(exact.search(q, { k: 10 }));
      expect(ids(a.search(q, { k: 10, ef: 300 }))).toEqual(want);
      expect(ids(b.search(q, { k: 10, ef: 300 }))).toEqual(want);
    }
  });

  it('filter is applied inside the search (k results even when most are filtered out)', async () => {
    const index = await hnsw();
    const exact = new ExactIndex(DIM, 'm');
    fill([index, exact], 400, 6);
    const keep = (id: string) => Number(id.slice(1)) % 10 === 3;
    const q = randomUnit(rng(7), DIM);
    const got = index.search(q, { k: 5, filter: keep, ef: 400 });
    expect(got).toHaveLength(5);
    expect(got.every((h) => keep(h.id))).toBe(true);
    expect(ids(got)).toEqual(ids(exact.search(q, { k: 5, filter: keep })));
    expect(index.search(q, { k: 5, filter: () => false })).toEqual([]);
  });

  it('removed ids are never returned; remove reports presence', async () => {
    const index = await hnsw();
    const items = fill([index], 200, 8);
    const removed = new Set<string>();
    for (let i = 0; i < 200; i += 3) {
      expect(index.remove(`p${i}`)).toBe(true);
      removed.add(`p${i}`);
    }
    expect(index.remove('p0')).toBe(false);
    expect(index.remove('nope')).toBe(false);
    expect(index.size).toBe(200 - removed.size);
    expect(index.deletedCount).toBe(removed.size);
    for (const id of removed) {
      expect(index.has(id)).toBe(false);
      // Even the removed vector itself as the query must not find it.
      expect(ids(index.search(items.get(id)!, { k: 50, ef: 200 }))).not.toContain(id);
    }
    const all = index.search(randomUnit(rng(1), DIM), { k: 1000, ef: 1000 });
    expect(all).toHaveLength(index.size);
    expect(all.some((h) => removed.has(h.id))).toBe(false);
  });

  it('re-adding an id (after remove, or as a replacement) uses a new label and the new vector', async () => {
    const index = await hnsw();
    const items = fill([index], 100, 10);
    const fresh = randomUnit(rng(123), DIM);
    index.remove('p5');
    index.add('p5', fresh);
    index.add('p6', fresh); // replacement without remove
    expect(index.size).toBe(100);
    expect(index.labelCount).toBe(102);
    const top = index.search(fresh, { k: 2, ef: 100 });
    expect(ids(top).sort()).toEqual(['p5', 'p6']);
    expect(top[0]!.score).toBeCloseTo(1, 5);
    expect(ids(index.search(items.get('p6')!, { k: 100, ef: 100 }))[0]).not.toBe('p6');
  });

  it('grows capacity by doubling', async () => {
    const index = await hnsw({ initialCapacity: 16 });
    expect(index.capacity).toBe(16);
    fill([index], 100, 12);
    expect(index.capacity).toBe(128);
    index.addMany(Array.from({ length: 200 }, (_, i) => ({ id: `q${i}`, vector: randomUnit(rng(i + 1000), DIM) })));
    expect(index.capacity).toBe(512);
    expect(index.size).toBe(300);
  });

  it('k larger than the index, k ≤ 0, empty index, wrong dimension', async () => {
    const index = await hnsw();
    const q = randomUnit(rng(1), DIM);
    expect(index.search(q, { k: 5 })).toEqual([]);
    fill([index], 3);
    expect(index.search(q, { k: 10 })).toHaveLength(3);
    expect(index.search(q, { k: 0 })).toEqual([]);
    expect(() => index.add('x', new Float32Array(DIM + 1))).toThrow(RangeError);
    expect(() => index.search(new Float32Array(3), { k: 1 })).toThrow(RangeError);
  });
});

describe('HnswIndex persistence (native hnswlib bytes via IDBFS)', () => {
  it('serialize → restore gives identical results without re-inserting', async () => {
    const index = await hnsw({ efSearch: 64, initialCapacity: 32 });
    fill([index], 600, 20);
    index.remove('p1');
    index.add('p2', randomUnit(rng(5), DIM));
    const bytes = await index.serialize();
    const header = readIndexHeader(bytes);
    expect(header).toMatchObject({ kind: 'hnsw', dim: DIM, count: 599, modelKey: 'clip-vit-b32' });

    const back = (await restoreIndex(bytes, { restorers: { hnsw: HnswIndex.fromDecoded } })) as HnswIndex;
    made.push(back);
    expect(back).toBeInstanceOf(HnswIndex);
    expect(back.size).toBe(599);
    expect(back.labelCount).toBe(index.labelCount);
    expect(back.capacity).toBe(index.capacity);
    expect(back.params).toMatchObject({ m: index.params.m, efConstruction: index.params.efConstruction, efSearch: 64 });
    expect(back.has('p1')).toBe(false);
    const r = rng(21);
    for (let i = 0; i < 25; i++) {
      const q = randomUnit(r, DIM);
      for (const ef of [16, 64]) expect(back.search(q, { k: 10, ef })).toEqual(index.search(q, { k: 10, ef }));
    }
    // The restored index keeps working: adds, removes, serialises again.
    back.add('new', randomUnit(rng(77), DIM));
    back.remove('p3');
    const again = await HnswIndex.restore(await back.serialize());
    made.push(again);
    expect(again.has('new')).toBe(true);
    expect(again.has('p3')).toBe(false);
  });

  it('changes made while serialize() waits for IndexedDB do not leak into the bytes', async () => {
    const index = await hnsw();
    fill([index], 100, 40);
    const pending = index.serialize();
    await new Promise((r) => setTimeout(r, 0)); // the native file is written; IndexedDB is still busy
    index.remove('p0');
    index.add('late', randomUnit(rng(41), DIM));
    const back = await HnswIndex.restore(await pending);
    made.push(back);
    expect(back.size).toBe(100);
    expect(back.has('p0')).toBe(true);
    expect(back.has('late')).toBe(false);
    expect(back.labelCount).toBe(100);
  });

  it('leaves no scratch file behind in the IDBFS database', async () => {
    const index = await hnsw();
    fill([index], 50);
    await HnswIndex.restore(await index.serialize()).then((b) => made.push(b));
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('/hnswlib-index');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const keys = await new Promise<IDBValidKey[]>((resolve) => {
      const req = db.transaction('FILE_DATA').objectStore('FILE_DATA').getAllKeys();
      req.onsuccess = () => resolve(req.result);
    });
    db.close();
    expect(keys).toEqual([]);
  });

  it('an empty index round-trips', async () => {
    const back = await HnswIndex.restore(await (await hnsw()).serialize());
    made.push(back);
    expect(back.size).toBe(0);
    back.add('a', randomUnit(rng(1), DIM));
    expect(back.search(randomUnit(rng(2), DIM), { k: 1 })).toHaveLength(1);
  });

  it('rejects truncated or corrupt bytes with IndexFormatError, before touching wasm', async () => {
    const index = await hnsw();
    fill([index], 80, 30);
    const bytes = await index.serialize();
    await expect(HnswIndex.restore(bytes.slice(0, bytes.byteLength - 4))).rejects.toMatchObject({ code: 'truncated' });
    await expect(HnswIndex.restore(bytes.slice(0, 10))).rejects.toBeInstanceOf(IndexFormatError);
    const flipped = bytes.slice();
    flipped[Math.floor(flipped.byteLength * 0.7)]! ^= 0x40; // inside the native graph/vectors
    await expect(HnswIndex.restore(flipped)).rejects.toMatchObject({ code: 'checksum' });
    const exactBytes = new ExactIndex(DIM, 'm').serialize();
    await expect(HnswIndex.restore(exactBytes)).rejects.toMatchObject({ code: 'kind' });
  });

  it('model-key mismatch is detectable from the header and rejected on request', async () => {
    const bytes = await (await hnsw({}, 'clip-vit-b32')).serialize();
    expect(readIndexHeader(bytes).modelKey).toBe('clip-vit-b32');
    await expect(HnswIndex.restore(bytes, 'siglip2-b16')).rejects.toBeInstanceOf(IndexMismatchError);
    await expect(restoreIndex(bytes, { expectedModelKey: 'siglip2-b16', restorers: { hnsw: HnswIndex.fromDecoded } })).rejects.toBeInstanceOf(
      IndexMismatchError,
    );
  });
});
