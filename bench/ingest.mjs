#!/usr/bin/env node
// Ingest throughput of the production build in headless Chromium (WASM), `npm run bench:ingest`.
//
//   node bench/ingest.mjs [--no-build] [--fixture-n 200] [--vit-n 200] [--warmup 20] [--repeat 2]
//                         [--skip-fixture] [--skip-vit] [--skip-ort-web] [--skip-node]
//                         [--budget-s 570] [--quiet-wait-s 30] [--name ingest]
//                         [--base-dist .cache/bench-dist-base] [--merge-latest]
//
// Runs, each in a fresh Chromium profile on disk (IndexedDB/OPFS written like a real user's):
//  1. app + fixture model (shoebox-fixture-clip, ~free inference) on N shared photos: measures the
//     pipeline (staging to OPFS, decode, SHA-256, pHash, thumbnail, IndexedDB writes, comlink hops);
//  2. app + clip-vit-b32-random (full-size ViT-B/32, q8, random weights) on N shared photos;
//  3. baselines in the same run: raw onnxruntime-web inference of the same model in the same browser
//     (no app), and onnxruntime-node + sharp on the same images (batch 8, 2 threads).
// Each app run opens /?model=<id>, waits for the model, then sets the N files on the "Add photos and
// videos" input and records every text of the live region (role=status) with a MutationObserver.
// This machine may be shared: before each measurement it waits (bounded) for other processes to go
// quiet, records how much CPU they took during it (/proc), repeats each configuration --repeat times,
// retries (budget permitting) any configuration none of whose runs was undisturbed, and reports the
// best undisturbed run (interference only ever slows a run down) next to the median.
// After each app run it opens Settings and reads the "Where import time goes" table (per-stage time
// measured in the ingest worker: read, decode, resize, hash, model, store, other/waiting).
// --base-dist DIR: every app run is also made on an earlier build kept in DIR (a copy of
// .cache/bench-dist built from the commit to compare with), interleaved with this build's runs in
// the same session, so the per-stage table before and after comes from the same machine and load.
// --merge-latest: the ViT runs' per-stage ms (ingest_stage_ms_before with --base-dist, and
// ingest_stage_ms_after) and the ratios to the baselines go into bench/results/latest.json;
// --merge-only does that from the last bench/results/<name>.json without measuring.
// Writes bench/results/ingest.json and bench/results/ingest.md (--name changes the stem).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { FIXTURE_IMAGES_DIR, startServer } from '../test/e2e/harness.mjs';
import { generateFixtureModel } from '../scripts/make-fixture-model.mjs';
import { BENCH_MODEL_ID, DEFAULT_OUT as BENCH_MODEL_DIR, JSON_FILES, generateBenchModel } from '../scripts/make-bench-model.mjs';
import { nodeBaseline } from './lib/node-baseline.mjs';
import { startCpuInterval, startCpuSeries, waitForQuiet } from './lib/cpu-monitor.mjs';
import { startThreadCpu } from './lib/thread-cpu.mjs';
import { place } from './lib/files.mjs';
import { mergeIntoLatest } from './lib/merge-latest.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, '.cache', 'bench-dist');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const SHARED_IMAGES = process.env.SHOEBOX_SHARED_IMAGES || resolve(ROOT, '..', 'shared', 'data', 'images', 'imagenet-sample-1000');
const FIXTURE_MODEL_ID = 'shoebox-fixture-clip';
/** The app's batch (items per forward pass), read from its source so the raw baseline is also timed at it. */
const APP_BATCH = Number(/export const BATCH_SIZE = (\d+);/.exec(readFileSync(join(ROOT, 'src/lib/ingest/index-stage.ts'), 'utf8'))?.[1] ?? 8);
const CHROME_ARGS = ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'];
/** Other processes above this many cores during a measurement mark it as contended. */
const CONTENDED_CORES = 0.25;
const STATUS_RE = /Indexed (\d+) of (\d+)(?: · ([\d.]+) img\/s)?/;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Installed package folder; some packages (onnxruntime-web) do not export ./package.json. */
const pkgDir = (name) => join(ROOT, 'node_modules', name);
const pkgVersion = (name) => {
  try {
    return JSON.parse(readFileSync(join(pkgDir(name), 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
};

function parseArgs(argv) {
  const o = { build: true, fixtureN: 200, vitN: 200, warmup: 20, fixture: true, vit: true, ortWeb: true, node: true, budgetS: 570, quietWaitS: 30, repeat: 2, name: 'ingest' };
  const num = (i) => {
    const v = Number(argv[i]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${argv[i - 1]} needs a positive number`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-build') o.build = false;
    else if (a === '--fixture-n') o.fixtureN = num(++i);
    else if (a === '--vit-n') o.vitN = num(++i);
    else if (a === '--warmup') o.warmup = num(++i);
    else if (a === '--budget-s') o.budgetS = num(++i);
    else if (a === '--quiet-wait-s') o.quietWaitS = num(++i);
    else if (a === '--repeat') o.repeat = num(++i);
    else if (a === '--base-dist') o.baseDist = resolve(argv[++i] ?? '');
    else if (a === '--merge-latest') o.mergeLatest = true;
    else if (a === '--merge-only') o.mergeOnly = true;
    else if (a === '--name') {
      o.name = argv[++i] ?? '';
      if (!/^[\w.-]+$/.test(o.name)) throw new Error('--name needs a file name stem, e.g. ingest-1000');
    }
    else if (a === '--skip-fixture') o.fixture = false;
    else if (a === '--skip-vit') o.vit = false;
    else if (a === '--skip-ort-web') o.ortWeb = false;
    else if (a === '--skip-node') o.node = false;
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  return o;
}

const log = (...a) => console.log('[bench]', ...a);
const round = (x, d = 1) => (x == null || !Number.isFinite(x) ? null : Number(x.toFixed(d)));

// ------------------------------------------------------------------ preparation

function build() {
  log('building the app into .cache/bench-dist (vite build)');
  const viteBin = join(pkgDir('vite'), 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [viteBin, 'build', '--outDir', OUT_DIR, '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status})`);
}

/** Builds; when the working tree does not build (others mid-edit), falls back to the previous build. */
function buildOrReuse(wanted) {
  const have = existsSync(join(OUT_DIR, 'index.html'));
  if (!wanted && have) return { fresh: false, note: 'reused the previous build (--no-build)' };
  try {
    build();
    return { fresh: true, note: 'built from the working tree for this run' };
  } catch (err) {
    if (!have) throw err;
    const at = statSync(join(OUT_DIR, 'index.html')).mtime.toISOString();
    log(`WARNING: ${err.message}; reusing the previous build in .cache/bench-dist (built ${at})`);
    return { fresh: false, note: `the working tree did not build (${err.message}); reused the previous build from ${at}` };
  }
}

/** The bench model and the raw onnxruntime-web page, into a build folder (this build's, or the --base-dist one). */
function installBenchFiles(haveVit, outDir = OUT_DIR) {
  if (haveVit) {
    for (const f of [...JSON_FILES, 'onnx/vision_model_quantized.onnx', 'onnx/text_model_quantized.onnx']) {
      place(join(BENCH_MODEL_DIR, f), join(outDir, 'models', BENCH_MODEL_ID, f));
    }
  }
  const ortDist = join(pkgDir('onnxruntime-web'), 'dist');
  const dest = join(outDir, '__bench');
  const ortFiles = ['ort.webgpu.bundle.min.mjs', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];
  ortFiles.push('ort.wasm.bundle.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'); // 'plain', the app's build on the CPU
  for (const f of ortFiles) place(join(ortDist, f), join(dest, f));
  for (const f of ['ort-bench.html', 'ort-bench.mjs']) place(join(ROOT, 'bench', 'web', f), join(dest, f));
}

function listImages(dir, n) {
  return readdirSync(dir)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .slice(0, n)
    .map((f) => join(dir, f));
}

function ensureFixtureImages() {
  if (existsSync(join(FIXTURE_IMAGES_DIR, 'manifest.json'))) return;
  log('generating fixture images (scripts/make-fixture-images.mjs)');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'make-fixture-images.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('make-fixture-images failed');
}

// ------------------------------------------------------------------ browser runs

async function launch() {
  const userDataDir = mkdtempSync(join(os.tmpdir(), 'shoebox-bench-'));
  // A persistent profile on disk: an incognito-like context (browser.newContext) keeps IndexedDB and
  // OPFS in memory with a small quota, which would flatter the storage writes.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: CHROME_ARGS,
    // The service worker would precache the 27 MB ORT wasm in the background of the first import.
    serviceWorkers: 'block',
  });
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close };
}

function watch(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e?.message || e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

/**
 * One bench:ingest at a time: two would share .cache/bench-dist (a rebuild empties it under the other's
 * server) and, on a 2-core machine, skew each other's figures. Waits for a live holder, up to `untilMs`.
 */
const LOCK = join(ROOT, '.cache', 'bench-ingest.lock');
async function acquireLock(untilMs) {
  mkdirSync(dirname(LOCK), { recursive: true });
  let said = false;
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(LOCK, 'utf8')) || 0;
      let alive = false;
      try {
        process.kill(holder, 0); // signal 0: only asks whether the process exists
        alive = holder > 0;
      } catch {
        /* gone: stale lock */
      }
      if (!alive) {
        rmSync(LOCK, { force: true });
        continue;
      }
      if (Date.now() > untilMs) throw new Error(`another bench/ingest.mjs (pid ${holder}) is still running; run again when it has finished`);
      if (!said) log(`another bench/ingest.mjs (pid ${holder}) is running; waiting for it to finish`);
      said = true;
      await sleep(5000);
    }
  }
  const release = () => {
    try {
      if (readFileSync(LOCK, 'utf8') === String(process.pid)) rmSync(LOCK, { force: true });
    } catch {
      /* already gone */
    }
  };
  process.on('exit', release);
  return release;
}

let QUIET_WAIT_S = 60;
/** Other sessions share this machine: wait (bounded) for them to go quiet, and say what was seen. */
async function quietGate(deadline, maxWaitS = QUIET_WAIT_S) {
  const maxWaitMs = Math.max(0, Math.min(maxWaitS * 1000, (deadline - Date.now()) / 4));
  const q = await waitForQuiet({ maxWaitMs, log });
  if (!q.quiet) log(`  WARNING: machine still busy (others use ${q.sample.othersCores} cores); measuring anyway, flagged in the results`);
  return { quiet: q.quiet, othersCoresBefore: q.sample.othersCores };
}

async function waitFor(what, deadline, fn, everyMs = 250) {
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** One import of `files` with model `modelId`; returns the timeline and derived rates. */
async function runIngest({ url, label, modelId, files, warmup, deadline }) {
  const n = files.length;
  log(`${label}: ${n} images, model ${modelId}`);
  const { context, close } = await launch();
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = watch(page);
    const t0 = Date.now();
    await page.goto(`${url}?model=${encodeURIComponent(modelId)}`);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const modelStatus = await waitFor('the model to load', deadline, async () => {
      const statusBox = page.getByTestId('model-status');
      const t = (await statusBox.textContent().catch(() => '')) ?? '';
      if (/Ready in/.test(t)) return t.trim();
      // A first visit loads the model only when asked (Settings → "Download now").
      if (/Not downloaded yet/.test(t)) await statusBox.getByRole('button', { name: 'Download now' }).click({ timeout: 2000 }).catch(() => {});
      const alert = await page.getByRole('alert').first().textContent({ timeout: 50 }).catch(() => '');
      if (alert) throw new Error(`model failed to load: ${alert}`);
      return null;
    });
    const modelReadyWallS = (Date.now() - t0) / 1000;
    const backend = ((await page.getByTestId('backend').textContent()) ?? '').trim();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const env = await page.evaluate(() => ({
      crossOriginIsolated: self.crossOriginIsolated,
      hardwareConcurrency: navigator.hardwareConcurrency,
      userAgent: navigator.userAgent,
    }));
    log(`  model: ${modelStatus} — ${backend}`);

    await page.evaluate(() => {
      const el = document.querySelector('[role="status"]');
      const entries = [];
      window.__bench = { entries, start: null };
      new MutationObserver(() => entries.push([performance.now(), el.textContent ?? ''])).observe(el, {
        childList: true,
        characterData: true,
        subtree: true,
      });
      const input = document.querySelector('input[type="file"][aria-label="Add photos and videos"]');
      input.addEventListener('change', () => (window.__bench.start ??= performance.now()), { capture: true });
    });

    const gate = await quietGate(deadline);
    const cpu = startCpuInterval();
    const cpuSeries = startCpuSeries(2000);
    const threadCpu = startThreadCpu({ everyMs: 500 });
    const wall0 = Date.now();
    await page.getByLabel('Add photos and videos').setInputFiles(files);
    const doneRe = new RegExp(`Indexed ${n} of ${n}(?!\\d)`);
    let lastShown = 0;
    await waitFor(`"Indexed ${n} of ${n}"`, deadline, async () => {
      const { last, done, paused } = await page.evaluate(
        ([src]) => {
          const re = new RegExp(src);
          const e = window.__bench.entries;
          return { last: e.length ? e[e.length - 1][1] : '', done: e.some(([, t]) => re.test(t)), paused: e.some(([, t]) => /Import paused|storage is full/.test(t)) };
        },
        [doneRe.source],
      );
      if (paused) throw new Error(`import paused: ${last}`);
      if (Date.now() - lastShown > 10_000) {
        lastShown = Date.now();
        log(`  … ${last}`);
      }
      return done;
    }, 500);
    const wallNodeS = (Date.now() - wall0) / 1000;
    const cpuUse = { ...cpu.stop(), ...gate };
    const series = cpuSeries.stop();
    const threads = threadCpu.stop();
    const { entries, start, timeOrigin } = await page.evaluate(() => ({ ...window.__bench, timeOrigin: performance.timeOrigin }));
    // Let the final 'idle' refresh land, then read what the page shows.
    await sleep(1000);
    const countText = ((await page.locator('p.count').textContent().catch(() => '')) ?? '').trim();
    const failed = await page.locator('ul[aria-label="Import messages"] li.failed').count();
    const duplicates = await page.locator('ul[aria-label="Import messages"] li.duplicate').count();
    const storage = await page.evaluate(async () => {
      const e = await navigator.storage.estimate();
      return { usageBytes: e.usage, quotaBytes: e.quota };
    });
    const stages = await readStages(page, n).catch((err) => {
      errors.push(`stage table: ${err.message.split('\n')[0]}`);
      return null;
    });

    const timeline = entries
      .map(([t, text]) => {
        const m = STATUS_RE.exec(text);
        return m ? { tS: (t - start) / 1000, done: Number(m[1]), total: Number(m[2]), rate: m[3] ? Number(m[3]) : null } : null;
      })
      .filter((p) => p && p.total === n);
    const first = (pred) => timeline.find(pred) ?? null;
    const staged = first(() => true);
    const firstBatch = first((p) => p.done > 0);
    const warm = warmup < n ? first((p) => p.done >= warmup) : null;
    const half = first((p) => p.done >= n / 2);
    const done = first((p) => p.done === n);
    const rate = (a, b) => (a && b && b.tS > a.tS ? (b.done - a.done) / (b.tS - a.tS) : null);
    // Steady rate over only the 2-s windows in which other processes stayed quiet (a shared machine).
    // Items done at time t, interpolated between the statuses around it: statuses come once per
    // batch, and a step function would put up to a batch of error at each end of the quiet span.
    const doneAt = (t) => {
      let prev = { tS: 0, done: 0 };
      for (const p of timeline) {
        if (p.tS >= t) return p.tS > prev.tS ? prev.done + ((p.done - prev.done) * (t - prev.tS)) / (p.tS - prev.tS) : p.done;
        prev = p;
      }
      return prev.done;
    };
    let quietImages = 0;
    let quietSeconds = 0;
    for (const w of series) {
      const from = w.tS - w.seconds;
      if (!warm || from < warm.tS || w.tS > done.tS || w.othersCores == null || w.othersCores > CONTENDED_CORES) continue;
      quietImages += doneAt(w.tS) - doneAt(from);
      quietSeconds += w.seconds;
    }
    // CPU by thread over the steady part only (warm-up status to "N of N"), per photo indexed between
    // the two /proc samples nearest to those statuses.
    const steadyThreads = threads && warm ? threadCpu.between(timeOrigin + start + warm.tS * 1000, timeOrigin + start + done.tS * 1000) : null;
    const steadyCpu = steadyThreads
      ? (() => {
          const fromS = (steadyThreads.fromMs - timeOrigin - start) / 1000;
          const toS = (steadyThreads.toMs - timeOrigin - start) / 1000;
          const images = doneAt(toS) - doneAt(fromS);
          return { fromS: round(fromS, 2), toS: round(toS, 2), images: round(images, 1), msPerItem: perItemGroups(steadyThreads.groups, images) };
        })()
      : null;
    const result = {
      label,
      modelId,
      images: n,
      modelStatus,
      modelReadyWallS: round(modelReadyWallS, 2),
      backend,
      env,
      wallS: round(done.tS, 2),
      wallNodeS: round(wallNodeS, 2),
      stagingS: round(staged?.tS, 2),
      firstBatchS: round(firstBatch?.tS, 2),
      wallImagesPerSecond: round(n / done.tS, 2),
      afterStagingImagesPerSecond: round(n / (done.tS - staged.tS), 2),
      warmup: warm ? { untilDone: warm.done, atS: round(warm.tS, 2), imagesPerSecond: round(warm.done / (warm.tS - staged.tS), 2) } : null,
      steadyImagesPerSecond: round(rate(warm, done), 2),
      quietWindows: { seconds: round(quietSeconds, 1), imagesPerSecond: quietSeconds >= 6 ? round(quietImages / quietSeconds, 2) : null },
      secondHalfImagesPerSecond: round(rate(half, done), 2),
      appReportedImagesPerSecond: done.rate,
      libraryCountText: countText,
      failed,
      duplicates,
      storage,
      stages,
      cpu: cpuUse,
      contended: cpuUse.othersCores != null && cpuUse.othersCores > CONTENDED_CORES,
      // Contention-robust secondary figure: images per CPU-second our processes got (spin-waits included).
      imagesPerOurCoreSecond: cpuUse.oursCores ? round(n / (cpuUse.oursCores * cpuUse.seconds), 2) : null,
      pageErrors: errors.slice(0, 10),
      timeline: timeline.map((p) => ({ tS: round(p.tS, 3), done: p.done, rate: p.rate })),
      cpuSeries: series.map((w) => ({ tS: w.tS, oursCores: w.oursCores, othersCores: w.othersCores })),
      // CPU ms per photo by process kind and thread name, drop to "N of N" (warm-up included).
      threadCpuMsPerItem: threads ? threads.groups.filter((g) => g.cpuS > 0).map((g) => ({ group: g.group, threads: g.threads, ms: round((g.cpuS * 1000) / n, 2) })) : null,
      busiestThreadsMsPerItem: threads ? threads.busiest.map((t) => ({ thread: t.thread, ms: round((t.cpuS * 1000) / n, 2) })) : null,
      // The same over the steady part only: { fromS, toS, images, msPerItem: [{ group, threads, ms }] }.
      steadyThreadCpu: steadyCpu,
    };
    log(
      `  done: ${n} in ${result.wallS} s (${result.wallImagesPerSecond} img/s wall; staging ${result.stagingS} s; ` +
        `steady ${result.steadyImagesPerSecond} img/s; app says ${result.appReportedImagesPerSecond} img/s; CPU ours ${cpuUse.oursCores}, others ${cpuUse.othersCores} cores)`,
    );
    if (result.threadCpuMsPerItem) log(`  CPU ms per photo by thread: ${result.threadCpuMsPerItem.slice(0, 12).map((g) => `${g.group} ×${g.threads} ${g.ms}`).join('; ')}`);
    if (steadyCpu) log(`  steady part (${steadyCpu.fromS}–${steadyCpu.toS} s, ${steadyCpu.images} photos), CPU ms per photo: ${steadyCpu.msPerItem.slice(0, 14).map((g) => `${g.group} ${g.ms}`).join('; ')}`);
    if (result.busiestThreadsMsPerItem) log(`  busiest threads, CPU ms per photo: ${result.busiestThreadsMsPerItem.map((t) => `${t.thread} ${t.ms}`).join('; ')}`);
    if (stages) log(`  stages, ms per item: ${stages.groups.map((g) => `${g.key} ${g.msPerItem}`).join(', ')}; bottleneck: ${stages.bottleneck}`);
    return result;
  } finally {
    await close();
  }
}

/** [{ group, cpuS, threads }] → [{ group, threads, ms per item }] without the groups that used nothing. */
function perItemGroups(groups, items) {
  return groups.filter((g) => g.cpuS > 0).map((g) => ({ group: g.group, threads: g.threads, ms: round((g.cpuS * 1000) / items, 2) }));
}

/** The app's Diagnostics table, grouped as bench stages, with ms per stored image. */
const STAGE_GROUPS = [
  ['read', 'read file (storage → worker, file-kind sniff)', ['read']],
  ['decode', 'decode', ['decode']],
  ['resize', 'resize (thumbnail + model crop)', ['resize']],
  ['hash', 'hash (SHA-256 + pHash)', ['sha256', 'phash']],
  ['model', 'model (embed worker round trip, transfer included)', ['model']],
  ['store', 'store (IndexedDB/OPFS commit)', ['store']],
];

/** Opens Settings and reads "Where import time goes" as the page shows it (ms to 0.1). */
async function readStages(page, images) {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const table = page.getByRole('table', { name: 'Where import time goes' });
  await table.waitFor({ timeout: 5000 });
  const rows = await table.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({ stage: tr.dataset.stage, cells: [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()) })),
  );
  const summary = ((await page.getByTestId('import-bottleneck').textContent()) ?? '').replace(/\s+/g, ' ').trim();
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const totalOf = (stage) => Number(rows.find((r) => r.stage === stage)?.cells[0] ?? NaN);
  const perItemOf = (stage) => Number(rows.find((r) => r.stage === stage)?.cells[1] ?? NaN);
  const busyMs = rows.filter((r) => r.stage !== 'other').reduce((a, r) => a + Number(r.cells[0]), 0);
  const wallMs = Number(/Wall time ([\d.]+) ms/.exec(summary)?.[1] ?? NaN);
  const groups = STAGE_GROUPS.map(([key, label, parts]) => {
    const totalMs = parts.reduce((a, p) => a + totalOf(p), 0);
    return { key, label, totalMs: round(totalMs, 1), msPerItem: round(parts.reduce((a, p) => a + perItemOf(p), 0), 2), share: round(busyMs > 0 ? totalMs / busyMs : null, 3) };
  });
  const otherMs = totalOf('other');
  groups.push({ key: 'other', label: 'other / waiting (wall time the slower lane stood idle)', totalMs: round(otherMs, 1), msPerItem: round(otherMs / images, 2), share: null });
  return {
    groups,
    busyMs: round(busyMs, 1),
    wallMs: round(wallMs, 1),
    bottleneck: /bottleneck: ([^.]+)\./.exec(summary)?.[1] ?? null,
    summary,
    raw: rows.map((r) => ({ stage: r.stage, totalMs: Number(r.cells[0]), msPerItem: r.cells[1] === '—' ? null : Number(r.cells[1]) })),
  };
}

/** Best by `key`, among the runs other processes did not disturb when there are any. */
function bestClean(list, key, cpuOf = (x) => x.cpu) {
  const clean = list.filter((x) => !(cpuOf(x)?.othersCores > CONTENDED_CORES));
  return best(clean.length ? clean : list, key);
}

/** CPU ms per image by thread over raw onnxruntime-web segments (their CPU and images summed). */
function segmentsThreadCpu(segments) {
  const withThreads = segments.filter((x) => x.threadCpu);
  if (!withThreads.length) return null;
  const cpuS = new Map();
  const threads = new Map();
  for (const x of withThreads) {
    for (const g of x.threadCpu.groups) {
      cpuS.set(g.group, (cpuS.get(g.group) ?? 0) + g.cpuS);
      threads.set(g.group, Math.max(threads.get(g.group) ?? 0, g.threads));
    }
  }
  const images = withThreads.reduce((a, x) => a + x.threadCpu.images, 0);
  const groups = [...cpuS].map(([group, s]) => ({ group, cpuS: s, threads: threads.get(group) })).sort((a, b) => b.cpuS - a.cpuS);
  return perItemGroups(groups, images);
}

async function runOrtWeb({ url, modelPath, deadline, rounds = 3, seconds = 4, batches = [...new Set([1, 8, APP_BATCH])], threads }) {
  log(`raw onnxruntime-web inference in Chromium (no app), batches ${batches.join(' and ')}, ${threads ?? "the app's number of"} threads`);
  const { context, close } = await launch();
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = watch(page);
    await page.goto(`${url}__bench/ort-bench.html`);
    await page.waitForFunction(() => window.__ortBench);
    await quietGate(deadline);
    const info = await page.evaluate(([m, t]) => window.__ortBench.load(m, t ?? undefined), [modelPath, threads ?? null]);
    const warmupCurve = await page.evaluate(() => window.__ortBench.warmup(8, 60));
    log(
      `  warm-up: session ${Math.round(info.loadMs)} ms; first batch-8 run ${Math.round(warmupCurve[0].ms)} ms, ` +
        `stable after ${warmupCurve.length} runs at ~${Math.round(warmupCurve.at(-1).ms)} ms per batch`,
    );
    // Timed segments, batch sizes interleaved over rounds, CPU accounted per segment.
    const segments = [];
    for (let r = 1; r <= rounds; r++) {
      for (const batch of batches) {
        if (r > 1 && Date.now() + 20_000 > deadline) break;
        const gate = await quietGate(deadline, 10);
        const cpu = startCpuInterval();
        const threadCpu = startThreadCpu({ everyMs: 500 });
        const seg = await page.evaluate(([b, sec]) => window.__ortBench.segment(b, sec), [batch, seconds]);
        const threads = threadCpu.stop();
        // The segment's untimed first run (a new batch size's buffers) is inside the thread interval: its images count.
        segments.push({ round: r, ...seg, cpu: { ...cpu.stop(), ...gate }, threadCpu: threads && { groups: threads.groups, images: (seg.runs + 1) * batch } });
      }
    }
    const runs = batches.map((batch) => {
      const mine = segments.filter((x) => x.batch === batch);
      const b = bestClean(mine, 'imagesPerSecond');
      return { batch, bestImagesPerSecond: b.imagesPerSecond, bestCpu: b.cpu, imagesPerSecond: median(mine.map((x) => x.imagesPerSecond)), threadCpuMsPerItem: segmentsThreadCpu(mine), segments: mine };
    });
    for (const x of runs) {
      log(`  batch ${x.batch}: best ${x.bestImagesPerSecond.toFixed(2)} img/s (CPU others ${x.bestCpu.othersCores}), median ${x.imagesPerSecond.toFixed(2)} over ${x.segments.length} segments`);
    }
    return { ok: true, ...info, warmupCurve, runs, pageErrors: errors.slice(0, 10) };
  } finally {
    await close();
  }
}

// ------------------------------------------------------------------ report

/** Full Chromium version: the user agent string is reduced to "156.0.0.0". */
function chromiumVersion() {
  const r = spawnSync(process.env.CHROME_PATH || '/usr/bin/chromium', ['--version'], { encoding: 'utf8' });
  return /(?:Chromium|Chrome) ([\d.]+)/.exec(`${r.stdout ?? ''}`)?.[1] ?? null;
}

function versions(chromiumUa) {
  const v = pkgVersion;
  const git = (args) => {
    const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    node: process.version,
    chromium: chromiumVersion() ?? /(?:Headless)?Chrome\/([\d.]+)/.exec(chromiumUa ?? '')?.[1] ?? null,
    transformers: v('@huggingface/transformers'),
    onnxruntimeWeb: v('onnxruntime-web'),
    onnxruntimeNode: v('onnxruntime-node'),
    vite: v('vite'),
    playwrightCore: v('playwright-core'),
    gitCommit: git(['rev-parse', '--short', 'HEAD']),
    gitDirty: dirty === null ? null : dirty.length > 0,
  };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    ramGiB: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

const f = (x, d = 1) => (x == null ? '—' : Number(x).toFixed(d));
const cpuCell = (c) => (c?.oursCores == null ? '—' : `${f(c.oursCores, 2)} / ${f(c.othersCores, 2)}${c.othersCores > CONTENDED_CORES ? ' ⚠' : ''}`);

const median = (xs) => {
  const v = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!v.length) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const best = (list, key) => list.reduce((a, b) => ((b?.[key] ?? -1) > (a?.[key] ?? -1) ? b : a), null);

/** Short column name of an app run. */
const runName = (x) => `${x.modelId === BENCH_MODEL_ID ? 'ViT-B/32' : x.modelId === FIXTURE_MODEL_ID ? 'fixture' : x.modelId}${x.base ? ' base' : ''} ${x.rep}`;

/** Markdown: CPU ms per photo by process and thread in the steady part of every app run, and raw onnxruntime-web's per image. */
function threadTable(r) {
  const cols = r.runs.filter((x) => x.steadyThreadCpu).map((x) => ({ name: runName(x), groups: x.steadyThreadCpu.msPerItem, cpu: x.cpu }));
  for (const x of r.ortWeb?.ok ? r.ortWeb.runs : []) {
    if (x.threadCpuMsPerItem) cols.push({ name: `raw ORT-web b${x.batch}`, groups: x.threadCpuMsPerItem, cpu: x.bestCpu });
  }
  if (!cols.length) return [];
  const at = (col, group) => col.groups.find((g) => g.group === group)?.ms ?? 0;
  const rows = [...new Set(cols.flatMap((c) => c.groups.map((g) => g.group)))]
    .map((group) => ({ group, ms: cols.map((c) => at(c, group)) }))
    .filter((row) => Math.max(...row.ms) >= 0.1)
    .sort((a, b) => Math.max(...b.ms) - Math.max(...a.ms));
  const sum = (c, keep) => c.groups.filter((g) => keep(g.group)).reduce((a, g) => a + g.ms, 0);
  const lines = ['## CPU per photo by process and thread, steady part (core-ms per photo)', ''];
  lines.push(
    'Every thread of the browser\'s processes sampled from /proc every 0.5 s; app runs: from the warm-up status to "N of N" (the samples nearest to those statuses, ' +
      'per photo indexed between them); raw onnxruntime-web: its segments (the untimed first run of each included), per image. Worker threads are numbered in the order their process started them ' +
      '("DedicatedWorker #3" is the third). *ours*: the bench\'s Node and the preview server.',
    '',
  );
  lines.push(`| process: thread | ${cols.map((c) => c.name).join(' | ')} |`);
  lines.push(`|---|${cols.map(() => '---:').join('|')}|`);
  for (const row of rows) lines.push(`| ${row.group} | ${row.ms.map((v) => f(v, 1)).join(' | ')} |`);
  lines.push(`| **all but ours** | ${cols.map((c) => `**${f(sum(c, (g) => !g.startsWith('ours:')), 1)}**`).join(' | ')} |`);
  lines.push(`| CPU ours / others (cores) | ${cols.map((c) => cpuCell(c.cpu)).join(' | ')} |`);
  lines.push('');
  return lines;
}

function markdown(r) {
  const lines = [];
  const v = r.versions;
  lines.push('# Ingest throughput (headless Chromium, WASM)', '');
  lines.push(`Generated by \`npm run bench:ingest\` (bench/ingest.mjs) on ${r.date}.`, '');
  lines.push(`- Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.ramGiB} GiB RAM, ${r.machine.os}`);
  lines.push(
    `- Node ${v.node}, Chromium ${v.chromium} (headless=new, --disable-gpu), @huggingface/transformers ${v.transformers}, ` +
      `onnxruntime-web ${v.onnxruntimeWeb}, onnxruntime-node ${v.onnxruntimeNode}, vite ${v.vite}`,
  );
  lines.push(`- App: commit ${v.gitCommit}${v.gitDirty ? ' with local changes' : ''}; ${r.build}`);
  const anyRun = r.runs[0];
  if (anyRun) lines.push(`- Backend chosen by the app: ${anyRun.backend}; crossOriginIsolated ${anyRun.env.crossOriginIsolated}, hardwareConcurrency ${anyRun.env.hardwareConcurrency}`);
  lines.push(`- Images: the first N files (sorted by name) of \`${r.options.imagesDir.split('/').pop()}\`${r.options.imagesDir.includes('imagenet') ? ' (ImageNet JPEGs, ~500 px)' : ''}; a fresh on-disk browser profile per run; service worker blocked.`);
  lines.push(
    `- \`${BENCH_MODEL_ID}\`: full-size CLIP ViT-B/32 with **random weights**, quantized like the real \`Xenova/clip-vit-base-patch32\` q8 export ` +
      '(DynamicQuantizeLinear + MatMulInteger/ConvInteger, 88.5 MB vision + 63.9 MB text; scripts/make-bench-model.mjs): same cost as the real model, meaningless vectors. ' +
      '`shoebox-fixture-clip`: the tiny test model, so that run measures the pipeline (staging, decode, SHA-256, pHash, thumbnail, IndexedDB/OPFS, worker hops).',
  );
  lines.push('');
  lines.push('## App ingest, best run (setInputFiles → live region reads "Indexed N of N")', '');
  lines.push(
    `Each configuration ran ${r.options.repeat} time(s), plus retries when no run was free of interference. Best = the highest steady rate among the runs ` +
      'other processes did not disturb (among all runs if none was undisturbed); every run is listed at the end.',
    '',
  );
  lines.push('| Model | N | Model ready | Staging | First batch stored | Wall | Wall img/s | Warm-up img/s | **Steady img/s** | Steady, median of runs | 2nd half img/s | App shows | CPU ours / others |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [modelId, sum] of Object.entries(r.summary.app)) {
    const x = sum.best;
    const w = x.warmup;
    lines.push(
      `| ${modelId} | ${x.images} | ${f(x.modelReadyWallS)} s | ${f(x.stagingS, 2)} s | ${f(x.firstBatchS, 2)} s | ${f(x.wallS)} s | ${f(x.wallImagesPerSecond, 2)} | ` +
        `${w ? `${f(w.imagesPerSecond, 2)} (first ${w.untilDone})` : '—'} | **${f(x.steadyImagesPerSecond, 2)}** | ${f(sum.medianSteady, 2)} (${sum.reps} runs) | ${f(x.secondHalfImagesPerSecond, 2)} | ${f(x.appReportedImagesPerSecond)} | ${cpuCell(x.cpu)} |`,
    );
  }
  lines.push('');
  lines.push(
    '*Model ready*: page load to Settings reading "Ready" (downloads from localhost, session creation, one text embedding). *Staging*: files copied into the library (OPFS/IndexedDB) and queued. ' +
      `*Warm-up img/s*: end of staging to the first status ≥ ${r.options.warmup} indexed (statuses come once per batch, so the boundary is the end of the batch that passes it). ` +
      '*Steady*: from that status to "N of N". *App shows*: the rate in the final status text (stored ÷ time since processing started, warm-up included).',
  );
  lines.push('');
  const staged = Object.entries(r.summary.app).filter(([, sum]) => sum.best?.stages);
  if (staged.length) {
    lines.push('## Where import time goes (the app\'s Settings → Diagnostics table, best run)', '');
    lines.push(
      'Elapsed time around each awaited step in the ingest worker. Reading, hashing, decoding and resizing of batch n+1 run while the model embeds batch n, ' +
        'so the stage totals add up to more than the wall time; *share* is of that sum (worker-busy time). *Other / waiting* is wall time minus the slower ' +
        "lane's busy time. *ms per item*: per file, except model: per image sent to the model.",
      '',
    );
    lines.push(`| Stage | ${staged.map(([id]) => `${id}: total ms | ms per item | share`).join(' | ')} |`);
    lines.push(`|---|${staged.map(() => '---:|---:|---:').join('|')}|`);
    for (const [i, g] of staged[0][1].best.stages.groups.entries()) {
      const cells = staged.map(([, sum]) => {
        const x = sum.best.stages.groups[i];
        return `${f(x.totalMs, 0)} | ${f(x.msPerItem, 2)} | ${x.share == null ? '—' : `${f(x.share * 100, 0)} %`}`;
      });
      lines.push(`| ${g.label} | ${cells.join(' | ')} |`);
    }
    lines.push('');
    for (const [id, sum] of staged) lines.push(`- ${id}: ${sum.best.stages.summary}`);
    lines.push('');
  }
  const { before, after } = r.summary.stageMsPerItem ?? {};
  if (before && after) {
    const ids = Object.keys(after).filter((id) => before[id]);
    lines.push('## Per stage before and after (ms per item, best run of each build)', '');
    lines.push(
      `*Before*: the base build in \`${r.options.baseDist}\`, built earlier in this session in the same worktree from the commit this work started from; ` +
        '*after*: this build. Their runs were interleaved (base first in each pair) on the same machine in the same session.',
      '',
    );
    lines.push(`| Stage | ${ids.map((id) => `${id} before | ${id} after`).join(' | ')} |`);
    lines.push(`|---|${ids.map(() => '---:|---:').join('|')}|`);
    for (const key of Object.keys(after[ids[0]] ?? {})) lines.push(`| ${key} | ${ids.map((id) => `${f(before[id][key], 2)} | ${f(after[id][key], 2)}`).join(' | ')} |`);
    lines.push('');
    for (const id of ids) {
      const b = r.summary.appBase[id].best;
      lines.push(`- ${id}, base build: steady ${f(b.steadyImagesPerSecond, 2)} img/s (CPU ours / others ${cpuCell(b.cpu)}); ${b.stages?.summary ?? ''}`);
    }
    lines.push('');
  }
  lines.push(...threadTable(r));
  lines.push('## Baselines (same run, same model file)', '');
  lines.push('| Baseline | best img/s | median img/s | CPU ours / others |');
  lines.push('|---|---:|---:|---:|');
  if (r.ortWeb?.ok) {
    for (const x of r.ortWeb.runs) {
      lines.push(`| onnxruntime-web in Chromium, no app, inference only, batch ${x.batch}, ${r.ortWeb.threads} threads (${x.segments.length} segments after warm-up) | ${f(x.bestImagesPerSecond, 2)} | ${f(x.imagesPerSecond, 2)} | ${cpuCell(x.bestCpu)} |`);
    }
  }
  if (r.ortWebFewerThreads?.ok) {
    for (const x of r.ortWebFewerThreads.runs) {
      lines.push(`| same, batch ${x.batch}, **${r.ortWebFewerThreads.threads} thread${r.ortWebFewerThreads.threads === 1 ? '' : 's'}** (${x.segments.length} segments after warm-up) | ${f(x.bestImagesPerSecond, 2)} | ${f(x.imagesPerSecond, 2)} | ${cpuCell(x.bestCpu)} |`);
    }
  }
  if (r.summary.node) {
    const n = r.summary.node;
    const c = cpuCell(n.best.cpu); // the best run's contention
    lines.push(`| onnxruntime-node, inference only, batch ${n.best.batch}, ${n.best.threads} threads (${n.reps} runs) | ${f(n.best.inferImagesPerSecond, 2)} | ${f(n.medianInfer, 2)} | ${c} |`);
    lines.push(`| sharp decode + crop + resize + normalise only (Node) | ${f(n.best.prepImagesPerSecond, 2)} | — | ${c} |`);
    lines.push(`| onnxruntime-node + sharp, end to end, sequential | ${f(n.best.endToEndImagesPerSecond, 2)} | ${f(n.medianEndToEnd, 2)} | ${c} |`);
  }
  lines.push('');
  if (r.ortWeb?.ok) {
    const c = r.ortWeb.warmupCurve;
    lines.push(
      `Raw onnxruntime-web warm-up (fresh browser profile, batch 8): session ready in ${f(r.ortWeb.loadMs / 1000, 1)} s; first run ${f(c[0].ms / 1000, 2)} s, then ` +
        `${c.slice(1, 8).map((x) => f(x.ms / 1000, 2)).join(', ')}${c.length > 8 ? ', …' : ''} s; stable after ${c.length} runs (${f(c.at(-1).atS + c.at(-1).ms / 1000, 1)} s). ` +
        'Best = fastest segment among those other processes did not disturb (if any); CPU column = that segment.',
    );
    lines.push('');
  }
  if (r.ratios.length) {
    lines.push('## Ratios (best figures)', '');
    for (const q of r.ratios) lines.push(`- ${q.what}: **${f(q.value, 2)}**`);
    lines.push('');
  }
  lines.push('## Every app run', '');
  lines.push('| Model | Run | Wall img/s | Steady img/s | Steady in quiet windows | 2nd half img/s | App shows | CPU ours / others | img per our core-s |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const x of r.runs) {
    const qw = x.quietWindows?.imagesPerSecond != null ? `${f(x.quietWindows.imagesPerSecond, 2)} (${f(x.quietWindows.seconds, 0)} s)` : '—';
    lines.push(`| ${x.modelId}${x.base ? ' (base build)' : ''} | ${x.rep} | ${f(x.wallImagesPerSecond, 2)} | ${f(x.steadyImagesPerSecond, 2)} | ${qw} | ${f(x.secondHalfImagesPerSecond, 2)} | ${f(x.appReportedImagesPerSecond)} | ${cpuCell(x.cpu)} | ${f(x.imagesPerOurCoreSecond, 2)} |`);
  }
  lines.push('');
  if (r.node?.length) {
    lines.push(`onnxruntime-node runs (inference img/s, CPU ours / others): ${r.node.map((x) => `${x.rep}: ${f(x.inferImagesPerSecond, 1)} (${cpuCell(x.cpu)})`).join('; ')}.`, '');
  }
  lines.push(
    `*CPU ours / others*: average cores used during the measurement by this benchmark's processes (Chromium, vite preview, Node) and by everything else on the machine; ` +
      `⚠ = others used more than ${CONTENDED_CORES} core, so that figure is depressed by contention. *img per our core-s*: images ÷ CPU-seconds our processes got ` +
      "(ONNX Runtime's spin-waiting counts as use), a rough contention-independent figure. *Steady in quiet windows*: the steady rate counted only over the 2-s windows " +
      'in which other processes used ≤ that threshold (and how many seconds that was).',
  );
  lines.push('');
  if (r.skipped.length) {
    lines.push('## Skipped', '');
    for (const s of r.skipped) lines.push(`- ${s}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

// ------------------------------------------------------------------ main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    console.log(
      'usage: node bench/ingest.mjs [--no-build] [--fixture-n N] [--vit-n N] [--warmup N] [--repeat K] [--skip-fixture] [--skip-vit] [--skip-ort-web] [--skip-node] [--budget-s S] [--quiet-wait-s S] [--name STEM]',
    );
    return;
  }
  if (opts.mergeOnly) return mergeResult(JSON.parse(readFileSync(join(RESULTS_DIR, `${opts.name}.json`), 'utf8')));
  const startedAt = Date.now();
  const releaseLock = await acquireLock(startedAt + (opts.budgetS * 1000) / 2);
  // Time spent waiting for the lock counts against the budget: the whole run stays within --budget-s.
  const deadline = startedAt + opts.budgetS * 1000;
  QUIET_WAIT_S = opts.quietWaitS;
  try {
    await measure(opts, deadline);
  } finally {
    releaseLock();
  }
}

async function measure(opts, deadline) {
  const skipped = [];
  const skip = (msg) => {
    skipped.push(msg);
    log(`WARNING: ${msg}`);
  };
  const haveShared = existsSync(SHARED_IMAGES) && listImages(SHARED_IMAGES, 1).length > 0;

  generateFixtureModel({ ifMissing: true, log });
  let haveVit = opts.vit || opts.ortWeb || opts.node;
  if (!haveShared) {
    skip(`random ViT-B/32 runs and baselines: ${SHARED_IMAGES} not found (set SHOEBOX_SHARED_IMAGES)`);
    haveVit = false;
  }
  if (haveVit) {
    try {
      await generateBenchModel({ ifMissing: true, log });
    } catch (err) {
      skip(`random ViT-B/32 runs and baselines: ${err.message}`);
      haveVit = false;
    }
  }
  const built = buildOrReuse(opts.build);
  installBenchFiles(haveVit);
  // An earlier build has no bench model of its own: without it its ViT runs could not load the model.
  if (opts.baseDist) installBenchFiles(haveVit, opts.baseDist);

  const fixtureFiles = haveShared ? listImages(SHARED_IMAGES, opts.fixtureN) : (ensureFixtureImages(), listImages(FIXTURE_IMAGES_DIR, opts.fixtureN));
  if (!haveShared) skipped.push(`the fixture run used the ${fixtureFiles.length} generated fixture images instead of shared photos`);
  const vitFiles = haveShared ? listImages(SHARED_IMAGES, opts.vitN) : [];

  // Each repetition runs every configuration once (fixture, ViT, Node baseline), so a burst of load
  // from other processes spoils one repetition rather than every run of one configuration.
  const plan = [];
  // With --base-dist the earlier build runs first in each pair: a slow start of the day would favour this build.
  const builds = opts.baseDist ? [true, false] : [false];
  for (let rep = 1; rep <= opts.repeat; rep++) {
    for (const base of builds) {
      const tag = base ? ' (base build)' : '';
      if (opts.fixture) plan.push({ kind: 'app', label: `fixture${tag}`, modelId: FIXTURE_MODEL_ID, files: fixtureFiles, rep, base, needS: 30 + fixtureFiles.length / 10 });
    }
    for (const base of builds) {
      const tag = base ? ' (base build)' : '';
      if (opts.vit && haveVit) plan.push({ kind: 'app', label: `vit-b32-random${tag}`, modelId: BENCH_MODEL_ID, files: vitFiles, rep, base, needS: 40 + vitFiles.length / 3 });
    }
    if (opts.node && haveVit) plan.push({ kind: 'node', label: 'onnxruntime-node', rep, needS: 20 + vitFiles.length / 20 });
  }
  const server = await startServer({ outDir: OUT_DIR });
  const baseServer = opts.baseDist ? await startServer({ outDir: opts.baseDist }) : null;
  const urlOf = (item) => (item.base ? baseServer.url : server.url);
  const runs = [];
  let ortWeb = null;
  let ortWebFewer = null;
  const nodeRuns = [];
  const runNodeBaseline = async (rep) => {
    log(`onnxruntime-node + sharp on the same ${vitFiles.length} images (batch 8, 2 threads), run ${rep}`);
    const gate = await quietGate(deadline);
    const cpu = startCpuInterval();
    const node = await nodeBaseline({ root: ROOT, modelPath: join(BENCH_MODEL_DIR, 'onnx', 'vision_model_quantized.onnx'), files: vitFiles, batch: 8, threads: 2 });
    node.cpu = { ...cpu.stop(), ...gate };
    node.rep = rep;
    log(
      `  inference ${node.inferImagesPerSecond.toFixed(2)} img/s, prep ${node.prepImagesPerSecond.toFixed(2)} img/s, end to end ${node.endToEndImagesPerSecond.toFixed(2)} img/s; ` +
        `CPU ours ${node.cpu.oursCores}, others ${node.cpu.othersCores}`,
    );
    return node;
  };
  try {
    log(`serving ${OUT_DIR} at ${server.url}`);
    for (const item of plan) {
      const reserveS = opts.ortWeb && haveVit ? 100 : 0; // for the onnxruntime-web baseline after the plan
      if (item.rep > 1 && (deadline - Date.now()) / 1000 - reserveS < item.needS) {
        skip(`${item.label} run ${item.rep}: not enough time left in the ${opts.budgetS} s budget`);
        continue;
      }
      try {
        if (item.kind === 'node') nodeRuns.push(await runNodeBaseline(item.rep));
        else runs.push({ rep: item.rep, base: Boolean(item.base), ...(await runIngest({ url: urlOf(item), ...item, warmup: opts.warmup, deadline })) });
      } catch (err) {
        skip(`${item.label} run ${item.rep} failed: ${err.message.split('\n')[0]}`);
      }
    }
    const modelPath = `/models/${BENCH_MODEL_ID}/onnx/vision_model_quantized.onnx`;
    const ortClean = (r) => r?.ok && r.runs.some((x) => x.batch === 8 && !(x.bestCpu?.othersCores > CONTENDED_CORES));
    const tryOrtWeb = async (o) => {
      try {
        return await runOrtWeb({ url: server.url, modelPath, deadline, ...o });
      } catch (err) {
        skip(`onnxruntime-web run failed: ${err.message.split('\n')[0]}`);
        return null;
      }
    };
    if (opts.ortWeb && haveVit) ortWeb = await tryOrtWeb({});

    // Retry pass: a configuration none of whose runs was undisturbed gets another run while the budget
    // lasts, after a longer wait for the machine to go quiet (most important first).
    const clean = (list) => list.some((x) => !(x.cpu?.othersCores > CONTENDED_CORES));
    const leftS = () => (deadline - Date.now()) / 1000;
    for (let pass = 1; pass <= 3; pass++) {
      const todo = [];
      if (opts.vit && haveVit && !clean(runs.filter((x) => x.modelId === BENCH_MODEL_ID && !x.base))) todo.push(plan.find((x) => x.modelId === BENCH_MODEL_ID && !x.base));
      if (opts.ortWeb && haveVit && !ortClean(ortWeb)) todo.push({ kind: 'ort-web', label: 'onnxruntime-web', needS: 100 });
      if (opts.node && haveVit && !clean(nodeRuns)) todo.push(plan.find((x) => x.kind === 'node'));
      if (opts.fixture && !clean(runs.filter((x) => x.modelId === FIXTURE_MODEL_ID && !x.base))) todo.push(plan.find((x) => x.modelId === FIXTURE_MODEL_ID && !x.base));
      let ran = false;
      for (const item of todo) {
        if (leftS() < item.needS + 60) continue;
        log(`retry (${pass}): ${item.label} had no undisturbed run`);
        await quietGate(deadline, 60);
        const rep = `retry ${pass}`;
        try {
          if (item.kind === 'node') nodeRuns.push(await runNodeBaseline(rep));
          else if (item.kind === 'ort-web') {
            const again = await tryOrtWeb({});
            if (again && (ortClean(again) || !ortWeb?.ok)) ortWeb = again;
          } else runs.push({ rep, base: Boolean(item.base), ...(await runIngest({ url: urlOf(item), ...item, warmup: opts.warmup, deadline })) });
        } catch (err) {
          skip(`${item.label} ${rep} failed: ${err.message.split('\n')[0]}`);
        }
        ran = true;
      }
      if (!ran) break;
    }
    for (const [what, ok] of [
      ['random ViT-B/32 app run', !(opts.vit && haveVit) || clean(runs.filter((x) => x.modelId === BENCH_MODEL_ID))],
      ['fixture app run', !opts.fixture || clean(runs.filter((x) => x.modelId === FIXTURE_MODEL_ID))],
      ['onnxruntime-web batch 8', !(opts.ortWeb && haveVit) || ortClean(ortWeb)],
      ['onnxruntime-node run', !(opts.node && haveVit) || clean(nodeRuns)],
    ]) {
      if (!ok) skip(`no ${what} was free of interference from other processes: its figure is depressed (see the CPU columns)`);
    }

    // One thread fewer than cores leaves a core to the ingest pipeline: is the 2nd thread worth it?
    if (opts.ortWeb && haveVit && ortWeb?.threads > 1) {
      if (leftS() > 60) ortWebFewer = await tryOrtWeb({ rounds: 2, batches: [8], threads: ortWeb.threads - 1 });
      else skip('onnxruntime-web with fewer threads: not enough time left');
    }
  } finally {
    await server.stop();
    await baseServer?.stop();
  }

  const appOf = (list) => {
    const out = {};
    for (const id of [...new Set(list.map((x) => x.modelId))]) {
      const mine = list.filter((x) => x.modelId === id);
      out[id] = { reps: mine.length, best: bestClean(mine, 'steadyImagesPerSecond'), medianSteady: round(median(mine.map((x) => x.steadyImagesPerSecond)), 2) };
    }
    return out;
  };
  const app = appOf(runs.filter((x) => !x.base));
  const appBase = opts.baseDist ? appOf(runs.filter((x) => x.base)) : null;
  const nodeSummary = nodeRuns.length
    ? {
        reps: nodeRuns.length,
        best: bestClean(nodeRuns, 'inferImagesPerSecond'),
        medianInfer: round(median(nodeRuns.map((x) => x.inferImagesPerSecond)), 2),
        medianEndToEnd: round(median(nodeRuns.map((x) => x.endToEndImagesPerSecond)), 2),
      }
    : null;
  const vit = app[BENCH_MODEL_ID]?.best;
  const fixture = app[FIXTURE_MODEL_ID]?.best;
  const ortB8 = ortWeb?.runs?.find((x) => x.batch === 8);
  const ortB1 = ortWeb?.runs?.find((x) => x.batch === 1);
  const nodeBest = nodeSummary?.best;
  const ratios = [];
  if (vit && ortB8) ratios.push({ what: 'app steady ÷ raw onnxruntime-web inference, batch 8 (same browser, same model) — the app pipeline overhead', value: vit.steadyImagesPerSecond / ortB8.bestImagesPerSecond });
  if (vit && ortB1) ratios.push({ what: 'app steady ÷ raw onnxruntime-web inference, batch 1', value: vit.steadyImagesPerSecond / ortB1.bestImagesPerSecond });
  const ortApp = ortWeb?.runs?.find((x) => x.batch === APP_BATCH);
  if (vit && ortApp && APP_BATCH !== 8) ratios.push({ what: `app steady ÷ raw onnxruntime-web inference at the app's batch (${APP_BATCH})`, value: vit.steadyImagesPerSecond / ortApp.bestImagesPerSecond });
  if (vit && nodeBest) {
    ratios.push({ what: 'app steady ÷ onnxruntime-node + sharp, end to end (the baseline)', value: vit.steadyImagesPerSecond / bestClean(nodeRuns, 'endToEndImagesPerSecond').endToEndImagesPerSecond });
    ratios.push({ what: 'app steady ÷ onnxruntime-node, inference only', value: vit.steadyImagesPerSecond / nodeBest.inferImagesPerSecond });
  }
  const fewer8 = ortWebFewer?.runs?.find((x) => x.batch === 8);
  if (ortB8 && fewer8) ratios.push({ what: `raw onnxruntime-web batch 8, ${ortWeb.threads} threads ÷ ${ortWebFewer.threads} thread(s)`, value: ortB8.bestImagesPerSecond / fewer8.bestImagesPerSecond });
  if (ortB8 && nodeBest) ratios.push({ what: 'raw onnxruntime-web ÷ onnxruntime-node, inference only, batch 8 — the WASM penalty', value: ortB8.bestImagesPerSecond / nodeBest.inferImagesPerSecond });
  if (vit && fixture) ratios.push({ what: 'app steady with ViT-B/32 ÷ app steady with the fixture model (pipeline only)', value: vit.steadyImagesPerSecond / fixture.steadyImagesPerSecond });
  const vitBase = appBase?.[BENCH_MODEL_ID]?.best;
  const fixtureBase = appBase?.[FIXTURE_MODEL_ID]?.best;
  if (vitBase && ortB8) ratios.push({ what: 'base build: app steady ÷ raw onnxruntime-web inference, batch 8', value: vitBase.steadyImagesPerSecond / ortB8.bestImagesPerSecond });
  if (vitBase && nodeBest) ratios.push({ what: 'base build: app steady ÷ onnxruntime-node, inference only', value: vitBase.steadyImagesPerSecond / nodeBest.inferImagesPerSecond });
  if (vit && vitBase) ratios.push({ what: 'this build ÷ base build, app steady with ViT-B/32', value: vit.steadyImagesPerSecond / vitBase.steadyImagesPerSecond });
  if (fixture && fixtureBase) ratios.push({ what: 'this build ÷ base build, app steady with the fixture model (pipeline only)', value: fixture.steadyImagesPerSecond / fixtureBase.steadyImagesPerSecond });

  const result = {
    date: new Date().toISOString(),
    loadAverage: os.loadavg().map((x) => round(x, 1)),
    machine: machine(),
    versions: versions(runs[0]?.env.userAgent),
    build: built.note,
    options: { baseDist: opts.baseDist ?? null, warmup: opts.warmup, repeat: opts.repeat, fixtureN: fixtureFiles.length, vitN: vitFiles.length, imagesDir: haveShared ? SHARED_IMAGES : FIXTURE_IMAGES_DIR, chromeArgs: CHROME_ARGS },
    summary: { app, appBase, node: nodeSummary, stageMsPerItem: stageTables(app, appBase) },
    ratios: ratios.map((q) => ({ ...q, value: round(q.value, 3) })),
    runs,
    ortWeb,
    ortWebFewerThreads: ortWebFewer,
    node: nodeRuns,
    skipped,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${opts.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, `${opts.name}.md`), markdown(result));
  log(`wrote bench/results/${opts.name}.json and bench/results/${opts.name}.md`);
  for (const [id, x] of Object.entries(app)) log(`  ${id}: steady best ${x.best.steadyImagesPerSecond} img/s, median ${x.medianSteady} (${x.reps} runs)`);
  for (const q of result.ratios) log(`  ${q.what}: ${q.value}`);
  if (opts.mergeLatest) {
    mergeResult(result);
  }
}

function mergeResult(result) {
  const written = mergeIntoLatest(RESULTS_DIR, ...latestFigures(result));
  log(written.length ? `merged into ${written.map((w) => w.split('/').pop()).join(', ')}` : 'no bench/results/latest.json to merge into');
}

/** Per-stage ms per item of each model's best run: { after: {model: {read, decode, …}}, before: … }. */
function stageTables(app, appBase) {
  const table = (a) => (a ? Object.fromEntries(Object.entries(a).filter(([, s]) => s.best?.stages).map(([id, s]) => [id, stageMs(s.best)])) : null);
  return { after: table(app), before: table(appBase) };
}

function stageMs(run) {
  return run?.stages ? Object.fromEntries(run.stages.groups.map((g) => [g.key, g.msPerItem])) : null;
}

/** The summary keys this bench owns in latest.json, and their Markdown lines. */
function latestFigures(r) {
  const vit = r.summary.app[BENCH_MODEL_ID]?.best;
  const ortB8 = r.ortWeb?.runs?.find((x) => x.batch === 8);
  const nodeBest = r.summary.node?.best;
  const busy = (cpu) => cpu?.othersCores > CONTENDED_CORES;
  const cpuOf = (cpu) => `our processes ${cpu?.oursCores ?? '—'} cores, others ${cpu?.othersCores ?? '—'}`;
  // A ratio of two rates is kept only when other processes left both measurements alone: under
  // contention each side gets a different share of the cores, and the ratio says nothing.
  // `rateKeys` name the two rates behind a kept ratio: they are kept with it, so the summary's rates and ratios agree.
  const ratio = (key, num, numCpu, den, denCpu, text, rateKeys = []) => {
    const value = round(num / den, 3);
    if (!busy(numCpu) && !busy(denCpu)) {
      figures[key] = value;
      lines[key] = text;
      rateKeys.forEach((rateKey, i) => {
        figures[rateKey] = round(i === 0 ? num : den, 2);
        lines[rateKey] = `img/s behind \`${key}\` (${where}).`;
      });
    } else lines[key] = `not updated: this run's ${value} came from contended measurements (app: ${cpuOf(numCpu)}; baseline: ${cpuOf(denCpu)}) — ${text}`;
  };
  const figures = {};
  const lines = {};
  const load = (r.loadAverage ?? os.loadavg()).map((x) => x.toFixed(1)).join(' / ');
  const where = `bench/ingest.mjs on ${r.date.slice(0, 16)}Z, ${r.machine.cores} cores shared with other work (load average at the end ${load}); ViT-B/32 random weights q8, ${r.options.vitN} photos`;
  const fmt = (t) => (t ? Object.entries(t).map(([k, v]) => `${k} ${v}`).join(' / ') : '—');
  const before = r.summary.stageMsPerItem.before?.[BENCH_MODEL_ID] ?? null;
  const after = r.summary.stageMsPerItem.after?.[BENCH_MODEL_ID] ?? null;
  if (after) {
    figures.ingest_stage_ms_after = after;
    lines.ingest_stage_ms_after = `per-stage ms per item of this build (${fmt(after)}); ${where}.`;
  }
  if (before) {
    figures.ingest_stage_ms_before = before;
    lines.ingest_stage_ms_before = `per-stage ms per item of the base build ${r.options.baseDist ? `(${r.options.baseDist.split('/').pop()}, built from the commit this work started from)` : ''}, run interleaved with the "after" runs in the same session on the same machine (${fmt(before)}).`;
  }
  if (vit && ortB8) {
    ratio('ingest_e2e_over_raw', vit.steadyImagesPerSecond, vit.cpu, ortB8.bestImagesPerSecond, ortB8.bestCpu, `app steady ${vit.steadyImagesPerSecond} img/s ÷ raw onnxruntime-web batch 8 ${round(ortB8.bestImagesPerSecond, 2)} img/s, same run (goal ≥ 0.9); ${where}.`, ['ingest_e2e_img_per_s', 'ingest_raw_img_per_s']);
  }
  if (vit && nodeBest) {
    ratio('ingest_e2e_over_native', vit.steadyImagesPerSecond, vit.cpu, nodeBest.inferImagesPerSecond, nodeBest.cpu, `app steady ÷ onnxruntime-node inference only ${round(nodeBest.inferImagesPerSecond, 2)} img/s, same run (goal ≥ 0.3); ${where}.`, ['ingest_e2e_img_per_s', 'ingest_native_img_per_s']);
  }
  const vitBase = r.summary.appBase?.[BENCH_MODEL_ID]?.best;
  if (vit && vitBase) {
    ratio('ingest_vit_after_over_before', vit.steadyImagesPerSecond, vit.cpu, vitBase.steadyImagesPerSecond, vitBase.cpu, `app steady, this build ÷ the base build run interleaved with it (${round(vit.steadyImagesPerSecond, 2)} ÷ ${round(vitBase.steadyImagesPerSecond, 2)} img/s); ${where}.`);
  }
  // The naive transformers.js figure comes from bench/naive.mjs; only a run of the last hour counts as this session's.
  const naivePath = join(RESULTS_DIR, 'naive.json');
  const naive = existsSync(naivePath) ? JSON.parse(readFileSync(naivePath, 'utf8')) : null;
  const naiveSame = naive?.variants?.find((v) => v.variant === 'same');
  if (vit && naiveSame?.steady?.imagesPerSecond && Date.now() - Date.parse(naive.date) < 3600_000) {
    const naiveCpu = { oursCores: naiveSame.cpu?.oursCores, othersCores: naiveSame.contended ? Math.max(naiveSame.cpu?.othersCores ?? 1, CONTENDED_CORES + 0.01) : naiveSame.cpu?.othersCores };
    ratio('ingest_e2e_over_naive', vit.steadyImagesPerSecond, vit.cpu, naiveSame.steady.imagesPerSecond, naiveCpu, `app steady ÷ naive transformers.js ${naiveSame.steady.imagesPerSecond} img/s (bench/naive.mjs at ${naive.date.slice(0, 16)}Z, same session; goal ≥ 1.5); ${where}.`, ['ingest_e2e_img_per_s', 'ingest_naive_img_per_s']);
  }
  return [figures, lines];
}

main().catch((err) => {
  console.error(`bench:ingest failed: ${err?.stack || err}`);
  process.exitCode = 1;
});
