/// <reference lib="webworker" />
// Bench-only worker (bench/lib/search-in-worker.mjs drives it; never shipped): the app's HNSW and
// exact scan (src/lib/core/) in a browser worker, on the index bytes and queries bench/search.mjs
// made in Node. Restores the index as the app's index worker does (Hnsw.fromDecoded), fills an
// exact index with the same vectors, then times each configuration against the exact scan on the
// same queries, the two alternating query by query (a burst of other work on a shared machine
// lands on both), per query the median of `passes` timings.
import { Hnsw } from '../../src/lib/core/hnsw';
import { compareHits, decodeIndex, ExactIndex, type SearchOptions } from '../../src/lib/core/vector-index';
import type { ScoredId } from '../../src/lib/core/vector';
import { TEXT_KEEP, TextRanker } from '../../src/lib/search/text-ranker';

export interface WorkerBenchConfig {
  label: string;
  kind: 'text' | 'image';
  opts: Omit<SearchOptions, 'filter'>;
  /** Rank with the app's text ranker (src/lib/search/text-ranker.ts) and the index's exact scores instead of the graph search. */
  ranker?: boolean;
}

export interface WorkerBenchJob {
  nText: number;
  nImage: number;
  passes: number;
  configs: WorkerBenchConfig[];
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

self.onmessage = async (e: MessageEvent<WorkerBenchJob>) => {
  try {
    const job = e.data;
    const bytes = new Uint8Array(await fetchBytes('/bench-data/index.bin'));
    let started = performance.now();
    const hnsw = Hnsw.fromDecoded(decodeIndex(bytes));
    const restoreMs = performance.now() - started;
    const exact = new ExactIndex(hnsw.dim, hnsw.modelKey, hnsw.size);
    for (const id of hnsw.ids()) exact.add(id, hnsw.get(id)!);
    const vectors = hnsw.ids().map((id) => hnsw.get(id)!);
    started = performance.now();
    const ranker = TextRanker.fit(vectors);
    const rankerFitMs = performance.now() - started;
    started = performance.now();
    ranker?.addMany(hnsw.ids().map((id, i) => ({ id, vector: vectors[i]! })));
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
      const search = (q: Float32Array): ScoredId[] =>
        config.ranker && ranker ? hnsw.scoreIds(q, ranker.candidates(q, config.opts.k + TEXT_KEEP)).sort(compareHits).slice(0, config.opts.k) : hnsw.search(q, config.opts);
      for (const q of queries.slice(0, 20)) search(q); // warm-up
      const ms = queries.map((): number[] => []);
      const exactMs = queries.map((): number[] => []);
      let hits = 0;
      for (let pass = 0; pass < job.passes; pass++) {
        queries.forEach((q, i) => {
          started = performance.now();
          const found = search(q);
          ms[i]!.push(performance.now() - started);
          started = performance.now();
          exact.search(q, { k: 10 });
          exactMs[i]!.push(performance.now() - started);
          if (pass === 0) hits += found.filter((h) => truth.get(q)!.has(h.id)).length;
        });
      }
      const p50Ms = median(ms.map(median));
      const exactP50Ms = median(exactMs.map(median));
      rows.push({ label: config.label, kind: config.kind, recallAt10: hits / (10 * queries.length), p50Ms, exactP50Ms, ratioOfExactP50: p50Ms / exactP50Ms });
    }
    postMessage({ ok: true, restoreMs, rankerFitMs, rankerFillMs, rankerMemoryBytes: ranker?.memoryBytes ?? 0, rankerRan: ranker !== null, size: hnsw.size, rows });
  } catch (err) {
    postMessage({ ok: false, error: String((err as Error)?.stack ?? err) });
  }
};
