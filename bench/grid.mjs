#!/usr/bin/env node
// The library at 100,000 items, in Chromium with the app's real grid (issue 14's figures):
//
//   node bench/grid.mjs [--count 100000] [--out grid]
//
// How the synthetic library is made: the app is opened once with the fixture model and two real
// photos are imported through the file input, so the database has the app's schema and a vector
// made by the loaded model (its id and dimension). Then, in the page, `seedLibrary` writes
// `--count` items straight into IndexedDB in transactions of 2,000: an asset record each (dates
// taken spread over 20 years in bursts of 1–40 photos a day, as a camera roll is), a small JPEG
// thumbnail (one of 48 distinct 160×120 pictures drawn with OffscreenCanvas, stored per item as
// the app stores thumbnails), and a CLIP-like vector (unit vectors around 64 random directions,
// cosine ~0.8 within a direction, as CLIP image vectors cluster by subject). No original files:
// the grid never reads them. The app is then reloaded once so the index worker builds and saves
// its index and groups the items into clusters (a library that grew by imports has both saved as
// it grew), and the figures are taken on the starts after that:
//   cold_start_100k_ms         the browser opened again, offline, on the app → the first screen of thumbnails painted
//   memory_100k_browser_mb     renderer (page + its workers) PSS 15 s after that start (3 s figure kept too);
//                              the start's own work (index restore, text ranker, records, groups) is
//                              still running then: it is the start's figure, not the settled one
//   memory_100k_browser_late_mb  the same 45 s after the last start (`--late-s`): the settled figure
//   memory_100k_browser_peak_mb  the highest renderer PSS during the last start (sampled every 250 ms)
//   grid_100k_scroll_p95_frame_ms, grid_100k_dom_nodes
//                              a fast scroll through the whole timeline (one screen per frame,
//                              top to bottom): p95 of the frame intervals, the most DOM nodes seen
// During the last start the renderer's mappings by kind and the JS heap (used, committed) and
// ArrayBuffers of the page and of every worker are sampled at 3 s, 15 s and 45 s; the text ranker's
// WebAssembly memory (64 MB at 100k) is in none of them. After the last start, what the renderer
// holds is split: the JS heap of the page and of each worker after a GC, the renderer's mappings,
// then each app worker ended in turn with what that gave back, and the page alone by kind.
// A library seeded before its records carried `metadataVersion` is brought to what an import
// leaves (markMetadataRead) on the online visit, so no start walks 100,000 records for metadata.
//
// `--profile DIR` keeps the seeded browser profile in DIR and, when DIR already holds one, measures
// on it without seeding again (comparing builds on one library: it is served on the port it was
// seeded on, and the build's service worker installs on an online visit first); `--starts N`
// (default 3); `--merge` adds the summary keys to bench/results/latest.json.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, fixtureImage } from '../test/e2e/harness.mjs';
import { appUrl, importFiles, ui, waitModelReady, closeSettings } from '../test/e2e/app-helpers.mjs';
import { CHROME_ARGS, RESULTS_DIR, ROOT, argValue, chromiumVersion, log, pct, pkgVersion, processMemory, round, sleep, writeResult } from './lib/bench-page.mjs';
import { heapUsage, rendererMappings, trackWorkers, workerTracker } from './lib/renderer-memory.mjs';
import { mergeIntoLatest } from './lib/merge-latest.mjs';

const argv = process.argv.slice(2);
const COUNT = Number(argValue(argv, '--count', '100000'));
const OUT = argValue(argv, '--out', 'grid');
const DIST = join(ROOT, '.cache', 'grid-dist');
const SEED_PHOTOS = ['red-ball.jpg', 'blue-sky.jpg'];
const KEPT_PROFILE = argValue(argv, '--profile', null);
const STARTS = Number(argValue(argv, '--starts', '3'));
const MERGE = argv.includes('--merge');
/** The last start is followed this long (s): each worker's heap at 3 s, 15 s and then. */
const LATE_S = Number(argValue(argv, '--late-s', '45'));

/** Runs in the page: writes `count` synthetic items into the app's database. */
async function seedLibrary({ count, modelId, dim }) {
  const open = () => new Promise((res, rej) => {
    const r = indexedDB.open('shoebox');
    r.onsuccess = () => res(r.result);
    r.onerror = () => rej(r.error);
  });
  const db = await open();
  let seed = 12345;
  const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const unit = (v) => {
    let n = 0;
    for (const x of v) n += x * x;
    n = Math.sqrt(n) || 1;
    for (let i = 0; i < v.length; i++) v[i] /= n;
    return v;
  };
  const centres = Array.from({ length: 64 }, () => unit(Float32Array.from({ length: dim }, gauss)));
  const thumbs = [];
  for (let i = 0; i < 48; i++) {
    const c = new OffscreenCanvas(160, 120);
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, 160, 120);
    grad.addColorStop(0, `hsl(${(i * 37) % 360} 60% 55%)`);
    grad.addColorStop(1, `hsl(${(i * 37 + 120) % 360} 50% 30%)`);
    g.fillStyle = grad;
    g.fillRect(0, 0, 160, 120);
    g.fillStyle = `hsl(${(i * 53) % 360} 70% 80%)`;
    g.beginPath();
    g.arc(40 + (i % 6) * 16, 30 + (i % 4) * 18, 18 + (i % 5) * 4, 0, 2 * Math.PI);
    g.fill();
    thumbs.push(await c.convertToBlob({ type: 'image/jpeg', quality: 0.8 }));
  }
  const DAY = 86_400_000;
  const end = Date.UTC(2026, 10, 30);
  let day = end;
  let leftToday = 0;
  const BATCH = 2000;
  const t0 = performance.now();
  let thumbBytes = 0;
  for (let start = 0; start < count; start += BATCH) {
    const tx = db.transaction(['assets', 'thumbnails', 'embeddings'], 'readwrite');
    for (let k = start; k < Math.min(count, start + BATCH); k++) {
      if (leftToday === 0) {
        day -= DAY * (1 + Math.floor(rand() * 2.6));
        leftToday = 1 + Math.floor(rand() * 40);
      }
      leftToday--;
      const id = `seed-${String(k).padStart(6, '0')}-0000-4000-8000-000000000000`;
      const takenAtMs = day + 8 * 3600_000 + Math.floor(rand() * 12 * 3600_000);
      const t = thumbs[k % thumbs.length];
      thumbBytes += t.size;
      tx.objectStore('assets').put({
        id, name: `IMG_${String(k).padStart(6, '0')}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: 2_000_000 + k,
        sha256: k.toString(16).padStart(64, '0'), pHash: (k * 2654435761 % 2 ** 32).toString(16).padStart(16, '0'),
        width: 4000, height: 3000, addedAt: end + k, takenAtMs, takenAtSource: 'file-modified', status: 'ready', blobLocation: 'opfs', metadataVersion: 1,
      });
      tx.objectStore('thumbnails').put({ id, blob: t, width: 160, height: 120 });
      const centre = centres[Math.floor(rand() * centres.length)];
      const v = new Float32Array(dim);
      for (let i = 0; i < dim; i++) v[i] = centre[i] + 0.35 * gauss() / Math.sqrt(dim) * 1.6;
      tx.objectStore('embeddings').put({ id, modelId, dim, vector: unit(v) });
    }
    await new Promise((res, rej) => {
      tx.oncomplete = res;
      tx.onerror = () => rej(tx.error);
      tx.onabort = () => rej(tx.error);
    });
  }
  db.close();
  return { seedMs: performance.now() - t0, thumbBytesPerItem: thumbBytes / count, vectorBytesPerItem: dim * 4 };
}

/**
 * Runs in the page: marks the records of a library seeded before records carried
 * `metadataVersion` as having their metadata read, as an import leaves them. Without it every
 * start's writer walks all 100,000 records to read metadata from originals the synthetic library
 * does not have, which is not the start of a library that grew by imports. Returns how many.
 */
async function markMetadataRead() {
  const db = await new Promise((res, rej) => {
    const r = indexedDB.open('shoebox');
    r.onsuccess = () => res(r.result);
    r.onerror = () => rej(r.error);
  });
  let marked = 0;
  let after = null;
  for (;;) {
    const tx = db.transaction('assets', 'readwrite');
    const store = tx.objectStore('assets');
    const page = await new Promise((res, rej) => {
      const r = store.getAll(after === null ? null : IDBKeyRange.lowerBound(after, true), 2000);
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    for (const a of page) {
      if (a.metadataVersion === 1) continue;
      store.put({ ...a, metadataVersion: 1 });
      marked++;
    }
    await new Promise((res, rej) => {
      tx.oncomplete = res;
      tx.onerror = () => rej(tx.error);
    });
    if (page.length < 2000) break;
    after = page.at(-1).id;
  }
  db.close();
  return marked;
}

/**
 * `fn` evaluated in the page on the online visit. The new build's service worker may take the page
 * over at any moment of that visit, and the app then reloads itself once (autoUpdate): what was
 * asked of the page before that is asked again of the reloaded page.
 */
async function evaluateOnline(page, fn) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await page.evaluate(fn);
    } catch (err) {
      if (attempt === 4 || !/Execution context was destroyed/.test(String(err))) throw err;
      await page.waitForLoadState('load');
    }
  }
}

/** Runs in the page: resolves once the thumbnails on the first screen are decoded and painted. */
async function firstScreenPainted() {
  const visible = () =>
    [...document.querySelectorAll('main img')].filter((img) => {
      const r = img.getBoundingClientRect();
      return r.bottom > 0 && r.top < innerHeight && r.width > 0;
    });
  for (;;) {
    const imgs = visible();
    if (imgs.length >= 6 && imgs.every((img) => img.complete && img.naturalWidth > 0)) {
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now();
    }
    await new Promise((r) => requestAnimationFrame(r));
  }
}

/** Runs in the page: scrolls the whole timeline one screen per frame; frame intervals and DOM sizes. */
async function fastScroll() {
  const scrollers = [document.scrollingElement, ...document.querySelectorAll('main *')].filter(
    (el) => el && el.scrollHeight > el.clientHeight + 100 && getComputedStyle(el).overflowY !== 'hidden',
  );
  const el = scrollers.sort((a, b) => b.scrollHeight - a.scrollHeight)[0];
  if (!el) return { error: 'no scroller found' };
  el.scrollTop = 0;
  const frames = [];
  let maxNodes = document.getElementsByTagName('*').length;
  let last = await new Promise((r) => requestAnimationFrame(r));
  const step = Math.max(200, el.clientHeight || innerHeight);
  const deadline = performance.now() + 120_000;
  while (el.scrollTop + el.clientHeight < el.scrollHeight - 2 && performance.now() < deadline) {
    el.scrollTop += step;
    const now = await new Promise((r) => requestAnimationFrame(r));
    frames.push(now - last);
    last = now;
    maxNodes = Math.max(maxNodes, document.getElementsByTagName('*').length);
  }
  return { frames, maxNodes, scrollHeight: el.scrollHeight, reachedEnd: el.scrollTop + el.clientHeight >= el.scrollHeight - 2 };
}

async function main() {
  const t0 = Date.now();
  log(`building the app into ${DIST}`);
  const { build } = await import('vite');
  await build({ root: ROOT, logLevel: 'warn', build: { outDir: DIST, emptyOutDir: true } });
  const profile = KEPT_PROFILE ?? mkdtempSync(join(os.tmpdir(), 'shoebox-grid-'));
  const seededMark = join(profile, 'shoebox-grid-seeded.json');
  const kept = KEPT_PROFILE && existsSync(seededMark) ? JSON.parse(readFileSync(seededMark, 'utf8')) : null;
  // The library lives in the origin it was seeded on: a reused profile is served on that port again.
  const server = await startServer({ outDir: DIST, port: kept?.port ?? 0 });
  const launch = async () => {
    const c = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
      args: [...CHROME_ARGS, '--disable-gpu'],
      viewport: { width: 1280, height: 800 },
    });
    await c.addInitScript(trackWorkers);
    return c;
  };
  if (KEPT_PROFILE) mkdirSync(profile, { recursive: true });
  let context = await launch();
  try {
    let page = context.pages()[0] ?? (await context.newPage());
    const url = appUrl(server.url);
    let seeded;
    let indexBuildMs = null;
    if (kept) {
      seeded = kept;
      log(`measuring on the library seeded before in ${profile}`);
      // This build's service worker installs on an online visit first, as after an update.
      await page.goto(url);
      await evaluateOnline(page, firstScreenPainted);
      await page.waitForFunction(async () => {
        const reg = await navigator.serviceWorker.getRegistration();
        return !!reg?.active && !reg.installing && !reg.waiting;
      }, null, { timeout: 120_000, polling: 500 });
      await page.reload();
      await evaluateOnline(page, firstScreenPainted);
      const marked = await evaluateOnline(page, markMetadataRead);
      if (marked) {
        log(`${marked} records marked as having their metadata read (as an import leaves them)`);
        await page.reload();
        await evaluateOnline(page, firstScreenPainted);
      }
    } else {
      await page.goto(url);
      await ui(page).searchbox.waitFor();
      await waitModelReady(page, 120_000);
      await closeSettings(page);
      await importFiles(page, SEED_PHOTOS.map((n) => fixtureImage(n)), SEED_PHOTOS.length, 120_000);
      const [first] = await readStore(page, 'embeddings', 'getAll');
      const probe = { modelId: first.modelId, dim: first.dim };
      log(`model ${probe.modelId}, ${probe.dim}-d vectors; seeding ${COUNT} items`);
      seeded = { ...(await page.evaluate(seedLibrary, { count: COUNT, ...probe })), ...probe };
      log(`seeded in ${(seeded.seedMs / 1000).toFixed(1)} s`);

      // First start after seeding: the index worker builds the index over the new vectors and saves it.
      const buildStart = Date.now();
      await page.reload();
      await ui(page).searchbox.waitFor();
      await page.evaluate(firstScreenPainted);
      await ui(page).count.filter({ hasText: new RegExp(`${COUNT + SEED_PHOTOS.length}`) }).first().waitFor({ timeout: 300_000 }).catch(() => undefined);
      await waitIndexSaved(page, COUNT + SEED_PHOTOS.length);
      await waitClustersSaved(page);
      indexBuildMs = Date.now() - buildStart;
      log(`index built and saved after ${(indexBuildMs / 1000).toFixed(1)} s`);
      if (KEPT_PROFILE) writeFileSync(seededMark, JSON.stringify({ ...seeded, indexBuildMs, port: Number(new URL(server.url).port) }));
    }

    const starts = [];
    const memory = [];
    // Each start is a browser quit and opened again on the same profile, offline: the service
    // worker serves the app, and no memory of an earlier page is left in the renderer.
    let breakdown = null;
    let startTimeline = null;
    for (let i = 0; i < STARTS; i++) {
      await context.close();
      context = await launch();
      await context.setOffline(true);
      page = context.pages()[0] ?? (await context.newPage());
      // The last start is followed to LATE_S with the renderer's peak and each worker's heap.
      const watch = i === STARTS - 1 ? await watchStart(context, page) : null;
      const startedAt = Date.now();
      await page.goto(url);
      const paintedMs = await page.evaluate(firstScreenPainted);
      starts.push(paintedMs);
      // Settled: the start's own work (reading the index, the clusters, the duplicate scan) is done.
      await page.waitForTimeout(3000);
      const early = processMemory();
      await watch?.sample(3);
      await page.waitForTimeout(12_000);
      memory.push({ ...processMemory(), rendererAt3sMB: early.rendererMB });
      log(`start ${i + 1}: first screen painted at ${Math.round(paintedMs)} ms; renderer ${early.rendererMB} MB at 3 s, ${memory.at(-1).rendererMB} MB at 15 s`);
      if (watch) {
        await watch.sample(15);
        await page.waitForTimeout(Math.max(0, startedAt + LATE_S * 1000 - Date.now()));
        await watch.sample(LATE_S);
        startTimeline = await watch.stop();
        for (const s of startTimeline.samples) log(`  at ${s.atS} s: renderer ${s.rendererMB} MB (${Object.entries(s.mappingsMB).map(([k, v]) => `${k} ${v}`).join(', ')}); page ${s.page.usedMB} (of ${s.page.totalMB}) + ${s.page.arrayBuffersMB ?? 0} MB, ${s.workers.map((w) => `${w.name} ${w.usedMB ?? w.error} (of ${w.totalMB}) + ${w.arrayBuffersMB ?? 0} MB`).join(', ')}`);
        log(`  renderer peak ${startTimeline.peakRendererMB} MB at ${startTimeline.peakAtS} s`);
      }
    }
    breakdown = await splitRenderer(context, page);
    const scroll = await page.evaluate(fastScroll);
    const result = {
      bench: 'grid',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: round(os.totalmem() / 2 ** 30, 1) },
      versions: { chromium: chromiumVersion(), node: process.versions.node, svelte: pkgVersion('svelte'), virtua: pkgVersion('virtua'), '@tanstack/virtual-core': pkgVersion('@tanstack/virtual-core') },
      items: COUNT + SEED_PHOTOS.length,
      how: 'synthetic records, 160×120 JPEG thumbnails and clustered unit vectors written straight into IndexedDB (bench/grid.mjs seedLibrary); viewport 1280×800; headless Chromium, no GPU',
      seed: { ms: round(seeded.seedMs, 0), thumbBytesPerItem: round(seeded.thumbBytesPerItem, 0), vectorBytesPerItem: seeded.vectorBytesPerItem, modelId: seeded.modelId },
      indexBuildMs: indexBuildMs ?? seeded.indexBuildMs,
      loadAverage: os.loadavg().map((x) => round(x, 2)),
      breakdown,
      startTimeline,
      coldStartMs: starts.map((x) => round(x, 0)),
      memory,
      scroll: scroll.error ? scroll : { frames: scroll.frames.length, reachedEnd: scroll.reachedEnd, scrollHeightPx: scroll.scrollHeight, p50FrameMs: round(pct(scroll.frames, 50), 1), p95FrameMs: round(pct(scroll.frames, 95), 1), maxFrameMs: round(Math.max(...scroll.frames), 1), maxDomNodes: scroll.maxNodes },
      summary: {
        grid_100k_scroll_p95_frame_ms: scroll.error ? null : round(pct(scroll.frames, 95), 1),
        grid_100k_dom_nodes: scroll.error ? null : scroll.maxNodes,
        cold_start_100k_ms: round(pct(starts, 50), 0),
        memory_100k_browser_mb: round(pct(memory.map((m) => m.rendererMB), 50), 0),
        memory_100k_browser_late_mb: startTimeline ? round(startTimeline.samples.at(-1).rendererMB, 0) : null,
        memory_100k_browser_peak_mb: startTimeline ? round(startTimeline.peakRendererMB, 0) : null,
      },
      goals: { grid_100k_scroll_p95_frame_ms: 16.7, grid_100k_dom_nodes: 1500, cold_start_100k_ms: 1500, memory_100k_browser_mb: 400 },
      wallMs: Date.now() - t0,
    };
    writeResult(OUT, result);
    log(JSON.stringify(result.summary));
    if (MERGE) {
      const load = `load average ${result.loadAverage.join(' / ')} on ${result.machine.cpus} cores`;
      const mem = result.memory.map((m) => m.rendererMB);
      const open = breakdown?.indexOpenMB;
      mergeIntoLatest(RESULTS_DIR, result.summary, {
        cold_start_100k_ms: `${result.summary.cold_start_100k_ms} ms median of [${result.coldStartMs.join(', ')}], an offline start of ${result.items} items until the first screen of thumbnails is painted (goal ≤ 1,500; bench/grid.mjs; ${load})`,
        memory_100k_browser_mb: `${result.summary.memory_100k_browser_mb} MB median renderer PSS (page + workers) 15 s after those starts [${mem.join(', ')}]${open ? `; ${open} MB once the search index was open` : ''} (goal ≤ 400; split by worker in bench/results/${OUT}.json \`breakdown\`)`,
        grid_100k_scroll_p95_frame_ms: `${result.summary.grid_100k_scroll_p95_frame_ms} ms p95 frame during a fast scroll through the whole timeline (goal ≤ 16.7; ${load})`,
        grid_100k_dom_nodes: `${result.summary.grid_100k_dom_nodes} DOM nodes at most during that scroll (goal ≤ 1,500)`,
      });
    }
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
    if (!KEPT_PROFILE) rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Follows one start: the renderer's PSS every 250 ms (its peak) and, at each `sample(atS)`, the JS
 * heap and ArrayBuffer memory of every worker (no GC: what they hold then, garbage included).
 */
async function watchStart(context, page) {
  const cdp = await context.newCDPSession(page);
  const tracker = workerTracker(cdp);
  await tracker.start();
  const t0 = Date.now();
  let peakRendererMB = 0;
  let peakAtS = 0;
  const timer = setInterval(() => {
    const mb = processMemory().rendererMB ?? 0;
    if (mb > peakRendererMB) [peakRendererMB, peakAtS] = [mb, round((Date.now() - t0) / 1000, 1)];
  }, 250);
  const samples = [];
  return {
    async sample(atS) {
      const rendererMB = processMemory().rendererMB;
      const workers = (await tracker.heaps(false)).map(({ name, usedMB, totalMB, arrayBuffersMB, error }) => ({ name, usedMB, totalMB, arrayBuffersMB, ...(error ? { error } : {}) }));
      const { usedMB, totalMB, arrayBuffersMB } = heapUsage(await cdp.send('Runtime.getHeapUsage').catch(() => ({})));
      samples.push({ atS, rendererMB, mappingsMB: rendererMappings(), page: { usedMB, totalMB, arrayBuffersMB }, workers });
    },
    async stop() {
      clearInterval(timer);
      await cdp.detach().catch(() => {});
      return { samples, peakRendererMB, peakAtS };
    },
  };
}

/**
 * Where the renderer's memory is after a start: JS heaps (page and every worker, after a GC), the
 * renderer's mappings, then the app's workers ended one at a time, largest worker heap first, with
 * the PSS each gave back. Ends the page's workers: run it last.
 */
async function splitRenderer(context, page) {
  // The search index may still be opening 15 s after the start (restoring 100,000 vectors): what
  // the renderer holds once it is open is measured too (Settings → diagnostics says when).
  const settings = ui(page).settings;
  if ((await settings.getAttribute('aria-expanded')) !== 'true') await settings.click();
  const readIndexStatus = async () => ((await page.getByTestId('index-status').textContent({ timeout: 5000 }).catch(() => '')) ?? '').replace(/\s+/g, ' ').trim();
  const indexOpenAtMs = Date.now();
  let indexStatus = await readIndexStatus();
  while (!/\bitems\b/.test(indexStatus) && Date.now() - indexOpenAtMs < 120_000) {
    await sleep(1000);
    indexStatus = await readIndexStatus();
  }
  await sleep(3000);
  const indexOpenMB = processMemory().rendererMB;
  log(`  renderer ${indexOpenMB} MB once the search index is open (${Math.round((Date.now() - indexOpenAtMs) / 1000)} s after the 15 s sample)`);
  const cdp = await context.newCDPSession(page);
  const tracker = workerTracker(cdp);
  await tracker.start();
  await sleep(1000);
  await cdp.send('HeapProfiler.enable').catch(() => {});
  await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
  const workerHeaps = await tracker.heaps(true);
  const pageHeap = heapUsage(await cdp.send('Runtime.getHeapUsage').catch(() => ({})));
  const mappingsMB = rendererMappings();
  const live = await page.evaluate(() => window.__appWorkers.filter((w) => w.live).map((w) => w.name));
  const modelStatus = ((await page.getByTestId('model-status').textContent({ timeout: 5000 }).catch(() => '')) ?? '').replace(/\s+/g, ' ').trim();
  await closeSettings(page);
  log(`  ${indexStatus}; model: ${modelStatus}`);
  let previous = processMemory().rendererMB;
  const ended = [];
  for (const name of [...new Set(live)]) {
    await page.evaluate((n) => window.__appWorkers.filter((w) => w.live && w.name === n).forEach((w) => w.worker.terminate()), name);
    await sleep(1500);
    const now = processMemory().rendererMB;
    ended.push({ worker: name, freedMB: round(previous - now, 1), rendererAfterMB: now });
    log(`  ending the ${name} worker gave back ${round(previous - now, 1)} MB (renderer ${now} MB)`);
    previous = now;
  }
  await cdp.detach().catch(() => {});
  // What the page alone holds, by kind: an empty library's page is ~105 MB (64 MB anonymous, 38 MB of code).
  const pageAloneMappingsMB = rendererMappings();
  log(`  page alone by kind: ${Object.entries(pageAloneMappingsMB).map(([k, v]) => `${k} ${v} MB`).join(', ')}`);
  log(`  page heap ${pageHeap.usedMB} MB used; worker heaps ${workerHeaps.map((h) => `${h.name} ${h.usedMB ?? h.error} MB (+${h.arrayBuffersMB ?? 0} MB buffers)`).join(', ')}`);
  return { liveWorkers: live, indexStatus, modelStatus, indexOpenMB, pageHeap, workerHeaps, mappingsMB, ended, pageAloneMB: previous, pageAloneMappingsMB };
}

/** One read of the app's database from the page (`getAll`, `count` or `get` of `key`); undefined when it fails. */
function readStore(page, store, op, key) {
  return page.evaluate(
    ({ store, op, key }) =>
      new Promise((res) => {
        const r = indexedDB.open('shoebox');
        r.onerror = () => res(undefined);
        r.onsuccess = () => {
          const g = r.result.transaction(store).objectStore(store)[op](key);
          g.onsuccess = () => { r.result.close(); res(g.result); };
          g.onerror = () => { r.result.close(); res(undefined); };
        };
      }),
    { store, op, key },
  );
}

/**
 * A library that grew by imports has its groups of similar media saved as it grew; the seeded one
 * is grouped once, on this first start, and the measured starts read the saved groups like any
 * library's. Waits until they are saved (or 10 minutes pass).
 */
async function waitClustersSaved(page) {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const n = (await readStore(page, 'clusters', 'count')) ?? 0;
    if (n > 0) return log(`${n} groups of similar media saved`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  log('WARNING: no groups saved after 10 minutes; measuring anyway');
}

/**
 * Waits until the search index holds every item (Settings → diagnostics reads "Search index: …, N
 * items"), then until an HNSW index is saved, so the measured starts restore it instead of
 * rebuilding. An exact index (small libraries) is never saved: reading the vectors is its start.
 */
async function waitIndexSaved(page, count) {
  const deadline = Date.now() + 900_000;
  const settings = ui(page).settings;
  if ((await settings.getAttribute('aria-expanded')) !== 'true') await settings.click();
  const status = page.getByTestId('index-status');
  let text = '';
  while (Date.now() < deadline) {
    text = ((await status.textContent({ timeout: 5000 }).catch(() => '')) ?? '').replace(/\s+/g, ' ');
    if (new RegExp(`\\b${count} items`).test(text)) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  log(`index: ${text.trim()}`);
  while (/HNSW/.test(text) && Date.now() < deadline) {
    const saved = (await readStore(page, 'indexSnapshots', 'get', 'assets'))?.count ?? 0;
    if (saved >= count) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  await closeSettings(page);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
