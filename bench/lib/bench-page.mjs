// Shared plumbing of the browser benches that need more than the app's UI (bench/naive.mjs,
// bench/video.mjs, bench/query.mjs, bench/webgpu.mjs): builds bench/pages/ (a bench-only page that
// drives the app's real workers and a transformers.js demo pipeline) with Vite into
// .cache/bench-pages/, links the bench model, photos and videos into it, serves it with the
// harness's `vite preview` (the app's vite.config.ts → the app's COOP/COEP and CSP headers), and
// launches Chromium with a fresh on-disk profile.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../test/e2e/harness.mjs';
import { BENCH_MODEL_ID, DEFAULT_OUT as BENCH_MODEL_DIR, JSON_FILES, generateBenchModel, isComplete } from '../../scripts/make-bench-model.mjs';
import { newestMtimeMs, place } from './files.mjs';

export { place };

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PAGES_SRC = join(ROOT, 'bench', 'pages');
export const PAGES_OUT = join(ROOT, '.cache', 'bench-pages');
export const RESULTS_DIR = join(ROOT, 'bench', 'results');
export const SHARED = resolve(ROOT, '..', 'shared');
export const SHARED_IMAGES = process.env.SHOEBOX_SHARED_IMAGES || join(SHARED, 'data', 'images', 'imagenet-sample-1000');
export const SHARED_VIDEOS = process.env.SHOEBOX_SHARED_VIDEOS || join(SHARED, 'data', 'videos');
export { BENCH_MODEL_ID, BENCH_MODEL_DIR };
export const CHROME_ARGS = ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** Real CLIP weights, if someone put them where the app self-hosts models (the bench then says so). */
const REAL_MODEL_DIRS = [join(ROOT, 'public', 'models', 'Xenova', 'clip-vit-base-patch32'), join(SHARED, 'models', 'clip-vit-base-patch32')];

const STAMP = join(PAGES_OUT, '.bench-page-stamp.json');
export const log = (...a) => console.log('[bench]', ...a);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const round = (x, d = 2) => (x == null || !Number.isFinite(x) ? null : Number(x.toFixed(d)));

export function pct(values, p) {
  const s = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** The model the browser benches run: real weights when present, else the random-weight ViT-B/32. */
export async function resolveModel({ generate = true } = {}) {
  for (const dir of REAL_MODEL_DIRS) {
    if (existsSync(join(dir, 'onnx', 'vision_model_quantized.onnx')) && existsSync(join(dir, 'onnx', 'text_model_quantized.onnx'))) {
      return { id: 'clip-vit-base-patch32-real', dir, real: true, note: `real CLIP weights found in ${dir}` };
    }
  }
  if (!isComplete(BENCH_MODEL_DIR)) {
    if (!generate) throw new Error(`the bench model is missing (${BENCH_MODEL_DIR}); run node scripts/make-bench-model.mjs`);
    await generateBenchModel({ ifMissing: true, log });
  }
  return { id: BENCH_MODEL_ID, dir: BENCH_MODEL_DIR, real: false, note: `no real CLIP weights (looked in ${REAL_MODEL_DIRS.map((d) => relative(ROOT, d)).join(', ')}): random-weight ViT-B/32 ${BENCH_MODEL_ID}` };
}

/** Builds the bench page unless the build is newer than its sources (the page, workers/, src/lib/). */
export function ensureBenchPage({ force = false } = {}) {
  const sourcesAt = newestMtimeMs([PAGES_SRC, join(ROOT, 'workers'), join(ROOT, 'src', 'lib')]);
  if (!force && existsSync(STAMP) && existsSync(join(PAGES_OUT, 'index.html'))) {
    const stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
    if (stamp.sourcesAt >= sourcesAt) return { built: false, note: `reused the bench page build of ${stamp.builtAt}` };
  }
  log('building the bench page (bench/pages → .cache/bench-pages, vite build)');
  const t0 = Date.now();
  // A child process: vite's build keeps handles open that would hold this process; and its output stays readable.
  const script = `
    const { build } = await import('vite');
    await build({
      configFile: false, root: ${JSON.stringify(PAGES_SRC)}, base: './', logLevel: 'warn',
      worker: { format: 'es' },
      build: { outDir: ${JSON.stringify(PAGES_OUT)}, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192 },
    });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`bench page build failed (exit ${r.status})`);
  writeFileSync(STAMP, JSON.stringify({ sourcesAt, builtAt: new Date().toISOString() }));
  return { built: true, note: `bench page built from the working tree in ${((Date.now() - t0) / 1000).toFixed(0)} s` };
}

export function installModel(model) {
  const files = [...JSON_FILES, 'onnx/vision_model_quantized.onnx', 'onnx/text_model_quantized.onnx'];
  for (const f of files) if (existsSync(join(model.dir, f))) place(join(model.dir, f), join(PAGES_OUT, 'models', model.id, f));
}

export function listImages(n) {
  if (!existsSync(SHARED_IMAGES)) return [];
  return readdirSync(SHARED_IMAGES)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .slice(0, n);
}

/** Links the named shared images into the served folder; returns their site paths. */
export function installImages(names) {
  return names.map((n) => {
    place(join(SHARED_IMAGES, n), join(PAGES_OUT, 'images', n));
    return `images/${encodeURIComponent(n)}`;
  });
}

/** Every video under ../shared/data/videos (relative paths, sorted). */
export function listVideos() {
  if (!existsSync(SHARED_VIDEOS)) return [];
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(mp4|m4v|mov|webm|mkv|avi)$/i.test(name)) files.push(relative(SHARED_VIDEOS, p));
    }
  };
  walk(SHARED_VIDEOS);
  return files;
}

/** Links the videos into the served folder (after ensureBenchPage: a build empties it). */
export function installVideos(files) {
  for (const f of files) place(join(SHARED_VIDEOS, f), join(PAGES_OUT, 'samples', f));
}

export async function serve() {
  return startServer({ outDir: PAGES_OUT });
}

/** Chromium with a fresh on-disk profile; `gpu` drops --disable-gpu and enables WebGPU (for the WebGPU attempt). */
export async function launch({ gpu = false, extraArgs = [] } = {}) {
  const userDataDir = mkdtempSync(join(os.tmpdir(), 'shoebox-benchpage-'));
  const args = [...CHROME_ARGS, ...(gpu ? ['--enable-unsafe-webgpu'] : ['--disable-gpu']), ...extraArgs];
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args,
    serviceWorkers: 'block',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e?.message || e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text().slice(0, 300));
  });
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, page, errors, args, close };
}

export async function openBenchPage(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
}

/** CDP Performance.getMetrics of the page (JS heap of the page's main isolate), MB. */
export async function cdpMemory(context, page) {
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    await cdp.detach().catch(() => {});
    return { jsHeapUsedMB: round(m.JSHeapUsedSize / 2 ** 20, 1), jsHeapTotalMB: round(m.JSHeapTotalSize / 2 ** 20, 1) };
  } catch (err) {
    return { error: String(err?.message || err) };
  }
}

/**
 * Memory of the Chromium processes this process started, from /proc: PSS (proportional set size,
 * shared pages split between their users; RSS where smaps_rollup is unreadable), MB, per process
 * type. Dedicated workers run inside the renderer, so `rendererMB` = page + its workers (JS heaps,
 * wasm memories, decoded frames, ONNX Runtime arenas). Linux only; null elsewhere.
 */
export function processMemory(root = process.pid) {
  try {
    const table = new Map();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        table.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        /* gone */
      }
    }
    const kids = new Map();
    for (const [pid, ppid] of table) (kids.get(ppid) ?? kids.set(ppid, []).get(ppid)).push(pid);
    const byType = {};
    const anonByType = {};
    const stack = [root];
    while (stack.length) {
      const pid = stack.pop();
      stack.push(...(kids.get(pid) ?? []));
      if (pid === root) continue;
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        continue;
      }
      if (!/chrom/i.test(cmd.split(' ')[0] ?? '')) continue;
      const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
      let kb = null;
      try {
        const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
        kb = Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1]);
        // Anonymous pages (heaps, allocators' arenas): unlike PSS, not lowered by other Chromium processes sharing code pages.
        const anonKb = Number(/^Anonymous:\s+(\d+)/m.exec(rollup)?.[1]);
        if (Number.isFinite(anonKb)) anonByType[type] = (anonByType[type] ?? 0) + anonKb / 1024;
      } catch {
        /* fall back to RSS */
      }
      if (!Number.isFinite(kb)) {
        try {
          kb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
        } catch {
          continue;
        }
      }
      byType[type] = (byType[type] ?? 0) + kb / 1024;
    }
    const total = Object.values(byType).reduce((a, b) => a + b, 0);
    return { rendererMB: round(byType.renderer ?? null, 1), rendererAnonMB: round(anonByType.renderer ?? null, 1), chromiumTotalMB: round(total, 1), byTypeMB: Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, round(v, 1)])) };
  } catch (err) {
    return { error: String(err?.message || err) };
  }
}

export function chromiumVersion() {
  const r = spawnSync(process.env.CHROME_PATH || '/usr/bin/chromium', ['--version'], { encoding: 'utf8' });
  return /(?:Chromium|Chrome) ([\d.]+)/.exec(`${r.stdout ?? ''}`)?.[1] ?? null;
}

export function writeResult(name, obj) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const p = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(p, `${JSON.stringify(obj, null, 2)}\n`);
  log(`wrote ${relative(ROOT, p)}`);
  return p;
}

export function argValue(argv, name, fallback) {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] != null ? argv[i + 1] : fallback;
}
