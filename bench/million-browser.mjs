#!/usr/bin/env node
// `node --expose-gc bench/million-browser.mjs` — the compact index (src/lib/index/compact-vector-index.ts)
// as the app uses it for a very large library, in Node and in headless Chromium, on the synthetic
// CLIP-like library of bench/million.mjs (bench/lib/clip-world.mjs, same seed).
// 1. Node: the library, text + image queries, the exact scan's top 10 (ground truth and baseline),
//    the compact index built as the app builds it (CompactVectorIndex.train on a 20k sample, then
//    every item added; in a worker thread, bench/million-browser/build-index.mjs, while Chromium is
//    seeded), its bytes and restore time, and a sweep of probe share × candidates (recall@10,
//    p50; full vectors from memory) that sets COMPACT_SEARCH.
// 2. Chromium (skipped with BENCH_BROWSER=0): a bench page (bench/million-browser/page.ts) writes the
//    library straight into the app's IndexedDB with the app's db module (asset + embedding records
//    shaped as the importer's, no files or thumbnails, BENCH_WRITE_BATCH per transaction, the next
//    batch fetched meanwhile) and stores the index bytes made in Node with putIndexSnapshot (as the
//    index worker saves them: 8 MB chunks). Then per cold start: the page is loaded again and starts
//    the app's index worker (workers/index.worker.ts), whose init restores the index; cold start =
//    navigation start → init resolved (search ready); the first right after the bulk write, the next
//    ones once Chromium has gone quiet (IndexedDB compacting). Searches go through the worker
//    (comlink, exact re-rank reading vectors from IndexedDB): p50 and recall@10 against the Node
//    exact scan. Memory: PSS of the renderer (page + workers) and of all Chromium processes, when
//    search-ready, after the searches and after the worker has read the asset summaries.
//    Storage: navigator.storage.estimate() per item.
// Writes bench/results/million-browser-<n>.{json,md}; merges the keys of its size into latest.json
// (search_1m_p50_ms_browser, search_1m_recall_at_10_browser, cold_start_1m_ms, memory_1m_browser_mb,
// and the storage part of bytes_per_item at 1M; 1m replaced by the size, e.g. 500k, at other sizes).
//
// A kept profile (BENCH_PROFILE=/tmp/<folder>/profile-1m): the first run seeds Chromium there and
// leaves a mark (shoebox-million-seeded.json: size, model, port); later runs of the same size reuse
// the seeded records (seeding 1M took ~20 min) and are served on the same port (IndexedDB belongs
// to the origin). The index bytes made in Node are kept beside it, named by a hash of the index's
// source files: an unchanged index format is neither built again nor written into the profile
// again; a changed one is built and replaces the profile's snapshot. BENCH_SEED_ONLY=1 seeds the
// kept profile and stops (no index, no ground truth); BENCH_BUILD_ONLY=1 BENCH_BROWSER=0 builds the
// index bytes beside it and stops, so that both can run at once; BENCH_WAIT_FOR_INDEX=1 waits for those
// bytes (instead of building them) while it generates the library and computes the ground truth.
//
// Environment: BENCH_N (default 250000), BENCH_QUERIES (per kind, default 50), BENCH_BROWSER (0 = Node only),
// BENCH_COLD_STARTS (default 3), BENCH_WRITE_BATCH (records per transaction, default 10 000), BENCH_QUIET_MAX_MS
// (longest wait for Chromium to go quiet before a start, default 30 000), BENCH_PROBE_SHARES and BENCH_CANDIDATES (JSON arrays: the Node sweep).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROME_ARGS, ROOT, processMemory } from './lib/bench-page.mjs';
import { TICK_HZ, treeTicks } from './lib/cpu-monitor.mjs';
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
const WRITE_BATCH = Number(process.env.BENCH_WRITE_BATCH ?? 10_000);
const QUIET_MAX_MS = Number(process.env.BENCH_QUIET_MAX_MS ?? 30_000);
const MODEL = 'bench-synthetic@fp32';
const KEPT_PROFILE = process.env.BENCH_PROFILE ? process.env.BENCH_PROFILE.replace(/\/+$/, '') : null;
const SEED_ONLY = process.env.BENCH_SEED_ONLY === '1';
const BUILD_ONLY = process.env.BENCH_BUILD_ONLY === '1';
const WAIT_FOR_INDEX = process.env.BENCH_WAIT_FOR_INDEX === '1';
if (BUILD_ONLY && (!KEPT_PROFILE || BROWSER)) throw new Error('BENCH_BUILD_ONLY=1 needs BENCH_PROFILE and BENCH_BROWSER=0');
if (SEED_ONLY && (!KEPT_PROFILE || !BROWSER)) throw new Error('BENCH_SEED_ONLY=1 needs BENCH_PROFILE and the browser');
const SEEDED_MARK = KEPT_PROFILE ? join(KEPT_PROFILE, 'shoebox-million-seeded.json') : null;
const keptMark = SEEDED_MARK && existsSync(SEEDED_MARK) ? JSON.parse(readFileSync(SEEDED_MARK, 'utf8')) : null;
if (keptMark && (keptMark.n !== N || keptMark.model !== MODEL)) throw new Error(`${KEPT_PROFILE} holds ${keptMark.n} items of ${keptMark.model}, not ${N}: use another folder`);
const PROBE_SHARES = process.env.BENCH_PROBE_SHARES ? JSON.parse(process.env.BENCH_PROBE_SHARES) : [1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4];
const CANDIDATES = process.env.BENCH_CANDIDATES ? JSON.parse(process.env.BENCH_CANDIDATES) : [50, 100, 200, 500, 1000];
const t0 = performance.now();
const loadAtStart = loadavg()[0];
const log = (...a) => console.error(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s]`, ...a);
const round = (x, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);
const mb = (b) => round(b / 2 ** 20, 1);
const median = (v) => [...v].sort((a, b) => a - b)[(v.length - 1) >> 1];
const label = N >= 1e6 ? `${N / 1e6}m` : `${N / 1000}k`;
// The index's format and build: a change in any of these files makes new index bytes, except in
// the search settings (COMPACT_SEARCH and its comment), which a search reads and a build does not.
const INDEX_SOURCES = ['src/lib/core/compact-index.ts', 'src/lib/core/quantize.ts', 'src/lib/index/compact-vector-index.ts', 'bench/million-browser/build-index.mjs'];
const withoutSearchSettings = (text) => text.replace(/\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*export const COMPACT_SEARCH[\s\S]*?\n\}\);\n/, '');
const indexKey = createHash('sha256').update(`${N}\n`).update(INDEX_SOURCES.map((f) => withoutSearchSettings(readFileSync(join(ROOT, f), 'utf8'))).join('\n')).digest('hex').slice(0, 16);
const cachedIndexPath = KEPT_PROFILE ? `${KEPT_PROFILE}-index-${label}-${indexKey}.bin` : null;

const vite = await createSsrLoader(ROOT);
const { ExactIndex } = await vite.ssrLoadModule('/src/lib/core/vector-index.ts');
const { CompactIndex } = await vite.ssrLoadModule('/src/lib/core/compact-index.ts');
const { COMPACT_TRAIN_SAMPLE, COMPACT_SEARCH, compactProbesFor } = await vite.ssrLoadModule('/src/lib/index/compact-vector-index.ts');
await vite.close();

const chromiumSession = BROWSER ? await openChromium() : null;

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

// The vectors move into one SharedArrayBuffer: a worker thread builds the compact index over them
// while this thread serves them to Chromium for seeding and computes the exact top 10.
const shared = new SharedArrayBuffer(N * DIM * 4);
for (let i = 0; i < N; i++) {
  const view = new Float32Array(shared, i * DIM * 4, DIM);
  view.set(library.vectors[i]);
  library.vectors[i] = view;
}
const buildStartedMs = performance.now();
const buildIndex = () => new Promise((resolve, reject) => {
  const worker = new Worker(new URL('./million-browser/build-index.mjs', import.meta.url), { workerData: { root: ROOT, shared, n: N, dim: DIM, ids, modelKey: MODEL } });
  worker.on('message', (m) => {
    if (m.progress) log(`  index: ${m.progress}`);
    if (m.done) {
      m.done.wallMs = performance.now() - buildStartedMs;
      resolve(m.done);
      void worker.terminate();
    }
  });
  worker.on('error', reject);
});
/** The index bytes kept beside the profile when its sources are unchanged, else built (and kept). */
async function indexBytes() {
  // BENCH_WAIT_FOR_INDEX=1: a BENCH_BUILD_ONLY run is still making them; its file is whole once it restores.
  for (let waited = 0; WAIT_FOR_INDEX && cachedIndexPath; waited++) {
    try {
      if (existsSync(cachedIndexPath)) {
        CompactIndex.restore(new Uint8Array(readFileSync(cachedIndexPath)));
        break;
      }
    } catch {
      /* still being written */
    }
    if (waited % 30 === 0) log(`waiting for ${cachedIndexPath}`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
  if (cachedIndexPath && existsSync(cachedIndexPath)) {
    const bytes = new Uint8Array(readFileSync(cachedIndexPath));
    log(`index bytes of this format read from ${cachedIndexPath}`);
    const t = performance.now();
    const restored = CompactIndex.restore(bytes);
    // the build's own times, when the run that built them kept them
    const times = existsSync(`${cachedIndexPath}.json`) ? JSON.parse(readFileSync(`${cachedIndexPath}.json`, 'utf8')) : {};
    return { ...times, bytes, fromCache: true, restoreMs: performance.now() - t, lists: restored.lists, codeBytes: restored.codec.codeBytes, memoryBytes: restored.memoryBytes, wallMs: 0 };
  }
  const made = await buildIndex();
  if (cachedIndexPath) {
    writeFileSync(cachedIndexPath, made.bytes);
    writeFileSync(`${cachedIndexPath}.json`, JSON.stringify({ trainMs: made.trainMs, buildMs: made.buildMs, serializeMs: made.serializeMs }) + '\n');
  }
  return made;
}
const built = SEED_ONLY ? new Promise(() => {}) : indexBytes();
built.catch((err) => log(`index build failed: ${err?.stack ?? err}`));
/** Lets the data server answer Chromium between slices of synchronous work on this thread. */
const yieldToServer = () => new Promise((r) => setImmediate(r));

// ---------------------------------------------------------------- Chromium: seeding starts at once
let chromiumRun = null;
if (chromiumSession) {
  chromiumRun = startChromium(chromiumSession);
  chromiumRun.catch((err) => log(`Chromium run failed: ${err?.stack ?? err}`));
}

if (SEED_ONLY) {
  await chromiumRun;
  log(`seeded ${KEPT_PROFILE}`);
  process.exit(0);
}
if (BUILD_ONLY) {
  const made = await built;
  log(`index bytes (${mb(made.bytes.byteLength)} MB) kept in ${cachedIndexPath}: training ${round(made.trainMs / 1000, 1)} s, encoding ${round(made.buildMs / 1000, 1)} s`);
  process.exit(0);
}

let exact = new ExactIndex(DIM, MODEL, N);
for (let i = 0; i < N; i++) exact.add(ids[i], library.vectors[i]);
const exactMs = [];
const truth = [];
for (const q of all) {
  const t = performance.now();
  truth.push(exact.search(q, { k: K }).map((h) => h.id));
  exactMs.push(performance.now() - t);
  await yieldToServer();
}
exact = null;
log(`exact scan: p50 ${round(median(exactMs))} ms`);

const store = {
  fetched: 0,
  getVectors(want) {
    this.fetched += want.length;
    return want.map((id) => library.vectors[rowOf.get(id)]);
  },
};
const made = await built;
const bytes = made.bytes;
log(made.fromCache ? `compact index read: ${made.lists} lists, ${mb(bytes.byteLength)} MB of bytes; restore ${round(made.restoreMs, 0)} ms` : `compact index built in a worker thread: ${made.lists} lists, training ${round(made.trainMs / 1000, 1)} s, ${N} items encoded in ${round(made.buildMs / 1000, 1)} s; ${mb(bytes.byteLength)} MB of bytes; restore ${round(made.restoreMs, 0)} ms`);
const index = { compact: CompactIndex.restore(bytes) };
const trainMs = made.trainMs;
const buildMs = made.buildMs;
const serializeMs = made.serializeMs;
const restoreMs = made.restoreMs;

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
        await yieldToServer();
      }
    }
    const per = ms.map(median);
    const row = { probeShare: round(probeShare, 4), probes, candidates, scannedPerQuery: round(scanned.reduce((a, b) => a + b, 0) / scanned.length, 0) };
    for (const kind of ['text', 'image', 'all']) row[kind] = { recall: recallOf(results, idxOf(kind)), p50: round(median(idxOf(kind).map((i) => per[i])), 2) };
    sweep.push(row);
    log(`  probes ${probes} (${round(probeShare, 4)}) candidates ${candidates}: ${row.scannedPerQuery} codes scanned; recall text ${row.text.recall} image ${row.image.recall}; p50 text ${row.text.p50} image ${row.image.p50} ms`);
  }
}

// The app's own settings (COMPACT_SEARCH) per query kind in Node, with the same index: the work of
// a search, which the load does not change: codes scanned, full vectors read (in Chromium each is
// an IndexedDB get), and recall; p50 with the vectors in memory.
const appSettings = {};
for (const kind of ['text', 'image']) {
  const knobs = COMPACT_SEARCH[kind];
  const opts = { k: K, probes: compactProbesFor(index.compact.lists, kind), candidates: knobs.candidates, rerankBatch: knobs.rerankBatch };
  const idx = idxOf(kind);
  const results = [];
  const ms = [];
  let scanned = 0;
  store.fetched = 0;
  for (const i of idx) {
    const s = performance.now();
    const r = await index.compact.search(all[i], opts, store);
    ms.push(performance.now() - s);
    results[i] = r.map((h) => h.id);
    scanned += index.compact.candidates(all[i], opts).scanned;
    await yieldToServer();
  }
  appSettings[kind] = { ...opts, recall: recallOf(results, idx), p50: round(median(ms), 2), codesScannedPerQuery: Math.round(scanned / idx.length), vectorsReadPerQuery: round(store.fetched / idx.length, 1) };
  log(`  app settings, ${kind}: ${appSettings[kind].codesScannedPerQuery} codes scanned and ${appSettings[kind].vectorsReadPerQuery} vectors read per query, recall ${appSettings[kind].recall}, p50 ${appSettings[kind].p50} ms in Node`);
}

const node = {
  appSettings,
  exactP50Ms: round(median(exactMs)),
  lists: index.compact.lists,
  codeBytes: index.compact.codec.codeBytes,
  refineBytes: index.compact.refiner?.codeBytes ?? 0,
  trainMs: round(trainMs, 0),
  buildMs: round(buildMs, 0),
  indexMB: mb(bytes.byteLength),
  typedArrayBytesPerItem: round(made.memoryBytes / N, 1),
  buildWallMs: round(made.wallMs, 0),
  serializeMs: round(serializeMs, 0),
  restoreMs: round(restoreMs, 0),
  sweep,
};

// ---------------------------------------------------------------- Chromium
/** CPU seconds used so far by the processes this process started (Chromium, from /proc). */
function chromiumCpuSeconds() {
  let ticks = 0;
  for (const [pid, t] of treeTicks()) if (pid !== process.pid) ticks += t;
  return ticks / TICK_HZ;
}

/**
 * The heaps of the last worker `page` starts, from DevTools (Runtime.getHeapUsage through a
 * session attached to the worker): V8's heap used and committed, Blink's C++ heap (objects such as
 * IndexedDB requests and their values) and ArrayBuffers' bytes, MB; null before a worker runs or
 * when it does not answer within 2 s.
 */
async function workerHeapProbe(page) {
  const cdp = await page.context().newCDPSession(page);
  const workers = [];
  const pending = new Map();
  let nextId = 1;
  cdp.on('Target.attachedToTarget', (e) => {
    if (e.targetInfo.type === 'worker') workers.push(e.sessionId);
  });
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const reply = JSON.parse(e.message);
    pending.get(reply.id)?.(reply.result ?? null);
    pending.delete(reply.id);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  return async () => {
    const sessionId = workers.at(-1);
    if (!sessionId) return null;
    const id = nextId++;
    const usage = await Promise.race([
      new Promise((resolve) => {
        pending.set(id, resolve);
        cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) }).catch(() => resolve(null));
      }),
      new Promise((resolve) => setTimeout(() => resolve(null), 2000)),
    ]);
    pending.delete(id);
    return usage && { usedMB: mb(usage.usedSize), totalMB: mb(usage.totalSize), blinkMB: mb(usage.embedderHeapUsedSize ?? 0), arrayBuffersMB: mb(usage.backingStorageSize ?? 0) };
  };
}

/** Waits (at most `maxMs`) until Chromium uses under a tenth of a core over 2 s: IndexedDB done compacting what was written. */
async function waitChromiumQuiet(maxMs) {
  const start = performance.now();
  let before = chromiumCpuSeconds();
  while (performance.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 2000));
    const now = chromiumCpuSeconds();
    if (now - before < 0.2) return { waitedMs: round(performance.now() - start, 0), quiet: true };
    before = now;
  }
  return { waitedMs: round(performance.now() - start, 0), quiet: false };
}

/**
 * The data server and Chromium with the bench page loaded, started before the library is generated:
 * launching needs an event loop that answers at once, which this thread's later synchronous work is not.
 */
async function openChromium() {
  const session = { snapshotBytes: null };
  const files = { '/bench-data/page.html': Buffer.from('<!doctype html><title>million</title><script type="module" src="/bench/million-browser/page.ts"></script>') };
  const server = await serveBenchData(files, (url, res) => {
    if (url.pathname === '/bench-data/index.bin' && session.snapshotBytes) {
      res.setHeader('Content-Type', 'application/octet-stream');
      res.end(Buffer.from(session.snapshotBytes.buffer, session.snapshotBytes.byteOffset, session.snapshotBytes.byteLength));
      return true;
    }
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
  }, keptMark?.port ?? 0);
  session.port = Number(new URL(server.origin).port);
  const url = `${server.origin}/bench-data/page.html`;
  const userDataDir = KEPT_PROFILE ?? mkdtempSync(join(tmpdir(), 'shoebox-million-'));
  if (KEPT_PROFILE) mkdirSync(KEPT_PROFILE, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: [...CHROME_ARGS, '--disable-gpu'] });
  const errors = [];
  const watch = (p) => {
    p.on('pageerror', (e) => errors.push(String(e?.message || e)));
    return p;
  };
  session.page = watch(context.pages()[0] ?? (await context.newPage()));
  const load = async () => {
    await session.page.goto(url);
    await session.page.waitForFunction(() => window.benchReady === true, null, { timeout: 120_000 });
  };
  /**
   * A new tab instead of this one: a new renderer process, so that the memory measured after it is
   * the app's alone (a reload keeps the renderer process and the garbage its last page left).
   */
  const freshTab = async () => {
    const old = session.page;
    session.page = watch(await context.newPage());
    await old.close();
    await load();
  };
  await load();
  const close = async () => {
    await context.close();
    if (!KEPT_PROFILE) rmSync(userDataDir, { recursive: true, force: true });
    await server.close();
  };
  return Object.assign(session, { context, errors, load, freshTab, close });
}

/** Seeds Chromium (starts at once), then, once the index bytes are there, measures starts, searches and memory. */
async function startChromium(session) {
  const { context, errors, load, freshTab } = session;
  const page = { evaluate: (...a) => session.page.evaluate(...a) };
  try {
    let t = performance.now();
    for (let from = 0; from < (keptMark ? 0 : N); from += WRITE_BATCH) {
      const count = Math.min(WRITE_BATCH, N - from);
      const next = Math.min(WRITE_BATCH, Math.max(0, N - from - count));
      await page.evaluate(([f, c, d, m, x]) => window.bench.write(f, c, d, m, x), [from, count, DIM, MODEL, next]);
      if ((from / WRITE_BATCH) % 10 === 0) log(`  written ${from + count} of ${N} records in ${round((performance.now() - t) / 1000, 0)} s`);
    }
    const writeMs = keptMark ? keptMark.writeMs : performance.now() - t;
    if (keptMark) log(`reusing the ${N} records seeded in ${KEPT_PROFILE} on ${keptMark.seededAt} (${round(writeMs / 1000, 0)} s then)`);
    else log(`wrote ${N} records in ${round(writeMs / 1000, 1)} s (${round(N / (writeMs / 1000), 0)} per s); waiting for the index`);
    const mark = keptMark ?? { n: N, model: MODEL, port: session.port, seededAt: new Date().toISOString(), writeMs: round(writeMs, 0), snapshotKey: null };
    if (SEEDED_MARK) writeFileSync(SEEDED_MARK, JSON.stringify(mark, null, 2) + '\n');
    if (SEED_ONLY) return null;
    const waitForIndexStart = performance.now();
    const snapshotBytes = (session.snapshotBytes = (await built).bytes);
    const indexWaitMs = performance.now() - waitForIndexStart;
    t = performance.now();
    // A kept profile already holding this index's bytes keeps them.
    const snapshotKept = mark.snapshotKey === indexKey;
    if (!snapshotKept) await page.evaluate(([m, n]) => window.bench.writeSnapshot(m, n), [MODEL, N]);
    const snapshotWriteMs = snapshotKept ? mark.snapshotWriteMs : performance.now() - t;
    if (SEEDED_MARK && !snapshotKept) writeFileSync(SEEDED_MARK, JSON.stringify({ ...mark, snapshotKey: indexKey, snapshotWriteMs: round(snapshotWriteMs, 0) }, null, 2) + '\n');
    // A profile opened again reports no usage until Chromium has counted it: then its IndexedDB files on disk are counted.
    const estimatedBytes = await page.evaluate(() => window.bench.storageUsageBytes());
    const usageBytes = estimatedBytes > 0 || !KEPT_PROFILE ? estimatedBytes : Number(execFileSync('du', ['-sb', join(KEPT_PROFILE, 'Default', 'IndexedDB')], { encoding: 'utf8' }).split('\t')[0]);
    log(`index bytes (${mb(snapshotBytes.byteLength)} MB) written in ${round(snapshotWriteMs / 1000, 1)} s after waiting ${round(indexWaitMs / 1000, 0)} s for them; storage ${mb(usageBytes)} MB`);

    // The first start comes right after the bulk write (IndexedDB may still be compacting it), the
    // next ones once Chromium has gone quiet, as when the app is opened again another day.
    const starts = [];
    const quiet = [];
    const phases = [];
    let status = null;
    for (let i = 0; i < COLD_STARTS; i++) {
      if (i > 0) {
        quiet.push(await waitChromiumQuiet(QUIET_MAX_MS));
        log(`  waited ${quiet.at(-1).waitedMs} ms for Chromium to go quiet (${quiet.at(-1).quiet ? 'quiet' : 'still busy'})`);
      }
      await load();
      const r = await page.evaluate((m) => window.bench.open(m), MODEL);
      starts.push(r.readyMs);
      // Navigation → the page creates the worker → the worker's modules loaded and init called → init resolved.
      phases.push({ pageMs: round(r.workerCreatedMs, 0), workerLoadMs: round(r.readyMs - r.workerCreatedMs - r.status.tookMs, 0), initMs: round(r.status.tookMs, 0) });
      status = r.status;
      log(`  cold start ${i + 1}: search ready ${round(r.readyMs, 0)} ms after navigation (${r.status.origin}, ${r.status.kind}, ${r.status.size} items): page ${phases.at(-1).pageMs}, worker loaded ${phases.at(-1).workerLoadMs}, init ${phases.at(-1).initMs} ms`);
    }
    await freshTab();
    const workerHeap = await workerHeapProbe(session.page);
    const memoryBeforeStart = processMemory();
    // Sampled twice a second from this start to the last search: the most the renderer held.
    let rendererSampledPeakMB = 0;
    let rendererAnonPeakMB = 0;
    // 's since the start: renderer PSS/anonymous MB': when the peak comes and what follows it.
    const samples = [];
    const sampledFrom = performance.now();
    const marks = {};
    const sampler = setInterval(() => {
      const m = processMemory();
      rendererSampledPeakMB = Math.max(rendererSampledPeakMB, m.rendererMB ?? 0);
      rendererAnonPeakMB = Math.max(rendererAnonPeakMB, m.rendererAnonMB ?? 0);
      const at = round((performance.now() - sampledFrom) / 1000, 1);
      samples.push(`${at}: ${m.rendererMB}/${m.rendererAnonMB}`);
      if (samples.length % 4 === 1) void workerHeap().then((h) => h && heapSamples.push(`${at}: ${h.usedMB}/${h.totalMB}/${h.blinkMB}/${h.arrayBuffersMB}`));
    }, 500);
    // 's: V8 heap used/committed, Blink's heap, ArrayBuffers MB' of the index worker, every 2 s.
    const heapSamples = [];
    await page.evaluate((m) => window.bench.open(m), MODEL);
    marks.searchReadyS = round((performance.now() - sampledFrom) / 1000, 1);
    const memoryAfterStart = { ...processMemory(), indexWorker: await workerHeap() };
    log(`  renderer ${memoryBeforeStart.rendererMB} MB before the start, ${memoryAfterStart.rendererMB} MB when search-ready; index worker ${JSON.stringify(memoryAfterStart.indexWorker)}`);
    // The summaries (and the reconcile) are read in the background after search-ready: searches are
    // timed once they are done, so that p50 is the steady state's.
    t = performance.now();
    const total = await page.evaluate(() => window.bench.settle());
    const summariesMs = performance.now() - t;
    marks.summariesReadS = round((performance.now() - sampledFrom) / 1000, 1);
    const memorySettled = { ...processMemory(), indexWorker: await workerHeap() };
    log(`  renderer ${memorySettled.rendererMB} MB once the ${total} asset summaries are read (${round(summariesMs, 0)} ms after search-ready); index worker ${JSON.stringify(memorySettled.indexWorker)}`);
    const flat = all.flatMap((q) => Array.from(q));
    const run = await page.evaluate(([f, d, nt, k]) => window.bench.search(f, d, nt, k, 3), [flat, DIM, queries.text.length, K]);
    const memoryAfterSearch = processMemory();
    marks.searchesDoneS = round((performance.now() - sampledFrom) / 1000, 1);
    clearInterval(sampler);
    log(`  renderer ${memoryAfterSearch.rendererMB} MB after ${all.length * 3} searches; all Chromium ${memoryAfterSearch.chromiumTotalMB} MB`);
    log(`  renderer sampled (s: PSS/anonymous MB; search-ready at ${marks.searchReadyS} s, summaries read at ${marks.summariesReadS} s, searches done at ${marks.searchesDoneS} s): ${samples.filter((_, i) => i % 4 === 0).join(', ')}; most ${rendererSampledPeakMB}/${rendererAnonPeakMB}`);
    // Left alone for a while: what the worker's garbage collector gives back on its own.
    await new Promise((r) => setTimeout(r, 20_000));
    const memoryIdle = { ...processMemory(), indexWorker: await workerHeap() };
    log(`  index worker sampled (${heapSamples.length > 0 ? 's: V8 heap used/committed, Blink heap, ArrayBuffers MB' : 'no DevTools session'}): ${heapSamples.join(', ')}`);
    log(`  renderer ${memoryIdle.rendererMB} MB (anonymous ${memoryIdle.rendererAnonMB}) 20 s after the searches; index worker ${JSON.stringify(memoryIdle.indexWorker)}`);
    // Last: the profile reads every asset summary on the page's thread, garbage the renderer process keeps after a reload.
    await load();
    const profile = await page.evaluate((m) => window.bench.profileOpen(m), MODEL);
    log(`  init steps on the page's thread, ms: ${JSON.stringify(profile)}`);
    return {
      run,
      chromium: context.browser()?.version() ?? 'unknown',
      keptProfile: keptMark ? { seededAt: keptMark.seededAt, snapshotKept } : null,
      writeMs: round(writeMs, 0),
      indexWaitMs: round(indexWaitMs, 0),
      snapshotWriteMs: round(snapshotWriteMs, 0),
      storageMB: mb(usageBytes),
      storageBytesPerItem: round(usageBytes / N, 0),
      coldStartMs: starts.map((x) => round(x, 0)),
      coldStartP50Ms: round(median(starts), 0),
      quietBeforeStarts: quiet,
      coldStartPhasesMs: phases,
      status,
      initStepsMs: profile,
      memoryBeforeStart,
      memoryAfterStart,
      memoryAfterSearch,
      memorySettled,
      rendererSampledPeakMB,
      rendererAnonPeakMB,
      memoryIdle,
      memorySamples: { marks, samples, indexWorkerHeap: heapSamples },
      summariesAfterReadyMs: round(summariesMs, 0),
      errors: errors.slice(0, 5),
    };
  } finally {
    await session.close();
  }
}

let browser = null;
if (chromiumRun) {
  const { run, ...rest } = await chromiumRun;
  const row = {};
  for (const kind of ['text', 'image', 'all']) row[kind] = { recall: recallOf(run.ids, idxOf(kind)), p50: round(median(idxOf(kind).map((i) => run.ms[i])), 2) };
  log(`browser search: recall text ${row.text.recall} image ${row.image.recall}; p50 text ${row.text.p50} image ${row.image.p50} ms`);
  browser = { ...rest, search: row };
}

// ---------------------------------------------------------------- report
const meta = { date: new Date().toISOString(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAverage1m: { start: round(loadAtStart, 2), end: round(loadavg()[0], 2) }, n: N, queries: { text: queries.text.length, image: queries.image.length }, data: source, elapsedSeconds: round((performance.now() - t0) / 1000, 0) };
const out = { meta, node, browser };
const resultsDir = join(ROOT, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, `million-browser-${label}.json`), JSON.stringify(out, null, 2) + '\n');
const L = [`# Compact index at ${label} items, Node and Chromium (\`BENCH_N=${N} node --expose-gc bench/million-browser.mjs\`)`, ''];
L.push(`${meta.date} · ${meta.cpu}, ${meta.cores} cores shared with other jobs: load average ${meta.loadAverage1m.start} → ${meta.loadAverage1m.end} (timings inflated accordingly). ${meta.queries.text} text + ${meta.queries.image} image queries; recall@10 against the exact scan (p50 ${node.exactP50Ms} ms in Node in this run).`, '');
L.push(`Index: ${node.lists} lists, residual PQ ${node.codeBytes} B per item${node.refineBytes ? ` + a refiner of ${node.refineBytes} B` : ''}; trained on ${COMPACT_TRAIN_SAMPLE} items in ${round(node.trainMs / 1000, 1)} s, ${N} items encoded in ${round(node.buildMs / 1000, 1)} s; ${node.indexMB} MB of bytes, restore ${node.restoreMs} ms in Node.`, '');
L.push(`At the app's settings (COMPACT_SEARCH) in Node, same index: ${['text', 'image'].map((kind) => `${kind} ${node.appSettings[kind].probes} lists + ${node.appSettings[kind].candidates} candidates read ${node.appSettings[kind].rerankBatch} at a time: ${node.appSettings[kind].codesScannedPerQuery} codes scanned, ${node.appSettings[kind].vectorsReadPerQuery} vectors read per query, recall ${node.appSettings[kind].recall}, p50 ${node.appSettings[kind].p50} ms`).join('; ')}.`, '');
L.push('## Node sweep (full vectors from memory)', '', '| probe share | probes | candidates | codes scanned per query | text recall | text p50 ms | image recall | image p50 ms |', '|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of sweep) L.push(`| ${r.probeShare} | ${r.probes} | ${r.candidates} | ${r.scannedPerQuery} | ${r.text.recall} | ${r.text.p50} | ${r.image.recall} | ${r.image.p50} |`);
if (browser) {
  const memoryMB = (m) => m?.rendererMB;
  L.push('', '## Chromium (the app\'s index worker over IndexedDB)', '');
  L.push(`- ${browser.chromium}; ${N} records written in ${round(browser.writeMs / 1000, 1)} s (${round(N / (browser.writeMs / 1000), 0)} per s, ${WRITE_BATCH} per transaction, durability 'relaxed') while a worker thread built the index (${round(node.buildWallMs / 1000, 0)} s wall); waited ${round(browser.indexWaitMs / 1000, 0)} s more for the index; index bytes written in ${round(browser.snapshotWriteMs / 1000, 1)} s`);
  if (browser.keptProfile) L.push(`- the records were seeded into a kept profile on ${browser.keptProfile.seededAt} (the time above is that seeding's); this run ${browser.keptProfile.snapshotKept ? 'found this index format\'s bytes in it' : 'wrote this index format\'s bytes into it'}`);
  L.push(`- storage ${browser.storageMB} MB = ${browser.storageBytesPerItem} B per item (asset record + embedding record + index bytes, IndexedDB's own overhead included)`);
  L.push(`- cold start (navigation → index worker search-ready): ${browser.coldStartMs.join(', ')} ms (${browser.keptProfile ? 'the first after Chromium opened the kept profile, while this process computed the exact scan: its dev server answers the page\'s and the worker\'s module requests between queries, so that start\'s page and worker phases are the bench\'s own' : 'the first right after the bulk write'}; before the next ones Chromium was left to go quiet: ${browser.quietBeforeStarts.map((q) => `${round(q.waitedMs / 1000, 0)} s${q.quiet ? '' : ' (still busy)'}`).join(', ') || '–'}); p50 ${browser.coldStartP50Ms} ms; asset summaries read ${browser.summariesAfterReadyMs} ms after search-ready`);
  L.push(`- each start's phases, ms (page loaded → worker created; worker's modules loaded and its message answered; init, i.e. IndexedDB opened, snapshot read, index restored): ${browser.coldStartPhasesMs.map((p) => `${p.pageMs} + ${p.workerLoadMs} + ${p.initMs}`).join('; ')}`);
  L.push(`- the init steps one after the other on the page's thread, ms: ${Object.entries(browser.initStepsMs).map(([k, v]) => `${k} ${v}`).join(', ')} (the worker's start needs frameEmbeddings + readSnapshot + restore; the count and the summaries come after search-ready)`);
  L.push(`- search through the worker (COMPACT_SEARCH settings): text recall ${browser.search.text.recall}, p50 ${browser.search.text.p50} ms; image recall ${browser.search.image.recall}, p50 ${browser.search.image.p50} ms; all ${browser.search.all.recall}, p50 ${browser.search.all.p50} ms`);
  L.push(`- memory (PSS, renderer = bench page + index worker): ${memoryMB(browser.memoryBeforeStart)} MB before the start, ${memoryMB(browser.memoryAfterStart)} MB when search-ready, ${memoryMB(browser.memorySettled)} MB once the asset summaries are read, ${memoryMB(browser.memoryAfterSearch)} MB after ${all.length * 3} searches (most sampled ${browser.rendererSampledPeakMB} MB); all Chromium processes ${browser.memoryAfterSearch.chromiumTotalMB} MB`);
}
writeFileSync(join(resultsDir, `million-browser-${label}.md`), L.join('\n') + '\n');
log(`wrote bench/results/million-browser-${label}.{json,md}`);

// Small runs (a check of the bench itself) stay out of the report.
if (browser && N >= 100_000) {
  const loadNote = `load average ${meta.loadAverage1m.start} → ${meta.loadAverage1m.end} on 2 shared cores`;
  const key = (name) => name.replace('1m', label);
  const rendererPeakMB = Math.max(browser.rendererSampledPeakMB, ...[browser.memoryAfterStart, browser.memoryAfterSearch, browser.memorySettled].map((m) => m?.rendererMB ?? 0));
  // At 1M the storage per item joins the Node bench's memory per item under `bytes_per_item`.
  const bytesKey = label === '1m' ? 'bytes_per_item' : `bytes_per_item_${label}`;
  const previousBytes = JSON.parse(readFileSync(join(resultsDir, 'latest.json'), 'utf8')).summary?.[bytesKey];
  const figures = {
    [key('search_1m_p50_ms_browser')]: browser.search.all.p50,
    [key('search_1m_recall_at_10_browser')]: browser.search.all.recall,
    [key('search_1m_text_p50_ms_browser')]: browser.search.text.p50,
    [key('search_1m_image_p50_ms_browser')]: browser.search.image.p50,
    [key('search_1m_vectors_read_per_query')]: { text: node.appSettings.text.vectorsReadPerQuery, image: node.appSettings.image.vectorsReadPerQuery },
    [key('cold_start_1m_ms')]: browser.coldStartP50Ms,
    [key('memory_1m_browser_mb')]: rendererPeakMB,
    [bytesKey]: { ...(typeof previousBytes === 'object' ? previousBytes : {}), storage: browser.storageBytesPerItem },
  };
  const lines = {
    [key('search_1m_p50_ms_browser')]: `${browser.search.all.p50} ms p50 at ${label} synthetic CLIP-like items through the app's index worker in Chromium (text ${browser.search.text.p50}, image ${browser.search.image.p50} ms; compact index, exact re-rank with vectors read from IndexedDB; exact scan in Node ${node.exactP50Ms} ms in the same run; ${loadNote}; bench/million-browser.mjs)`,
    [key('search_1m_text_p50_ms_browser')]: `${browser.search.text.p50} ms p50 of ${queries.text.length} text queries through the app's index worker in Chromium at ${label} (recall ${browser.search.text.recall}; ${node.appSettings.text.codesScannedPerQuery} codes scanned and ${node.appSettings.text.vectorsReadPerQuery} vectors read from IndexedDB per query; ${loadNote})`,
    [key('search_1m_image_p50_ms_browser')]: `${browser.search.image.p50} ms p50 of ${queries.image.length} image queries through the app's index worker in Chromium at ${label} (recall ${browser.search.image.recall}; ${node.appSettings.image.codesScannedPerQuery} codes scanned and ${node.appSettings.image.vectorsReadPerQuery} vectors read from IndexedDB per query; ${loadNote})`,
    [key('search_1m_vectors_read_per_query')]: `full vectors read from storage per query at ${label} with the app's settings (counted in Node on the index the Chromium run used): text ${node.appSettings.text.vectorsReadPerQuery}, image ${node.appSettings.image.vectorsReadPerQuery}${node.refineBytes ? ` (candidates ordered by a ${node.refineBytes}-byte refiner)` : ''}`,
    [key('search_1m_recall_at_10_browser')]: `${browser.search.all.recall} (text ${browser.search.text.recall}, image ${browser.search.image.recall}) against the exact scan, ${label} items, Chromium`,
    [key('cold_start_1m_ms')]: `${browser.coldStartP50Ms} ms p50 of ${COLD_STARTS} (${browser.coldStartMs.join(', ')}): page loaded again → the app's index worker search-ready (compact index of ${node.indexMB} MB read from IndexedDB chunks and restored), ${label} items; ${browser.keptProfile ? 'the first start after Chromium opened the kept profile, its page and worker phases slowed by the bench\'s own busy dev server' : 'the first start right after the bulk write'}; ${loadNote}`,
    [key('memory_1m_browser_mb')]: `${rendererPeakMB} MB PSS of the renderer (bench page + index worker), the most sampled twice a second from a start to the last search (search-ready ${browser.memoryAfterStart.rendererMB}, asset summaries read ${browser.memorySettled.rendererMB}, after ${all.length * 3} searches ${browser.memoryAfterSearch.rendererMB} MB) at ${label} items; all Chromium ${browser.memoryAfterSearch.chromiumTotalMB} MB (no app UI, no model loaded)`,
    [bytesKey]: `stored per item at ${label} in Chromium (navigator.storage.estimate ÷ n: asset + embedding records + index bytes): ${browser.storageBytesPerItem} B${typeof previousBytes === 'object' && previousBytes.memory ? `; memory ${previousBytes.memory} B is the Node bench's index per item` : ''}`,
  };
  log(`merged into ${mergeIntoLatest(resultsDir, figures, lines).join(', ')}`);
}
