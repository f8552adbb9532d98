import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { hnswCodesWithoutResiduals } from '../../helpers/index-format';
import { randomUnit, rng } from '../../helpers/random';
import type { Db } from '../../../src/lib/db/db';
import type { AssetRecord, AssetType } from '../../../src/lib/db/schema';
import type { NewVectors } from '../../../src/lib/core/records';
import { forEachEmbeddingIdPage, getIndexSnapshot, putIndexSnapshot } from '../../../src/lib/db/search-repo';
import { dot, l2Normalize } from '../../../src/lib/core/vector';
import { Hnsw } from '../../../src/lib/core/hnsw';
import { decodeIndex } from '../../../src/lib/core/vector-index';
import { StoppedError } from '../../../src/lib/core/slices';
import { COMPACT_SEARCH } from '../../../src/lib/index/compact-vector-index';
import { LibraryIndex, type LibraryIndexOptions, type SearchFilter } from '../../../src/lib/search/library-index';
import { TextRanker } from '../../../src/lib/search/text-ranker';
import { librarySearchStorage, type SearchStorage } from '../../../src/lib/search/search-storage';

const DIM = 16;
const MODEL = 'fixture@q8';
const OTHER_MODEL = 'other@fp32';
const dbs = libraryDbs('library-index');
const r = rng(7);

interface Item {
  id: string;
  vector: Float32Array;
  name?: string;
  type?: AssetType;
  addedAt?: number;
  /** Date taken; the added date when not given. */
  takenAtMs?: number;
  model?: string;
  /** Video keyframes: [timestampSec, vector]. */
  frames?: Array<[number, Float32Array]>;
}

function randomPHash(): string {
  return Array.from({ length: 16 }, () => Math.floor(r() * 16).toString(16)).join('');
}

/** A unit vector at cosine about 1 − noise²/2 from `v`. */
function near(v: Float32Array, noise = 0.05): Float32Array {
  const n = randomUnit(r, DIM);
  return l2Normalize(Float32Array.from(v, (x, i) => x + noise * n[i]!));
}

async function store(db: Db, items: Item[]): Promise<void> {
  const tx = db.transaction(['assets', 'embeddings', 'frameEmbeddings'], 'readwrite');
  for (const { id, vector, name = `${id}.jpg`, type = 'image', addedAt = 1, takenAtMs = addedAt, model = MODEL, frames = [] } of items) {
    const asset: AssetRecord = { id, name, type, mime: type === 'video' ? 'video/mp4' : 'image/jpeg', sizeBytes: 1000, sha256: id, pHash: randomPHash(), width: 10, height: 10, addedAt, takenAtMs, takenAtSource: takenAtMs === addedAt ? 'added' : 'file-modified', status: 'ready', blobLocation: 'idb' };
    void tx.objectStore('assets').put(asset);
    void tx.objectStore('embeddings').put({ id, modelId: model, dim: DIM, vector });
    frames.forEach(([timestampSec, v], frameIndex) => {
      void tx.objectStore('frameEmbeddings').put({ id: `${id}#${frameIndex}`, assetId: id, frameIndex, timestampSec, modelId: model, dim: DIM, vector: v });
    });
  }
  await tx.done;
}

function randomItems(prefix: string, count: number): Item[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${String(i).padStart(3, '0')}`, vector: randomUnit(r, DIM) }));
}

/** Repository functions over `db`, counting snapshot writes. */
function countingStorage(db: Db): SearchStorage & { snapshotsPut: number } {
  const storage = librarySearchStorage(db);
  const counted = {
    ...storage,
    snapshotsPut: 0,
    async putIndexSnapshot(s: Parameters<SearchStorage['putIndexSnapshot']>[0]) {
      counted.snapshotsPut++;
      await storage.putIndexSnapshot(s);
    },
  };
  return counted;
}

/**
 * An index over ten stored items whose summaries are read: items stored from here on are listed
 * only when announced. `storage` is the one it reads through (spy on it to count reads).
 */
async function indexOfTen(): Promise<{ db: Db; storage: SearchStorage; index: LibraryIndex }> {
  const db = await dbs.open();
  await store(db, randomItems('a', 10));
  const storage = librarySearchStorage(db);
  const index = new LibraryIndex(storage);
  await index.init(MODEL);
  await index.listByTakenAt(1);
  return { db, storage, index };
}

/** A photo's vector for MODEL as the import hands it over. */
const newsOf = ({ id, vector }: Item): NewVectors => ({ type: 'image', embedding: { id, modelId: MODEL, dim: DIM, vector }, frames: [] });

/** HNSW from the first item on, so small libraries save snapshots as large ones do. */
const hnswAlways: LibraryIndexOptions = { kindFor: () => 'hnsw' };

describe('LibraryIndex: open', () => {
  it('rebuilds without a snapshot, saves it as the writer, and the next open restores it with the same answers', async () => {
    const db = await dbs.open();
    const items = randomItems('a', 40);
    await store(db, items);
    const writer = new LibraryIndex(librarySearchStorage(db), hnswAlways);
    writer.setWriter(true);
    const progress: number[] = [];
    const first = await writer.init(MODEL, (p) => progress.push(p.done));
    expect(first).toMatchObject({ kind: 'hnsw', size: 40, origin: 'rebuilt', reason: 'no saved index' });
    expect(progress.at(-1)).toBe(40);
    expect((await getIndexSnapshot(db, 'assets'))?.count).toBe(40);

    const reopened = new LibraryIndex(librarySearchStorage(db), hnswAlways);
    const second = await reopened.init(MODEL);
    expect(second).toMatchObject({ kind: 'hnsw', size: 40, origin: 'restored', reason: 'saved index matches the library' });
    const query = items[13]!.vector;
    expect(await reopened.search(query, '', 5)).toEqual(await writer.search(query, '', 5));
    expect((await reopened.search(query, '', 5))[0]!.id).toBe('a013');
  });

  it('opens a snapshot saved with float vectors, keeps codes instead, and the writer saves the codes in its place', async () => {
    const db = await dbs.open();
    const items = randomItems('f', 50);
    await store(db, items);
    const floats = new Hnsw(DIM, MODEL);
    floats.addMany(items);
    await putIndexSnapshot(db, { name: 'assets', modelKey: MODEL, kind: 'hnsw', count: 50, bytes: floats.serialize(), savedAt: 1 });
    const payloadVersion = async () => new Uint32Array(decodeIndex((await getIndexSnapshot(db, 'assets'))!.bytes).payload.slice(0, 8).buffer)[1];
    expect(await payloadVersion()).toBe(1);

    const index = new LibraryIndex(librarySearchStorage(db), { ...hnswAlways, saveDelayMs: 5 });
    index.setWriter(true);
    expect(await index.init(MODEL)).toMatchObject({ kind: 'hnsw', size: 50, origin: 'restored' });
    const query = items[21]!.vector;
    const hits = await index.search(query, '', 5, undefined, 'image');
    expect(hits[0]!.id).toBe('f021');
    // Scored with the codes and residuals made from the snapshot's floats: within 1e-3 here (16-d unit vectors).
    expect(Math.abs(hits[0]!.score! - dot(query, query))).toBeLessThan(1e-3);
    await vi.waitFor(async () => expect(await payloadVersion()).toBe(3));
    const reopened = new LibraryIndex(librarySearchStorage(db), hnswAlways);
    expect(await reopened.init(MODEL)).toMatchObject({ origin: 'restored', reason: 'saved index matches the library' });
    expect(await reopened.search(query, '', 5, undefined, 'image')).toEqual(hits);
  });

  it('answers from the residual codes without reading a stored vector; a snapshot of codes saved without them reads the best hits\' stored vectors', async () => {
    const db = await dbs.open();
    const items = randomItems('g', 300);
    await store(db, items);
    const byId = new Map(items.map((i) => [i.id, i.vector]));
    const exactTop = (q: Float32Array) => items.map((i) => ({ id: i.id, score: dot(q, i.vector) })).sort((a, b) => b.score - a.score).slice(0, 10);
    const readingStorage = () => {
      const storage = librarySearchStorage(db);
      const counted = { ...storage, vectorsRead: 0 };
      counted.vectorsOfAssets = async (ids, modelKey) => {
        counted.vectorsRead += ids.length;
        return storage.vectorsOfAssets(ids, modelKey);
      };
      return counted;
    };
    const storage = readingStorage();
    const writer = new LibraryIndex(storage, hnswAlways);
    writer.setWriter(true);
    expect(await writer.init(MODEL)).toMatchObject({ kind: 'hnsw', origin: 'rebuilt' });
    const queries = Array.from({ length: 10 }, () => randomUnit(r, DIM));
    for (const q of queries) {
      for (const kind of ['image', 'text'] as const) {
        const hits = await writer.search(q, '', 10, undefined, kind);
        expect(hits.map((h) => h.id)).toEqual(exactTop(q).map((h) => h.id));
        for (const h of hits) expect(Math.abs(h.score! - dot(q, byId.get(h.id)!))).toBeLessThan(1e-3);
      }
    }
    expect(storage.vectorsRead).toBe(0);

    const snapshot = (await getIndexSnapshot(db, 'assets'))!;
    await putIndexSnapshot(db, { ...snapshot, bytes: hnswCodesWithoutResiduals(snapshot.bytes) });
    const olderStorage = readingStorage();
    const older = new LibraryIndex(olderStorage, hnswAlways);
    expect(await older.init(MODEL)).toMatchObject({ kind: 'hnsw', origin: 'restored', reason: 'saved index matches the library' });
    const hits = await older.search(queries[0]!, '', 10, undefined, 'image');
    expect(hits.map((h) => h.id)).toEqual(exactTop(queries[0]!).map((h) => h.id));
    for (const h of hits) expect(h.score).toBe(dot(queries[0]!, byId.get(h.id)!));
    expect(olderStorage.vectorsRead).toBeGreaterThanOrEqual(10);
  });

  it('rebuilds when the snapshot counts other items than the library, was made for another model, or is unreadable', async () => {
    const db = await dbs.open();
    await store(db, randomItems('a', 20));
    const writer = new LibraryIndex(librarySearchStorage(db), hnswAlways);
    writer.setWriter(true);
    await writer.init(MODEL);

    await store(db, randomItems('b', 1));
    const outOfDate = await new LibraryIndex(librarySearchStorage(db), hnswAlways).init(MODEL);
    expect(outOfDate).toMatchObject({ origin: 'rebuilt', size: 21, reason: 'saved index has 20 items, the library 21' });

    await store(db, randomItems('c', 5).map((item) => ({ ...item, model: OTHER_MODEL })));
    const otherModel = await new LibraryIndex(librarySearchStorage(db), hnswAlways).init(OTHER_MODEL);
    expect(otherModel).toMatchObject({ origin: 'rebuilt', size: 5, reason: `saved index was made for ${MODEL}` });

    const snapshot = (await getIndexSnapshot(db, 'assets'))!;
    await putIndexSnapshot(db, { ...snapshot, count: 21, bytes: snapshot.bytes.slice(0, 40) });
    const damaged = await new LibraryIndex(librarySearchStorage(db), hnswAlways).init(MODEL);
    expect(damaged.origin).toBe('rebuilt');
    expect(damaged.reason).toMatch(/^saved index unreadable \(/);
    expect(damaged.size).toBe(21);
  });

  it('a tab that becomes the writer over a restored index does not write the unchanged snapshot again; its next change is saved', async () => {
    const db = await dbs.open();
    await store(db, randomItems('a', 30));
    const first = new LibraryIndex(librarySearchStorage(db), hnswAlways);
    first.setWriter(true);
    await first.init(MODEL);
    const saved = (await getIndexSnapshot(db, 'assets'))!;

    const storage = countingStorage(db);
    const second = new LibraryIndex(storage, { ...hnswAlways, saveDelayMs: 5 });
    expect(await second.init(MODEL)).toMatchObject({ origin: 'restored', size: 30 });
    second.setWriter(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(storage.snapshotsPut).toBe(0);
    expect((await getIndexSnapshot(db, 'assets'))?.savedAt).toBe(saved.savedAt);

    await second.remove(['a004']);
    await vi.waitFor(async () => expect((await getIndexSnapshot(db, 'assets'))?.count).toBe(29));
    expect(storage.snapshotsPut).toBe(1);
  });

  it('loads a small library into an exact index and keeps no snapshot of it; an empty library opens empty', async () => {
    const db = await dbs.open();
    const empty = new LibraryIndex(librarySearchStorage(db));
    expect(await empty.init(MODEL)).toMatchObject({ kind: 'exact', size: 0, origin: 'empty' });
    await store(db, randomItems('a', 12));
    const index = new LibraryIndex(librarySearchStorage(db));
    index.setWriter(true);
    expect(await index.init(MODEL)).toMatchObject({ kind: 'exact', size: 12, origin: 'loaded' });
    expect(await getIndexSnapshot(db, 'assets')).toBeUndefined();
  });
});

describe('LibraryIndex: asset summaries read after open', () => {
  it('answers a vector search before the summaries are read; name queries and date listings wait for them, and an asset removed meanwhile stays out', async () => {
    const db = await dbs.open();
    const items = randomItems('a', 12).map((item, i) => ({ ...item, name: `IMG_${1000 + i}.jpg` }));
    await store(db, items);
    const storage = librarySearchStorage(db);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = { ...storage, forEachAssetSummaryPage: async (visit: Parameters<SearchStorage['forEachAssetSummaryPage']>[0]) => (await held, storage.forEachAssetSummaryPage(visit)) };
    const index = new LibraryIndex(slow);
    expect(await index.init(MODEL)).toMatchObject({ size: 12, origin: 'loaded' });
    expect((await index.search(items[4]!.vector, '', 1))[0]!.id).toBe('a004');

    let named = false;
    const byName = index.search(null, 'IMG_1007', 3).then((hits) => ((named = true), hits));
    const listing = index.listByTakenAt(20);
    await index.remove(['a009']);
    await Promise.resolve();
    expect(named).toBe(false);
    release();
    expect((await byName)[0]).toMatchObject({ id: 'a007', nameMatch: true });
    expect((await listing).total).toBe(11);
    expect((await listing).hits.map((h) => h.id)).not.toContain('a009');
  });
});

describe('LibraryIndex: saving', () => {
  it('only the writer tab saves the snapshot; a burst of adds is saved once, after the delay', async () => {
    const name = dbs.uniqueName();
    const db = await dbs.open(name);
    await store(db, randomItems('a', 10));
    const readerStorage = countingStorage(await dbs.open(name));
    const reader = new LibraryIndex(readerStorage, { ...hnswAlways, saveDelayMs: 5 });
    await reader.init(MODEL);
    await store(db, randomItems('b', 3));
    await reader.addStored(['b000', 'b001', 'b002']);
    await reader.flush();
    expect(readerStorage.snapshotsPut).toBe(0);
    expect(await getIndexSnapshot(db, 'assets')).toBeUndefined();

    const writerStorage = countingStorage(db);
    const writer = new LibraryIndex(writerStorage, { ...hnswAlways, saveDelayMs: 5 });
    await writer.init(MODEL);
    expect(writerStorage.snapshotsPut).toBe(0);
    writer.setWriter(true);
    await vi.waitFor(() => expect(writerStorage.snapshotsPut).toBe(1));
    await store(db, randomItems('c', 3));
    for (const id of ['c000', 'c001', 'c002']) void writer.addStored([id]);
    await vi.waitFor(async () => expect((await getIndexSnapshot(db, 'assets'))?.count).toBe(16));
    expect(writerStorage.snapshotsPut).toBe(2);
    expect(readerStorage.snapshotsPut).toBe(0);
  });
});

describe('LibraryIndex: changes', () => {
  it('add, remove and restore keep search and status right', async () => {
    const db = await dbs.open();
    await store(db, randomItems('a', 10));
    const index = new LibraryIndex(librarySearchStorage(db));
    await index.init(MODEL);
    const added = { id: 'new', vector: randomUnit(r, DIM), name: 'IMG_2041.jpg' };
    await store(db, [added]);

    expect(await index.addStored(['new', 'never-stored'])).toBe(11);
    expect(index.status()).toEqual({ kind: 'exact', size: 11 });
    expect((await index.search(added.vector, '', 3))[0]).toMatchObject({ id: 'new', nameMatch: false });
    expect([...((await index.vectorOf('new')) ?? [])]).toEqual([...added.vector]);

    expect(await index.remove(['new'])).toBe(10);
    expect(index.status().size).toBe(10);
    const afterRemove = await index.search(added.vector, 'IMG_2041', 20);
    expect(afterRemove.map((h) => h.id)).not.toContain('new');
    expect(afterRemove).toHaveLength(10);

    expect(await index.restore(['new'])).toBe(11);
    const afterRestore = await index.search(added.vector, 'IMG_2041', 3);
    expect(afterRestore[0]).toMatchObject({ id: 'new', nameMatch: true });
    expect(afterRestore[0]!.score).toBeCloseTo(1, 5);
  });

  it('ranks text queries on HNSW through the int8 text ranker once it is filled, with exact answers through adds and removals', async () => {
    const db = await dbs.open();
    const items = randomItems('t', 300);
    await store(db, items);
    const index = new LibraryIndex(librarySearchStorage(db), hnswAlways);
    await index.init(MODEL);
    const ranked = vi.spyOn(TextRanker.prototype, 'candidates');
    const live = new Map(items.map((i) => [i.id, i.vector]));
    const exactTop = (q: Float32Array, k: number) =>
      [...live]
        .map(([id, v]) => ({ id, score: v.reduce((s, x, d) => s + x * q[d]!, 0) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k)
        .map((h) => h.id);
    const query = randomUnit(r, DIM);
    // The ranker is filled in slices after init: text queries reach it within a few tasks.
    await vi.waitFor(async () => {
      await index.search(query, '', 10);
      expect(ranked).toHaveBeenCalled();
    });
    expect((await index.search(query, '', 10)).map((h) => h.id)).toEqual(exactTop(query, 10));

    const added = { id: 'added', vector: near(query, 0.01) };
    await store(db, [added]);
    await index.addStored(['added']);
    live.set('added', added.vector);
    const gone = exactTop(query, 3).filter((id) => id !== 'added')[0]!;
    await index.remove([gone]);
    live.delete(gone);
    const calls = ranked.mock.calls.length;
    const after = await index.search(query, '', 10);
    expect(ranked.mock.calls.length).toBe(calls + 1);
    expect(after.map((h) => h.id)).toEqual(exactTop(query, 10));
    expect(after[0]).toMatchObject({ id: 'added', nameMatch: false });
    // The index keeps codes and their residuals: the scores shown are within 1e-3 of the stored vectors' own (16-d unit vectors).
    for (const h of after) expect(Math.abs(h.score! - dot(query, live.get(h.id)!))).toBeLessThan(1e-3);

    // Image queries and filtered text queries keep to the graph.
    await index.search(query, '', 10, undefined, 'image');
    await index.search(query, '', 10, { type: 'image' });
    expect(ranked.mock.calls.length).toBe(calls + 1);
    ranked.mockRestore();
  });

  it('a restored HNSW ranks as the one it was saved from, and removing, putting back and adding items keep text, image and filtered answers exact', async () => {
    const db = await dbs.open();
    const items = randomItems('s', 300);
    await store(db, items);
    const writer = new LibraryIndex(librarySearchStorage(db), hnswAlways);
    writer.setWriter(true);
    await writer.init(MODEL);
    const ranked = vi.spyOn(TextRanker.prototype, 'candidates');
    const query = randomUnit(r, DIM);
    const rankerReady = async (index: LibraryIndex) => {
      ranked.mockClear();
      await vi.waitFor(async () => {
        await index.search(query, '', 10);
        expect(ranked).toHaveBeenCalled();
      });
    };
    await rankerReady(writer);
    const restored = new LibraryIndex(librarySearchStorage(db), hnswAlways);
    expect(await restored.init(MODEL)).toMatchObject({ kind: 'hnsw', size: 300, origin: 'restored' });
    await rankerReady(restored);
    // The ranker's axes come from the same sample of the same rows: the same answers, scores included.
    for (const q of [query, randomUnit(r, DIM), items[5]!.vector]) {
      expect(await restored.search(q, '', 10)).toEqual(await writer.search(q, '', 10));
      expect(await restored.search(q, '', 10, undefined, 'image')).toEqual(await writer.search(q, '', 10, undefined, 'image'));
    }

    const live = new Map(items.map((i) => [i.id, i.vector]));
    const exactTop = (q: Float32Array, k: number, keep: (id: string) => boolean = () => true) =>
      [...live]
        .filter(([id]) => keep(id))
        .map(([id, v]) => ({ id, score: dot(q, v) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k)
        .map((h) => h.id);
    const ids = (hits: Array<{ id: string }>) => hits.map((h) => h.id);
    const [first, second] = exactTop(query, 2);
    await restored.remove([first!, second!]);
    live.delete(first!);
    live.delete(second!);
    expect(restored.status().size).toBe(298);
    expect(ids(await restored.search(query, '', 10))).toEqual(exactTop(query, 10));
    // A deleted item put back (undo), and a new one near the query.
    await restored.restore([first!]);
    live.set(first!, items.find((i) => i.id === first)!.vector);
    const added = { id: 'added', vector: near(query, 0.01) };
    await store(db, [added]);
    await restored.addStored(['added']);
    live.set('added', added.vector);
    expect(restored.status().size).toBe(300);
    expect(ids(await restored.search(query, '', 10))).toEqual(exactTop(query, 10));
    expect(ids(await restored.search(query, '', 10, undefined, 'image'))).toEqual(exactTop(query, 10));
    const excluded = { excludeIds: ['added', first!] };
    expect(ids(await restored.search(query, '', 10, excluded))).toEqual(exactTop(query, 10, (id) => !excluded.excludeIds.includes(id)));
    ranked.mockRestore();
  });

  it('an item added while the text ranker is still being built is found by text queries', async () => {
    const db = await dbs.open();
    await store(db, randomItems('u', 200));
    const index = new LibraryIndex(librarySearchStorage(db), hnswAlways);
    await index.init(MODEL);
    const query = randomUnit(r, DIM);
    const early = { id: 'early', vector: near(query, 0.01) };
    await store(db, [early]);
    await index.addStored(['early']);
    const ranked = vi.spyOn(TextRanker.prototype, 'candidates');
    await vi.waitFor(async () => {
      await index.search(query, '', 5);
      expect(ranked).toHaveBeenCalled();
    });
    expect((await index.search(query, '', 5))[0]).toMatchObject({ id: 'early' });
    ranked.mockRestore();
  });

  it('vectors handed over with the news of an import join search without reading the items back', async () => {
    const { db, storage, index } = await indexOfTen();
    // Taken in (listed by name, no vector for this model yet), then indexed.
    const video: Item = { id: 'clip', vector: randomUnit(r, DIM), type: 'video', model: OTHER_MODEL };
    await store(db, [video]);
    await index.addStored(['clip']);
    const frame = near(video.vector, 0.01);
    const reads = vi.spyOn(storage, 'readStoredItems');

    const size = await index.addIndexed([
      {
        type: 'video',
        embedding: { id: 'clip', modelId: MODEL, dim: DIM, vector: video.vector },
        frames: [{ id: 'clip#0', assetId: 'clip', frameIndex: 0, timestampSec: 2.5, modelId: MODEL, dim: DIM, vector: frame }],
      },
    ]);

    expect(reads).not.toHaveBeenCalled();
    expect(size).toBe(11);
    expect((await index.search(frame, '', 1))[0]).toMatchObject({ id: 'clip', moments: [{ timestampSec: 2.5 }] });
  });

  it('items taken in are listed from the records handed over with the news, without reading them back, and their vectors join later', async () => {
    const { db, storage, index } = await indexOfTen();
    const taken = { id: 'taken', vector: randomUnit(r, DIM), name: 'IMG_7001.jpg', model: OTHER_MODEL };
    await store(db, [taken]);
    const asset = await db.get('assets', 'taken');
    const reads = vi.spyOn(storage, 'readStoredItems');

    expect(await index.addTaken([asset!])).toBe(10);
    expect((await index.search(null, 'IMG_7001', 3))[0]).toMatchObject({ id: 'taken', nameMatch: true });
    expect(await index.addIndexed([newsOf(taken)])).toBe(11);
    expect((await index.search(taken.vector, '', 1))[0]!.id).toBe('taken');
    expect(reads).not.toHaveBeenCalled();
  });

  it('handed-over vectors of items the index does not list are read back, and those deleted meanwhile stay out', async () => {
    const { db, storage, index } = await indexOfTen();
    const unannounced = { id: 'unannounced', vector: randomUnit(r, DIM) };
    const deleted = { id: 'deleted', vector: randomUnit(r, DIM), model: OTHER_MODEL };
    await store(db, [unannounced, deleted]);
    await index.addStored(['deleted']);
    await index.remove(['deleted']);
    await db.delete('assets', 'deleted');
    const reads = vi.spyOn(storage, 'readStoredItems');

    expect(await index.addIndexed([unannounced, deleted].map(newsOf))).toBe(11);

    expect(reads.mock.calls.map(([ids]) => ids)).toEqual([['unannounced', 'deleted']]);
    expect((await index.search(unannounced.vector, '', 1))[0]!.id).toBe('unannounced');
    expect((await index.search(deleted.vector, '', 11)).map((h) => h.id)).not.toContain('deleted');
  });

  it('switches the index kind when added items take the library past the rule', async () => {
    const db = await dbs.open();
    await store(db, randomItems('a', 8));
    const index = new LibraryIndex(librarySearchStorage(db), { kindFor: (size) => (size >= 10 ? 'hnsw' : 'exact') });
    expect((await index.init(MODEL)).kind).toBe('exact');
    const added = randomItems('b', 4);
    await store(db, added);
    expect(await index.addStored(added.map((item) => item.id))).toBe(12);
    expect(index.status()).toEqual({ kind: 'hnsw', size: 12 });
    expect((await index.search(added[3]!.vector, '', 1))[0]!.id).toBe('b003');
  });
});

describe('LibraryIndex: search', () => {
  it('a file-name query returns the name matches first, then the closest vectors', async () => {
    const db = await dbs.open();
    const query = randomUnit(r, DIM);
    await store(db, [
      ...randomItems('a', 10),
      { id: 'closest', vector: near(query, 0.01), name: 'sunset.jpg' },
      { id: 'named', vector: randomUnit(r, DIM), name: 'IMG_2041.JPG' },
      { id: 'prefix', vector: randomUnit(r, DIM), name: 'IMG_2041 (1).jpg' },
    ]);
    const index = new LibraryIndex(librarySearchStorage(db));
    await index.init(MODEL);
    const hits = await index.search(query, 'img_2041', 4);
    expect(hits.slice(0, 2).map((h) => [h.id, h.nameMatch])).toEqual([['named', true], ['prefix', true]]);
    expect(hits[2]).toMatchObject({ id: 'closest', nameMatch: false });
    expect(hits).toHaveLength(4);
    // Words that do not look like a file name do not match names.
    expect((await index.search(query, 'sunset', 1)).map((h) => [h.id, h.nameMatch])).toEqual([['closest', false]]);
    // A name query without a vector (the model still loading) gives name matches only.
    expect((await index.search(null, 'IMG_2041.JPG', 5)).map((h) => [h.id, h.score])).toEqual([['named', null]]);
  });

  it('filters by type, date taken and left-out ids, and points videos at their best moments', async () => {
    const db = await dbs.open();
    const query = randomUnit(r, DIM);
    // Added in the opposite order to taken: the filters read the date taken.
    await store(db, [
      { id: 'photo-old', vector: near(query), addedAt: 9000, takenAtMs: 1000 },
      { id: 'photo-new', vector: near(query), addedAt: 7000, takenAtMs: 3000 },
      { id: 'photo-far', vector: randomUnit(r, DIM), addedAt: 8000, takenAtMs: 2000 },
      { id: 'video', vector: near(query, 0.3), type: 'video', addedAt: 8000, takenAtMs: 2000, frames: [[0, randomUnit(r, DIM)], [4, near(query, 0.01)], [8, randomUnit(r, DIM)]] },
    ]);
    const index = new LibraryIndex(librarySearchStorage(db));
    await index.init(MODEL);
    const ids = async (filter: Parameters<LibraryIndex['search']>[3]) => (await index.search(query, '', 10, filter)).map((h) => h.id).sort();
    expect(await ids({ type: 'video' })).toEqual(['video']);
    expect(await ids({ type: 'image' })).toEqual(['photo-far', 'photo-new', 'photo-old']);
    expect(await ids({ takenFromMs: 2000 })).toEqual(['photo-far', 'photo-new', 'video']);
    expect(await ids({ takenFromMs: 1500, takenToMs: 2500 })).toEqual(['photo-far', 'video']);
    // Time phrases of a query: spans are half-open and alternatives.
    expect(await ids({ takenIn: [{ fromMs: 1000, toMs: 2000 }] })).toEqual(['photo-old']);
    expect(await ids({ takenIn: [{ fromMs: 0, toMs: 1500 }, { fromMs: 2500, toMs: 3500 }] })).toEqual(['photo-new', 'photo-old']);
    expect(await ids({ excludeIds: ['photo-old', 'video'] })).toEqual(['photo-far', 'photo-new']);
    // The items of the places a query names, with the other filters.
    expect(await ids({ onlyIds: ['photo-far', 'video'] })).toEqual(['photo-far', 'video']);
    expect(await ids({ onlyIds: ['photo-far', 'video'], type: 'image' })).toEqual(['photo-far']);
    const [video] = await index.search(query, '', 1, { type: 'video' });
    expect(video!.moments?.[0]?.timestampSec).toBe(4);
  });

  it('lists the items of a period newest taken first, with or without a vector', async () => {
    const db = await dbs.open();
    await store(db, [
      { id: 'a', vector: randomUnit(r, DIM), takenAtMs: 1000 },
      { id: 'b', vector: randomUnit(r, DIM), takenAtMs: 3000 },
      { id: 'c', vector: randomUnit(r, DIM), takenAtMs: 2000 },
      { id: 'other-model', vector: randomUnit(r, DIM), takenAtMs: 2500, model: OTHER_MODEL },
      { id: 'too-late', vector: randomUnit(r, DIM), takenAtMs: 5000 },
    ]);
    const index = new LibraryIndex(librarySearchStorage(db));
    await index.init(MODEL);
    const period = { takenIn: [{ fromMs: 1000, toMs: 5000 }] };
    expect(await index.listByTakenAt(10, period)).toEqual({
      hits: ['b', 'other-model', 'c', 'a'].map((id) => ({ id, score: null, nameMatch: false })),
      total: 4,
    });
    const firstTwo = await index.listByTakenAt(2, period);
    expect([firstTwo.hits.map((h) => h.id), firstTwo.total]).toEqual([['b', 'other-model'], 4]);
    // A query that is only a place: its items, newest taken first.
    expect(await index.listByTakenAt(10, { onlyIds: ['a', 'too-late'] })).toEqual({ hits: ['too-late', 'a'].map((id) => ({ id, score: null, nameMatch: false })), total: 2 });
    expect(await index.listByTakenAt(10, { ...period, excludeIds: ['b', 'a'] })).toEqual({ hits: ['other-model', 'c'].map((id) => ({ id, score: null, nameMatch: false })), total: 2 });
  });

  it('scores the query against a sample of the library for the relevance cut-off', async () => {
    const db = await dbs.open();
    const items = randomItems('a', 6);
    await store(db, items);
    const index = new LibraryIndex(librarySearchStorage(db));
    await index.init(MODEL);
    const scores = await index.sampleScores(items[2]!.vector);
    expect(scores).toHaveLength(6);
    expect(scores[2]).toBeCloseTo(1, 5);
    expect(Math.max(...scores.filter((_, i) => i !== 2))).toBeLessThan(0.9);
  });
});

describe('LibraryIndex: more like these', () => {
  it('the query of several items is the unit mean of their vectors: it ranks first what lies between them', async () => {
    const db = await dbs.open();
    const a = randomUnit(r, DIM);
    const b = randomUnit(r, DIM);
    const between = l2Normalize(Float32Array.from(a, (x, i) => x + b[i]!));
    await store(db, [{ id: 'a', vector: a }, { id: 'b', vector: b }, { id: 'between', vector: near(between, 0.02) }, ...randomItems('z', 12)]);
    const index = new LibraryIndex(librarySearchStorage(db));
    await index.init(MODEL);
    const mean = (await index.meanVectorOf(['a', 'b', 'gone']))!;
    expect([...mean].map((x) => Number(x.toFixed(5)))).toEqual([...between].map((x) => Number(x.toFixed(5))));
    const [top] = await index.search(mean, '', 1, { excludeIds: ['a', 'b'] }, 'image');
    expect(top!.id).toBe('between');
    expect(await index.meanVectorOf(['gone'])).toBeNull();
  });
});

describe('LibraryIndex: duplicate scan', () => {
  async function plantedLibrary(opts: LibraryIndexOptions = {}) {
    const db = await dbs.open();
    const items = randomItems('a', 60);
    await store(db, [...items, { id: 'copy-a005', vector: near(items[5]!.vector, 0.02) }, { id: 'copy-a040', vector: near(items[40]!.vector, 0.02) }]);
    const index = new LibraryIndex(librarySearchStorage(db), opts);
    await index.init(MODEL);
    return index;
  }
  const groups = (report: { similar: Array<{ ids: string[] }> }) => report.similar.map((g) => [...g.ids].sort()).sort((a, b) => a[0]!.localeCompare(b[0]!));

  it.each([
    ['exact', {}],
    ['hnsw', hnswAlways],
  ] as const)('finds the planted near-copies (%s index)', async (_kind, opts) => {
    const index = await plantedLibrary(opts);
    const progress: number[] = [];
    const report = await index.duplicateGroups(undefined, (p) => progress.push(p.done));
    expect(groups(report)).toEqual([['a005', 'copy-a005'], ['a040', 'copy-a040']]);
    expect(progress.at(-1)).toBe(62);
  });

  it('on an HNSW of codes, a pair is grouped by the cosine of its stored vectors: just above the bar in, just below out', async () => {
    const db = await dbs.open();
    /** A unit vector at exactly `cosine` to v (in float64, then stored as float32). */
    const atCosine = (v: Float32Array, cosine: number) => {
      const u = randomUnit(r, DIM);
      const along = dot(u, v);
      const ortho = l2Normalize(u.map((x, d) => x - along * v[d]!));
      return Float32Array.from(v, (x, d) => cosine * x + Math.sqrt(1 - cosine * cosine) * ortho[d]!);
    };
    const items = randomItems('d', 60);
    const above = { id: 'above', vector: atCosine(items[3]!.vector, 0.9004) };
    const below = { id: 'below', vector: atCosine(items[30]!.vector, 0.8996) };
    await store(db, [...items, above, below]);
    expect(dot(above.vector, items[3]!.vector)).toBeGreaterThan(0.9);
    expect(dot(below.vector, items[30]!.vector)).toBeLessThan(0.9);
    const index = new LibraryIndex(librarySearchStorage(db), hnswAlways);
    await index.init(MODEL);
    expect(groups(await index.duplicateGroups(0.9))).toEqual([['above', 'd003']]);
  });

  it('stops when cancelled, before it starts or at its next slice, and the next scan runs to the end', async () => {
    const index = await plantedLibrary({ scanSliceMs: 0 });
    const cancelledAtOnce = index.duplicateGroups();
    index.cancelScan();
    await expect(cancelledAtOnce).rejects.toBeInstanceOf(StoppedError);

    let slices = 0;
    const cancelledMidway = index.duplicateGroups(undefined, () => {
      slices++;
      index.cancelScan();
    });
    await expect(cancelledMidway).rejects.toBeInstanceOf(StoppedError);
    expect(slices).toBe(1);

    expect(groups(await index.duplicateGroups())).toHaveLength(2);
  });
});

describe('LibraryIndex: compact codes for very large libraries', () => {
  const compactAlways: LibraryIndexOptions = { kindFor: () => 'compact' };
  /** Repository functions over `db`, recording each batch of vectors read for a re-rank. */
  function readingStorage(db: Db): SearchStorage & { batches: string[][] } {
    const storage = librarySearchStorage(db);
    const reading = {
      ...storage,
      batches: [] as string[][],
      async vectorsOfAssets(ids: readonly string[], modelKey: string) {
        reading.batches.push([...ids]);
        return storage.vectorsOfAssets(ids, modelKey);
      },
    };
    return reading;
  }

  it('rebuilds from the stored vectors, saves the codes as the writer, and the next open restores them with the same answers', async () => {
    const db = await dbs.open();
    const items = randomItems('a', 150);
    await store(db, items);
    const writer = new LibraryIndex(librarySearchStorage(db), compactAlways);
    writer.setWriter(true);
    expect(await writer.init(MODEL)).toMatchObject({ kind: 'compact', size: 150, origin: 'rebuilt', reason: 'no saved index' });
    expect(await getIndexSnapshot(db, 'assets')).toMatchObject({ kind: 'compact', count: 150, modelKey: MODEL });

    const reopened = new LibraryIndex(librarySearchStorage(db), compactAlways);
    expect(await reopened.init(MODEL)).toMatchObject({ kind: 'compact', size: 150, origin: 'restored' });
    for (const i of [3, 77, 149]) {
      const query = items[i]!.vector;
      const hits = await reopened.search(query, '', 5, undefined, 'image');
      expect(hits).toEqual(await writer.search(query, '', 5, undefined, 'image'));
      expect(hits[0]).toMatchObject({ id: items[i]!.id, nameMatch: false });
      expect(hits[0]!.score).toBeCloseTo(1, 6);
    }
  });

  it('a restored index answers a filtered search with the best matches among the items that pass, as the exact scan does', async () => {
    const db = await dbs.open();
    // Every third item a video; one taken each day.
    const items = randomItems('f', 200).map((item, i) => ({ ...item, type: (i % 3 === 0 ? 'video' : 'image') as AssetType, takenAtMs: 1000 + i * 86_400_000 }));
    await store(db, items);
    const writer = new LibraryIndex(librarySearchStorage(db), compactAlways);
    writer.setWriter(true);
    await writer.init(MODEL);
    await writer.flush();
    const restored = new LibraryIndex(librarySearchStorage(db), compactAlways);
    expect(await restored.init(MODEL)).toMatchObject({ kind: 'compact', size: 200, origin: 'restored' });
    // The same items in a library without a saved index, scanned exactly.
    const exactDb = await dbs.open();
    await store(exactDb, items);
    const exact = new LibraryIndex(librarySearchStorage(exactDb), { kindFor: () => 'exact' });
    expect(await exact.init(MODEL)).toMatchObject({ kind: 'exact', size: 200 });
    // The items of a place (every 7th), with and without the other filters; a period of videos.
    const onlyIds = items.filter((_, i) => i % 7 === 2).map((item) => item.id);
    const filters: SearchFilter[] = [
      { onlyIds },
      { onlyIds, type: 'image' },
      { onlyIds, excludeIds: [onlyIds[0]!], takenFromMs: items[30]!.takenAtMs },
      { type: 'video', takenFromMs: items[40]!.takenAtMs, takenToMs: items[120]!.takenAtMs },
    ];
    for (const filter of filters) {
      for (const i of [9, 100, 163]) {
        const query = near(items[i]!.vector, 0.6);
        const want = await exact.search(query, '', 10, filter, 'image');
        expect(want.length).toBeGreaterThan(0);
        const got = await restored.search(query, '', 10, filter, 'image');
        expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
        got.forEach((h, k) => expect(h.score).toBeCloseTo(want[k]!.score!, 5));
      }
    }
  });

  it('keeps no float vector: a search reads its candidates from storage in batches, best first, and ranks them by their stored vectors', async () => {
    const db = await dbs.open();
    const items = randomItems('a', 60);
    await store(db, items);
    const storage = readingStorage(db);
    const index = new LibraryIndex(storage, compactAlways);
    await index.init(MODEL);
    const query = items[20]!.vector;
    const before = await index.search(query, '', 3, undefined, 'text');
    // the first batch holds the best candidates; the next ones are read only if they could reach the top 3
    expect(storage.batches[0]).toHaveLength(COMPACT_SEARCH.text.rerankBatch);
    expect(storage.batches[0]).toContain('a020');
    expect(before[0]!.id).toBe('a020');

    // A vector changed in storage is what the next search scores: the index holds only codes.
    const far = Float32Array.from(query, (x) => -x);
    await db.put('embeddings', { id: 'a020', modelId: MODEL, dim: DIM, vector: far });
    const readBefore = storage.batches.length;
    const after = await index.search(query, '', 60, undefined, 'text');
    // all 60 wanted: every candidate read, a batch at a time
    const batch = COMPACT_SEARCH.text.rerankBatch;
    expect(storage.batches.slice(readBefore).map((b) => b.length)).toEqual(Array.from({ length: Math.ceil(60 / batch) }, (_, i) => Math.min(batch, 60 - i * batch)));
    const moved = after.find((h) => h.id === 'a020');
    if (moved) expect(moved.score).toBeCloseTo(-1, 6);
    expect(after[0]!.id).not.toBe('a020');
  });

  it('add, remove and restore keep it consistent, and the snapshot saved after them restores to the same library', async () => {
    const db = await dbs.open();
    await store(db, randomItems('a', 80));
    const writer = new LibraryIndex(librarySearchStorage(db), { ...compactAlways, saveDelayMs: 5 });
    writer.setWriter(true);
    await writer.init(MODEL);
    const added = randomItems('b', 5);
    await store(db, added);
    expect(await writer.addStored(added.map((i) => i.id))).toBe(85);
    expect((await writer.search(added[2]!.vector, '', 1, undefined, 'image'))[0]!.id).toBe('b002');
    expect(await writer.remove(['b002', 'a010'])).toBe(83);
    expect((await writer.search(added[2]!.vector, '', 83, undefined, 'image')).map((h) => h.id)).not.toContain('b002');
    expect(await writer.restore(['b002'])).toBe(84);
    expect((await writer.search(added[2]!.vector, '', 1, undefined, 'image'))[0]!.id).toBe('b002');
    await db.delete('embeddings', 'a010');
    await vi.waitFor(async () => expect((await getIndexSnapshot(db, 'assets'))?.count).toBe(84));

    const reopened = new LibraryIndex(librarySearchStorage(db), compactAlways);
    expect(await reopened.init(MODEL)).toMatchObject({ kind: 'compact', size: 84, origin: 'restored' });
    expect((await reopened.search(added[2]!.vector, '', 1, undefined, 'image'))[0]!.id).toBe('b002');
    expect((await reopened.search(added[4]!.vector, '', 84, undefined, 'image')).map((h) => h.id)).not.toContain('a010');
  });

  it('switches from HNSW to compact codes when added items take the library past the rule', async () => {
    const db = await dbs.open();
    await store(db, randomItems('a', 30));
    const rule = (size: number) => (size >= 40 ? 'compact' : 'hnsw');
    const index = new LibraryIndex(librarySearchStorage(db), { kindFor: rule });
    expect((await index.init(MODEL)).kind).toBe('hnsw');
    const added = randomItems('b', 12);
    await store(db, added);
    expect(await index.addStored(added.map((i) => i.id))).toBe(42);
    expect(index.status()).toEqual({ kind: 'compact', size: 42 });
    expect((await index.search(added[7]!.vector, '', 1, undefined, 'image'))[0]!.id).toBe('b007');
  });

  it('checks a restored index against the stored vectors a page of ids at a time: adds the ones stored since, drops the deleted and those now of another model', async () => {
    const db = await dbs.open();
    await store(db, randomItems('a', 40));
    const first = new LibraryIndex(librarySearchStorage(db), compactAlways);
    first.setWriter(true);
    await first.init(MODEL);
    expect((await getIndexSnapshot(db, 'assets'))?.count).toBe(40);

    // After the save: 12 stored (their keys spread over the pages), one deleted, one re-embedded by another model.
    const later = randomItems('b', 12);
    await store(db, later);
    await db.delete('embeddings', 'a005');
    await db.put('embeddings', { id: 'a031', modelId: OTHER_MODEL, dim: DIM, vector: randomUnit(r, DIM) });
    const pages: string[][] = [];
    const paged: SearchStorage = {
      ...librarySearchStorage(db),
      forEachEmbeddingIdPage: (modelKey, visit) =>
        forEachEmbeddingIdPage(db, modelKey, 7, (ids) => {
          pages.push(ids);
          return visit(ids);
        }),
    };
    const reopened = new LibraryIndex(paged, { ...compactAlways, saveDelayMs: 5 });
    reopened.setWriter(true);
    expect(await reopened.init(MODEL)).toMatchObject({ origin: 'restored', size: 40 });
    await vi.waitFor(() => expect(reopened.status().size).toBe(50));
    // 50 stored ids of the model (51 keys, a031 left out) in pages of at most 7
    expect(pages.flat()).toHaveLength(50);
    expect(Math.max(...pages.map((p) => p.length))).toBe(7);
    expect((await reopened.search(later[9]!.vector, '', 1, undefined, 'image'))[0]!.id).toBe('b009');
    const all = (await reopened.search(later[0]!.vector, '', 50, undefined, 'image')).map((h) => h.id);
    expect(all).toHaveLength(50);
    expect(all).not.toContain('a005');
    expect(all).not.toContain('a031');
    await vi.waitFor(async () => expect((await getIndexSnapshot(db, 'assets'))?.count).toBe(50));
  });

  it('a save that stops part way keeps the previous snapshot: the next open restores it and catches up with the stored vectors in the background', async () => {
    const db = await dbs.open();
    const items = randomItems('a', 70);
    await store(db, items);
    const first = new LibraryIndex(librarySearchStorage(db), compactAlways);
    first.setWriter(true);
    await first.init(MODEL);
    const saved = (await getIndexSnapshot(db, 'assets'))!;

    // The tab goes away while the next save writes: its transaction never commits.
    const failing = { ...librarySearchStorage(db), putIndexSnapshot: () => Promise.reject(new DOMException('The tab went away', 'AbortError')) };
    const second = new LibraryIndex(failing, compactAlways);
    second.setWriter(true);
    await expect(second.init(MODEL)).resolves.toMatchObject({ origin: 'restored' });
    await expect(second.flush()).rejects.toThrow('The tab went away');
    expect((await getIndexSnapshot(db, 'assets'))?.savedAt).toBe(saved.savedAt);

    expect(await new LibraryIndex(librarySearchStorage(db), compactAlways).init(MODEL)).toMatchObject({ origin: 'restored', size: 70 });

    // Items stored after the last save (and one deleted) are caught up with in the background, and saved.
    const later = randomItems('b', 2);
    await store(db, later);
    await db.delete('embeddings', 'a005');
    const third = new LibraryIndex(librarySearchStorage(db), { ...compactAlways, saveDelayMs: 5 });
    third.setWriter(true);
    expect(await third.init(MODEL)).toMatchObject({ origin: 'restored', size: 70, reason: 'saved index, checked against the library in the background' });
    await vi.waitFor(() => expect(third.status().size).toBe(71));
    expect((await third.search(later[1]!.vector, '', 1, undefined, 'image'))[0]!.id).toBe('b001');
    await vi.waitFor(async () => expect((await getIndexSnapshot(db, 'assets'))?.count).toBe(71));
    expect(await new LibraryIndex(librarySearchStorage(db), compactAlways).init(MODEL)).toMatchObject({ origin: 'restored', size: 71 });
  });
});
