#!/usr/bin/env node
// Text-query encode latency in headless Chromium: the app's embed worker (workers/embed.worker.ts)
// with the bench model, `embedText(query)` as the search box calls it (tokenizer + text tower +
// L2 normalisation + the worker round trip). After a warm-up of --warmup queries, --n queries are
// timed one after the other; p50/p99 reported. Queries: "a photo of a <class>" over the ImageNet
// class names in ../shared (or generated words without it). Writes bench/results/query.json.
//
//   node bench/query.mjs [--n 40] [--warmup 10]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCpuInterval, waitForQuiet } from './lib/cpu-monitor.mjs';
import { argValue, chromiumVersion, ensureBenchPage, installModel, launch, log, openBenchPage, pct, pkgVersion, resolveModel, round, serve, SHARED, writeResult } from './lib/bench-page.mjs';

const argv = process.argv.slice(2);
const N = Number(argValue(argv, '--n', 40));
const WARMUP = Number(argValue(argv, '--warmup', 10));

function queries(n) {
  const p = join(SHARED, 'data', 'images', 'clip-imagenet-prompts.json');
  let names = [];
  if (existsSync(p)) {
    const j = JSON.parse(readFileSync(p, 'utf8'));
    names = j.classes ?? j.class_names ?? (Array.isArray(j) ? j : []);
  }
  if (!names.length) names = Array.from({ length: 200 }, (_, i) => `thing number ${i}`);
  const step = Math.max(1, Math.floor(names.length / n));
  return Array.from({ length: n }, (_, i) => `a photo of a ${names[(i * step) % names.length]}`);
}

async function main() {
  const started = Date.now();
  const model = await resolveModel();
  const build = ensureBenchPage();
  installModel(model);
  const server = await serve();
  const { page, errors, close } = await launch();
  let result;
  try {
    await openBenchPage(page, server.url);
    const info = await page.evaluate((id) => window.bench.embedLoad(id), model.id);
    log(`embed worker: ${model.id} on ${info.backend}, ${info.threads} threads, loaded in ${Math.round(info.loadMs)} ms`);
    const qs = queries(WARMUP + N);
    const warm = await page.evaluate((q) => window.bench.embedTexts(q), qs.slice(0, WARMUP));
    const gate = await waitForQuiet({ maxWaitMs: 15_000, log });
    const cpu = startCpuInterval();
    const ms = await page.evaluate((q) => window.bench.embedTexts(q), qs.slice(WARMUP));
    const c = cpu.stop();
    result = {
      date: new Date().toISOString(),
      what: 'embed worker embedText(query): tokenizer + text tower + normalisation + worker round trip, one query at a time',
      model: { id: model.id, real: model.real, note: model.note, backend: info.backend, threads: info.threads, loadMs: round(info.loadMs, 0) },
      warmupMs: warm.map((x) => round(x, 1)),
      queries: ms.length,
      encodeMs: { p50: round(pct(ms, 50), 1), p99: round(pct(ms, 99), 1), min: round(Math.min(...ms), 1), max: round(Math.max(...ms), 1) },
      msPerQuery: ms.map((x) => round(x, 2)),
      examples: qs.slice(WARMUP, WARMUP + 3),
      cpu: c,
      quietGate: { quiet: gate.quiet, othersCoresBefore: gate.sample?.othersCores ?? null },
      contended: c.othersCores != null && c.othersCores > 0.25,
      versions: { chromium: chromiumVersion(), transformers: pkgVersion('@huggingface/transformers'), onnxruntimeWeb: pkgVersion('onnxruntime-web') },
      build: build.note,
      pageErrors: errors.slice(0, 5),
      elapsedS: round((Date.now() - started) / 1000, 1),
    };
    log(`text encode: p50 ${result.encodeMs.p50} ms, p99 ${result.encodeMs.p99} ms over ${ms.length} queries (CPU others ${c.othersCores})`);
  } finally {
    await close();
    await server.stop();
  }
  writeResult('query', result);
}

main().catch((err) => {
  console.error(`bench/query.mjs failed: ${err?.stack || err}`);
  process.exitCode = 1;
});
