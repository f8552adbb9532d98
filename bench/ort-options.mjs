#!/usr/bin/env node
// ONNX Runtime session options for the vision tower, A/B in one page: each option set is a session
// of its own (one runtime, one thread pool), timed in short segments interleaved over rounds, alone
// and with the app's preparation of 8 photos running during every batch (the ingest pipeline's
// overlap), so every option is compared under the same load at the same time.
//
//   node bench/ort-options.mjs [--rounds 3] [--batches 8] [--sets default,noSpin,...] [--photos 48]
//
// Writes bench/results/ort-options.json. Elapsed times on a shared machine: compare within a round.
import os from 'node:os';
import { argValue, BENCH_MODEL_ID, BENCH_MODEL_DIR, ensureBenchPage, installImages, installModel, launch, listImages, log, openBenchPage, round, serve, writeResult } from './lib/bench-page.mjs';
import { startCpuInterval } from './lib/cpu-monitor.mjs';

/** Option sets by name: ONNX Runtime web session options as transformers.js passes them on. */
const SETS = {
  default: {},
  noSpin: { extra: { session: { intra_op: { allow_spinning: '0' } } } },
  spinStop: { extra: { session: { force_spinning_stop: '1' } } },
  fixedBatch: { freeDimensionOverrides: { batch_size: 8 } },
  basicOpt: { graphOptimizationLevel: 'basic' },
  sequential: { executionMode: 'sequential', enableMemPattern: true, enableCpuMemArena: true },
};

const argv = process.argv.slice(2);
const ROUNDS = Number(argValue(argv, '--rounds', 3));
const BATCHES = Number(argValue(argv, '--batches', 8));
const PHOTOS = Number(argValue(argv, '--photos', 48));
const names = String(argValue(argv, '--sets', 'default,noSpin,spinStop,fixedBatch')).split(',');
for (const n of names) if (!SETS[n]) throw new Error(`unknown option set ${n}; known: ${Object.keys(SETS).join(', ')}`);

ensureBenchPage();
const urls = installImages(listImages(PHOTOS));
installModel({ id: BENCH_MODEL_ID, dir: BENCH_MODEL_DIR });
const server = await serve();
const { page, errors, close } = await launch();
const result = { date: new Date().toISOString(), loadAverageStart: os.loadavg().map((x) => round(x, 1)), sets: Object.fromEntries(names.map((n) => [n, SETS[n]])), loads: [], segments: [] };
try {
  await openBenchPage(page, server.url);
  await page.evaluate((u) => window.bench.prepLoad(u), urls);
  for (const name of names) {
    const l = await page.evaluate((o) => window.bench.ortOptionsLoad(o), { modelId: BENCH_MODEL_ID, name, sessionOptions: SETS[name] });
    result.loads.push(l);
    log(`${name}: session ${Math.round(l.loadMs)} ms, ${l.threads} threads`);
  }
  for (let r = 1; r <= ROUNDS; r++) {
    // Each round visits the sets in a rotated order, so none always runs first.
    const order = names.map((_, i) => names[(i + r - 1) % names.length]);
    for (const prep of ['none', 'paced']) {
      for (const name of order) {
        const cpu = startCpuInterval();
        const seg = await page.evaluate((o) => window.bench.ortOptionsSegment(o), { name, batches: BATCHES, prep });
        const c = cpu.stop();
        result.segments.push({ round: r, ...seg, cpu: c });
        log(`round ${r} ${prep.padEnd(5)} ${name.padEnd(10)} ${seg.imagesPerSecond.toFixed(2)} img/s (median batch ${Math.round([...seg.msPerBatch].sort((a, b) => a - b)[seg.msPerBatch.length >> 1])} ms; CPU ours ${c.oursCores}, others ${c.othersCores})`);
      }
    }
  }
} finally {
  result.pageErrors = errors.slice(0, 5);
  result.loadAverageEnd = os.loadavg().map((x) => round(x, 1));
  await close();
  await server.stop();
}
const summary = {};
for (const name of names) {
  for (const prep of ['none', 'paced']) {
    const xs = result.segments.filter((s) => s.name === name && s.prep === prep).map((s) => s.imagesPerSecond).sort((a, b) => a - b);
    summary[`${name}/${prep}`] = { median: round(xs[xs.length >> 1], 2), best: round(xs.at(-1), 2), n: xs.length };
  }
}
result.summary = summary;
for (const [k, v] of Object.entries(summary)) log(`${k}: median ${v.median}, best ${v.best} img/s over ${v.n} segments`);
writeResult('ort-options', result);
