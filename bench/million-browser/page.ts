// Bench-only page (bench/million-browser.mjs drives it; never shipped). Writes a synthetic library
// straight into the app's IndexedDB with the app's own db module (asset + embedding records shaped
// as the importer writes them, no files or thumbnails; the compact index snapshot made in Node,
// written with putIndexSnapshot as the index worker saves it), then starts the app's real index
// worker (workers/index.worker.ts) as the app does after a reload, and searches through it.
import { wrap, type Remote } from 'comlink';
import { openLibraryDb } from '../../src/lib/db/db';
import { countEmbeddings, getIndexSnapshot, putIndexSnapshot } from '../../src/lib/db/search-repo';
import { assetSummaries, frameEmbeddingsForModel } from '../../src/lib/db/repo';
import { CompactIndex } from '../../src/lib/core/compact-index';
import type { AssetRecord } from '../../src/lib/db/schema';
import type { IndexApi, IndexStatus } from '../../workers/index.worker';

const ID_BYTES = 36;
let api: Remote<IndexApi> | null = null;

// The seeding connection stays open between batches, and the next batch is fetched while this one is written.
let seedDb: Awaited<ReturnType<typeof openLibraryDb>> | null = null;
const prefetched = new Map<number, Promise<ArrayBuffer>>();
const fetchBatch = (from: number, count: number): Promise<ArrayBuffer> => fetch(`/bench-data/batch?from=${from}&count=${count}`).then((r) => r.arrayBuffer());

const bench = {
  /**
   * Writes records [from, from + count) served by the bench (ids then vectors) in one transaction
   * ('relaxed': no flush to disk per commit, as a bulk import may); fetches [from + count, + next) meanwhile.
   */
  async write(from: number, count: number, dim: number, modelKey: string, next = 0): Promise<void> {
    const buf = await (prefetched.get(from) ?? fetchBatch(from, count));
    prefetched.delete(from);
    if (next > 0) prefetched.set(from + count, fetchBatch(from + count, next));
    const ids = new TextDecoder().decode(new Uint8Array(buf, 0, count * ID_BYTES));
    const vectors = new Float32Array(buf, count * ID_BYTES, count * dim);
    const db = (seedDb ??= await openLibraryDb());
    const tx = db.transaction(['assets', 'embeddings'], 'readwrite', { durability: 'relaxed' });
    for (let i = 0; i < count; i++) {
      const id = ids.slice(i * ID_BYTES, (i + 1) * ID_BYTES);
      const addedAt = 1_600_000_000_000 + (from + i) * 60_000;
      const asset: AssetRecord = { id, name: `IMG_${from + i}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: 2_000_000, sha256: id, pHash: '0000000000000000', width: 4032, height: 3024, addedAt, takenAtMs: addedAt, takenAtSource: 'added', status: 'ready', blobLocation: 'idb' };
      void tx.objectStore('assets').put(asset);
      void tx.objectStore('embeddings').put({ id, modelId: modelKey, dim, vector: vectors.slice(i * dim, (i + 1) * dim) });
    }
    await tx.done;
  },

  /** Stores the compact index snapshot made in Node, as the index worker saves one. */
  async writeSnapshot(modelKey: string, count: number): Promise<number> {
    const bytes = new Uint8Array(await (await fetch('/bench-data/index.bin')).arrayBuffer());
    seedDb?.close();
    seedDb = null;
    const db = await openLibraryDb();
    await putIndexSnapshot(db, { name: 'assets', modelKey, kind: 'compact', count, bytes, savedAt: Date.now() });
    db.close();
    return bytes.byteLength;
  },

  async storageUsageBytes(): Promise<number> {
    return (await navigator.storage.estimate()).usage ?? 0;
  },

  /** Starts the app's index worker and opens the library: ms since this page's navigation start when search is ready. */
  async open(modelKey: string): Promise<{ status: IndexStatus; readyMs: number; workerCreatedMs: number }> {
    const workerCreatedMs = performance.now();
    const worker = new Worker(new URL('../../workers/index.worker.ts', import.meta.url), { type: 'module' });
    api = wrap<IndexApi>(worker);
    const status = await api.init(modelKey);
    return { status, readyMs: performance.now(), workerCreatedMs };
  },

  /** Runs each query `passes` times through the worker: ids of the first pass, median ms per query. */
  async search(flat: number[], dim: number, nText: number, k: number, passes: number): Promise<{ ids: string[][]; ms: number[] }> {
    if (!api) throw new Error('open first');
    const queries = Array.from({ length: flat.length / dim }, (_, i) => Float32Array.from(flat.slice(i * dim, (i + 1) * dim)));
    const ids: string[][] = [];
    const times: number[][] = queries.map(() => []);
    for (const q of queries.slice(0, 5)) await api.search(q, '', k, undefined, 'image');
    for (let pass = 0; pass < passes; pass++) {
      for (let i = 0; i < queries.length; i++) {
        const t = performance.now();
        const hits = await api.search(queries[i]!, '', k, undefined, i < nText ? 'text' : 'image');
        times[i]!.push(performance.now() - t);
        if (pass === 0) ids.push(hits.map((h) => h.id));
      }
    }
    return { ids, ms: times.map((t) => t.sort((a, b) => a - b)[t.length >> 1]!) };
  },

  /** The steps of the index worker's init, one after the other on this page's thread, ms each. */
  async profileOpen(modelKey: string): Promise<Record<string, number>> {
    const ms: Record<string, number> = {};
    const step = async <T>(name: string, run: () => Promise<T> | T): Promise<T> => {
      const t = performance.now();
      const r = await run();
      ms[name] = Math.round(performance.now() - t);
      return r;
    };
    const db = await step('openDb', () => openLibraryDb());
    await step('countEmbeddings', () => countEmbeddings(db, modelKey));
    await step('frameEmbeddings', () => frameEmbeddingsForModel(db, modelKey));
    const snapshot = await step('readSnapshot', () => getIndexSnapshot(db, 'assets'));
    await step('restore', () => CompactIndex.restore(snapshot!.bytes));
    await step('assetSummaries', () => assetSummaries(db));
    db.close();
    return ms;
  },

  /** Waits until the worker has read the asset summaries too (a date listing needs them). */
  async settle(): Promise<number> {
    if (!api) throw new Error('open first');
    return (await api.listByTakenAt(1)).total;
  },
};

declare global {
  interface Window {
    bench: typeof bench;
    benchReady: boolean;
  }
}
window.bench = bench;
window.benchReady = true;
