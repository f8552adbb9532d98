#!/usr/bin/env node
// `node --expose-gc bench/million.mjs` — search at 100k and 1M items with compact codes and exact
// re-ranking (CompactIndex, src/lib/core/compact-index.ts; codecs in src/lib/core/quantize.ts), against
// the exact scan over all float vectors (ExactIndex, src/lib/core/vector-index.ts) measured in the same
// run on the same data and queries: it is the baseline and the ground truth of recall@10.
// Data: the synthetic CLIP-like library of bench/search.mjs (bench/lib/clip-world.mjs, same seed), text
// queries = class prototypes, image queries = new photos of existing scenes.
// Per size: build time (training on a sample, encoding, list assignment), bytes per item in memory and
// in storage, Node memory, then a sweep of probes × candidates with p50/p99 per query kind, recall@10
// and the number of full vectors read per query (the re-rank cost; in the app those are reads from
// storage, here from memory). The int8 codec is measured only up to 100k (512 bytes per item would
// put 512 MB in memory at 1M).
// Runs in Node (main thread, not a browser); writes bench/results/million.{json,md} and merges the 1M
// figures at the app's own search settings (search_1m_*, bytes_per_item, memory_1m_mb; see
// bench/lib/million-keys.mjs) into latest.json when the sweep holds them.
//
// Environment: BENCH_SIZES (JSON array, default [100000, 1000000]), BENCH_QUERIES (per kind, default 60),
// BENCH_LISTS (coarse lists, default 256; "app": the app's √n rule, compactListsFor), BENCH_TRAIN_SAMPLE (default 10000), BENCH_COARSE_ITERATIONS
// (default 8), BENCH_VARIANTS (JSON array of "pq64r" | "pq128r" | "pq64" | "int8" | "int8flat"; default
// pq64r at every size and all five up to 100k), BENCH_PROBES, BENCH_CANDIDATES, BENCH_RERANK_BATCHES (JSON arrays),
// BENCH_MAX_LIST_RATIO (biggest coarse list × the mean, default 0 = unbalanced).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSsrLoader } from './lib/ssr-loader.mjs';
import { gaussian, mulberry32 } from './lib/vectors.mjs';
import { generateLibrary, loadPrototypes, makeQueries, makeWorld } from './lib/clip-world.mjs';
import { mergeMillionKeys } from './lib/million-keys.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIM = 512;
const K = 10;
const SIZES = process.env.BENCH_SIZES ? JSON.parse(process.env.BENCH_SIZES) : [100_000, 1_000_000];
const N_QUERIES = process.env.BENCH_QUERIES ? Number(process.env.BENCH_QUERIES) : 60;
const TRAIN_SAMPLE = process.env.BENCH_TRAIN_SAMPLE ? Number(process.env.BENCH_TRAIN_SAMPLE) : 10_000;
const LISTS_SETTING = process.env.BENCH_LISTS ?? '256';
const COARSE_ITERATIONS = process.env.BENCH_COARSE_ITERATIONS ? Number(process.env.BENCH_COARSE_ITERATIONS) : 8;
const VARIANTS = process.env.BENCH_VARIANTS ? JSON.parse(process.env.BENCH_VARIANTS) : null;
// Biggest coarse list wanted, × the mean on the training sample (trainCoarseCentroids maxListRatio; 0 = k-means as it comes).
const MAX_LIST_RATIO = process.env.BENCH_MAX_LIST_RATIO ? Number(process.env.BENCH_MAX_LIST_RATIO) : 0;
const PQ_SUBSPACES = 64;
const PROBES = process.env.BENCH_PROBES ? JSON.parse(process.env.BENCH_PROBES) : [8, 16, 32, 64];
const CANDIDATES = process.env.BENCH_CANDIDATES ? JSON.parse(process.env.BENCH_CANDIDATES) : [100, 200, 400, 800];
// Candidates' vectors read this many at a time until none left can reach the top 10 (null: all at once).
const RERANK_BATCHES = process.env.BENCH_RERANK_BATCHES ? JSON.parse(process.env.BENCH_RERANK_BATCHES) : [null];
const INT8_MAX_N = 100_000;
// Passes per half of the sweep (see measureSize): a setting's latency is the median of 2 × this many.
const SWEEP_PASSES = 2;
const RECALL_GOAL = 0.95;
const P50_GOAL_MS = 20;
const t0 = performance.now();
const loadAtStart = loadavg()[0];
const log = (...a) => console.error(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s]`, ...a);
const round = (x, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);
const mb = (b) => round(b / 2 ** 20, 1);
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const stats = (ms) => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: round(pct(s, 50), 3), p99: round(pct(s, 99), 3) };
};
/** Heap + ArrayBuffers once they settle (freed buffers leave the count after the sweeper ran). */
async function liveBytes() {
  let last = Infinity;
  for (let i = 0; i < 20; i++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 100));
    const m = process.memoryUsage();
    const now = m.heapUsed + m.arrayBuffers;
    if (Math.abs(now - last) < 2 ** 20) return now;
    last = now;
  }
  return last;
}

const vite = await createSsrLoader(ROOT);
const { ExactIndex } = await vite.ssrLoadModule('/src/lib/core/vector-index.ts');
const { ScalarQuantizer, ProductQuantizer } = await vite.ssrLoadModule('/src/lib/core/quantize.ts');
const { CompactIndex, CentroidShortlist, SHORTLIST_MIN_LISTS, trainCoarseCentroids, residualsOf, refinementResidualsOf } = await vite.ssrLoadModule('/src/lib/core/compact-index.ts');
const { COMPACT_SEARCH, compactListsFor, compactProbesFor } = await vite.ssrLoadModule('/src/lib/index/compact-vector-index.ts');
/** Coarse lists at n items: BENCH_LISTS, or the app's rule when it is "app". */
const listsFor = (n) => (LISTS_SETTING === 'app' ? compactListsFor(n) : Number(LISTS_SETTING));

/**
 * Times `fn` over the queries: a warm-up of 10, then `passes` passes; a query's latency is the
 * median of its passes, its result that of the first pass.
 */
async function timeQueries(queries, fn, passes) {
  globalThis.gc?.();
  for (const q of queries.slice(0, 10)) await fn(q);
  const timings = queries.map(() => []);
  const results = [];
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < queries.length; i++) {
      const t = performance.now();
      const r = await fn(queries[i]);
      timings[i].push(performance.now() - t);
      if (pass === 0) results.push(r);
    }
  }
  return { ms: timings.map((t) => [...t].sort((a, b) => a - b)[t.length >> 1]), timings, results };
}
function recall(results, truth) {
  let hit = 0;
  let total = 0;
  results.forEach((r, i) => {
    const want = new Set(truth[i].map((h) => h.id));
    hit += r.filter((h) => want.has(h.id)).length;
    total += truth[i].length;
  });
  return hit / total;
}

// ---------------------------------------------------------------- data
const { protos, source } = loadPrototypes(gaussian(mulberry32(1), { pairs: true }), log);
const maxN = SIZES.at(-1);
let t = performance.now();
const world = makeWorld(protos, 7, true);
const library = generateLibrary(world, maxN);
const generateMs = performance.now() - t;
log(`generated ${maxN} photos in ${round(generateMs / 1000, 1)} s (${source})`);
const rowOf = (id) => Number(id.slice(3));
/** The full vectors "in storage": here the generated arrays; counts what a search reads. */
const store = {
  fetched: 0,
  getVectors(ids) {
    this.fetched += ids.length;
    return ids.map((id) => library.vectors[rowOf(id)]);
  },
};

async function measureSize(n) {
  log(`n = ${n}`);
  const queries = makeQueries(world, protos, library, n, 11 + n, { text: N_QUERIES, image: N_QUERIES });
  const all = [...queries.text, ...queries.image];
  const kindOf = (i) => (i < queries.text.length ? 'text' : 'image');
  const LISTS = listsFor(n);
  const res = { n, lists: LISTS, queries: { text: queries.text.length, image: queries.image.length } };

  // exact baseline and ground truth
  let exact = new ExactIndex(DIM, 'bench', n);
  t = performance.now();
  for (let i = 0; i < n; i++) exact.add(`img${i}`, library.vectors[i]);
  const exactBuildMs = performance.now() - t;
  const exactPasses = n > 200_000 ? 1 : 3;
  const ex = await timeQueries(all, (q) => exact.search(q, { k: K }), exactPasses);
  const truth = ex.results;
  res.exact = {
    buildMs: round(exactBuildMs, 0),
    memoryMB: mb(n * DIM * 4),
    passes: exactPasses,
    text: stats(ex.ms.filter((_, i) => kindOf(i) === 'text')),
    image: stats(ex.ms.filter((_, i) => kindOf(i) === 'image')),
    all: stats(ex.ms),
  };
  log(`  exact: p50 ${res.exact.all.p50} ms, p99 ${res.exact.all.p99} ms (${exactPasses} pass${exactPasses > 1 ? 'es' : ''})`);
  exact = null;

  // training sample: rows spread over the whole library
  const rand = mulberry32(5);
  const sample = Array.from({ length: Math.min(TRAIN_SAMPLE, n) }, () => library.vectors[Math.floor(rand() * n)]);
  t = performance.now();
  const centroids = trainCoarseCentroids(sample, DIM, { lists: LISTS, iterations: COARSE_ITERATIONS, ...(MAX_LIST_RATIO ? { maxListRatio: MAX_LIST_RATIO } : {}) });
  const coarseTrainMs = performance.now() - t;
  log(`  coarse centroids: ${LISTS} lists in ${round(coarseTrainMs / 1000, 1)} s`);

  // Share of items the shortlist puts in their most similar centroid's list (the exact assignment).
  if (LISTS >= SHORTLIST_MIN_LISTS) {
    const shortlist = new CentroidShortlist(centroids, DIM);
    let same = 0;
    let lost = 0;
    const checked = Math.min(n, 20_000);
    for (let i = 0; i < checked; i++) {
      const v = library.vectors[Math.floor((i * n) / checked)];
      let best = 0;
      let bestS = -Infinity;
      for (let c = 0; c < LISTS; c++) {
        let s = 0;
        for (let d = 0; d < DIM; d++) s += centroids[c * DIM + d] * v[d];
        if (s > bestS) [bestS, best] = [s, c];
      }
      const got = shortlist.nearest(v);
      if (got === best) same++;
      else {
        let s = 0;
        for (let d = 0; d < DIM; d++) s += centroids[got * DIM + d] * v[d];
        lost += bestS - s;
      }
    }
    res.shortlist = { checked, exactShare: round(same / checked, 4), meanScoreLostWhenMissed: round(lost / Math.max(1, checked - same), 4) };
    log(`  shortlist: ${res.shortlist.exactShare} of ${checked} items in their exact list (missed: ${res.shortlist.meanScoreLostWhenMissed} lower centroid score)`);
  }

  // Residual codecs are trained on x − its centroid (IVFADC), plain ones on x.
  const residualSample = residualsOf(sample, centroids, DIM);
  const wanted = VARIANTS ?? (n <= INT8_MAX_N ? ['pq64r', 'pq64', 'pq128r', 'int8flat', 'int8'] : ['pq64r']);
  const variants = []; // [name, codec, residual, flat, trainMs, refiner]
  let int8 = null;
  let pq128r = null;
  for (const v of wanted) {
    t = performance.now();
    const refined = /^pq128r\+r(\d+)$/.exec(v);
    if (refined) {
      // pq128r whose candidates are scored again with a second PQ of what the first left (refiner of N bytes)
      const codec = pq128r ?? ProductQuantizer.train(residualSample, DIM, { subspaces: 2 * PQ_SUBSPACES, iterations: 10 });
      pq128r = codec;
      const refiner = ProductQuantizer.train(refinementResidualsOf(residualSample, codec), DIM, { subspaces: Number(refined[1]), iterations: 8 });
      variants.push([`pq128-ivf${LISTS}-residual-refine${refined[1]}`, codec, true, false, performance.now() - t, refiner]);
    } else if (v === 'pq64r' || v === 'pq128r' || v === 'pq64') {
      // twice the bytes (pq128r), half the components per byte: the smaller error text queries need
      const subspaces = v === 'pq128r' ? 2 * PQ_SUBSPACES : PQ_SUBSPACES;
      const residual = v !== 'pq64';
      const codec = ProductQuantizer.train(residual ? residualSample : sample, DIM, { subspaces, iterations: 10 });
      if (v === 'pq128r') pq128r = codec;
      variants.push([`pq${subspaces}-ivf${LISTS}${residual ? '-residual' : ''}`, codec, residual, false, performance.now() - t]);
    } else if (v === 'int8' || v === 'int8flat') {
      int8 ??= ScalarQuantizer.train(sample, DIM);
      variants.push([v === 'int8flat' ? 'int8-flat' : `int8-ivf${LISTS}`, int8, false, v === 'int8flat', performance.now() - t]);
    } else throw new Error(`unknown variant ${v}`);
    log(`  ${variants.at(-1)[0]} codec trained in ${round((performance.now() - t) / 1000, 1)} s`);
  }

  res.codecs = {};
  for (const [name, codec, residual, isFlat, codecTrainMs, refiner] of variants) {
    {
      const before = await liveBytes();
      t = performance.now();
      const index = new CompactIndex(codec, isFlat ? new Float32Array(centroids.subarray(0, DIM)) : centroids, n, residual, refiner ?? null);
      for (let i = 0; i < n; i++) index.add(`img${i}`, library.vectors[i]);
      const buildMs = performance.now() - t;
      const memoryBytes = (await liveBytes()) - before;
      const sizes = index.listSizes().sort((a, b) => a - b);
      const r = {
        buildMs: round(buildMs, 0),
        trainMs: round(coarseTrainMs + codecTrainMs, 0),
        codeBytes: codec.codeBytes,
        refineBytes: refiner?.codeBytes ?? 0,
        typedArrayBytesPerItem: round(index.memoryBytes / n, 1),
        memoryMB: mb(memoryBytes),
        memoryBytesPerItem: round(memoryBytes / n, 1),
        listSizes: isFlat ? null : { min: sizes[0], median: sizes[sizes.length >> 1], max: sizes.at(-1) },
        sweep: [],
      };
      // What a cold start pays for the index: its bytes → a searchable index (reading them from storage comes on top).
      if (index.serialize) {
        t = performance.now();
        let bytes = index.serialize();
        r.serializeMs = round(performance.now() - t, 0);
        r.serializedMB = mb(bytes.byteLength);
        globalThis.gc?.();
        t = performance.now();
        CompactIndex.restore(bytes);
        r.restoreMs = round(performance.now() - t, 0);
        bytes = null;
      }
      log(`  ${name}: build ${round(buildMs / 1000, 1)} s, memory ${r.memoryMB} MB (${r.memoryBytesPerItem} B/item incl. ids)${r.restoreMs !== undefined ? `, ${r.serializedMB} MB serialized, restore ${r.restoreMs} ms` : ''}`);
      // a flat scan's time hardly depends on the candidates: one setting is enough
      const settings = (isFlat ? [1] : PROBES).flatMap((probes) => (isFlat ? [CANDIDATES[0]] : CANDIDATES).flatMap((candidates) => RERANK_BATCHES.map((rerankBatch) => ({ probes, candidates, rerankBatch }))));
      const searchWith = ({ probes, candidates, rerankBatch }) => (q) => index.search(q, { k: K, candidates, probes, ...(rerankBatch ? { rerankBatch } : {}) }, store);
      // Each setting is timed in two halves of SWEEP_PASSES, in sweep order and then in reverse
      // order: a load that drifts during the sweep (other jobs on the shared cores) weighs on every
      // setting alike, so their p50s compare within the run.
      const firstHalf = [];
      for (const setting of settings) {
        store.fetched = 0;
        const run = await timeQueries(all, searchWith(setting), SWEEP_PASSES);
        firstHalf.push({ run, fetched: store.fetched });
        log(`    probes ${setting.probes} candidates ${setting.candidates}: first half timed`);
      }
      const secondHalf = [];
      for (let si = settings.length - 1; si >= 0; si--) secondHalf[si] = await timeQueries(all, searchWith(settings[si]), SWEEP_PASSES);
      for (const [si, { probes, candidates, rerankBatch }] of settings.entries()) {
        const { run, fetched } = firstHalf[si];
        // a query's latency: the median of its passes in both halves
        const ms = run.timings.map((t, qi) => [...t, ...secondHalf[si].timings[qi]].sort((a, b) => a - b)[SWEEP_PASSES]);
        const row = { probes, candidates, rerankBatch, fetchedPerQuery: round(fetched / ((SWEEP_PASSES + 10 / all.length) * all.length), 0) };
        const scannedOf = (qs) => round(qs.reduce((sum, q) => sum + index.candidates(q, { probes, candidates }).scanned, 0) / qs.length, 0);
        row.scannedPerQuery = { text: scannedOf(queries.text), image: scannedOf(queries.image) };
        // Full vectors read per query of each kind (the re-rank's storage reads in the app), one more pass.
        row.readPerQuery = {};
        for (const [kind, qs] of [['text', queries.text], ['image', queries.image]]) {
          store.fetched = 0;
          for (const q of qs) await searchWith({ probes, candidates, rerankBatch })(q);
          row.readPerQuery[kind] = round(store.fetched / qs.length, 1);
        }
        // Recall of the candidates' own order (refined scores where there is a refiner), no vector read.
        const codeTop = all.map((q) => index.candidates(q, { probes, candidates }).ids.slice(0, K).map((id) => ({ id })));
        row.codeOrderRecall = {};
        for (const kind of ['text', 'image']) {
          const idx = all.map((_, i) => i).filter((i) => kindOf(i) === kind);
          row.codeOrderRecall[kind] = round(recall(idx.map((i) => codeTop[i]), idx.map((i) => truth[i])), 3);
        }
        for (const kind of ['text', 'image', 'all']) {
          const idx = all.map((_, i) => i).filter((i) => kind === 'all' || kindOf(i) === kind);
          row[kind] = { recall: round(recall(idx.map((i) => run.results[i]), idx.map((i) => truth[i])), 3), ...stats(idx.map((i) => ms[i])) };
        }
        // per-query latencies, for the p50 of per-kind settings (kept out of the JSON)
        Object.defineProperty(row, 'queryMs', { value: ms, enumerable: false });
        r.sweep.push(row);
        log(`    probes ${probes} candidates ${candidates}${rerankBatch ? ` read ${rerankBatch} at a time (${row.fetchedPerQuery} per query)` : ''}: recall text ${row.text.recall} image ${row.image.recall}; p50 text ${row.text.p50} image ${row.image.p50} ms; codes scanned text ${row.scannedPerQuery.text} image ${row.scannedPerQuery.image}; top 10 by codes alone: recall text ${row.codeOrderRecall.text} image ${row.codeOrderRecall.image}; read per query text ${row.readPerQuery.text} image ${row.readPerQuery.image}`);
      }
      res.codecs[name] = r;
    }
  }
  return res;
}

/**
 * Per query kind (as the app sets them, COMPACT_SEARCH): the fastest row whose recall@10 for that
 * kind reaches the goal (else its best recall), and the p50 and recall over all queries when each
 * kind runs with its own row.
 */
function perKindPoint(r, nText) {
  const pick = (kind) => {
    const ok = r.sweep.filter((row) => row[kind].recall >= RECALL_GOAL);
    return ok.length > 0 ? [...ok].sort((a, b) => a[kind].p50 - b[kind].p50)[0] : [...r.sweep].sort((a, b) => b[kind].recall - a[kind].recall)[0];
  };
  const text = pick('text');
  const image = pick('image');
  const ms = [...text.queryMs.slice(0, nText), ...image.queryMs.slice(nText)];
  const setting = (row) => ({ probes: row.probes, candidates: row.candidates, rerankBatch: row.rerankBatch, fetchedPerQuery: row.fetchedPerQuery, scannedPerQuery: row.scannedPerQuery });
  return {
    text: { ...setting(text), ...text.text },
    image: { ...setting(image), ...image.image },
    all: { ...stats(ms), recall: round((text.text.recall * nText + image.image.recall * (ms.length - nText)) / ms.length, 3) },
    goalMet: text.text.recall >= RECALL_GOAL && image.image.recall >= RECALL_GOAL,
  };
}

const sizes = [];
for (const n of SIZES) {
  const s = await measureSize(n);
  for (const r of Object.values(s.codecs)) r.perKind = perKindPoint(r, s.queries.text);
  sizes.push(s);
}
await vite.close();

/**
 * The fastest sweep row (by p50 over all queries) whose recall@10 reaches the goal for both kinds
 * (goalMet: true); when none does, the row with the best recall over all queries (goalMet: false).
 */
function operatingPoint(r) {
  const ok = r.sweep.filter((row) => row.text.recall >= RECALL_GOAL && row.image.recall >= RECALL_GOAL);
  if (ok.length > 0) return { ...ok.sort((a, b) => a.all.p50 - b.all.p50)[0], goalMet: true };
  return { ...[...r.sweep].sort((a, b) => b.all.recall - a.all.recall || a.all.p50 - b.all.p50)[0], goalMet: false };
}

// ---------------------------------------------------------------- report
const meta = {
  date: new Date().toISOString(),
  runtime: `Node ${process.version} (main thread, not a browser worker)`,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: round(totalmem() / 2 ** 30, 0),
  loadAverage1m: { start: round(loadAtStart, 2), end: round(loadavg()[0], 2) },
  elapsedSeconds: round((performance.now() - t0) / 1000, 0),
  data: source,
  generateMs: round(generateMs, 0),
  k: K,
  trainSample: TRAIN_SAMPLE,
  lists: LISTS_SETTING === 'app' ? 'app: √n up to 1 024 (compactListsFor)' : Number(LISTS_SETTING),
  maxListRatio: MAX_LIST_RATIO || null,
  pqSubspaces: PQ_SUBSPACES,
  recallGoal: RECALL_GOAL,
  p50GoalMs: P50_GOAL_MS,
};
const resultsDir = join(ROOT, 'bench/results');
// Sizes measured by an earlier run (BENCH_SIZES) stay in the report, marked with that run's date.
const earlier = existsSync(join(resultsDir, 'million.json')) ? JSON.parse(readFileSync(join(resultsDir, 'million.json'), 'utf8')) : null;
const withOps = (s) => ({ ...s, operatingPoints: Object.fromEntries(Object.entries(s.codecs).map(([k, r]) => [k, operatingPoint(r)])) });
const measured = sizes.map((s) => withOps({ ...s, measuredAt: meta.date, loadAverage1m: meta.loadAverage1m }));
const kept = (earlier?.sizes ?? []).filter((s) => !SIZES.includes(s.n)).map(withOps);
const out = { meta, sizes: [...kept, ...measured].sort((a, b) => a.n - b.n) };
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'million.json'), JSON.stringify(out, null, 2) + '\n');

const fmtN = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1000}k`);
const L = ['# A million items: compact codes + exact re-rank (`node --expose-gc bench/million.mjs`)', ''];
L.push(`${meta.runtime} · ${meta.cpu}, ${meta.cores} cores, a shared VM. Measured: ${out.sizes.map((s) => `${fmtN(s.n)} at ${s.measuredAt} (load average ${s.loadAverage1m.start} → ${s.loadAverage1m.end})`).join('; ')}.`, '');
L.push(`Data: ${source}; the CLIP-like library of bench/search.mjs (bench/lib/clip-world.mjs). ${N_QUERIES} text + ${N_QUERIES} image queries per size. Recall@10 = |top-10 ∩ exact top-10| / 10 against the exact scan over all float32 vectors (ExactIndex) in this run. Codes trained on ${TRAIN_SAMPLE} sampled items; coarse partition = ${meta.lists} lists (spherical k-means); PQ = ${PQ_SUBSPACES} sub-spaces × 256 centroids (${PQ_SUBSPACES} bytes per item); int8 = 512 bytes per item. "Fetched" = full vectors read per query for the exact re-rank (in the app: from storage). Latency per query = median of 4 passes, 2 with the settings in sweep order and 2 in reverse order (exact scan at ≥ 200k: 1 pass).`, '');
L.push('| n | index | build s (+ train s) | memory MB (B/item) | bytes MB / restore ms | probes | candidates | fetched/query | text recall | text p50 / p99 ms | image recall | image p50 / p99 ms |', '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const s of out.sizes) {
  L.push(`| ${fmtN(s.n)} | exact scan | ${round(s.exact.buildMs / 1000, 1)} | ${s.exact.memoryMB} (${DIM * 4}) | – | – | – | – | 1 | ${s.exact.text.p50} / ${s.exact.text.p99} | 1 | ${s.exact.image.p50} / ${s.exact.image.p99} |`);
  for (const [name, r] of Object.entries(s.codecs)) {
    const op = s.operatingPoints[name];
    for (const row of [op]) {
      L.push(`| ${fmtN(s.n)} | ${name}${op.goalMet ? '' : ' (best recall: goal NOT met)'} | ${round(r.buildMs / 1000, 1)} (+${round(r.trainMs / 1000, 1)}) | ${r.memoryMB} (${r.memoryBytesPerItem}) | ${r.restoreMs !== undefined ? `${r.serializedMB} / ${r.restoreMs}` : '–'} | ${row.probes} | ${row.candidates} | ${row.fetchedPerQuery} | ${row.text.recall} | ${row.text.p50} / ${row.text.p99} | ${row.image.recall} | ${row.image.p50} / ${row.image.p99} |`);
    }
  }
}
L.push('', 'Operating point: the fastest (p50 over all queries) setting with recall@10 ≥ 0.95 for both query kinds; where none reaches it, the setting with the best recall (marked).', '');
for (const s of out.sizes) {
  for (const [name, r] of Object.entries(s.codecs)) {
    L.push(`### ${fmtN(s.n)} · ${name}`, '', `List sizes min / median / max: ${r.listSizes ? `${r.listSizes.min} / ${r.listSizes.median} / ${r.listSizes.max}` : '–'}.${s.shortlist ? ` Items put in their most similar centroid's list by the shortlist: ${s.shortlist.exactShare} of ${s.shortlist.checked} checked.` : ''}`, '');
    L.push('| probes | candidates | read at a time | fetched | codes scanned text / image | text recall | text p50 / p99 | image recall | image p50 / p99 |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of r.sweep) L.push(`| ${row.probes} | ${row.candidates} | ${row.rerankBatch ?? 'all'} | ${row.fetchedPerQuery} | ${row.scannedPerQuery ? `${row.scannedPerQuery.text} / ${row.scannedPerQuery.image}` : '–'} | ${row.text.recall} | ${row.text.p50} / ${row.text.p99} | ${row.image.recall} | ${row.image.p50} / ${row.image.p99} |`);
    L.push('');
  }
}
writeFileSync(join(resultsDir, 'million.md'), L.join('\n') + '\n');

// The keys at 1M with the app's own settings per query kind (when the sweep holds them).
const written = mergeMillionKeys(resultsDir, out, { search: COMPACT_SEARCH, probesFor: compactProbesFor });
log(written.length > 0 ? `merged into ${written.join(', ')}` : "no keys merged: no 1M sweep row at the app's settings (COMPACT_SEARCH)");
log(`wrote bench/results/million.json and million.md (${meta.elapsedSeconds} s)`);
