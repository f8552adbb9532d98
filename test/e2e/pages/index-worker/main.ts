// Test-only page (built by test/e2e/index-worker.e2e.mjs, never part of the app): fills the
// library's IndexedDB with photos and their vectors as ingest would, opens the real index worker
// through the Indexer client, then runs a duplicate scan while searching, as a user does who opens
// Duplicates and goes back to the search box.
import { Indexer } from '../../../../src/lib/clients/indexer';
import { openLibraryDb } from '../../../../src/lib/db/db';
import { getIndexSnapshot, putIndexSnapshot } from '../../../../src/lib/db/search-repo';
import { Hnsw } from '../../../../src/lib/core/hnsw';
import { decodeIndex } from '../../../../src/lib/core/vector-index';
import { CompactVectorIndex } from '../../../../src/lib/index/compact-vector-index';
import { mulberry32 } from '../../../../src/lib/core/random';
import type { AssetRecord, EmbeddingRecord } from '../../../../src/lib/db/schema';

const MODEL_KEY = 'test-model';
const DIM = 512;

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  return v.map((x) => x / n);
}

/**
 * `n` photos in a narrow cone (pairwise cosine ≈ 0.5, as CLIP vectors sit), of which the first
 * `pairs` have a near copy (cosine ≈ 0.99) right after them: ids p0/p0-copy, p1/p1-copy, ...
 */
async function seedLibrary(n: number, pairs: number): Promise<string[]> {
  const rand = mulberry32(4242);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const axis = unit(Float32Array.from({ length: DIM }, gauss));
  const around = (centre: Float32Array, spread: number) => unit(centre.map((c) => c + (spread * gauss()) / Math.sqrt(DIM)));
  const assets: AssetRecord[] = [];
  const embeddings: EmbeddingRecord[] = [];
  const hex = () => Math.floor(rand() * 2 ** 32).toString(16).padStart(8, '0');
  const add = (id: string, vector: Float32Array) => {
    assets.push({ id, name: `${id}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: 1000, sha256: assets.length.toString(16).padStart(64, '0'), pHash: hex() + hex(), width: 64, height: 48, addedAt: assets.length, takenAtMs: assets.length, takenAtSource: 'added', status: 'ready', blobLocation: 'idb' });
    embeddings.push({ id, modelId: MODEL_KEY, dim: DIM, vector });
  };
  for (let i = 0; assets.length < n; i++) {
    const v = around(axis, 1);
    add(`p${i}`, v);
    if (i < pairs) add(`p${i}-copy`, around(v, 0.1));
  }
  const db = await openLibraryDb();
  const tx = db.transaction(['assets', 'embeddings'], 'readwrite');
  await Promise.all([...assets.map((a) => tx.objectStore('assets').put(a)), ...embeddings.map((e) => tx.objectStore('embeddings').put(e)), tx.done]);
  db.close();
  return assets.map((a) => a.id);
}

let indexer: Indexer | null = null;

async function openIndex(): Promise<{ kind: string; size: number; origin: string }> {
  indexer ??= new Indexer();
  return indexer.open(MODEL_KEY, () => undefined);
}

export interface ScanWhileSearching {
  scanMs: number;
  similar: string[][];
  /** Each search: when it was sent and answered, ms after the scan started. */
  searches: { sentMs: number; answeredMs: number; top: string }[];
}

/** Starts a duplicate scan, sends a search every `everyMs` until it ends, and times both. */
async function scanWhileSearching(everyMs: number): Promise<ScanWhileSearching> {
  const ix = indexer!;
  const query = (await ix.vectorOf('p0'))!;
  const t0 = performance.now();
  let scanning = true;
  const scan = ix.duplicateGroups().finally(() => (scanning = false));
  const searches: Promise<ScanWhileSearching['searches'][number]>[] = [];
  while (scanning) {
    const sentMs = performance.now() - t0;
    searches.push(ix.search(query, '', 5, undefined, 'image').then((hits) => ({ sentMs, answeredMs: performance.now() - t0, top: hits[0]?.id ?? '' })));
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const report = await scan;
  const scanMs = performance.now() - t0;
  return { scanMs, similar: report.similar.map((g) => [...g.ids].sort()), searches: await Promise.all(searches) };
}

/**
 * Saves the stored vectors as a compact index snapshot, as the index worker of a library past
 * COMPACT_MIN_ITEMS does (learnt from a sample of them, every vector encoded). Returns its count.
 */
async function saveCompactSnapshot(): Promise<number> {
  const db = await openLibraryDb();
  const stored = await db.getAll('embeddings');
  const noStore = { getVectors: () => [] };
  const index = CompactVectorIndex.train(stored.slice(0, 1000).map((e) => e.vector), DIM, stored.length, MODEL_KEY, noStore);
  index.addMany(stored.map((e) => ({ id: e.id, vector: e.vector })));
  await putIndexSnapshot(db, { name: 'assets', modelKey: MODEL_KEY, kind: 'compact', count: stored.length, bytes: index.serialize(), savedAt: Date.now() });
  db.close();
  return stored.length;
}

/**
 * Saves the stored vectors as an HNSW snapshot with float vectors, as a library indexed before the
 * HNSW kept codes has it. Returns its count.
 */
async function saveFloatHnswSnapshot(): Promise<number> {
  const db = await openLibraryDb();
  const stored = await db.getAll('embeddings');
  const index = new Hnsw(DIM, MODEL_KEY, { efConstruction: 40 });
  index.addMany(stored.map((e) => ({ id: e.id, vector: e.vector })));
  await putIndexSnapshot(db, { name: 'assets', modelKey: MODEL_KEY, kind: 'hnsw', count: stored.length, bytes: index.serialize(), savedAt: Date.now() });
  db.close();
  return stored.length;
}

/** The payload version of the saved HNSW snapshot (1: float vectors, 2: int8 codes), or 0 without one. */
async function snapshotPayloadVersion(): Promise<number> {
  const db = await openLibraryDb();
  const snapshot = await getIndexSnapshot(db, 'assets');
  db.close();
  return snapshot ? new Uint32Array(decodeIndex(snapshot.bytes).payload.slice(0, 8).buffer)[1]! : 0;
}

/** Makes this tab the writer (it saves the index) and saves it now. */
async function saveIndexNow(): Promise<void> {
  await indexer!.setWriter(true);
  await indexer!.flush();
}

/** The top `k` of a text search (no filter: the text ranker's route) for the stored vector of `id`, with their scores. */
async function searchTextLike(id: string, k: number): Promise<{ id: string; score: number | null }[]> {
  const ix = indexer!;
  const query = (await ix.vectorOf(id))!;
  return (await ix.search(query, '', k, undefined, 'text')).map((h) => ({ id: h.id, score: h.score }));
}

/** The top `k` ids of an image search for the stored vector of `id`, with their scores. */
async function searchLike(id: string, k: number): Promise<{ id: string; score: number | null }[]> {
  const ix = indexer!;
  const query = (await ix.vectorOf(id))!;
  return (await ix.search(query, '', k, undefined, 'image')).map((h) => ({ id: h.id, score: h.score }));
}

declare global {
  interface Window {
    saveCompactSnapshot: typeof saveCompactSnapshot;
    saveFloatHnswSnapshot: typeof saveFloatHnswSnapshot;
    snapshotPayloadVersion: typeof snapshotPayloadVersion;
    saveIndexNow: typeof saveIndexNow;
    searchTextLike: typeof searchTextLike;
    searchLike: typeof searchLike;
    seedLibrary: typeof seedLibrary;
    openIndex: typeof openIndex;
    scanWhileSearching: typeof scanWhileSearching;
    indexWorkerPageReady: boolean;
  }
}

window.seedLibrary = seedLibrary;
window.saveCompactSnapshot = saveCompactSnapshot;
window.saveFloatHnswSnapshot = saveFloatHnswSnapshot;
window.snapshotPayloadVersion = snapshotPayloadVersion;
window.saveIndexNow = saveIndexNow;
window.searchTextLike = searchTextLike;
window.searchLike = searchLike;
window.openIndex = openIndex;
window.scanWhileSearching = scanWhileSearching;
window.indexWorkerPageReady = true;
