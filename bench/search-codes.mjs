#!/usr/bin/env node
// `node bench/search-codes.mjs` — text and image queries at 100k items on the app's HNSW of int8
// codes, in a Chromium worker, against the exact scan in the same worker and run.
//
// The library and queries are bench/search.mjs's 100k ones (bench/lib/clip-world.mjs: the same
// world, seeds and query order). The index is built in Node as the app builds it
// (src/lib/search/library-index.ts): a component coder fitted on an evenly spread sample of
// CODER_SAMPLE vectors, then every vector inserted on codes, 1 000 at a time. The worker
// (bench/search-worker/worker.ts) restores the bytes as the app's index worker does (codes copied
// into the text ranker's WebAssembly memory, axes fitted, rows projected) and per query scores the
// best k + extra again with the index's residual codes, as the app does; the `read back` rows read
// their float vectors from IndexedDB in one transaction instead (the previous route), inside each
// query's time. Ratio = p50 ÷ the exact scan's p50.
//
// Writes bench/results/search-codes.json and merges search_100k_text_p50_ms_worker,
// search_100k_text_p50_ratio_worker, search_100k_text_recall_at_10_worker,
// search_100k_image_p50_ratio_worker and search_100k_image_recall_at_10_worker into latest.json.
// The 100k build takes 2–11 minutes on the shared 2-core machine, and the worker's timing as long
// again (every query is paired with a 100k exact scan). `--cache FILE` keeps the built index's
// bytes in FILE and reuses them when FILE exists (the same data every run; a file of codes saved
// without residuals is given them from the library's vectors and written again); `--graph-text` also
// times text queries through the graph (the route of filtered text queries).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSsrLoader } from './lib/ssr-loader.mjs';
import { gaussian, mulberry32 } from './lib/vectors.mjs';
import { generateLibrary, loadPrototypes, makeQueries, makeWorld } from './lib/clip-world.mjs';
import { mergeIntoLatest } from './lib/merge-latest.mjs';
import { searchInWorker } from './lib/search-in-worker.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const N = 100_000;
const K = 10;
const t0 = performance.now();
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
const loadAtStart = load();
const log = (...a) => console.error(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s]`, ...a);
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const cacheAt = process.argv.indexOf('--cache');
const CACHE = cacheAt > 0 ? process.argv[cacheAt + 1] : null;

const vite = await createSsrLoader(ROOT, {});
const { Hnsw, CODER_SAMPLE } = await vite.ssrLoadModule('/src/lib/core/hnsw.ts');
const { fitScalarCoder } = await vite.ssrLoadModule('/src/lib/core/int8-codes.ts');
const { SEARCH_EF, SEARCH_ENTRY_BEAM, RESCORE_EXTRA } = await vite.ssrLoadModule('/src/lib/index/choose-index.ts');

const { protos, source } = loadPrototypes(gaussian(mulberry32(1), { pairs: true }), log);
log(`data: ${source}`);
const world = makeWorld(protos, 7, true);
const library = generateLibrary(world, N);
// bench/search.mjs draws the 10k queries first from the same world: drawn here too, so the 100k ones are its own.
makeQueries(world, protos, library, 10_000, 11 + 10_000, { text: 150, image: 150 });
const queries = makeQueries(world, protos, library, N, 11 + N, { text: 150, image: 150 });

let started = performance.now();
let hnsw;
let buildMs = NaN;
if (CACHE && existsSync(CACHE)) {
  hnsw = Hnsw.restore(new Uint8Array(readFileSync(CACHE)));
  log(`restored the HNSW of codes from ${CACHE}`);
  if (!hnsw.hasResiduals) {
    hnsw.addResiduals((id) => library.vectors[Number(id.slice(3))]);
    writeFileSync(CACHE, hnsw.serialize());
    log('  saved without residuals: given them from the library\'s vectors, and the file written again');
  }
} else {
  const step = N / CODER_SAMPLE;
  const sample = Array.from({ length: CODER_SAMPLE }, (_, i) => library.vectors[Math.floor(i * step)]);
  const coder = fitScalarCoder(sample);
  hnsw = new Hnsw(512, 'bench', {}, { coder });
  for (let start = 0; start < N; start += 1000) hnsw.addMany(library.vectors.slice(start, start + 1000).map((vector, i) => ({ id: `img${start + i}`, vector })));
  buildMs = performance.now() - started;
  log(`built the HNSW of codes: ${N} items in ${round(buildMs / 1000, 1)} s (${round(buildMs / N, 2)} ms/item), ${round(hnsw.memoryBytes / 2 ** 20, 1)} MB of typed arrays`);
}
const bytes = hnsw.serialize();
if (CACHE && !existsSync(CACHE)) writeFileSync(CACHE, bytes);
const ids = hnsw.ids();
const flat = new Float32Array(N * 512);
ids.forEach((id, i) => flat.set(library.vectors[Number(id.slice(3))], i * 512));
await vite.close();

const configs = [
  ...[RESCORE_EXTRA, 0, 32].map((extra) => ({ label: `${extra === RESCORE_EXTRA ? 'app ' : ''}text (int8 ranker → ${K} + ${extra} scored with their residual codes)`, kind: 'text', opts: { k: K }, ranker: true, rescoreExtra: extra })),
  { label: `text (int8 ranker → ${K} + ${RESCORE_EXTRA} read back from IndexedDB)`, kind: 'text', opts: { k: K }, ranker: true, rescoreExtra: RESCORE_EXTRA, readBack: true },
  ...(process.argv.includes('--graph-text') ? [{ label: `text graph on codes (ef ${SEARCH_EF.text}, entry beam ${SEARCH_ENTRY_BEAM.text}; filtered text queries) + ${RESCORE_EXTRA}`, kind: 'text', opts: { k: K, ef: SEARCH_EF.text, entryBeam: SEARCH_ENTRY_BEAM.text } }] : []),
  ...[RESCORE_EXTRA, 0].map((extra) => ({ label: `${extra === RESCORE_EXTRA ? 'app ' : ''}image (graph on codes, ef ${SEARCH_EF.image}) + ${extra} scored with their residual codes`, kind: 'image', opts: { k: K, ef: SEARCH_EF.image, entryBeam: SEARCH_ENTRY_BEAM.image }, rescoreExtra: extra })),
  { label: `image (graph on codes, ef ${SEARCH_EF.image}) + ${RESCORE_EXTRA} read back from IndexedDB`, kind: 'image', opts: { k: K, ef: SEARCH_EF.image, entryBeam: SEARCH_ENTRY_BEAM.image }, rescoreExtra: RESCORE_EXTRA, readBack: true },
];
log(`timing ${configs.length} configurations in a Chromium worker`);
started = performance.now();
const run = await searchInWorker(bytes, queries.text, queries.image, configs, 3, { vectors: flat });
log(`worker ran in ${round((performance.now() - started) / 1000, 1)} s: restore ${round(run.restoreMs, 0)} ms, axes ${round(run.rankerFitMs, 0)} ms, projection ${round(run.rankerFillMs, 0)} ms, ranker memory ${round(run.rankerMemoryBytes / 2 ** 20, 1)} MB, index arrays ${round(run.indexBytes / 2 ** 20, 1)} MB`);
for (const r of run.rows) log(`  ${r.label}: recall@10 ${round(r.recallAt10)}, p50 ${round(r.p50Ms)} ms, exact ${round(r.exactP50Ms)} ms, ratio ${round(r.ratioOfExactP50)}`);

const loadAtEnd = load();
const out = {
  date: new Date().toISOString(),
  n: N,
  data: source,
  loadAverage: { start: loadAtStart, end: loadAtEnd },
  build: { ms: Number.isFinite(buildMs) ? Math.round(buildMs) : null, msPerItem: Number.isFinite(buildMs) ? round(buildMs / N, 2) : null, indexTypedArraysMB: round(hnsw.memoryBytes / 2 ** 20, 1), snapshotMB: round(bytes.byteLength / 2 ** 20, 1) },
  worker: { chromium: run.chromium, restoreMs: Math.round(run.restoreMs), rankerFitMs: Math.round(run.rankerFitMs), rankerFillMs: Math.round(run.rankerFillMs), rankerMemoryMB: round(run.rankerMemoryBytes / 2 ** 20, 1), indexTypedArraysMB: round(run.indexBytes / 2 ** 20, 1), rows: run.rows.map((r) => ({ ...r, recallAt10: round(r.recallAt10), p50Ms: round(r.p50Ms), exactP50Ms: round(r.exactP50Ms), ratioOfExactP50: round(r.ratioOfExactP50) })) },
};
const results = join(ROOT, 'bench/results');
writeFileSync(join(results, 'search-codes.json'), `${JSON.stringify(out, null, 2)}\n`);
const app = (kind) => out.worker.rows.find((r) => r.kind === kind && r.label.startsWith('app '));
const text = app('text');
const image = app('image');
const where = `bench/search-codes.mjs, Chromium ${run.chromium} worker, load ${loadAtStart[0]}–${loadAtEnd[0]}`;
const figures = {
  search_100k_text_p50_ms_worker: text.p50Ms,
  search_100k_text_p50_ratio_worker: text.ratioOfExactP50,
  search_100k_text_recall_at_10_worker: text.recallAt10,
  search_100k_image_p50_ratio_worker: image.ratioOfExactP50,
  search_100k_image_recall_at_10_worker: image.recallAt10,
};
const lines = {
  search_100k_text_p50_ms_worker: `text queries at 100,000 on the HNSW of int8 codes in a Chromium worker: p50 ${text.p50Ms} ms with the best ${K} + ${RESCORE_EXTRA} scored again with their residual codes in memory, recall@10 ${text.recallAt10}; the exact scan in the same worker ${text.exactP50Ms} ms (${where})`,
  search_100k_text_p50_ratio_worker: `${text.ratioOfExactP50}: that worker p50 ÷ the exact scan's p50 in the same worker and run (goal ≤ 0.05)`,
  search_100k_text_recall_at_10_worker: `${text.recallAt10} recall@10 of those text queries against the exact scan (goal ≥ 0.98)`,
  search_100k_image_p50_ratio_worker: `${image.ratioOfExactP50}: image queries (graph on codes, ef ${SEARCH_EF.image}, the best ${K} + ${RESCORE_EXTRA} scored with their residual codes): p50 ${image.p50Ms} ms ÷ the exact scan's ${image.exactP50Ms} ms in the same worker`,
  search_100k_image_recall_at_10_worker: `${image.recallAt10} recall@10 of those image queries against the exact scan (goal ≥ 0.98)`,
};
for (const path of mergeIntoLatest(results, figures, lines)) log(`merged into ${path}`);
log('wrote bench/results/search-codes.json');
