#!/usr/bin/env node
// Soak run: one import of 10,000 small distinct images into the production build, `npm run soak`.
//
//   node bench/soak.mjs [--count 10000] [--no-build] [--every-s 5] [--timeout-min 40] [--no-gc] [--name soak]
//
// The claim it checks: importing a large library keeps memory bounded, i.e. memory grows per item
// no faster than the data the library stores (IndexedDB + OPFS, read as navigator.storage.estimate()).
// The model is the tiny fixture model (shoebox-fixture-clip), so the run measures the pipeline
// (staging, decode, SHA-256, pHash, thumbnail, IndexedDB writes, index, comlink hops), not inference.
//
// Steps: generates N 160×120 JPEGs (random background and shapes plus the item number drawn as a
// bit pattern, so every SHA-256 and most pHashes differ) into os.tmpdir() (reused when present);
// builds the app into .cache/soak-dist (reused when newer than its sources, or with --no-build);
// serves it with the e2e harness's `vite preview` (COOP/COEP, the fixture model copied in); opens
// /?model=shoebox-fixture-clip in headless Chromium with a fresh on-disk profile; sets all N files
// on the "Add photos and videos" input in one setInputFiles call; then every --every-s seconds,
// until the live region reads "Indexed N of N", records:
//  - the JS heap of the page (CDP Performance.getMetrics) and of every dedicated worker, nested ones
//    included (CDP Runtime.getHeapUsage over Target.setAutoAttach sessions), after a forced GC in
//    each (HeapProfiler.collectGarbage; --no-gc skips it), so the curve shows live objects;
//  - PSS of every Chromium process this run started (/proc/<pid>/smaps_rollup), per process type;
//  - navigator.storage.estimate() usage, and how many items are indexed.
// Writes bench/results/<name>.json (machine, versions, samples, summary) and <name>.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { startServer, FIXTURE_MODEL_ID } from '../test/e2e/harness.mjs';
import { generateFixtureModel } from '../scripts/make-fixture-model.mjs';
import { mulberry32 } from '../src/lib/core/random.js';
import { CHROME_ARGS, RESULTS_DIR, ROOT, chromiumVersion, log, pkgVersion, processMemory, round, sleep, writeResult } from './lib/bench-page.mjs';
import { startCpuInterval, startCpuSeries } from './lib/cpu-monitor.mjs';
import { heapUsage, rendererMappings, workerTracker } from './lib/renderer-memory.mjs';
import { newestMtimeMs } from './lib/files.mjs';

const OUT_DIR = join(ROOT, '.cache', 'soak-dist');
const IMAGE_W = 160;
const IMAGE_H = 120;
const STATUS_RE = /Indexed (\d+) of (\d+)/;
/** Fractions of N at which the curve is tabulated (1k, 2.5k, 5k, 7.5k, 10k for N = 10,000). */
const CHECKPOINTS = [0.1, 0.25, 0.5, 0.75, 1];
/** A heap counts as growing linearly with the items when its fit over the second half is this steep and this straight. */
const LEAK_MB_PER_1K = 0.5;
const LEAK_MIN_R2 = 0.8;
const MB = 2 ** 20;

function parseArgs(argv) {
  const o = { count: 10_000, build: true, everyS: 5, timeoutMin: 40, gc: true, name: 'soak' };
  const num = (i) => {
    const v = Number(argv[i]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${argv[i - 1]} needs a positive number`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--count') o.count = Math.round(num(++i));
    else if (a === '--no-build') o.build = false;
    else if (a === '--every-s') o.everyS = num(++i);
    else if (a === '--timeout-min') o.timeoutMin = num(++i);
    else if (a === '--no-gc') o.gc = false;
    else if (a === '--name') {
      o.name = argv[++i] ?? '';
      if (!/^[\w.-]+$/.test(o.name)) throw new Error('--name needs a file name stem, e.g. soak-2000');
    } else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  return o;
}

// ------------------------------------------------------------------ images

/** Raw RGB pixels of image `i`: the same every run (seeded by i). */
function pixels(i) {
  const rnd = mulberry32(0x50a4 + i * 7919);
  const px = Buffer.alloc(IMAGE_W * IMAGE_H * 3);
  const colour = () => [Math.floor(rnd() * 256), Math.floor(rnd() * 256), Math.floor(rnd() * 256)];
  const fill = (inside, c) => {
    for (let y = 0; y < IMAGE_H; y++) {
      for (let x = 0; x < IMAGE_W; x++) {
        if (!inside(x, y)) continue;
        const o = (y * IMAGE_W + x) * 3;
        px[o] = c[0];
        px[o + 1] = c[1];
        px[o + 2] = c[2];
      }
    }
  };
  fill(() => true, colour());
  // Large random shapes move the low frequencies, so perceptual hashes differ between most images.
  const shapes = 2 + Math.floor(rnd() * 4);
  for (let s = 0; s < shapes; s++) {
    const c = colour();
    const cx = rnd() * IMAGE_W;
    const cy = rnd() * IMAGE_H;
    const r = 12 + rnd() * 45;
    const aspect = 0.4 + rnd() * 0.8;
    if (rnd() < 0.5) fill((x, y) => (x - cx) ** 2 + (y - cy) ** 2 < r * r, c);
    else fill((x, y) => Math.abs(x - cx) < r && Math.abs(y - cy) < r * aspect, c);
  }
  // The item number as 16 black/white cells along the bottom edge: distinct bytes for every image.
  for (let b = 0; b < 16; b++) {
    const on = (i >> b) & 1;
    fill((x, y) => y >= IMAGE_H - 8 && x >= b * 10 && x < b * 10 + 10, on ? [255, 255, 255] : [0, 0, 0]);
  }
  return px;
}

async function ensureImages(n) {
  const dir = join(os.tmpdir(), 'shoebox-soak-images-v1');
  const name = (i) => `soak-${String(i + 1).padStart(5, '0')}.jpg`;
  const files = Array.from({ length: n }, (_, i) => join(dir, name(i)));
  const missing = files.map((f, i) => [f, i]).filter(([f]) => !existsSync(f));
  if (!missing.length) {
    log(`reusing ${n} images in ${dir}`);
    return { dir, files, generated: 0 };
  }
  mkdirSync(dir, { recursive: true });
  const require = createRequire(join(ROOT, 'package.json'));
  const sharp = require('sharp');
  log(`generating ${missing.length} ${IMAGE_W}×${IMAGE_H} JPEGs into ${dir}`);
  const t0 = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const [f, i] = missing[next++];
      const tmp = `${f}.part`;
      await sharp(pixels(i), { raw: { width: IMAGE_W, height: IMAGE_H, channels: 3 } }).jpeg({ quality: 85 }).toFile(tmp);
      // Renamed into place only when complete: a run stopped midway never leaves a truncated image to reuse.
      await rename(tmp, f);
      if (next % 2000 === 0) log(`  ${next} / ${missing.length}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  log(`  done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return { dir, files, generated: missing.length };
}

// ------------------------------------------------------------------ build

function buildOrReuse(wanted) {
  const index = join(OUT_DIR, 'index.html');
  const have = existsSync(index);
  const builtAt = have ? statSync(index).mtimeMs : 0;
  if (have && !wanted) return { fresh: false, note: `reused the build in .cache/soak-dist from ${new Date(builtAt).toISOString()} (--no-build)` };
  const sourcesAt = newestMtimeMs(['src', 'workers', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(ROOT, p)));
  if (have && builtAt > sourcesAt) return { fresh: false, note: `reused the build in .cache/soak-dist (${new Date(builtAt).toISOString()}, newer than every source)` };
  log('building the app into .cache/soak-dist (vite build)');
  const viteBin = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [viteBin, 'build', '--outDir', OUT_DIR, '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status === 0) return { fresh: true, note: 'built from the working tree for this run' };
  if (!have) throw new Error(`vite build failed (exit ${r.status})`);
  log('WARNING: the working tree did not build; reusing the previous build');
  return { fresh: false, note: `the working tree did not build; reused the build from ${new Date(builtAt).toISOString()}` };
}

// ------------------------------------------------------------------ maths

/** Least squares y = a + b·x; b in y-units per x-unit, r² the share of variance explained. */
function linearFit(points) {
  const n = points.length;
  if (n < 3) return null;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy), points: n };
}

// ------------------------------------------------------------------ run

async function soak(opts, server, files) {
  const n = files.length;
  const userDataDir = mkdtempSync(join(os.tmpdir(), 'shoebox-soak-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: [...CHROME_ARGS, '--disable-gpu'],
    serviceWorkers: 'block',
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e?.message || e).slice(0, 300)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text().slice(0, 300));
    });
    // Counts the page's object URLs: each live one pins its blob in the renderer and the browser process.
    await page.addInitScript(() => {
      const create = URL.createObjectURL.bind(URL);
      const revoke = URL.revokeObjectURL.bind(URL);
      const live = new Set();
      window.__soakUrls = { created: 0, live };
      URL.createObjectURL = (obj) => {
        const url = create(obj);
        window.__soakUrls.created++;
        live.add(url);
        return url;
      };
      URL.revokeObjectURL = (url) => {
        live.delete(url);
        revoke(url);
      };
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const workers = workerTracker(cdp);
    await workers.start();

    await page.goto(`${server.url}?model=${FIXTURE_MODEL_ID}`);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const status = page.getByTestId('model-status');
    const until = Date.now() + 60_000;
    let modelStatus = '';
    while (!/Ready in/.test(modelStatus)) {
      if (Date.now() > until) throw new Error(`the model did not load: ${modelStatus}`);
      await sleep(200);
      modelStatus = ((await status.textContent().catch(() => '')) ?? '').trim();
    }
    const backend = ((await page.getByTestId('backend').textContent()) ?? '').trim();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const env = await page.evaluate(() => ({ crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency, userAgent: navigator.userAgent }));
    log(`model: ${modelStatus} — ${backend}`);

    const samples = [];
    const t0 = Date.now();
    const sample = async (label) => {
      const tS = (Date.now() - t0) / 1000;
      const live = await page.evaluate(async () => {
        const e = await navigator.storage.estimate();
        const texts = [...document.querySelectorAll('[role="status"]')].map((el) => el.textContent?.trim() ?? '');
        // Per-file messages take over the live region for a moment; the progress bar always shows the count.
        const bar = document.querySelector('progress[aria-label="Import progress"]');
        return {
          status: texts.find((t) => /Indexed \d+ of/.test(t)) ?? texts.filter(Boolean).join(' | '),
          bar: bar ? { done: Number(bar.getAttribute('value') ?? bar.value), total: Number(bar.getAttribute('max') ?? bar.max) } : null,
          usageBytes: e.usage ?? null,
          objectUrls: window.__soakUrls ? { created: window.__soakUrls.created, live: window.__soakUrls.live.size } : null,
          importMessages: document.querySelectorAll('ul[aria-label="Import messages"] li').length,
        };
      });
      const m = STATUS_RE.exec(live.status);
      const done = m ? Number(m[1]) : (live.bar?.done ?? null);
      const total = m ? Number(m[2]) : (live.bar?.total ?? null);
      if (opts.gc) await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
      const { metrics } = await cdp.send('Performance.getMetrics');
      const pm = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
      const pageHeap = heapUsage(await cdp.send('Runtime.getHeapUsage').catch(() => ({})));
      const dom = await cdp.send('Memory.getDOMCounters').catch(() => null);
      const workerHeaps = await workers.heaps(opts.gc);
      const proc = processMemory();
      const mappingsMB = rendererMappings();
      const s = {
        tS: round(tS, 1),
        label,
        done,
        total,
        status: live.status.slice(0, 120),
        storageMB: live.usageBytes == null ? null : round(live.usageBytes / MB, 2),
        pageHeapUsedMB: round(pm.JSHeapUsedSize / MB, 2),
        pageHeapTotalMB: round(pm.JSHeapTotalSize / MB, 2),
        pageArrayBuffersMB: pageHeap.arrayBuffersMB,
        pageEmbedderMB: pageHeap.embedderMB,
        domNodes: dom?.nodes ?? pm.Nodes ?? null,
        jsEventListeners: dom?.jsEventListeners ?? null,
        rendererMappingsMB: mappingsMB,
        importMessages: live.importMessages,
        pageObjectUrlsLive: live.objectUrls?.live ?? null,
        pageObjectUrlsCreated: live.objectUrls?.created ?? null,
        workers: workerHeaps,
        rendererMB: proc.rendererMB ?? null,
        chromiumTotalMB: proc.chromiumTotalMB ?? null,
        byTypeMB: proc.byTypeMB ?? null,
        sampleMs: Date.now() - t0 - tS * 1000,
      };
      samples.push(s);
      return s;
    };

    await sample('before import');
    const cpu = startCpuInterval();
    const cpuSeries = startCpuSeries(5000);
    const setT0 = Date.now();
    // One call with every path: playwright hands a local browser the paths (DOM.setFileInputFiles), no upload.
    await page.getByLabel('Add photos and videos').setInputFiles(files, { timeout: 300_000 });
    const setInputFilesS = (Date.now() - setT0) / 1000;
    log(`setInputFiles with ${n} paths took ${setInputFilesS.toFixed(1)} s`);
    const importT0 = Date.now();

    const deadline = Date.now() + opts.timeoutMin * 60_000;
    const doneRe = new RegExp(`Indexed ${n} of ${n}(?!\\d)`);
    let finished = false;
    let stopReason = null;
    let lastLog = 0;
    while (!finished) {
      const s = await sample('import');
      finished = doneRe.test(s.status) || (s.done === n && s.total === n);
      if (/Import paused|storage is full/.test(s.status)) {
        stopReason = `import paused: ${s.status}`;
        break;
      }
      if (Date.now() - lastLog > 30_000 || finished) {
        lastLog = Date.now();
        const w = s.workers.filter((x) => x.usedMB != null).map((x) => `${x.name} ${x.usedMB}`).join(', ');
        log(`  t=${s.tS}s ${s.done ?? '?'}/${n} · renderer ${s.rendererMB} MB · page heap ${s.pageHeapUsedMB} MB · workers [${w}] · storage ${s.storageMB} MB`);
        const ab = [['page', s.pageArrayBuffersMB], ...s.workers.filter((x) => x.arrayBuffersMB != null).map((x) => [x.name, x.arrayBuffersMB])].map(([k, v]) => `${k} ${v}`).join(', ');
        const maps = Object.entries(s.rendererMappingsMB ?? {}).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${v}`).join(', ');
        log(`    ArrayBuffers [${ab}] · DOM nodes ${s.domNodes} · renderer mappings [${maps}]`);
      }
      if (finished) break;
      if (Date.now() > deadline) {
        stopReason = `timed out after ${opts.timeoutMin} min at "${s.status}"`;
        break;
      }
      // Between samples, watch the live region more often so the end is timed to the second.
      const next = Date.now() + opts.everyS * 1000;
      while (Date.now() < next) {
        await sleep(1000);
        const txt = await page
          .evaluate(() => {
            const bar = document.querySelector('progress[aria-label="Import progress"]');
            const texts = [...document.querySelectorAll('[role="status"]')].map((el) => el.textContent);
            return [...texts, bar ? `Indexed ${bar.value} of ${bar.max}` : ''].join(' | ');
          })
          .catch(() => '');
        if (doneRe.test(txt)) break;
      }
    }
    const importS = (Date.now() - importT0) / 1000;
    const cpuUse = cpu.stop();
    const series = cpuSeries.stop();
    // Let the final refresh land, then read what the page shows, and a last sample at rest.
    await sleep(3000);
    const countText = ((await page.locator('p.count').textContent().catch(() => '')) ?? '').trim();
    const failed = await page.locator('ul[aria-label="Import messages"] li.failed').count();
    const duplicates = await page.locator('ul[aria-label="Import messages"] li.duplicate').count();
    await sample('after import, 3 s at rest');
    // What a critical memory-pressure signal gives back is cache (decoded images, discardable memory,
    // V8 free pages) that Chromium bounds on its own; what stays is what the library holds.
    await cdp.send('Memory.simulatePressureNotification', { level: 'critical' }).catch(() => {});
    await sleep(3000);
    await sample('after a critical memory-pressure signal');
    return { samples, errors, modelStatus, backend, env, setInputFilesS, importS, finished, stopReason, countText, failed, duplicates, cpu: cpuUse, cpuSeries: series };
  } finally {
    await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ summary

function summarise(run, n) {
  const during = run.samples.filter((s) => s.label === 'import' && s.done != null);
  const at = (k) => during.find((s) => s.done >= k) ?? null;
  const checkpoints = CHECKPOINTS.map((f) => {
    const target = Math.round(f * n);
    const s = at(target);
    return { target, sample: s };
  });
  const secondHalf = during.filter((s) => s.done >= n / 2);
  const fitOf = (get) => {
    const pts = secondHalf.map((s) => [s.done / 1000, get(s)]).filter(([, y]) => Number.isFinite(y));
    const fit = linearFit(pts);
    return fit && { mbPer1kItems: round(fit.slope, 3), r2: round(fit.r2, 3), points: fit.points };
  };
  const names = [...new Set(run.samples.flatMap((s) => s.workers.map((w) => w.name)))].sort();
  // Several workers may share a name (ONNX Runtime threads): their heaps add up.
  const workerSum = (s, name, field = 'usedMB') => {
    const ws = s.workers.filter((w) => w.name === name && w[field] != null);
    return ws.length ? ws.reduce((a, w) => a + w[field], 0) : null;
  };
  // A worker busy past the debugger timeout (a long clustering run) misses a sample: carry its last value.
  const lastAb = new Map();
  const carried = new Map(
    run.samples.map((s) => [
      s,
      Object.fromEntries(
        names.map((nm) => {
          const v = workerSum(s, nm, 'arrayBuffersMB');
          if (v != null) lastAb.set(nm, v);
          return [nm, v ?? lastAb.get(nm) ?? null];
        }),
      ),
    ]),
  );
  const abOf = (s, name) => carried.get(s)?.[name] ?? null;
  const allArrayBuffers = (s) => (s.pageArrayBuffersMB ?? 0) + names.reduce((a, nm) => a + (abOf(s, nm) ?? 0), 0);
  // The vectors search and clustering need: one copy in the index worker, one in the cluster worker.
  const vectorCopies = (s) => (abOf(s, 'index.worker') ?? 0) + (abOf(s, 'cluster.worker') ?? 0);
  const arrayBuffers = [{ name: 'page (main thread)', get: (s) => s.pageArrayBuffersMB }, ...names.map((name) => ({ name, get: (s) => abOf(s, name) }))]
    .map(({ name, get }) => ({ name, atEndMB: round(get(during.at(-1) ?? {}), 2), fit: fitOf(get) }))
    .filter((x) => x.atEndMB != null);
  const mappingNames = [...new Set(run.samples.flatMap((s) => Object.keys(s.rendererMappingsMB ?? {})))].sort();
  const mappings = mappingNames.map((name) => ({ name, atEndMB: during.at(-1)?.rendererMappingsMB?.[name] ?? null, fit: fitOf((s) => s.rendererMappingsMB?.[name] ?? 0) }));
  const heaps = [{ name: 'page (main thread)', get: (s) => s.pageHeapUsedMB }, ...names.map((name) => ({ name, get: (s) => workerSum(s, name) }))].map(({ name, get }) => {
    const first = at(Math.round(0.1 * n));
    const last = during.at(-1);
    const fit = fitOf(get);
    return {
      name,
      atFirstCheckpointMB: first ? round(get(first), 2) : null,
      atEndMB: last ? round(get(last), 2) : null,
      fit,
      growsLinearly: !!fit && fit.mbPer1kItems > LEAK_MB_PER_1K && fit.r2 >= LEAK_MIN_R2,
    };
  });
  const renderer = fitOf((s) => s.rendererMB);
  const chromium = fitOf((s) => s.chromiumTotalMB);
  const storage = fitOf((s) => s.storageMB);
  const last = during.at(-1);
  const rateWindow = (a, b) => (a && b && b.tS > a.tS ? (b.done - a.done) / (b.tS - a.tS) : null);
  const countMatch = /^([\d,]+) items? in your library/.exec(run.countText);
  const libraryCount = countMatch ? Number(countMatch[1].replace(/,/g, '')) : null;
  const vectors = fitOf(vectorCopies);
  const excess = renderer && storage ? renderer.mbPer1kItems - storage.mbPer1kItems : null;
  const expected = storage && vectors ? storage.mbPer1kItems + vectors.mbPer1kItems : null;
  const rest = run.samples.find((s) => s.label.startsWith('after import'));
  const pressed = run.samples.find((s) => s.label.startsWith('after a critical'));
  return {
    items: n,
    finished: run.finished,
    stopReason: run.stopReason,
    libraryCountText: run.countText,
    libraryCount,
    libraryCountExact: libraryCount === n,
    failed: run.failed,
    duplicates: run.duplicates,
    setInputFilesS: round(run.setInputFilesS, 1),
    importS: round(run.importS, 1),
    itemsPerSecond: round(n / run.importS, 2),
    secondHalfItemsPerSecond: round(rateWindow(secondHalf[0], last), 2),
    checkpoints: checkpoints.map(({ target, sample: s }) => ({
      target,
      done: s?.done ?? null,
      tS: s?.tS ?? null,
      rendererMB: s?.rendererMB ?? null,
      chromiumTotalMB: s?.chromiumTotalMB ?? null,
      pageHeapUsedMB: s?.pageHeapUsedMB ?? null,
      workersMB: s ? Object.fromEntries(names.map((nm) => [nm, round(workerSum(s, nm), 2)])) : null,
      arrayBuffersMB: s ? round(allArrayBuffers(s), 1) : null,
      vectorCopiesMB: s ? round(vectorCopies(s), 1) : null,
      sharedMemoryMB: s?.rendererMappingsMB?.['shared memory'] ?? null,
      domNodes: s?.domNodes ?? null,
      storageMB: s?.storageMB ?? null,
    })),
    slopesSecondHalf: {
      renderer,
      chromiumTotal: chromium,
      storage,
      vectorCopies: vectors,
      allArrayBuffers: fitOf(allArrayBuffers),
      domNodesPer1k: fitOf((s) => s.domNodes),
      storedPlusVectorsMbPer1k: round(expected, 3),
      rendererMinusStorageMbPer1k: round(excess, 3),
      rendererMinusStoredPlusVectorsMbPer1k: round(renderer && expected != null ? renderer.mbPer1kItems - expected : null, 3),
    },
    arrayBuffers,
    mappings,
    memoryPressure: rest && pressed ? { beforeMB: rest.rendererMB, afterMB: pressed.rendererMB, sharedMemoryBeforeMB: rest.rendererMappingsMB?.['shared memory'] ?? null, sharedMemoryAfterMB: pressed.rendererMappingsMB?.['shared memory'] ?? null } : null,
    heaps,
    leakSuspects: heaps.filter((h) => h.growsLinearly).map((h) => h.name),
    peakRendererMB: round(Math.max(...during.map((s) => s.rendererMB ?? 0)), 1),
  };
}

function versions() {
  const git = (args) => {
    const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    node: process.version,
    chromium: chromiumVersion(),
    svelte: pkgVersion('svelte'),
    transformers: pkgVersion('@huggingface/transformers'),
    onnxruntimeWeb: pkgVersion('onnxruntime-web'),
    vite: pkgVersion('vite'),
    playwrightCore: pkgVersion('playwright-core'),
    sharp: pkgVersion('sharp'),
    gitCommit: git(['rev-parse', '--short', 'HEAD']),
    gitDirty: dirty === null ? null : dirty.length > 0,
  };
}

function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: os.availableParallelism?.() ?? cpus.length, ramGiB: round(os.totalmem() / 2 ** 30, 1), os: `${os.type()} ${os.release()} ${os.arch()}` };
}

const f = (x, d = 1) => (x == null || !Number.isFinite(Number(x)) ? '—' : Number(x).toFixed(d));

function verdict(s) {
  const r = s.slopesSecondHalf;
  if (!s.finished) return `**Not finished**: ${s.stopReason}.`;
  const parts = [];
  const bounded = r.renderer && r.storedPlusVectorsMbPer1k != null && r.rendererMinusStoredPlusVectorsMbPer1k <= LEAK_MB_PER_1K;
  parts.push(
    `renderer memory grew ${f(r.renderer?.mbPer1kItems, 2)} MB per 1,000 items over the second half (r² ${f(r.renderer?.r2, 2)}) against ${f(r.storedPlusVectorsMbPer1k, 2)} MB of stored data plus in-memory vectors (${f(r.storage?.mbPer1kItems, 2)} stored + ${f(r.vectorCopies?.mbPer1kItems, 2)} vector copies in the index and cluster workers)`,
  );
  parts.push(s.leakSuspects.length ? `heaps growing linearly with the items: ${s.leakSuspects.join(', ')}` : 'no JS heap grows linearly with the items');
  parts.push(s.libraryCountExact ? `the library shows exactly ${s.items}` : `the library shows "${s.libraryCountText}", not ${s.items}`);
  const ok = bounded && !s.leakSuspects.length && s.libraryCountExact;
  return `**${ok ? 'Bounded' : 'Not bounded'}**: ${parts.join('; ')}; ${f(s.itemsPerSecond, 1)} items/s.`;
}

function markdown(r) {
  const s = r.summary;
  const v = r.versions;
  const L = [];
  L.push(`# Soak: ${s.items.toLocaleString('en')} images in one import`, '');
  L.push(`Generated by \`npm run soak\` (bench/soak.mjs) on ${r.date}.`, '');
  L.push(`- Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.ramGiB} GiB RAM, ${r.machine.os}`);
  L.push(`- Node ${v.node}, Chromium ${v.chromium} (headless=new, --disable-gpu), svelte ${v.svelte}, transformers.js ${v.transformers}, onnxruntime-web ${v.onnxruntimeWeb}, vite ${v.vite}, playwright-core ${v.playwrightCore}`);
  L.push(`- App: commit ${v.gitCommit}${v.gitDirty ? ' with local changes' : ''}; ${r.build}. Model: \`${FIXTURE_MODEL_ID}\` (tiny fixture model: the run measures the pipeline). Backend: ${r.backend}.`);
  L.push(`- Images: ${s.items} generated ${IMAGE_W}×${IMAGE_H} JPEGs (random colours and shapes plus the item number as a bit pattern), all set on "Add photos and videos" in one setInputFiles call (${f(s.setInputFilesS)} s). Fresh on-disk profile, service worker blocked.`);
  L.push(`- Sampling every ${r.options.everyS} s${r.options.gc ? ', after a forced GC in the page and in every worker' : ' (no forced GC)'}; ${r.samples.length} samples. CPU during the import: ours ${f(r.cpu.oursCores, 2)}, other processes ${f(r.cpu.othersCores, 2)} cores.`);
  L.push('');
  L.push(`**Verdict.** ${verdict(s)}`, '');
  L.push(`Import: ${f(s.importS)} s, **${f(s.itemsPerSecond, 1)} items/s** overall, ${f(s.secondHalfItemsPerSecond, 1)} items/s in the second half. Library count: "${s.libraryCountText}"; ${s.failed} failed, ${s.duplicates} duplicate messages. Peak renderer PSS ${f(s.peakRendererMB)} MB.`, '');
  const wnames = Object.keys(s.checkpoints.find((c) => c.workersMB)?.workersMB ?? {});
  L.push('## Memory at checkpoints', '');
  L.push(`| Items indexed | Time | Renderer PSS | All Chromium PSS | Page heap | ${wnames.map((w) => `${w} heap`).join(' | ')} | ArrayBuffers (all) | Vector copies | Shared memory | DOM nodes | Stored (estimate) |`);
  L.push(`|---:|---:|---:|---:|---:|${wnames.map(() => '---:|').join('')}---:|---:|---:|---:|---:|`);
  for (const c of s.checkpoints) {
    L.push(`| ${c.done ?? `— (${c.target})`} | ${f(c.tS, 0)} s | ${f(c.rendererMB)} MB | ${f(c.chromiumTotalMB)} MB | ${f(c.pageHeapUsedMB)} MB | ${wnames.map((w) => `${f(c.workersMB?.[w])} MB`).join(' | ')} | ${f(c.arrayBuffersMB)} MB | ${f(c.vectorCopiesMB)} MB | ${f(c.sharedMemoryMB)} MB | ${c.domNodes ?? '—'} | ${f(c.storageMB)} MB |`);
  }
  L.push('');
  L.push('Each row is the first sample at or past the target. PSS from /proc/<pid>/smaps_rollup; dedicated workers live in the renderer process, so "Renderer" = page + workers (JS heaps, wasm memories, decoded images, blobs). Heaps are used JS heap after GC. "ArrayBuffers" is what each isolate holds outside its JS heap (Runtime.getHeapUsage backingStorageSize: typed arrays, wasm memories, external strings such as the data: URLs of thumbnails); "Vector copies" is that of the index and cluster workers, which keep every item\'s vector; "Shared memory" is the renderer\'s memfd mappings (Blink\'s discardable decoded-image cache, blob transfers).', '');
  L.push('## Growth over the second half (linear fit, MB per 1,000 items)', '');
  L.push('| Series | MB per 1,000 items | r² | Samples |');
  L.push('|---|---:|---:|---:|');
  const row = (name, x) => L.push(`| ${name} | ${f(x?.mbPer1kItems, 3)} | ${f(x?.r2, 2)} | ${x?.points ?? '—'} |`);
  row('Renderer PSS', s.slopesSecondHalf.renderer);
  row('All Chromium PSS', s.slopesSecondHalf.chromiumTotal);
  row('Stored data (storage.estimate usage)', s.slopesSecondHalf.storage);
  row('In-memory vector copies (index + cluster worker ArrayBuffers)', s.slopesSecondHalf.vectorCopies);
  for (const h of s.heaps) row(`${h.name} JS heap`, h.fit);
  for (const a of s.arrayBuffers ?? []) row(`${a.name} ArrayBuffers`, a.fit);
  for (const m of s.mappings ?? []) row(`renderer mappings: ${m.name}`, m.fit);
  L.push('');
  const sl = s.slopesSecondHalf;
  L.push(`Renderer growth ${f(sl.renderer?.mbPer1kItems, 3)} against stored data + in-memory vectors ${f(sl.storedPlusVectorsMbPer1k, 3)} (${f(sl.storage?.mbPer1kItems, 3)} + ${f(sl.vectorCopies?.mbPer1kItems, 3)}): **${f(sl.rendererMinusStoredPlusVectorsMbPer1k, 3)} MB per 1,000 items unaccounted for** (minus stored data alone: ${f(sl.rendererMinusStorageMbPer1k, 3)}).`, '');
  if (s.memoryPressure) {
    const mp = s.memoryPressure;
    L.push(`After the import, a critical memory-pressure signal took the renderer from ${f(mp.beforeMB)} MB to ${f(mp.afterMB)} MB (shared memory ${f(mp.sharedMemoryBeforeMB)} → ${f(mp.sharedMemoryAfterMB)} MB): that part is cache Chromium gives back on its own.`, '');
  }
  L.push('## JS heaps: at the first checkpoint vs at the end', '');
  L.push('| Heap | At first checkpoint | At end | Grows linearly? |');
  L.push('|---|---:|---:|---|');
  for (const h of s.heaps) L.push(`| ${h.name} | ${f(h.atFirstCheckpointMB, 2)} MB | ${f(h.atEndMB, 2)} MB | ${h.growsLinearly ? `**yes** (${f(h.fit?.mbPer1kItems, 2)} MB/1k, r² ${f(h.fit?.r2, 2)})` : 'no'} |`);
  L.push('');
  L.push(`"Grows linearly" = slope over the second half > ${LEAK_MB_PER_1K} MB per 1,000 items with r² ≥ ${LEAK_MIN_R2}. The full curve is in \`${r.options.name}.json\` (\`samples\`).`, '');
  if (r.notes.length) {
    L.push('## Notes', '');
    for (const n of r.notes) L.push(`- ${n}`);
    L.push('');
  }
  return `${L.join('\n')}\n`;
}

// ------------------------------------------------------------------ main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    console.log('usage: node bench/soak.mjs [--count N] [--no-build] [--every-s S] [--timeout-min M] [--no-gc] [--name STEM]');
    return;
  }
  const notes = [];
  generateFixtureModel({ ifMissing: true, log });
  const images = await ensureImages(opts.count);
  const built = buildOrReuse(opts.build);
  const server = await startServer({ outDir: OUT_DIR });
  let run;
  try {
    log(`serving ${OUT_DIR} at ${server.url}; importing ${images.files.length} images`);
    run = await soak(opts, server, images.files);
  } finally {
    await server.stop();
  }
  const summary = summarise(run, images.files.length);
  if (!summary.libraryCountExact) notes.push(`the library count is "${summary.libraryCountText}", expected ${images.files.length} items`);
  if (run.stopReason) notes.push(run.stopReason);
  if (run.errors.length) notes.push(`${run.errors.length} page error(s), first: ${run.errors[0]}`);
  if (run.cpu.othersCores > 0.25) notes.push(`other processes used ${run.cpu.othersCores} cores on average during the import: the rate is depressed, memory figures are not`);
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    versions: versions(),
    build: built.note,
    options: { ...opts, imagesDir: images.dir, imageSize: `${IMAGE_W}x${IMAGE_H}` },
    modelStatus: run.modelStatus,
    backend: run.backend,
    env: run.env,
    cpu: run.cpu,
    summary,
    notes,
    pageErrors: run.errors.slice(0, 20),
    samples: run.samples,
    cpuSeries: run.cpuSeries.map((w) => ({ tS: w.tS, oursCores: w.oursCores, othersCores: w.othersCores })),
  };
  writeResult(opts.name, result);
  const md = join(RESULTS_DIR, `${opts.name}.md`);
  writeFileSync(md, markdown(result));
  log(`wrote bench/results/${opts.name}.md`);
  log(verdict(summary).replace(/\*\*/g, ''));
  if (!summary.finished || !summary.libraryCountExact) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
