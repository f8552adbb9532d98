#!/usr/bin/env node
// What preparing one photo costs, step by step, and what the cheaper downscale paths do to vectors.
//
//   node bench/prep.mjs [--n 100] [--passes 2] [--no-cosine]
//
// In the bench page's prep worker (a worker like the ingest worker), on every 10th shared photo:
//  - the cost of each step of preparing a photo, each timed on its own (read, SHA-256, decode,
//    decode straight to thumbnail size, thumbnail draw and JPEG, pHash input, model crop on a new or
//    a kept canvas or from the thumbnail, model input arithmetic), and the app's own canvasStills
//    path (src/lib/ingest/canvas-stills.ts); `--passes` passes, each reported;
//  - cosine between each photo's vector from today's model crop (the decoded original cut and scaled
//    once) and from the crop of a 320-px thumbnail or of a decode resized to thumbnail size, with the
//    fixture model and the random-weight ViT-B/32 (a path is kept only at cosine ≥ 0.999 on every photo).
// Elapsed times on a shared machine: compare steps within one pass. Writes bench/results/prep.json.
import { argValue, BENCH_MODEL_ID, BENCH_MODEL_DIR, ensureBenchPage, installImages, installModel, launch, listImages, log, openBenchPage, round, serve, writeResult } from './lib/bench-page.mjs';
import os from 'node:os';

const argv = process.argv.slice(2);
const N = Number(argValue(argv, '--n', 100));
const PASSES = Number(argValue(argv, '--passes', 2));
const COSINE = !argv.includes('--no-cosine');
const PATHS = [
  ['app', 'original'],
  ['original', 'thumbnail'],
  ['original', 'decodeResized'],
];

ensureBenchPage();
const names = listImages(1000).filter((_, i) => i % 10 === 0).slice(0, N);
const urls = installImages(names);
installModel({ id: BENCH_MODEL_ID, dir: BENCH_MODEL_DIR });
const server = await serve();
const { page, errors, close } = await launch();
const result = { date: new Date().toISOString(), loadAverage: os.loadavg().map((x) => round(x, 1)), photos: names.length, passes: [], cosine: [] };
try {
  await openBenchPage(page, server.url);
  const loaded = await page.evaluate((u) => window.bench.prepLoad(u), urls);
  log(`${loaded.n} photos, ${(loaded.bytes / 1e6).toFixed(1)} MB`);
  const perItem = (o) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'n').map(([k, v]) => [k, round(v / o.n, 2)]));
  for (let p = 0; p < PASSES; p++) {
    const steps = perItem(await page.evaluate(() => window.bench.prepStepCosts()));
    const app = perItem(await page.evaluate(() => window.bench.prepAppPath()));
    result.passes.push({ steps, app });
    log(`pass ${p + 1}, ms per photo: ${JSON.stringify(steps)}; app path ${JSON.stringify(app)}`);
  }
  if (COSINE) {
    for (const model of ['shoebox-fixture-clip', BENCH_MODEL_ID]) {
      await page.evaluate((m) => window.bench.embedLoad(m), model);
      for (const [a, b] of PATHS) {
        const cos = (await page.evaluate(([a, b, n]) => window.bench.prepCosine(a, b, n), [a, b, names.length])).sort((x, y) => x - y);
        const row = { model, a, b, n: cos.length, min: round(cos[0], 5), p5: round(cos[Math.floor(cos.length * 0.05)], 5), median: round(cos[cos.length >> 1], 5), mean: round(cos.reduce((x, y) => x + y, 0) / cos.length, 5), below0999: cos.filter((c) => c < 0.999).length };
        result.cosine.push(row);
        log(`${model}: ${a} vs ${b}: min ${row.min}, p5 ${row.p5}, median ${row.median}, mean ${row.mean}; ${row.below0999} of ${row.n} below 0.999`);
      }
    }
  }
} finally {
  result.pageErrors = errors.slice(0, 5);
  await close();
  await server.stop();
}
writeResult('prep', result);
