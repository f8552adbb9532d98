#!/usr/bin/env node
// The renderer's memory through one offline start of a 100k library, every 500 ms (a diagnostic,
// not in run-all): where grid.mjs samples at 3, 15 and 45 s, this shows when memory comes and goes.
//
//   node bench/start-curve.mjs --dist DIR --profile DIR [--seconds 40] [--heaps] [--pressure-at S] [--gc-at S] [--out FILE]
//
// `--profile` is a profile grid.mjs seeded and kept (use a copy: the run changes it); `--dist` a
// production build, served on the port the profile was seeded on. The build's service worker
// installs on an online visit, then one offline start runs 20 s unmeasured (a new build's first
// start does work of its own) and the measured start follows. Each sample: renderer PSS, its
// anonymous memory, and with `--heaps` every worker's committed JS heap + ArrayBuffers (workers of
// workers marked ^2). `--pressure-at`: a critical memory pressure signal then; `--gc-at`: a full
// collection in the page and every worker then.
//
// What it showed at 100k: a worker's JS heap is not given back when the worker ends. V8 keeps the
// pages of an ended isolate in a process-wide pool (src/heap/memory-pool.cc), released later (here
// ~30 s after the start, all at once) and not on memory pressure; until then they count in the
// renderer's anonymous memory. A start's summaries workers (76 MB and 32 MB of heap) were most of
// what the renderer held 15 s after a start beyond its settled figure.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../test/e2e/harness.mjs';
import { appUrl } from '../test/e2e/app-helpers.mjs';
import { CHROME_ARGS, argValue, processMemory, sleep } from './lib/bench-page.mjs';
import { rendererMappings, trackWorkers, workerTracker } from './lib/renderer-memory.mjs';

const argv = process.argv.slice(2);
const DIST = argValue(argv, '--dist', null);
const PROFILE = argValue(argv, '--profile', null);
const SECONDS = Number(argValue(argv, '--seconds', '40'));
const PRESSURE_AT = Number(argValue(argv, '--pressure-at', 'NaN'));
const GC_AT = Number(argValue(argv, '--gc-at', 'NaN'));
const OUT = argValue(argv, '--out', null);
const HEAPS = argv.includes('--heaps');
const kept = JSON.parse(readFileSync(join(PROFILE, 'shoebox-grid-seeded.json'), 'utf8'));
const server = await startServer({ outDir: DIST, port: kept.port });
const launch = async () => {
  const c = await chromium.launchPersistentContext(PROFILE, { executablePath: '/usr/bin/chromium', args: [...CHROME_ARGS, '--disable-gpu'], viewport: { width: 1280, height: 800 } });
  await c.addInitScript(trackWorkers);
  await c.addInitScript(() => { const W = window.Worker; window.__made = []; window.Worker = class extends W { constructor(u, o) { super(u, o); window.__made.push([o?.name, Math.round(performance.now())]); } }; });
  return c;
};
const url = appUrl(server.url);
const painted = () => new Promise((res) => {
  const f = () => {
    const imgs = [...document.querySelectorAll('main img')].filter((i) => { const r = i.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight && r.width > 0; });
    if (imgs.length >= 6 && imgs.every((i) => i.complete && i.naturalWidth > 0)) res(performance.now()); else requestAnimationFrame(f);
  };
  f();
});
let context = await launch();
try {
  // This build's service worker installs online first.
  let page = context.pages()[0] ?? (await context.newPage());
  await page.goto(url);
  await page.evaluate(painted);
  await page.waitForFunction(async () => { const r = await navigator.serviceWorker.getRegistration(); return !!r?.active && !r.installing && !r.waiting; }, null, { timeout: 120_000, polling: 500 });
  await page.reload();
  await page.evaluate(painted);
  await context.close();
  // One offline start first, as grid.mjs's first: whatever a new build does once is done before the measured one.
  context = await launch();
  await context.setOffline(true);
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(url);
  await page.evaluate(painted);
  await sleep(20_000);
  await context.close();
  context = await launch();
  await context.setOffline(true);
  page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  const tracker = workerTracker(cdp);
  let t0 = Date.now();
  const samples = [];
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const atS = (Date.now() - t0) / 1000;
      const m = rendererMappings();
      const heaps = HEAPS ? (await tracker.heaps(false, true)).map((h) => `${h.name.replace('.worker', '')}${h.depth > 1 ? '^' + h.depth : ''} ${h.totalMB ?? '?'}+${h.arrayBuffersMB ?? '?'}`).join(' ') : '';
      samples.push({ atS: Math.round(atS * 10) / 10, rendererMB: processMemory().rendererMB, anonMB: m['[anon]'], heaps });
      await sleep(500);
    }
  })();
  // With the debugger set to attach to every worker before this navigation, about one start in three
  // here was not answered by the service worker at all (ERR_INTERNET_DISCONNECTED offline, every
  // navigation of that launch); the app's offline e2e tests never meet it. So the workers are
  // attached once the page has loaded (the first reading worker starts ~1 s after), and a failed
  // navigation is tried again, the start measured from the one that loads.
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(url);
      break;
    } catch (err) {
      if (attempt === 3 || !/ERR_INTERNET_DISCONNECTED/.test(String(err))) throw err;
      console.log(`navigation ${attempt} failed offline, measuring from another: ${String(err).split('\n')[0]}`);
      await sleep(1000);
      samples.length = 0;
      t0 = Date.now();
    }
  }
  await tracker.start();
  const paintedMs = await page.evaluate(painted);
  console.log(`painted at ${Math.round(paintedMs)} ms`);
  const events = [];
  for (const [at, what] of [[PRESSURE_AT, 'pressure'], [GC_AT, 'gc']].filter(([a]) => Number.isFinite(a)).sort((a, b) => a[0] - b[0])) {
    await sleep(Math.max(0, t0 + at * 1000 - Date.now()));
    if (what === 'pressure') await cdp.send('Memory.simulatePressureNotification', { level: 'critical' });
    else { await cdp.send('HeapProfiler.collectGarbage'); await tracker.heaps(true); }
    events.push({ atS: (Date.now() - t0) / 1000, what });
    console.log(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  await sleep(Math.max(0, t0 + SECONDS * 1000 - Date.now()));
  const heaps = await tracker.heaps(false);
  console.log('page workers made:', JSON.stringify(await page.evaluate(() => window.__made)));
  done = true;
  await sampler;
  for (const s of samples) console.log(`${s.atS.toFixed(1)} s  ${s.rendererMB} MB  anon ${s.anonMB}  ${s.heaps}`);
  console.log(heaps.map((h) => `${h.name} ${h.usedMB}/${h.totalMB} +${h.arrayBuffersMB}`).join(', '));
  if (OUT) writeFileSync(OUT, JSON.stringify({ paintedMs, samples, events, heaps }, null, 1));
} finally {
  await context.close().catch(() => {});
  await server.stop();
}
