#!/usr/bin/env node
// WebGPU attempt: Chromium WITHOUT --disable-gpu and with --enable-unsafe-webgpu asks for an adapter.
// - no navigator.gpu / no adapter → reported as "no adapter" (not a failure);
// - a software adapter (SwiftShader, llvmpipe, fallback) → reported, not measured: the app's rule
//   (src/lib/core/model-source.ts chooseBackend) uses WASM then, and SwiftShader ran ~0.05 img/s;
// - a hardware adapter → a short throughput run of the vision tower with transformers.js on
//   device 'webgpu' (batch 1, the app's dtype q8; --n images after 3 warm-up runs).
// Never exits non-zero because of WebGPU. Writes bench/results/webgpu.json.
//
//   node bench/webgpu.mjs [--n 10] [--timeout-s 90]
import { argValue, chromiumVersion, ensureBenchPage, installModel, launch, log, openBenchPage, resolveModel, round, serve, writeResult } from './lib/bench-page.mjs';

const argv = process.argv.slice(2);
const N = Number(argValue(argv, '--n', 10));
const TIMEOUT_S = Number(argValue(argv, '--timeout-s', 90));

async function main() {
  const started = Date.now();
  const model = await resolveModel();
  ensureBenchPage();
  installModel(model);
  const server = await serve();
  let out = { date: new Date().toISOString(), status: 'error', detail: null, imagesPerSecond: null };
  let browser = null;
  try {
    browser = await launch({ gpu: true });
    out.chromeArgs = browser.args;
    await openBenchPage(browser.page, server.url);
    const probe = await browser.page.evaluate(() => window.bench.webgpuProbe());
    out.probe = probe;
    const f = probe.facts;
    if (!f.hasGpuApi) Object.assign(out, { status: 'no adapter', detail: 'navigator.gpu is not available in this browser' });
    else if (!f.adapterFound) Object.assign(out, { status: 'no adapter', detail: probe.error ?? 'requestAdapter() returned null' });
    else if (probe.appChoice.backend !== 'webgpu') {
      Object.assign(out, { status: 'software adapter', detail: `${[f.vendor, f.architecture, f.description].filter(Boolean).join(' ') || 'fallback adapter'}: not measured; ${probe.appChoice.reason}` });
    } else {
      log(`WebGPU adapter ${f.vendor} ${f.architecture}: short run of ${N} images`);
      const r = await Promise.race([
        browser.page.evaluate(([id, n]) => window.bench.webgpuRun(id, n), [model.id, N]),
        new Promise((res) => setTimeout(() => res(null), TIMEOUT_S * 1000)),
      ]);
      if (r) Object.assign(out, { status: 'measured', imagesPerSecond: round(r.imagesPerSecond, 2), detail: `transformers.js CLIPVisionModelWithProjection, device webgpu, dtype q8, batch 1, ${r.n} images` });
      else Object.assign(out, { status: 'timeout', detail: `the WebGPU run did not finish within ${TIMEOUT_S} s` });
    }
  } catch (err) {
    Object.assign(out, { status: 'error', detail: String(err?.message || err).split('\n')[0] });
  } finally {
    if (browser) await browser.close();
    await server.stop();
  }
  out.chromium = chromiumVersion();
  out.elapsedS = round((Date.now() - started) / 1000, 1);
  log(`WebGPU: ${out.status}${out.detail ? ` — ${out.detail}` : ''}`);
  writeResult('webgpu', out);
}

main().catch((err) => {
  // The WebGPU attempt must not fail the bench.
  console.error(`bench/webgpu.mjs: ${err?.stack || err}`);
});
