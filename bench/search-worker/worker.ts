/// <reference lib="webworker" />
// Bench-only worker (bench/lib/search-in-worker.mjs drives it; never shipped): the app's HNSW and
// exact scan (src/lib/core/) in a browser worker, on the index bytes and queries a bench made in
// Node. Restores the index as the app's index worker does (src/lib/search/library-index.ts): its
// codes copied into the text ranker's memory, or, for bytes saved with float vectors, encoded
// there once; the ranker's axes fitted on a sample of the codes and every row projected. The float
// vectors (sent along, or read from float bytes before encoding) fill an exact index and an
// IndexedDB store. Each answer's best k + RESCORE_EXTRA are scored again as the app does: with
// the index's residual codes in memory (Hnsw.refine), or, for a configuration with `readBack`, with
// their stored vectors read in one IndexedDB transaction inside the timed query. Each configuration is timed
// against the exact scan on the same queries, the two alternating query by query (a burst of other
// work on a shared machine lands on both), per query the median of `passes` timings.
import { ArrayCodeStore, Hnsw } from '../../src/lib/core/hnsw';
import type { ScalarCoder } from '../../src/lib/core/int8-codes';
import { decodeIndex, ExactIndex, rescoreHits, type SearchOptions } from '../../src/lib/core/vector-index';
import type { ScoredId } from '../../src/lib/core/vector';
import { TEXT_SAMPLE, TextRanker } from '../../src/lib/search/text-ranker';
import { RESCORE_EXTRA } from '../../src/lib/index/choose-index';

export interface WorkerBenchConfig {
  label: string;
  kind: 'text' | 'image';
  opts: Omit<SearchOptions, 'filter'>;
  /** Rank with the app's text ranker (src/lib/search/text-ranker.ts) instead of the graph search. */
  ranker?: boolean;
  /** Hits scored again beyond k (default: the job's). */
  rescoreExtra?: number;
  /** Score them with their stored vectors read from IndexedDB instead of the residual codes. */
  readBack?: boolean;
}

export interface WorkerBenchJob {
  nText: number;
  nImage: number;
  passes: number;
  configs: WorkerBenchConfig[];
  /** The float vectors come in /bench-data/vectors.bin, in the order of the index's ids() (needed for bytes of codes). */
  vectorsGiven: boolean;
  /** Hits scored again with their stored vectors (default the app's RESCORE_EXTRA). */
  rescoreExtra?: number;
}

export interface WorkerBenchRow {
  label: string;
  kind: 'text' | 'image';
  recallAt10: number;
  p50Ms: number;
  exactP50Ms: number;
  /** p50 of the configuration ÷ p50 of the exact scan over the same queries and passes. */
  ratioOfExactP50: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function fetchBytes(path: string): Promise<ArrayBuffer> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

/** The app's store for an index's codes (library-index.ts codeStoreFor). */
const storeFor = (coder: ScalarCoder) => TextRanker.create(coder) ?? new ArrayCodeStore();

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** A fresh database with one store of the float vectors by id, written in transactions of 5 000. */
async function vectorStore(ids: readonly string[], vectors: readonly Float32Array[]): Promise<IDBDatabase> {
  await request(indexedDB.deleteDatabase('bench-rescore'));
  const open = indexedDB.open('bench-rescore', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('vectors');
  const db = await request(open);
  for (let start = 0; start < ids.length; start += 5000) {
    const tx = db.transaction('vectors', 'readwrite');
    // A copy each: cloning a view clones its whole buffer (all the vectors, when they came as one file).
    for (let i = start; i < Math.min(ids.length, start + 5000); i++) tx.objectStore('vectors').put(vectors[i]!.slice(), ids[i]);
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
  }
  return db;
}

/** The stored vectors of ids in one read-only transaction, as search-repo.ts vectorsOfAssets reads them. */
function readVectors(db: IDBDatabase, ids: readonly string[]): Promise<Array<Float32Array | undefined>> {
  const store = db.transaction('vectors').objectStore('vectors');
  return Promise.all(ids.map((id) => request(store.get(id) as IDBRequest<Float32Array | undefined>)));
}

self.onmessage = async (e: MessageEvent<WorkerBenchJob>) => {
  try {
    const job = e.data;
    const extra = job.rescoreExtra ?? RESCORE_EXTRA;
    const bytes = new Uint8Array(await fetchBytes('/bench-data/index.bin'));
    let started = performance.now();
    const hnsw = Hnsw.fromDecodedInto(decodeIndex(bytes), storeFor);
    const ids = hnsw.ids();
    let vectors: Float32Array[];
    if (job.vectorsGiven) {
      const flatVectors = new Float32Array(await fetchBytes('/bench-data/vectors.bin'));
      vectors = ids.map((_, i) => flatVectors.subarray(i * hnsw.dim, (i + 1) * hnsw.dim));
    } else vectors = ids.map((id) => hnsw.get(id)!);
    // Bytes saved with float vectors: encoded once, as the app does with such a snapshot.
    if (!hnsw.coder) hnsw.encodeVectors(undefined, storeFor);
    const restoreMs = performance.now() - started;
    const exact = new ExactIndex(hnsw.dim, hnsw.modelKey, hnsw.size);
    ids.forEach((id, i) => exact.add(id, vectors[i]!));
    const db = await vectorStore(ids, vectors);
    const ranker = hnsw.codeStore instanceof TextRanker ? hnsw.codeStore : null;
    started = performance.now();
    const step = Math.max(1, ids.length / TEXT_SAMPLE);
    const sample: Float32Array[] = [];
    for (let x = 0; x < ids.length; x += step) sample.push(hnsw.get(ids[Math.floor(x)]!)!);
    ranker?.fitAxes(sample);
    const rankerFitMs = performance.now() - started;
    started = performance.now();
    ranker?.projectUpTo(hnsw.nodeCount);
    const rankerFillMs = performance.now() - started;
    const flat = new Float32Array(await fetchBytes('/bench-data/queries.bin'));
    const dim = hnsw.dim;
    const all = Array.from({ length: job.nText + job.nImage }, (_, i) => flat.subarray(i * dim, (i + 1) * dim));
    const byKind = { text: all.slice(0, job.nText), image: all.slice(job.nText) };
    const truth = new Map<Float32Array, Set<string>>();
    for (const q of all) truth.set(q, new Set(exact.search(q, { k: 10 }).map((h) => h.id)));
    const rows: WorkerBenchRow[] = [];
    for (const config of job.configs) {
      const queries = byKind[config.kind];
      const k = config.opts.k;
      const wanted = k + (config.rescoreExtra ?? extra);
      const candidates = (q: Float32Array): string[] =>
        config.ranker && ranker ? ranker.candidates(q, wanted, (row) => hnsw.idOfNode(row)) : hnsw.search(q, { ...config.opts, k: wanted, ef: Math.max(wanted, config.opts.ef ?? 0) }).map((h) => h.id);
      const search = async (q: Float32Array): Promise<ScoredId[]> => {
        const ids = candidates(q);
        if (!config.readBack && hnsw.hasResiduals) return hnsw.refine(q, ids, k);
        return rescoreHits(q, ids, await readVectors(db, ids), k);
      };
      for (const q of queries.slice(0, 20)) await search(q); // warm-up
      const ms = queries.map((): number[] => []);
      const exactMs = queries.map((): number[] => []);
      let hits = 0;
      for (let pass = 0; pass < job.passes; pass++) {
        for (const [i, q] of queries.entries()) {
          started = performance.now();
          const found = await search(q);
          ms[i]!.push(performance.now() - started);
          started = performance.now();
          exact.search(q, { k: 10 });
          exactMs[i]!.push(performance.now() - started);
          if (pass === 0) hits += found.filter((h) => truth.get(q)!.has(h.id)).length;
        }
      }
      const p50Ms = median(ms.map(median));
      const exactP50Ms = median(exactMs.map(median));
      rows.push({ label: config.label, kind: config.kind, recallAt10: hits / (10 * queries.length), p50Ms, exactP50Ms, ratioOfExactP50: p50Ms / exactP50Ms });
    }
    db.close();
    postMessage({ ok: true, restoreMs, rankerFitMs, rankerFillMs, rankerMemoryBytes: ranker?.memoryBytes ?? 0, rankerRan: ranker !== null, indexBytes: hnsw.memoryBytes, size: hnsw.size, rescoreExtra: extra, rows });
  } catch (err) {
    postMessage({ ok: false, error: String((err as Error)?.stack ?? err) });
  }
};
