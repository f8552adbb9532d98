#!/usr/bin/env node
// `node --expose-gc bench/million-browser.mjs` — the compact index (src/lib/index/compact-vector-index.ts)
// as the app uses it for a very large library, in Node and in headless Chromium, on the synthetic
// CLIP-like library of bench/million.mjs (bench/lib/clip-world.mjs, same seed).
// 1. Node: the library, text + image queries, the exact scan's top 10 (ground truth and baseline),
//    the compact index built as the app builds it (CompactVectorIndex.train on a 20k sample, then
//    every item added), its bytes and restore time, and a sweep of probe share × candidates (recall@10,
//    p50; full vectors from memory) that sets COMPACT_SEARCH.
// 2. Chromium (skipped with BENCH_BROWSER=0): a bench page (bench/million-browser/page.ts) writes the
//    library straight into the app's IndexedDB with the app's db module (asset + embedding records
//    shaped as the importer's, no files or thumbnails, 5 000 per transaction) and stores the index
//    bytes made in Node with putIndexSnapshot (as the index worker saves them: 8 MB chunks). Then per
//    cold start: the page is loaded again and starts the app's index worker (workers/index.worker.ts),
//    whose init restores the index; cold start = navigation start → init resolved (search ready).
//    Searches go through the worker (comlink, exact re-rank reading vectors from IndexedDB): p50 and
//    recall@10 against the Node exact scan. Memory: PSS of the renderer (page + workers) and of all
//    Chromium processes, after the searches and after the worker has read the asset summaries.
//    Storage: navigator.storage.estimate() per item.
// Writes bench/results/million-browser.{json,md}; merges the keys of its size into latest.json
// (search_1m_p50_ms, search_1m_recall_at_10, cold_start_1m_ms, memory_1m_mb, bytes_per_item at 1M;
// *_250k_* keys at 250k).
//
// Environment: BENCH_N (default 250000), BENCH_QUERIES (per kind, default 50), BENCH_BROWSER (0 = Node only),
// BENCH_COLD_STARTS (default 3), BENCH_PROBE_SHARES and BENCH_CANDIDATES (JSON arrays: the Node sweep).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROME_ARGS, ROOT, processMemory } from './lib/bench-page.mjs';
import { serveBenchData } from './lib/data-server.mjs';
import { createSsrLoader } from './lib/ssr-loader.mjs';
import { gaussian, mulberry32 } from './lib/vectors.mjs';
import { generateLibrary, loadPrototypes, makeQueries, makeWorld } from './lib/clip-world.mjs';
import { mergeIntoLatest } from './lib/merge-latest.mjs';

const DIM = 512;
const K = 10;
const N = Number(process.env.BENCH_N ?? 250_000);
const N_QUERIES = Number(process.env.BENCH_QUERIES ?? 50);
const BROWSER = process.env.BENCH_BROWSER !== '0';
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 3);
const WRITE_BATCH = 5000;
const MODEL = 'bench-synthetic@fp32';
const PROBE_SHARES = process.env.BENCH_PROBE_SHARES ? JSON.parse(process.env.BENCH_PROBE_SHARES) : [1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4];
const CANDIDATES = process.env.BENCH_CANDIDATES ? JSON.parse(process.env.BENCH_CANDIDATES) : [50, 100, 200, 500, 1000];
const t0 = performance.now();
const loadAtStart = loadavg()[0];
const log = (...a) => console.error(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s]`, ...a);
const round = (x, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);
const mb = (b) => round(b / 2 ** 20, 1);
const median = (v) => [...v].sort((a, b) => a - b)[(v.length - 1) >> 1];
const label = N >= 1e6 ? `${N / 1e6}m` : `${N / 1000}k`;

const vite = await createSsrLoader(ROOT);
const { ExactIndex } = await vite.ssrLoadModule('/src/lib/core/vector-index.ts');
const { CompactIndex } = await vite.ssrLoadModule('/src/lib/core/compact-index.ts');
const { CompactVectorIndex, COMPACT_TRAIN_SAMPLE, compactListsFor } = await vite.ssrLoadModule('/src/lib/index/compact-vector-index.ts');

// ---------------------------------------------------------------- Node
const { protos, source } = loadPrototypes(gaussian(mulberry32(1), { pairs: true }), log);
const world = makeWorld(protos, 7, true);
const library = generateLibrary(world, N);
// Random 36-character ids, as the app's UUIDs: key order is then a random order.
const idRand = mulberry32(99);
const hex = (n) => Array.from({ length: n }, () => Math.floor(idRand() * 16).toString(16)).join('');
const ids = Array.from({ length: N }, () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`);
const rowOf = new Map(ids.map((id, i) => [id, i]));
log(`generated ${N} photos (${source})`);
const queries = makeQueries(world, protos, library, N, 11 + N, { text: N_QUERIES, image: N_QUERIES });
const all = [...queries.text, ...queries.image];
const kindOf = (i) => (i < queries.text.length ? 'text' : 'image');

let exact = new ExactIndex(DIM, MODEL, N);
for (let i = 0; i < N; i++) exact.add(ids[i], library.vectors[i]);
const exactMs = [];
const truth = all.map((q) => {
  const t = performance.now();
  const r = exact.search(q, { k: K }).map((h) => h.id);
  exactMs.push(performance.now() - t);
  return r;
});
exact = null;
log(`exact scan: p50 ${round(median(exactMs))} ms`);

const store = {
  fetched: 0,
  getVectors(want) {
    this.fetched += want.length;
    return want.map((id) => library.vectors[rowOf.get(id)]);
  },
};
const sampleRand = mulberry32(5);
const sample = Array.from({ length: Math.min(COMPACT_TRAIN_SAMPLE, N) }, () => library.vectors[Math.floor(sampleRand() * N)]);
let t = performance.now();
const index = CompactVectorIndex.train(sample, DIM, N, MODEL, store);
const trainMs = performance.now() - t;
log(`trained ${index.compact.lists} lists + PQ ${index.compact.codec.codeBytes} B in ${round(trainMs / 1000, 1)} s`);
t = performance.now();
for (let i = 0; i < N; i++) index.add(ids[i], library.vectors[i]);
const buildMs = performance.now() - t;
log(`encoded ${N} items in ${round(buildMs / 1000, 1)} s`);
t = performance.now();
const bytes = index.serialize();
const serializeMs = performance.now() - t;
globalThis.gc?.();
t = performance.now();
CompactIndex.restore(bytes);
const restoreMs = performance.now() - t;
log(`${mb(bytes.byteLength)} MB of index bytes; restore ${round(restoreMs, 0)} ms`);

const recallOf = (results, idx) => {
  let hit = 0;
  for (const i of idx) {
    const want = new Set(truth[i]);
    hit += results[i].filter((id) => want.has(id)).length;
  }
  return round(hit / (idx.length * K), 3);
};
const idxOf = (kind) => all.map((_, i) => i).filter((i) => kind === 'all' || kindOf(i) === kind);
const sweep = [];
for (const probeShare of PROBE_SHARES) {
  for (const candidates of CANDIDATES) {
    const probes = Math.max(1, Math.ceil(index.compact.lists * probeShare));
    const results = [];
    const ms = [];
    const scanned = [];
    for (let pass = 0; pass < 3; pass++) {
      for (let i = 0; i < all.length; i++) {
        const s = performance.now();
        const r = await index.compact.search(all[i], { k: K, probes, candidates }, store);
        if (pass === 0) {
          results.push(r.map((h) => h.id));
          ms.push([]);
        }
        // Codes scored: the work of a query, independent of the machine's load.
        if (pass === 0) scanned.push(index.compact.candidates(all[i], { probes, candidates }).scanned);
        ms[i].push(performance.now() - s);
      }
    }
    const per = ms.map(median);
    const row = { probeShare: round(probeShare, 4), probes, candidates, scannedPerQuery: round(scanned.reduce((a, b) => a + b, 0) / scanned.length, 0) };
    for (const kind of ['text', 'image', 'all']) row[kind] = { recall: recallOf(results, idxOf(kind)), p50: round(median(idxOf(kind).map((i) => per[i])), 2) };
    sweep.push(row);
    log(`  probes ${probes} (${round(probeShare, 4)}) candidates ${candidates}: ${row.scannedPerQuery} codes scanned; recall text ${row.text.recall} image ${row.image.recall}; p50 text ${row.text.p50} image ${row.image.p50} ms`);
  }
}
await vite.close();

const node = {
  exactP50Ms: round(median(exactMs)),
  lists: index.compact.lists,
  codeBytes: index.compact.codec.codeBytes,
  trainMs: round(trainMs, 0),
  buildMs: round(buildMs, 0),
  indexMB: mb(bytes.byteLength),
  typedArrayBytesPerItem: round(index.compact.memoryBytes / N, 1),
  serializeMs: round(serializeMs, 0),
  restoreMs: round(restoreMs, 0),
  sweep,
};

// ---------------------------------------------------------------- Chromium
let browser = null;
if (BROWSER) {
  const files = { '/bench-data/index.bin': Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), '/bench-data/page.html': Buffer.from('<!doctype html><title>million</title><script type="module" src="/bench/million-browser/page.ts"></script>') };
  const server = await serveBenchData(files, (url, res) => {
    if (url.pathname === '/bench-data/batch') {
      const from = Number(url.searchParams.get('from'));
      const count = Number(url.searchParams.get('count'));
      const out = Buffer.alloc(count * 36 + count * DIM * 4);
      for (let i = 0; i < count; i++) {
        out.write(ids[from + i], i * 36, 'latin1');
        const v = library.vectors[from + i];
        Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(out, count * 36 + i * DIM * 4);
      }
      res.setHeader('Content-Type', 'application/octet-stream');
      res.end(out);
      return true;
    }
    return false;
  });
  const url = `${server.origin}/bench-data/page.html`;
  const userDataDir = mkdtempSync(join(tmpdir(), 'shoebox-million-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: [...CHROME_ARGS, '--disable-gpu'] });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e?.message || e)));
  const load = async () => {
    await page.goto(url);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 120_000 });
  };
  try {
    await load();
    t = performance.now();
    for (let from = 0; from < N; from += WRITE_BATCH) {
      await page.evaluate(([f, c, d, m]) => window.bench.write(f, c, d, m), [from, Math.min(WRITE_BATCH, N - from), DIM, MODEL]);
      if ((from / WRITE_BATCH) % 20 === 0) log(`  written ${Math.min(from + WRITE_BATCH, N)} of ${N} records`);
    }
    const writeMs = performance.now() - t;
    t = performance.now();
    const snapshotBytes = await page.evaluate(([m, n]) => window.bench.writeSnapshot(m, n), [MODEL, N]);
    const snapshotWriteMs = performance.now() - t;
    const usageBytes = await page.evaluate(() => window.bench.storageUsageBytes());
    log(`wrote ${N} records in ${round(writeMs / 1000, 1)} s and the ${mb(snapshotBytes)} MB index in ${round(snapshotWriteMs / 1000, 1)} s; storage ${mb(usageBytes)} MB`);

    const starts = [];
    let status = null;
    for (let i = 0; i < COLD_STARTS; i++) {
      await load();
      const r = await page.evaluate((m) => window.bench.open(m), MODEL);
      starts.push(r.readyMs);
      status = r.status;
      log(`  cold start ${i + 1}: search ready ${round(r.readyMs, 0)} ms after navigation (${r.status.origin}, ${r.status.kind}, ${r.status.size} items, init ${round(r.status.tookMs, 0)} ms)`);
    }
    await load();
    const profile = await page.evaluate((m) => window.bench.profileOpen(m), MODEL);
    log(`  init steps on the page's thread, ms: ${JSON.stringify(profile)}`);
    await load();
    await page.evaluate((m) => window.bench.open(m), MODEL);
    const flat = all.flatMap((q) => Array.from(q));
    const run = await page.evaluate(([f, d, nt, k]) => window.bench.search(f, d, nt, k, 3), [flat, DIM, queries.text.length, K]);
    const memoryAfterSearch = processMemory();
    t = performance.now();
    const total = await page.evaluate(() => window.bench.settle());
    const summariesMs = performance.now() - t;
    const memorySettled = processMemory();
    const row = {};
    for (const kind of ['text', 'image', 'all']) row[kind] = { recall: recallOf(run.ids, idxOf(kind)), p50: round(median(idxOf(kind).map((i) => run.ms[i])), 2) };
    log(`browser search: recall text ${row.text.recall} image ${row.image.recall}; p50 text ${row.text.p50} image ${row.image.p50} ms; renderer ${memoryAfterSearch.rendererMB} MB → ${memorySettled.rendererMB} MB after the ${total} summaries (${round(summariesMs, 0)} ms more)`);
    browser = {
      chromium: context.browser()?.version() ?? 'unknown',
      writeMs: round(writeMs, 0),
      snapshotWriteMs: round(snapshotWriteMs, 0),
      storageMB: mb(usageBytes),
      storageBytesPerItem: round(usageBytes / N, 0),
      coldStartMs: starts.map((x) => round(x, 0)),
      coldStartP50Ms: round(median(starts), 0),
      status,
      initStepsMs: profile,
      search: row,
      memoryAfterSearch,
      memorySettled,
      summariesAfterReadyMs: round(summariesMs, 0),
      errors: errors.slice(0, 5),
    };
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
    await server.close();
  }
}

// ---------------------------------------------------------------- report
const meta = { date: new Date().toISOString(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAverage1m: { start: round(loadAtStart, 2), end: round(loadavg()[0], 2) }, n: N, queries: { text: queries.text.length, image: queries.image.length }, data: source, elapsedSeconds: round((performance.now() - t0) / 1000, 0) };
const out = { meta, node, browser };
const resultsDir = join(ROOT, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, `million-browser-${label}.json`), JSON.stringify(out, null, 2) + '\n');
const L = [`# Compact index at ${label} items, Node and Chromium (\`BENCH_N=${N} node --expose-gc bench/million-browser.mjs\`)`, ''];
L.push(`${meta.date} · ${meta.cpu}, ${meta.cores} cores shared with other jobs: load average ${meta.loadAverage1m.start} → ${meta.loadAverage1m.end} (timings inflated accordingly). ${meta.queries.text} text + ${meta.queries.image} image queries; recall@10 against the exact scan (p50 ${node.exactP50Ms} ms in Node in this run).`, '');
L.push(`Index: ${node.lists} lists, residual PQ ${node.codeBytes} B per item; trained on ${COMPACT_TRAIN_SAMPLE} items in ${round(node.trainMs / 1000, 1)} s, ${N} items encoded in ${round(node.buildMs / 1000, 1)} s; ${node.indexMB} MB of bytes, restore ${node.restoreMs} ms in Node.`, '');
L.push('## Node sweep (full vectors from memory)', '', '| probe share | probes | candidates | codes scanned per query | text recall | text p50 ms | image recall | image p50 ms |', '|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of sweep) L.push(`| ${r.probeShare} | ${r.probes} | ${r.candidates} | ${r.scannedPerQuery} | ${r.text.recall} | ${r.text.p50} | ${r.image.recall} | ${r.image.p50} |`);
if (browser) {
  L.push('', '## Chromium (the app\'s index worker over IndexedDB)', '');
  L.push(`- ${browser.chromium}; records written in ${round(browser.writeMs / 1000, 1)} s (${round(N / (browser.writeMs / 1000), 0)} per s), index bytes in ${round(browser.snapshotWriteMs / 1000, 1)} s`);
  L.push(`- storage ${browser.storageMB} MB = ${browser.storageBytesPerItem} B per item (asset record + embedding record + index bytes, IndexedDB's own overhead included)`);
  L.push(`- cold start (navigation → index worker search-ready): ${browser.coldStartMs.join(', ')} ms; p50 ${browser.coldStartP50Ms} ms; asset summaries read ${browser.summariesAfterReadyMs} ms after that`);
  L.push(`- the init steps one after the other on the page's thread, ms: ${Object.entries(browser.initStepsMs).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  L.push(`- search through the worker (COMPACT_SEARCH settings): text recall ${browser.search.text.recall}, p50 ${browser.search.text.p50} ms; image recall ${browser.search.image.recall}, p50 ${browser.search.image.p50} ms`);
  L.push(`- memory (PSS): renderer ${browser.memoryAfterSearch.rendererMB} MB after the searches, ${browser.memorySettled.rendererMB} MB once the summaries are read; all Chromium processes ${browser.memorySettled.chromiumTotalMB} MB`);
}
writeFileSync(join(resultsDir, `million-browser-${label}.md`), L.join('\n') + '\n');
log(`wrote bench/results/million-browser-${label}.{json,md}`);

// Small runs (a check of the bench itself) stay out of the report.
if (browser && N >= 100_000) {
  const loadNote = `load average ${meta.loadAverage1m.start} → ${meta.loadAverage1m.end} on 2 shared cores`;
  const key = (name) => name.replace('1m', label);
  const figures = {
    [key('search_1m_p50_ms')]: browser.search.all.p50,
    [key('search_1m_recall_at_10')]: browser.search.all.recall,
    [key('cold_start_1m_ms')]: browser.coldStartP50Ms,
    [key('memory_1m_mb')]: browser.memorySettled.rendererMB,
    [`bytes_per_item_${label}`]: { memory: round(((browser.memorySettled.rendererMB ?? 0) * 2 ** 20) / N, 0), storage: browser.storageBytesPerItem },
  };
  const lines = {
    [key('search_1m_p50_ms')]: `${browser.search.all.p50} ms p50 at ${label} synthetic CLIP-like items through the app's index worker in Chromium (text ${browser.search.text.p50}, image ${browser.search.image.p50} ms; compact index, exact re-rank with vectors read from IndexedDB; exact scan in Node ${node.exactP50Ms} ms in the same run; ${loadNote}; bench/million-browser.mjs)`,
    [key('search_1m_recall_at_10')]: `${browser.search.all.recall} (text ${browser.search.text.recall}, image ${browser.search.image.recall}) against the exact scan, ${label} items, Chromium`,
    [key('cold_start_1m_ms')]: `${browser.coldStartP50Ms} ms p50 of ${COLD_STARTS}: page loaded again → the app's index worker search-ready (compact index of ${node.indexMB} MB read from IndexedDB chunks and restored), ${label} items; ${loadNote}`,
    [key('memory_1m_mb')]: `${browser.memorySettled.rendererMB} MB PSS of the renderer (bench page + index worker) at ${label} items after searches and the asset summaries read; all Chromium ${browser.memorySettled.chromiumTotalMB} MB (no app UI, no model loaded)`,
    [`bytes_per_item_${label}`]: `renderer PSS and storage (navigator.storage.estimate) per item at ${label}: ${figures[`bytes_per_item_${label}`].memory} / ${browser.storageBytesPerItem} B`,
  };
  log(`merged into ${mergeIntoLatest(resultsDir, figures, lines).join(', ')}`);
}
