#!/usr/bin/env node
// Naive baseline for ingest: the transformers.js demo way, in headless Chromium.
//
//   node bench/naive.mjs [--n 48] [--warmup 8] [--variants same,default] [--budget-s 240] [--no-build]
//
// On the page's main thread, `pipeline('image-feature-extraction', <model>)` is called once per
// image URL (fetch + decode + CLIP processor + vision model, one image per call), as the library's
// examples do. Two variants, each in a fresh browser profile:
//   same    — the same model file and dtype as the app (q8 → onnx/vision_model_quantized.onnx) and
//             the app's thread count (min(4, cores)), so app ÷ naive measures the pipeline only;
//   default — no dtype and no thread setting: what the library picks by itself (on WASM it resolves
//             dtype to q8 and ORT to ceil(cores / 2) threads; the files it fetched are recorded).
// Images: the first shared photos (sorted), as bench/ingest.mjs uses. The first `warmup` calls are the
// warm-up figure; the next n (up to 2n when other processes keep the machine busy) the steady figure,
// timed in chunks of 4 with CPU accounting: the steady rate counts the chunks other processes did not
// disturb when there are at least 16 such images, else all of them (flagged). Writes bench/results/naive.json.
import { startCpuInterval, waitForQuiet } from './lib/cpu-monitor.mjs';
import {
  argValue,
  cdpMemory,
  chromiumVersion,
  ensureBenchPage,
  installImages,
  installModel,
  launch,
  listImages,
  log,
  openBenchPage,
  pct,
  pkgVersion,
  resolveModel,
  round,
  serve,
  SHARED_IMAGES,
  writeResult,
} from './lib/bench-page.mjs';

const argv = process.argv.slice(2);
const N = Number(argValue(argv, '--n', 48));
const WARMUP = Number(argValue(argv, '--warmup', 8));
const VARIANTS = String(argValue(argv, '--variants', 'same,default')).split(',').filter(Boolean);
const BUDGET_S = Number(argValue(argv, '--budget-s', 240));
const CONTENDED_CORES = 0.25;
const CHUNK = 4;
/** Quiet images needed before the steady figure uses only them. */
const MIN_QUIET_IMAGES = 16;

async function runVariant({ url, model, name, urls, deadline }) {
  const { context, page, errors, close } = await launch();
  try {
    await openBenchPage(page, url);
    const env = await page.evaluate(() => window.bench.env());
    const appThreads = env.crossOriginIsolated ? Math.max(1, Math.min(4, env.hardwareConcurrency || 1)) : 1;
    const opts = name === 'same' ? { modelId: model.id, dtype: 'q8', threads: appThreads } : { modelId: model.id };
    log(`naive (${name}): pipeline('image-feature-extraction', '${model.id}', ${JSON.stringify({ dtype: opts.dtype, threads: opts.threads })})`);
    const info = await page.evaluate((o) => window.bench.naiveLoad(o), opts);
    log(`  loaded in ${Math.round(info.loadMs)} ms; ORT threads ${info.threadsSetting}; files ${info.onnxFiles.join(', ')}`);
    const ms = [];
    let outputDims = null;
    const runChunk = async (list) => {
      const r = await page.evaluate((u) => window.bench.naiveRun(u), list);
      outputDims = r.outputDims;
      return r.ms;
    };
    // Warm-up: the first WARMUP images (WASM tier-up, ORT allocations).
    for (let i = 0; i < WARMUP; i += CHUNK) ms.push(...(await runChunk(urls.slice(i, Math.min(i + CHUNK, WARMUP)))));
    // A shared machine: wait (bounded) for other processes to go quiet, then time chunks of 4 images
    // with CPU accounting per chunk. The steady figure counts the quiet chunks when there are enough
    // (interference only slows a chunk down), else every chunk, flagged as contended.
    const gate = await waitForQuiet({ maxWaitMs: Math.min(20_000, Math.max(0, deadline - Date.now() - 20_000)), log });
    const chunks = [];
    let stoppedEarly = false;
    const steadyStartedAt = Date.now();
    const cpuAll = startCpuInterval();
    const quietImages = () => chunks.filter((c) => c.quiet).reduce((a, c) => a + c.ms.length, 0);
    for (let i = WARMUP; i < urls.length; i += CHUNK) {
      // The first N steady images always; extra ones (up to the list's end) only while too few were quiet.
      if (i >= WARMUP + N && quietImages() >= MIN_QUIET_IMAGES) break;
      if (Date.now() > deadline) {
        stoppedEarly = true;
        break;
      }
      const c = startCpuInterval();
      const part = await runChunk(urls.slice(i, Math.min(i + CHUNK, urls.length)));
      const cpu = c.stop();
      chunks.push({ ms: part, othersCores: cpu.othersCores, oursCpuS: cpu.oursCores == null ? null : cpu.oursCores * cpu.seconds, quiet: cpu.othersCores == null || cpu.othersCores <= CONTENDED_CORES });
    }
    const cpuUse = cpuAll.stop();
    const warm = ms.slice(0, WARMUP);
    const steady = chunks.flatMap((c) => c.ms);
    const quiet = chunks.filter((c) => c.quiet).flatMap((c) => c.ms);
    const sum = (a) => a.reduce((x, y) => x + y, 0);
    const useQuiet = quiet.length >= MIN_QUIET_IMAGES;
    const basis = useQuiet ? quiet : steady;
    const basisChunks = useQuiet ? chunks.filter((c) => c.quiet) : chunks;
    const oursCpuS = basisChunks.every((c) => c.oursCpuS != null) ? basisChunks.reduce((a, c) => a + c.oursCpuS, 0) : null;
    const memory = await cdpMemory(context, page);
    const result = {
      variant: name,
      asked: { dtype: opts.dtype ?? '(library default)', threads: opts.threads ?? '(library default)' },
      resolvedThreads: info.threadsSetting,
      onnxFilesFetched: info.onnxFiles,
      loadMs: round(info.loadMs, 0),
      outputDims,
      warmup: { images: warm.length, imagesPerSecond: warm.length ? round((warm.length * 1000) / sum(warm), 2) : null, msPerImage: warm.map((x) => round(x, 0)) },
      steady: {
        images: basis.length,
        basis: useQuiet ? `the ${quiet.length} of ${steady.length} images timed while other processes used ≤ ${CONTENDED_CORES} core` : `all ${steady.length} images (fewer than ${MIN_QUIET_IMAGES} quiet ones)`,
        imagesPerSecond: basis.length ? round((basis.length * 1000) / sum(basis), 2) : null,
        allImagesPerSecond: steady.length ? round((steady.length * 1000) / sum(steady), 2) : null,
        allImages: steady.length,
        // Contention-robust secondary figure: images per CPU-second our processes got (ORT spin-waits included).
        imagesPerOurCoreSecond: oursCpuS ? round(basis.length / oursCpuS, 2) : null,
        p50Ms: round(pct(basis, 50), 1),
        p99Ms: round(pct(basis, 99), 1),
        wallS: round((Date.now() - steadyStartedAt) / 1000, 1),
      },
      quietGate: { quiet: gate.quiet, othersCoresBefore: gate.sample?.othersCores ?? null },
      stoppedEarly,
      cpu: cpuUse,
      contended: !useQuiet && cpuUse?.othersCores != null && cpuUse.othersCores > CONTENDED_CORES,
      memory,
      pageErrors: errors.slice(0, 5),
    };
    log(
      `  warm-up ${result.warmup.imagesPerSecond} img/s (first ${warm.length}), steady ${result.steady.imagesPerSecond} img/s over ${result.steady.basis}; all ${result.steady.allImagesPerSecond} img/s; ` +
        `CPU ours ${cpuUse?.oursCores}, others ${cpuUse?.othersCores}${result.contended ? ' (CONTENDED)' : ''}`,
    );
    return result;
  } finally {
    await close();
  }
}

async function main() {
  const started = Date.now();
  const deadline = started + BUDGET_S * 1000;
  const names = listImages(WARMUP + 2 * N);
  if (!names.length) {
    const out = { date: new Date().toISOString(), skipped: `no shared photos at ${SHARED_IMAGES}`, variants: [] };
    log(`SKIPPED: ${out.skipped}`);
    writeResult('naive', out);
    return;
  }
  const model = await resolveModel();
  const page = ensureBenchPage({ force: false });
  installModel(model);
  const urls = installImages(names);
  const server = await serve();
  const variants = [];
  const notes = [];
  try {
    for (const [i, name] of VARIANTS.entries()) {
      // Leave the later variants their share of the budget.
      const left = deadline - Date.now();
      const share = left / (VARIANTS.length - i);
      if (share < 30_000) {
        notes.push(`variant ${name}: not run, ${Math.round(left / 1000)} s left in the ${BUDGET_S} s budget`);
        continue;
      }
      try {
        variants.push(await runVariant({ url: server.url, model, name, urls, deadline: Date.now() + share - 10_000 }));
      } catch (err) {
        notes.push(`variant ${name} failed: ${String(err?.message || err).split('\n')[0]}`);
        log(`  FAILED: ${err?.stack || err}`);
      }
    }
  } finally {
    await server.stop();
  }
  const same = variants.find((v) => v.variant === 'same');
  const dflt = variants.find((v) => v.variant === 'default');
  if (dflt && same && JSON.stringify(dflt.onnxFilesFetched) === JSON.stringify(same.onnxFilesFetched)) {
    notes.push(`the library's default dtype on WASM resolved to the same file as ours (${dflt.onnxFilesFetched.join(', ')}); the default variant differs only in threads (${dflt.resolvedThreads} vs ${same.resolvedThreads})`);
  }
  writeResult('naive', {
    date: new Date().toISOString(),
    what: "transformers.js pipeline('image-feature-extraction') on the page's main thread, one image URL per call (fetch + decode + processor + model)",
    model: { id: model.id, real: model.real, note: model.note },
    images: { dir: SHARED_IMAGES, warmup: WARMUP, steady: N },
    versions: { chromium: chromiumVersion(), transformers: pkgVersion('@huggingface/transformers'), onnxruntimeWeb: pkgVersion('onnxruntime-web') },
    build: page.note,
    variants,
    notes,
    elapsedS: round((Date.now() - started) / 1000, 1),
  });
}

main().catch((err) => {
  console.error(`bench/naive.mjs failed: ${err?.stack || err}`);
  process.exitCode = 1;
});
