#!/usr/bin/env node
// Memory during and after a mixed import of photos and videos, `node bench/memory.mjs`:
//
//   node bench/memory.mjs [--photos 100] [--settle-s 45] [--pause-s 45] [--base <commit> [--base-last]] [--no-build] [--no-probe] [--merge] [--after-release] [--drop-first] [--trace-workers]
//
// The production build (vite build into .cache/memory-dist/) with the random-weight ViT-B/32 (q8,
// made by scripts/make-bench-model.mjs) in headless Chromium, a fresh on-disk profile. The model is
// loaded first; then one drop of --photos shared photos (../shared/data/images/imagenet-sample-1000),
// every shared video (../shared/data/videos) and one AVI (MPEG-4 Part 2, written here with the
// system's ffmpeg) that WebCodecs cannot open, so the ffmpeg.wasm fallback runs too.
// Every 250 ms it reads the PSS of this run's Chromium processes from /proc (dedicated workers live
// in the renderer process, so the renderer's PSS is the page plus all its workers: JS heaps, wasm
// memories, ONNX Runtime's arenas, decoded frames):
//   memory_ingest_peak_mb   the renderer's highest PSS from the drop until "Indexed N of N"
//   memory_settled_mb       the renderer's PSS --settle-s after that (median of the last 3 s), no GC forced
// Then two searches: the first after settling loads the text tower again where the app released
// the model while idle (its idle time is 30 s: --settle-s must exceed it), the second is warm; a
// third --pause-s after the second (the app keeps the model 3 minutes after a search).
// Then, unless --no-probe, what holds it: the JS heap and ArrayBuffers of each worker (CDP, after a
// GC), the renderer's mappings by kind, and a probe that terminates the app's workers one at a time
// (the page's Worker constructor is wrapped to reach them) and reads what each gave back.
// --base <commit> first runs the same import on that commit's build (git archive into .cache/), so
// the figures before and after come from one run on one machine; --base-last runs it after this
// tree's build instead (the second of a pair ran faster or slower at times: alternate to tell).
// Writes bench/results/memory.json and memory.md; --merge adds the two keys to latest.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { chromium } from 'playwright-core';
import { FIXTURE_MODEL_ID, startServer } from '../test/e2e/harness.mjs';
import { BENCH_MODEL_ID, DEFAULT_OUT as BENCH_MODEL_DIR, JSON_FILES, generateBenchModel } from '../scripts/make-bench-model.mjs';
import { waitModelReady, closeSettings, search } from '../test/e2e/app-helpers.mjs';
import { CHROME_ARGS, RESULTS_DIR, ROOT, SHARED_IMAGES, argValue, chromiumVersion, listImages, listVideos, log, pct, place, processMemory, round, sleep, SHARED_VIDEOS } from './lib/bench-page.mjs';
import { startCpuInterval } from './lib/cpu-monitor.mjs';
import { mergeIntoLatest } from './lib/merge-latest.mjs';
import { heapUsage, rendererMappings, trackWorkers, workerTracker } from './lib/renderer-memory.mjs';

const argv = process.argv.slice(2);
const PHOTOS = Number(argValue(argv, '--photos', '100'));
// The app releases a model unused for 30 s (workers/embed-host.worker.ts): settled is read after that.
const SETTLE_S = Number(argValue(argv, '--settle-s', '45'));
/** A third search this long after the second: past an import's 30 s release, within a search's 3 min. */
const PAUSE_S = Number(argValue(argv, '--pause-s', '45'));
const BASE = argValue(argv, '--base', null);
const BASE_LAST = argv.includes('--base-last');
const BUILD = !argv.includes('--no-build');
const PROBE = !argv.includes('--no-probe');
const MERGE = argv.includes('--merge');
/** --after-release: drop only once the app has released the idle model (not the default: main never releases it). */
const AFTER_RELEASE = argv.includes('--after-release');
/** --drop-first: a first visit's drop, before the model was ever loaded (the drop starts its download and load). */
const DROP_FIRST = argv.includes('--drop-first');
/** --trace-workers: each worker's JS heap and ArrayBuffers (wasm memories included) every second of the import, no GC forced. */
const TRACE_WORKERS = argv.includes('--trace-workers');
/** --fixture: the e2e fixture model (inference almost free), to tell the model's memory from the import's. */
const MODEL_ID = argv.includes('--fixture') ? FIXTURE_MODEL_ID : BENCH_MODEL_ID;
const SAMPLE_MS = 250;
const PEAK_GOAL_MB = 700;
const SETTLED_GOAL_MB = 400;
const MEDIA = join(ROOT, '.cache', 'memory-media');
const STATUS_RE = /Indexed (\d+) of (\d+)/;

/** An AVI (MPEG-4 Part 2) no WebCodecs path opens: the import takes it through ffmpeg.wasm. */
function ffmpegOnlyVideo() {
  const out = join(MEDIA, 'ffmpeg-only.avi');
  if (existsSync(out)) return out;
  mkdirSync(MEDIA, { recursive: true });
  const r = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=480x270:rate=15:duration=6', '-c:v', 'mpeg4', '-q:v', '5', out]);
  return r.status === 0 ? out : null;
}

/** Builds `ref` (a commit, or the working tree when null) into .cache/memory-dist/<label>. */
function buildApp(ref) {
  const label = ref ? `base-${ref.slice(0, 10)}` : 'worktree';
  const outDir = join(ROOT, '.cache', 'memory-dist', label);
  if (!BUILD && existsSync(join(outDir, 'index.html'))) return { outDir, label, note: 'reused (--no-build)' };
  let cwd = ROOT;
  if (ref) {
    cwd = join(ROOT, '.cache', 'memory-src', label);
    rmSync(cwd, { recursive: true, force: true });
    mkdirSync(cwd, { recursive: true });
    const archive = spawnSync('sh', ['-c', `git -C "${ROOT}" archive "${ref}" | tar -x -C "${cwd}"`], { stdio: 'inherit' });
    if (archive.status !== 0) throw new Error(`git archive ${ref} failed`);
    symlinkSync(join(ROOT, 'node_modules'), join(cwd, 'node_modules'));
  }
  log(`building ${label} into ${relative(ROOT, outDir)} (vite build)`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`vite build of ${label} failed`);
  for (const f of [...JSON_FILES, 'onnx/vision_model_quantized.onnx', 'onnx/text_model_quantized.onnx']) place(join(BENCH_MODEL_DIR, f), join(outDir, 'models', BENCH_MODEL_ID, f));
  return { outDir, label, note: `built in ${Math.round((Date.now() - t0) / 1000)} s` };
}

/** Renderer PSS every SAMPLE_MS, tagged with the phase the run is in. */
function startSampler() {
  const samples = [];
  let phase = 'start';
  const t0 = Date.now();
  const timer = setInterval(() => {
    const m = processMemory();
    if (m.rendererMB != null) samples.push({ tS: (Date.now() - t0) / 1000, phase, rendererMB: m.rendererMB, chromiumTotalMB: m.chromiumTotalMB });
  }, SAMPLE_MS);
  return {
    samples,
    set phase(p) {
      phase = p;
    },
    stop: () => clearInterval(timer),
  };
}

/** Median renderer PSS over `ms`, sampled every 250 ms. */
async function rendererNow(ms = 1000) {
  const v = [];
  for (let t = 0; t < ms; t += SAMPLE_MS) {
    v.push(processMemory().rendererMB);
    await sleep(SAMPLE_MS);
  }
  return pct(v, 50);
}

async function run(build, files) {
  const server = await startServer({ outDir: build.outDir });
  const userDataDir = mkdtempSync(join(os.tmpdir(), 'shoebox-memory-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: [...CHROME_ARGS, '--disable-gpu'],
    serviceWorkers: 'block',
  });
  const sampler = startSampler();
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e?.message || e).slice(0, 300)));
    // The probe reaches the app's workers through the page's Worker constructor.
    await page.addInitScript(trackWorkers);
    const cdp = await context.newCDPSession(page);
    const workers = workerTracker(cdp);
    await workers.start();
    await page.goto(`${server.url}?model=${MODEL_ID}`);
    sampler.phase = 'model';
    const model = DROP_FIRST ? { status: 'not loaded: the drop loads it' } : await waitModelReady(page, 180_000);
    if (AFTER_RELEASE) {
      // The drop of someone who opened the app a while ago: the model was released meanwhile (the row reads "Nothing").
      await page.getByTestId('model-memory').getByText(/^\s*Nothing/).waitFor({ timeout: 120_000 });
    }
    await closeSettings(page);
    await sleep(2000);
    const beforeMB = await rendererNow();
    const beforeMappingsMB = rendererMappings();
    log(`  ${build.label}: model ${model.status}; renderer ${beforeMB} MB before the drop`);

    const cpu = startCpuInterval();
    sampler.phase = 'import';
    const dropAt = Date.now();
    const workerTrace = [];
    let tracing = TRACE_WORKERS;
    let status = '';
    const traceLoop = (async () => {
      while (tracing) {
        const tS = (Date.now() - dropAt) / 1000;
        const heaps = await workers.heaps(false, true).catch(() => []);
        const pageHeap = heapUsage(await cdp.send('Runtime.getHeapUsage').catch(() => ({})));
        heaps.unshift({ name: 'page', depth: 0, ...pageHeap });
        // The renderer's mappings by kind too: memory outside every isolate (decoders, canvases, ImageBitmaps) shows as [anon] beyond the isolates' sum.
        workerTrace.push({ tS: round(tS, 1), rendererMB: processMemory().rendererMB, status: status.match(STATUS_RE)?.[0] ?? '', mappings: rendererMappings(), workers: heaps.filter((h) => h.usedMB != null).map((h) => [h.name + (h.depth > 1 ? '*' : ''), h.usedMB, h.arrayBuffersMB]) });
        await sleep(1000);
      }
    })();
    await page.getByLabel('Add photos and videos').setInputFiles(files);
    let lastLog = 0;
    for (;;) {
      status = await page.evaluate(() => [...document.querySelectorAll('[role="status"]')].map((el) => el.textContent ?? '').join(' | '));
      const m = STATUS_RE.exec(status);
      if (m && m[1] === m[2] && Number(m[2]) >= Math.max(1, files.length - 2)) break;
      if (/Import paused|storage is full/.test(status)) throw new Error(`import paused: ${status}`);
      if (Date.now() - dropAt > 15 * 60_000) throw new Error(`import not done after 15 min: ${status}`);
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        log(`    … ${status.replace(/\s+/g, ' ').slice(0, 100)} · renderer ${sampler.samples.at(-1)?.rendererMB} MB`);
      }
      await sleep(250);
    }
    const importS = (Date.now() - dropAt) / 1000;
    tracing = false;
    await traceLoop;
    const cpuUse = cpu.stop();
    sampler.phase = 'settle';
    const settleStart = sampler.samples.length;
    await sleep(SETTLE_S * 1000);
    sampler.stop();
    const during = sampler.samples.filter((s) => s.phase === 'import');
    const tail = sampler.samples.slice(settleStart).filter((s) => s.tS >= sampler.samples.at(-1).tS - 3);
    const peakMB = Math.max(...during.map((s) => s.rendererMB));
    const settledMB = pct(tail.map((s) => s.rendererMB), 50);
    const settledChromiumMB = pct(tail.map((s) => s.chromiumTotalMB), 50);
    log(`  ${build.label}: ${status.match(STATUS_RE)?.[0]} in ${importS.toFixed(1)} s; peak ${peakMB} MB; settled ${settledMB} MB after ${SETTLE_S} s (all Chromium ${settledChromiumMB} MB)`);
    const liveWorkers = await page.evaluate(() => window.__appWorkers.filter((w) => w.live).map((w) => w.name));
    // Workers started by workers (the image tower, ffmpeg.wasm's, ONNX Runtime's threads), as CDP lists them.
    const nestedWorkers = (await workers.heaps(false)).filter((h) => h.depth > 1).map((h) => h.name);
    const queryMs = [];
    for (const q of ['a dog on the grass', 'a red car']) {
      const t0 = Date.now();
      await search(page, q, { timeoutMs: 120_000 });
      queryMs.push(Date.now() - t0);
    }
    log(`  ${build.label}: first search after settling ${queryMs[0]} ms, the next ${queryMs[1]} ms (until its results show)`);
    // Someone reading the results and searching again: longer than the 30 s an import's model is kept.
    await sleep(PAUSE_S * 1000);
    const t0 = Date.now();
    await search(page, 'a boat on the water', { timeoutMs: 120_000 });
    const afterPauseMs = Date.now() - t0;
    log(`  ${build.label}: a search ${PAUSE_S} s after the last one ${afterPauseMs} ms`);

    let breakdown = null;
    if (PROBE) breakdown = await probe(page, cdp, workers);
    return {
      label: build.label,
      build: build.note,
      model,
      items: Number(status.match(STATUS_RE)?.[2] ?? 0),
      importS: round(importS, 1),
      beforeDropMB: beforeMB,
      beforeDropMappingsMB: beforeMappingsMB,
      peakMB,
      settledMB,
      settledChromiumMB,
      liveWorkersAtSettle: liveWorkers,
      firstQueryAfterSettleMs: queryMs[0],
      nextQueryMs: queryMs[1],
      queryAfterPauseMs: afterPauseMs,
      nestedWorkersAtSettle: nestedWorkers,
      cpu: cpuUse,
      breakdown,
      curve: sampler.samples.filter((_, i) => i % 4 === 0).map((s) => [round(s.tS, 1), s.phase, s.rendererMB]),
      ...(TRACE_WORKERS ? { workerTrace } : {}),
      pageErrors: errors.slice(0, 10),
    };
  } finally {
    sampler.stop();
    await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
    await server.stop();
  }
}

/** Per-worker heaps after a GC, the renderer's mappings, then each worker terminated in turn. */
async function probe(page, cdp, workers) {
  await cdp.send('HeapProfiler.enable').catch(() => {});
  await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
  const heaps = await workers.heaps(true);
  const pageHeap = heapUsage(await cdp.send('Runtime.getHeapUsage').catch(() => ({})));
  const mappingsMB = rendererMappings();
  const afterGcMB = await rendererNow();
  const steps = [];
  let previous = afterGcMB;
  for (const name of ['video', 'cluster', 'index', 'ingest', 'embed']) {
    const ended = await page.evaluate((n) => {
      const w = window.__appWorkers.filter((x) => x.live && x.name === n);
      for (const x of w) x.worker.terminate();
      return w.length;
    }, name);
    if (!ended) {
      steps.push({ worker: name, note: 'not running' });
      continue;
    }
    await sleep(1500);
    await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
    const now = await rendererNow();
    steps.push({ worker: name, freedMB: round(previous - now, 1), rendererAfterMB: now });
    log(`    probe: ending the ${name} worker gave back ${round(previous - now, 1)} MB (renderer ${now} MB)`);
    previous = now;
  }
  // What is left is the page's own, plus allocator caches a memory-pressure signal gives back.
  const pageMappingsMB = rendererMappings();
  await cdp.send('Memory.simulatePressureNotification', { level: 'critical' }).catch(() => {});
  await sleep(2000);
  const afterPressureMB = await rendererNow();
  log(`    probe: page alone ${previous} MB, ${afterPressureMB} MB after a critical memory-pressure signal`);
  return { afterGcMB, pageHeap, workerHeaps: heaps, mappingsMB, terminate: steps, pageAloneMB: previous, pageMappingsMB, pageAfterPressureMB: afterPressureMB };
}

const fmtMappings = (m) => Object.entries(m ?? {}).sort((a, c) => c[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${v} MB`).join(', ');

function markdown(r) {
  const L = [`# Memory during and after a mixed import (${r.date})`, ''];
  L.push(`${r.photos} photos + ${r.videos} videos (${r.ffmpegVideo ? 'one through ffmpeg.wasm' : 'no ffmpeg-only video'}), model ${r.model}${r.model === BENCH_MODEL_ID ? ' (random weights, q8)' : ''}; Chromium ${r.chromium}; load average ${r.loadAverage.join(' / ')}.`, '');
  L.push('| build | items | import | before drop | **peak** (goal ≤ 700) | **settled** after ' + `${SETTLE_S} s (goal ≤ 400) | all Chromium settled | first search after settling / next / ${PAUSE_S} s later | workers still running (nested) |`);
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const x of r.runs) L.push(`| ${x.label} | ${x.items} | ${x.importS} s | ${x.beforeDropMB} MB | ${x.peakMB} MB | ${x.settledMB} MB | ${x.settledChromiumMB} MB | ${x.firstQueryAfterSettleMs} / ${x.nextQueryMs} / ${x.queryAfterPauseMs} ms | ${x.liveWorkersAtSettle.join(', ')} (${x.nestedWorkersAtSettle.join(', ')}) |`);
  for (const x of r.runs) L.push('', `${x.label}, before the drop (model loaded): ${fmtMappings(x.beforeDropMappingsMB)}.`);
  for (const x of r.runs.filter((y) => y.breakdown)) {
    const b = x.breakdown;
    L.push('', `## What holds the settled memory (${x.label})`, '', `Renderer after a GC: ${b.afterGcMB} MB. Terminating the workers one at a time:`, '');
    L.push('| worker ended | gave back | renderer after |', '|---|---:|---:|');
    for (const s of b.terminate) L.push(`| ${s.worker} | ${s.freedMB ?? '—'} MB | ${s.rendererAfterMB ?? s.note} ${s.rendererAfterMB != null ? 'MB' : ''} |`);
    L.push(`| (page alone) | | ${b.pageAloneMB} MB |`, `| (then a critical memory-pressure signal) | ${round(b.pageAloneMB - b.pageAfterPressureMB, 1)} MB | ${b.pageAfterPressureMB} MB |`, '');
    L.push(`The page alone, by mapping: ${fmtMappings(b.pageMappingsMB)}.`, '');
    L.push('Heaps after a GC (CDP Runtime.getHeapUsage; ArrayBuffers = typed arrays and wasm memories outside the JS heap):', '');
    L.push('| isolate | JS heap used | ArrayBuffers |', '|---|---:|---:|');
    L.push(`| page | — | ${b.pageHeap.arrayBuffersMB ?? '—'} MB |`);
    for (const h of b.workerHeaps) L.push(`| ${h.name}${h.depth > 1 ? ' (nested)' : ''} | ${h.usedMB ?? h.error} ${h.usedMB != null ? 'MB' : ''} | ${h.arrayBuffersMB ?? '—'} MB |`);
    L.push('', `Renderer mappings: ${fmtMappings(b.mappingsMB)}.`);
  }
  return `${L.join('\n')}\n`;
}

async function main() {
  const started = Date.now();
  if (!existsSync(join(BENCH_MODEL_DIR, 'onnx', 'vision_model_quantized.onnx'))) await generateBenchModel({ ifMissing: true, log });
  const photos = listImages(PHOTOS).map((f) => join(SHARED_IMAGES, f));
  const videos = argv.includes('--no-videos') ? [] : listVideos().map((f) => join(SHARED_VIDEOS, f));
  const avi = argv.includes('--no-videos') || argv.includes('--no-avi') ? null : ffmpegOnlyVideo();
  const files = [...photos, ...videos, ...(avi ? [avi] : [])];
  log(`${photos.length} photos + ${videos.length + (avi ? 1 : 0)} videos${avi ? ' (one AVI for ffmpeg.wasm)' : ''}`);
  const builds = [...(BASE ? [buildApp(BASE)] : []), buildApp(null)];
  if (BASE_LAST) builds.reverse();
  const runs = [];
  for (const b of builds) runs.push(await run(b, files));
  const now = runs.find((x) => x.label === 'worktree');
  const result = {
    date: new Date().toISOString(),
    model: MODEL_ID,
    photos: photos.length,
    videos: videos.length + (avi ? 1 : 0),
    ffmpegVideo: Boolean(avi),
    settleS: SETTLE_S,
    chromium: chromiumVersion(),
    loadAverage: os.loadavg().map((x) => round(x, 2)),
    goals: { peakMB: PEAK_GOAL_MB, settledMB: SETTLED_GOAL_MB },
    runs,
    summary: { memory_ingest_peak_mb: round(now.peakMB, 0), memory_settled_mb: round(now.settledMB, 0), memory_import_s: now.importS, memory_first_search_after_settle_ms: now.firstQueryAfterSettleMs, memory_search_after_pause_ms: now.queryAfterPauseMs },
    elapsedS: round((Date.now() - started) / 1000, 0),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'memory.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, 'memory.md'), markdown(result));
  log(`wrote bench/results/memory.json and memory.md in ${result.elapsedS} s`);
  if (MERGE && MODEL_ID === BENCH_MODEL_ID) {
    const base = runs.find((x) => x !== now) ?? null;
    const how = `${photos.length} photos + ${result.videos} videos, ${BENCH_MODEL_ID}; renderer PSS (page + workers) every ${SAMPLE_MS} ms (bench/memory.mjs); load average ${result.loadAverage.join(' / ')}`;
    const against = (key) => (base ? `; ${base.label} in the same run: ${round(base[key], 0)}` : '');
    const written = mergeIntoLatest(RESULTS_DIR, result.summary, {
      memory_ingest_peak_mb: `${result.summary.memory_ingest_peak_mb} MB peak during a mixed import (goal ≤ ${PEAK_GOAL_MB})${against('peakMB')}; ${how}`,
      memory_settled_mb: `${result.summary.memory_settled_mb} MB ${SETTLE_S} s after it ended (goal ≤ ${SETTLED_GOAL_MB})${against('settledMB')}; ${how}`,
      memory_import_s: `${result.summary.memory_import_s} s from the drop until every item was indexed, in the same mixed import${against('importS')} (a ratio needs the same run: the machine is shared); ${how}`,
      memory_first_search_after_settle_ms: `${result.summary.memory_first_search_after_settle_ms} ms for the first search after settling, until its results show (the text tower loads again where the model was released while idle)${against('firstQueryAfterSettleMs')}; ${how}`,
      memory_search_after_pause_ms: `${result.summary.memory_search_after_pause_ms} ms for a search ${PAUSE_S} s after the previous one, until its results show (released after an import's 30 s unless a search holds the model)${against('queryAfterPauseMs')}; ${how}`,
    });
    log(`merged into ${written.map((p) => relative(ROOT, p)).join(', ')}`);
  }
}

main().catch((err) => {
  console.error(`bench/memory.mjs failed: ${err?.stack || err}`);
  process.exitCode = 1;
});
