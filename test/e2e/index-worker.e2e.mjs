// End-to-end test of the index worker (workers/index.worker.ts through src/lib/clients/indexer.ts)
// in Chromium: a duplicate scan of a few thousand photos takes seconds, and searches sent
// meanwhile must still be answered at once. A test-only page (test/e2e/pages/index-worker/, never
// shipped) seeds the library's IndexedDB with vectors, as ingest would, and drives the real worker.
import assert from 'node:assert/strict';
import { serveTestPage, test } from './harness.mjs';

const PHOTOS = 4000;
const PAIRS = 25;

/** @type {Promise<string> | null} */
let serving = null;
const pageUrl = () => (serving ??= serveTestPage('index-worker').then((s) => s.url));

test('index worker: searches sent during a long duplicate scan are answered at once, and the scan finds every near copy', async ({ page, log }) => {
  await page.goto(await pageUrl());
  await page.waitForFunction(() => window.indexWorkerPageReady === true);
  const ids = await page.evaluate(([n, p]) => window.seedLibrary(n, p), [PHOTOS, PAIRS]);
  assert.equal(ids.length, PHOTOS);
  const status = await page.evaluate(() => window.openIndex());
  assert.equal(status.size, PHOTOS, 'the worker indexed every stored vector');

  const run = await page.evaluate(() => window.scanWhileSearching(100));
  const during = run.searches.filter((s) => s.answeredMs < run.scanMs);
  const waits = run.searches.map((s) => s.answeredMs - s.sentMs).sort((a, b) => a - b);
  const worstMs = waits.at(-1);
  const summary = `${status.kind} index of ${status.size}: scan ${run.scanMs.toFixed(0)} ms; ${run.searches.length} searches, ${during.length} answered during the scan; wait p50 ${waits[waits.length >> 1].toFixed(0)} ms, worst ${worstMs.toFixed(0)} ms`;
  log(summary);
  console.log(`  ${summary}`);

  const expected = Array.from({ length: PAIRS }, (_, i) => [`p${i}`, `p${i}-copy`].sort());
  assert.deepEqual([...run.similar].sort(), expected.sort(), 'the similar-shots tier is exactly the near copies');
  for (const s of run.searches) assert.equal(s.top, 'p0', 'every search found the photo itself first');
  assert.ok(run.scanMs > 500, `the scan is long enough to matter (${run.scanMs.toFixed(0)} ms)`);
  assert.ok(during.length >= 3, `searches were answered while the scan ran (${during.length} of ${run.searches.length})`);
  assert.ok(worstMs < Math.max(400, run.scanMs / 4), `no search waited for the scan (worst ${worstMs.toFixed(0)} ms of a ${run.scanMs.toFixed(0)} ms scan)`);
}, { timeoutMs: 120_000 });

test('index worker: a library saved as compact codes opens from them after a reload and ranks by the vectors in IndexedDB', async ({ page }) => {
  await page.goto(await pageUrl());
  await page.waitForFunction(() => window.indexWorkerPageReady === true);
  await page.evaluate(() => window.seedLibrary(1500, 5));
  assert.equal(await page.evaluate(() => window.saveCompactSnapshot()), 1500);

  await page.reload();
  await page.waitForFunction(() => window.indexWorkerPageReady === true);
  const status = await page.evaluate(() => window.openIndex());
  assert.deepEqual([status.kind, status.size, status.origin], ['compact', 1500, 'restored'], 'the worker restored the saved compact codes');
  const hits = await page.evaluate(() => window.searchLike('p3', 2));
  assert.deepEqual(hits.map((h) => h.id), ['p3', 'p3-copy'], 'the photo itself first, then its near copy');
  assert.ok(Math.abs(hits[0].score - 1) < 1e-6, `exact score from the stored vector (${hits[0].score})`);
}, { timeoutMs: 120_000 });

test('index worker: an HNSW saved with float vectors opens as int8 codes after a reload, answers within 1e-3 of the stored vectors\' scores, and is saved as codes with their residuals', async ({ page }) => {
  await page.goto(await pageUrl());
  await page.waitForFunction(() => window.indexWorkerPageReady === true);
  await page.evaluate(() => window.seedLibrary(800, 5));
  assert.equal(await page.evaluate(() => window.saveFloatHnswSnapshot()), 800);
  assert.equal(await page.evaluate(() => window.snapshotPayloadVersion()), 1);

  await page.reload();
  await page.waitForFunction(() => window.indexWorkerPageReady === true);
  const status = await page.evaluate(() => window.openIndex());
  assert.deepEqual([status.kind, status.size, status.origin], ['hnsw', 800, 'restored'], 'the worker restored the saved graph');
  const image = await page.evaluate(() => window.searchLike('p3', 2));
  assert.deepEqual(image.map((h) => h.id), ['p3', 'p3-copy'], 'the photo itself first, then its near copy');
  // Codes plus residual codes, made from the snapshot's floats: within 1e-3 of the stored vector's score, no IndexedDB read.
  assert.ok(Math.abs(image[0].score - 1) < 1e-3, `score from the codes and residuals (${image[0].score})`);
  const text = await page.evaluate(() => window.searchTextLike('p4', 2));
  assert.deepEqual(text.map((h) => h.id), ['p4', 'p4-copy'], 'a text query finds the same best items');
  assert.ok(Math.abs(text[0].score - 1) < 1e-3, `score from the codes and residuals (${text[0].score})`);

  await page.evaluate(() => window.saveIndexNow());
  assert.equal(await page.evaluate(() => window.snapshotPayloadVersion()), 3, 'saved again as codes with their residuals');
  await page.reload();
  await page.waitForFunction(() => window.indexWorkerPageReady === true);
  assert.deepEqual(await page.evaluate(() => window.openIndex().then((s) => [s.kind, s.size, s.origin])), ['hnsw', 800, 'restored']);
  assert.deepEqual(await page.evaluate(() => window.searchLike('p3', 2)), image, 'the same answers from the saved codes');
}, { timeoutMs: 120_000 });
