#!/usr/bin/env node
// Where the workers' JavaScript time goes during one import: Chromium's V8 sampling profiler
// (a trace with `disabled-by-default-v8.cpu_profiler`) over an import of N shared photos with the
// fixture model, summed per thread by function (self time, ms). Names are the build's minified ones;
// look them up in the built worker file. The profiler slows everything down: compare two builds
// profiled one right after the other, not with bench/ingest.mjs's figures.
//
//   node bench/profile-ingest.mjs [--dist .cache/bench-dist] [--n 200] [--top 15] [--trace out.json]
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../test/e2e/harness.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const IMAGES = process.env.SHOEBOX_SHARED_IMAGES || resolve(ROOT, '..', 'shared', 'data', 'images', 'imagenet-sample-1000');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const n = Number(arg('n', 200));
const top = Number(arg('top', 15));
const files = readdirSync(IMAGES).sort().slice(0, n).map((f) => join(IMAGES, f));

/** Busy ms and self ms by function of every profiled thread, from the trace's ProfileChunk events. */
function summarize(events) {
  const threads = new Map();
  for (const e of events) {
    if (e.name !== 'Profile' && e.name !== 'ProfileChunk') continue;
    const key = `${e.pid}:${e.id}`;
    let t = threads.get(key);
    if (!t) threads.set(key, (t = { tid: e.tid, nodes: new Map(), samples: [], deltas: [] }));
    const { cpuProfile = {}, timeDeltas = [] } = e.args.data;
    for (const node of cpuProfile.nodes ?? []) t.nodes.set(node.id, node);
    t.samples.push(...(cpuProfile.samples ?? []));
    t.deltas.push(...timeDeltas);
  }
  const out = [];
  for (const t of threads.values()) {
    const self = new Map();
    let busyUs = 0;
    t.samples.forEach((id, i) => {
      const frame = t.nodes.get(id)?.callFrame;
      const us = t.deltas[i + 1] ?? 0;
      if (!frame || frame.functionName === '(idle)') return;
      busyUs += us;
      const name = `${frame.functionName || '(anonymous)'} ${(frame.url ?? '').split('/').pop()}`;
      self.set(name, (self.get(name) ?? 0) + us);
    });
    const names = [...self.keys()];
    const worker =
      names.map((k) => /([\w-]+\.worker)/.exec(k)?.[1]).find(Boolean) ?? (names.some((k) => / index-[\w-]+\.js$/.test(k)) ? 'page' : `thread ${t.tid} (ONNX Runtime's threads are wasm-only)`);
    out.push({ worker, busyMs: busyUs / 1000, top: [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => [k, us / 1000]) });
  }
  return out.filter((t) => t.busyMs >= 20).sort((a, b) => b.busyMs - a.busyMs);
}

const server = await startServer({ outDir: arg('dist', '.cache/bench-dist') });
const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await (await browser.newContext({ serviceWorkers: 'block' })).newPage();
  await page.goto(`${server.url}?model=shoebox-fixture-clip`);
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const status = page.getByTestId('model-status');
  await page.waitForFunction(() => /Ready in|Not downloaded yet/.test(document.querySelector('[data-testid="model-status"]')?.textContent ?? ''));
  if (/Not downloaded yet/.test((await status.textContent()) ?? '')) await status.getByRole('button', { name: 'Download now' }).click();
  await page.waitForFunction(() => /Ready in/.test(document.querySelector('[data-testid="model-status"]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await browser.startTracing(page, { categories: ['disabled-by-default-v8.cpu_profiler', 'v8.cpu_profiler'] });
  await page.getByLabel('Add photos and videos').setInputFiles(files);
  await page.waitForFunction((count) => new RegExp(`Indexed ${count} of ${count}(?!\\d)`).test(document.querySelector('[role="status"]')?.textContent ?? ''), n, { timeout: 300_000 });
  const trace = await browser.stopTracing();
  if (arg('trace')) writeFileSync(arg('trace'), trace);
  const parsed = JSON.parse(trace.toString());
  for (const t of summarize(parsed.traceEvents ?? parsed)) {
    console.log(`${t.worker}: busy ${t.busyMs.toFixed(0)} ms (${(t.busyMs / n).toFixed(2)} ms per photo under the profiler)`);
    for (const [name, ms] of t.top) console.log(`  ${ms.toFixed(1).padStart(8)}  ${name}`);
  }
} finally {
  await browser.close();
  await server.stop();
}
