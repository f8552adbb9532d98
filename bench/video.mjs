#!/usr/bin/env node
// Video ingest cost: decode + filter (the app's video worker) against embedding the kept frames
// (the app's embed worker), per video of ../shared/data/videos/**, in headless Chromium.
//
//   node bench/video.mjs [--budget-s 300] [--decoders webcodecs,ffmpeg] [--no-build]
//
// Per video and decoder (WebCodecs via mediabunny, and ffmpeg.wasm forced with `decoder: 'ffmpeg'`):
// decodeMs and filterMs as the worker reports them (open + demux + decode + scale candidates;
// histograms + blank test + selection + crops + JPEGs), frames kept, and the time the embed
// worker takes for those kept frames in batches of 8 (the ingest worker's batch), after the model
// was warmed up on noise frames. Options = the ones the ingest worker passes (app defaults).
// ratio = (decode + filter) ÷ embed; goal ≤ 0.5 (frame picking costs at most half the model time).
// Both decoders are warmed up on the smallest video first (module load, ffmpeg.wasm compile).
// Writes bench/results/video.json.
import { startCpuInterval } from './lib/cpu-monitor.mjs';
import {
  argValue,
  cdpMemory,
  processMemory,
  chromiumVersion,
  ensureBenchPage,
  installModel,
  installVideos,
  listVideos,
  launch,
  log,
  openBenchPage,
  pkgVersion,
  resolveModel,
  round,
  serve,
  SHARED_VIDEOS,
  writeResult,
} from './lib/bench-page.mjs';
import { statSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const BUDGET_S = Number(argValue(argv, '--budget-s', 300));
const DECODERS = String(argValue(argv, '--decoders', 'webcodecs,ffmpeg')).split(',').filter(Boolean);
const GOAL = 0.5;
const CONTENDED_CORES = 0.25;

async function main() {
  const started = Date.now();
  const deadline = started + BUDGET_S * 1000;
  const files = listVideos();
  if (!files.length) {
    const out = { date: new Date().toISOString(), skipped: `no videos under ${SHARED_VIDEOS}`, videos: [], summary: null };
    log(`SKIPPED: ${out.skipped}`);
    writeResult('video', out);
    return;
  }
  const model = await resolveModel();
  const build = ensureBenchPage();
  installModel(model);
  installVideos(files);
  const server = await serve();
  // ForceEagerMeasureMemory: measureUserAgentSpecificMemory answers at once instead of at the next GC (up to 20 s).
  const { context, page, errors, close } = await launch({ extraArgs: ['--enable-blink-features=ForceEagerMeasureMemory'] });
  const notes = [];
  const rows = [];
  let modelInfo = null;
  let warmupBatchesMs = null;
  let memory = null;
  let options = null;
  try {
    await openBenchPage(page, server.url);
    options = await page.evaluate(() => window.bench.appVideoOptions());
    log(`embed worker: loading ${model.id}`);
    modelInfo = await page.evaluate((id) => window.bench.embedLoad(id), model.id);
    log(`  ${modelInfo.backend}, ${modelInfo.threads} threads (${modelInfo.reason}); loaded in ${Math.round(modelInfo.loadMs)} ms`);
    warmupBatchesMs = await page.evaluate(() => window.bench.embedWarmup(60));
    log(`  embed warm-up: ${warmupBatchesMs.length} batches of 8, ${warmupBatchesMs.map((x) => Math.round(x)).join(', ')} ms`);

    const bySize = [...files].sort((a, b) => statSync(join(SHARED_VIDEOS, a)).size - statSync(join(SHARED_VIDEOS, b)).size);
    for (const decoder of DECODERS) {
      const w = await page.evaluate(([u, o]) => window.bench.videoExtract(u, o), [`samples/${bySize[0]}`, { ...options, decoder }]);
      log(`  decoder warm-up (${decoder}, ${bySize[0]}): ${w.ok ? `${Math.round(w.wallMs)} ms` : w.error}`);
    }

    for (const file of files) {
      const row = { file, bytes: statSync(join(SHARED_VIDEOS, file)).size };
      for (const decoder of DECODERS) {
        if (Date.now() > deadline - 15_000) {
          row[decoder] = { skipped: 'time budget' };
          notes.push(`${file} (${decoder}): not run, time budget of ${BUDGET_S} s used up`);
          continue;
        }
        const cpu = startCpuInterval();
        const key = `${file}|${decoder}`;
        const x = await page.evaluate(([u, o, k]) => window.bench.videoExtract(u, o, k), [`samples/${file}`, { ...options, decoder }, key]);
        if (!x.ok) {
          row[decoder] = { error: x.error };
          log(`  ${file} (${decoder}): FAILED ${x.error}`);
          cpu.stop();
          continue;
        }
        const e = await page.evaluate((k) => window.bench.embedKept(k), key);
        const c = cpu.stop();
        row.durationSec = round(x.durationSec, 1);
        row.size = `${x.width}×${x.height}`;
        const df = x.decodeMs + x.filterMs;
        row[decoder] = {
          decodeMs: round(x.decodeMs, 0),
          filterMs: round(x.filterMs, 0),
          decodeFilterMs: round(df, 0),
          candidates: x.candidateCount,
          kept: x.kept,
          skippedBlank: x.skippedBlank,
          embedMs: round(e.embedMs, 0),
          embedBatches: e.batches,
          embedMsPerFrame: round(e.embedMs / Math.max(1, e.frames), 1),
          ratio: e.embedMs > 0 ? round(df / e.embedMs, 3) : null,
          cpu: c,
          contended: c.othersCores != null && c.othersCores > CONTENDED_CORES,
        };
        log(
          `  ${file} (${decoder}): ${x.durationSec.toFixed(1)} s ${x.width}×${x.height}; decode ${Math.round(x.decodeMs)} + filter ${Math.round(x.filterMs)} ms, ` +
            `${x.kept}/${x.candidateCount} kept; embed ${Math.round(e.embedMs)} ms → ratio ${row[decoder].ratio}; CPU others ${c.othersCores}`,
        );
      }
      rows.push(row);
    }
    // performance.measureUserAgentSpecificMemory() never answers once ONNX Runtime's pthread workers
    // run (seen here: page-only it answers in ~30 ms), so the total comes from /proc instead.
    memory = {
      process: processMemory(),
      cdp: await cdpMemory(context, page),
      userAgentSpecific: await page.evaluate(() => window.bench.measureMemory(3000)),
    };
    log(`  memory at the end: renderer (page + workers) ${memory.process.rendererMB} MB PSS, all Chromium ${memory.process.chromiumTotalMB} MB; page JS heap ${memory.cdp.jsHeapUsedMB} MB`);
  } finally {
    await close();
    await server.stop();
  }

  const summary = {};
  for (const decoder of DECODERS) {
    const ok = rows.map((r) => r[decoder]).filter((x) => x && x.ratio != null);
    const df = ok.reduce((a, x) => a + x.decodeFilterMs, 0);
    const em = ok.reduce((a, x) => a + x.embedMs, 0);
    const ratios = ok.map((x) => x.ratio).sort((a, b) => a - b);
    summary[decoder] = {
      videos: ok.length,
      failed: rows.filter((r) => r[decoder]?.error).map((r) => `${r.file}: ${r[decoder].error}`),
      decodeFilterMs: round(df, 0),
      embedMs: round(em, 0),
      framesKept: ok.reduce((a, x) => a + x.kept, 0),
      ratioOfSums: em > 0 ? round(df / em, 3) : null,
      medianRatio: ratios.length ? ratios[Math.floor((ratios.length - 1) / 2)] : null,
      worstRatio: ratios.length ? ratios.at(-1) : null,
      videosMeetingGoal: ok.filter((x) => x.ratio <= GOAL).length,
      anyContended: ok.some((x) => x.contended),
    };
  }
  writeResult('video', {
    date: new Date().toISOString(),
    goal: `(decode + filter) ÷ embed ≤ ${GOAL}`,
    model: { id: model.id, real: model.real, note: model.note, ...modelInfo },
    options,
    embedWarmupBatchesMs: warmupBatchesMs?.map((x) => round(x, 0)),
    versions: { chromium: chromiumVersion(), mediabunny: pkgVersion('mediabunny'), ffmpegCore: pkgVersion('@ffmpeg/core'), transformers: pkgVersion('@huggingface/transformers'), onnxruntimeWeb: pkgVersion('onnxruntime-web') },
    build: build.note,
    videosDir: SHARED_VIDEOS,
    videos: rows,
    summary,
    memory,
    pageErrors: errors.slice(0, 10),
    notes,
    elapsedS: round((Date.now() - started) / 1000, 1),
  });
  for (const [d, s] of Object.entries(summary)) log(`${d}: Σ(decode+filter) ${s.decodeFilterMs} ms ÷ Σembed ${s.embedMs} ms = ${s.ratioOfSums} (median per video ${s.medianRatio}, worst ${s.worstRatio})`);
}

main().catch((err) => {
  console.error(`bench/video.mjs failed: ${err?.stack || err}`);
  process.exitCode = 1;
});
