#!/usr/bin/env node
// first_visit_bytes: what a first visit downloads before the first photo is dropped, in a fresh
// Chromium profile with the service worker on, against the built app (dist/; run `npx vite build`).
//
//   node bench/first-visit.mjs [--merge-latest]
//
// The bytes are counted by a small proxy in front of the app's preview server: every response
// body it sends, whoever asked (the page, its workers, the service worker's precache). The page is
// opened, then the count waits until the service worker is active and nothing has been asked for
// 3 s. Then one photo is dropped and the count goes on until it is indexed: what the first use
// adds (the model's runtime and the model, the fixture model here, so its own size is small;
// the production model is about 88 MB more). The baseline in the same run is every file of the
// build, which is what the service worker used to precache on a first visit.
// Writes bench/results/first-visit.json; --merge-latest also adds its keys to latest.json's summary
// and a line to the last run's dated Markdown (bench/lib/merge-latest.mjs).
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { FIXTURE_MODEL_ID, fixtureImage, launchBrowser, ROOT, startServer } from '../test/e2e/harness.mjs';
import { ui } from '../test/e2e/app-helpers.mjs';
import { mergeIntoLatest } from './lib/merge-latest.mjs';
import { filesUnder } from './lib/files.mjs';

const GOAL_BYTES = 2 * 1024 * 1024;
const QUIET_MS = 3000;

/** A proxy to `target` that adds up the body bytes of every response, per path. */
function countingProxy(target) {
  const sent = new Map();
  let lastAtMs = Date.now();
  const server = http.createServer((req, res) => {
    lastAtMs = Date.now();
    const upstream = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      const path = new URL(req.url ?? '/', target).pathname;
      up.on('data', (chunk) => {
        sent.set(path, (sent.get(path) ?? 0) + chunk.length);
        lastAtMs = Date.now();
      });
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({
        url: `http://127.0.0.1:${server.address().port}/`,
        take() {
          const snapshot = new Map(sent);
          sent.clear();
          return snapshot;
        },
        quietForMs: () => Date.now() - lastAtMs,
        close: () => new Promise((r) => server.close(r)),
      }),
    ),
  );
}

async function waitQuiet(proxy, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (proxy.quietForMs() < QUIET_MS) {
    if (Date.now() > deadline) throw new Error('the app kept downloading');
    await new Promise((r) => setTimeout(r, 250));
  }
}

const total = (m) => [...m.values()].reduce((a, b) => a + b, 0);
const largest = (m, n = 8) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([path, bytes]) => ({ path, bytes }));

async function main() {
  const server = await startServer();
  const proxy = await countingProxy(server.url);
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${proxy.url}?model=${FIXTURE_MODEL_ID}`);
    await ui(page).searchbox.waitFor();
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await waitQuiet(proxy);
    const firstVisit = proxy.take();

    await page.getByLabel('Add photos and videos').setInputFiles([fixtureImage('red-ball.jpg')]);
    await page.getByRole('status').filter({ hasText: /Indexed 1 of 1/ }).waitFor({ timeout: 120_000 });
    await waitQuiet(proxy);
    const firstDrop = proxy.take();
    // What the service worker keeps for offline use now, per cache.
    const cached = await page.evaluate(async () => {
      const out = {};
      for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
      return out;
    });

    const build = filesUnder(resolve(ROOT, process.env.E2E_OUT_DIR || 'dist')).filter((f) => !f.path.startsWith('models/'));
    const buildBytes = build.reduce((a, f) => a + f.bytes, 0);
    // The preview server compresses text files; the uncompressed size of the same files for comparison.
    const sizeOf = new Map(build.map((f) => [`/${f.path}`, f.bytes]));
    const uncompressed = (m) => [...m.keys()].reduce((a, p) => a + (sizeOf.get(p === '/' ? '/index.html' : p) ?? 0), 0);
    const modelBytes = [...firstDrop.entries()].filter(([p]) => p.includes('/models/')).reduce((a, [, b]) => a + b, 0);
    const result = {
      date: new Date().toISOString(),
      chromium: browser.version(),
      how: 'response body bytes counted by a proxy in front of vite preview; fresh profile, service worker on; the first visit ends when the service worker is active and nothing was asked for 3 s',
      firstVisit: { bytes: total(firstVisit), uncompressedBytes: uncompressed(firstVisit), requests: firstVisit.size, largest: largest(firstVisit) },
      firstDrop: { bytes: total(firstDrop), modelBytes, requests: firstDrop.size, largest: largest(firstDrop) },
      cachedAfterFirstDrop: cached,
      baseline: { what: 'every file of the build (what the service worker used to precache on a first visit)', bytes: buildBytes, files: build.length },
      summary: {
        first_visit_bytes: total(firstVisit),
        first_visit_uncompressed_bytes: uncompressed(firstVisit),
        first_visit_over_build: Math.round((total(firstVisit) / buildBytes) * 1000) / 1000,
        first_drop_app_bytes: total(firstDrop) - modelBytes,
        goal_bytes: GOAL_BYTES,
      },
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/first-visit.json'), JSON.stringify(result, null, 2) + '\n');
    const mb = (b) => (b / 1e6).toFixed(2);
    if (process.argv.includes('--merge-latest')) {
      const line =
        `${mb(result.firstVisit.bytes)} MB in ${result.firstVisit.requests} files (${mb(result.firstVisit.uncompressedBytes)} MB uncompressed) before the first photo, ` +
        `fresh Chromium ${result.chromium} profile with the service worker; the whole build, which the service worker used to precache, is ${mb(buildBytes)} MB; ` +
        `the first photo then adds ${mb(result.firstDrop.bytes)} MB, the model runtime and the fixture model (bench/first-visit.mjs, ${result.date}).`;
      mergeIntoLatest(join(ROOT, 'bench/results'), { first_visit_bytes: result.summary.first_visit_bytes }, { first_visit_bytes: line });
    }
    console.log(`first visit: ${mb(result.firstVisit.bytes)} MB (${mb(result.firstVisit.uncompressedBytes)} MB uncompressed) in ${result.firstVisit.requests} files (goal ≤ ${mb(GOAL_BYTES)} MB); the whole build: ${mb(buildBytes)} MB`);
    console.log(`first drop adds: ${mb(result.firstDrop.bytes)} MB (${mb(modelBytes)} MB of it the fixture model)`);
    for (const f of result.firstDrop.largest) console.log(`  ${f.path} ${mb(f.bytes)} MB`);
    for (const [name, paths] of Object.entries(cached)) console.log(`cache ${name}: ${paths.length} files${name.includes('runtime') ? ` (${paths.join(', ')})` : ''}`);
  } finally {
    await browser.close();
    await proxy.close();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
