// Offline use with the model read from "A folder on this device" (Settings → Model and device).
// The folder picker is replaced by an Origin Private File System folder holding the fixture model,
// so the whole folder-source path (handle kept in IndexedDB, files read through transformers.js's
// custom cache hook) runs for real. The library.e2e.mjs offline test covers the self-hosted source.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expectText, fixtureImage, FIXTURE_MODEL_ID, ROOT, test } from './harness.mjs';
import { copyModelToFolder, pickableModelFolder } from './app-helpers.mjs';


/** Every file of the build's assets/ folder, as site paths ("/assets/x.js"). */
function builtAssets() {
  const dir = join(resolve(ROOT, process.env.E2E_OUT_DIR || 'dist'), 'assets');
  return readdirSync(dir).map((f) => `/assets/${f}`);
}

/** Site paths (query stripped) in the service worker's precache. */
function precachedPaths(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const name of await caches.keys()) {
      if (!name.startsWith('workbox-precache')) continue;
      for (const req of await (await caches.open(name)).keys()) out.push(new URL(req.url).pathname);
    }
    return out;
  });
}

test('offline: a model from a folder on this device still loads and searches offline', async ({ page, context, url, log }) => {
  const failed = [];
  page.on('requestfailed', (req) => {
    if (!req.url().startsWith('blob:')) failed.push(`${req.method()} ${req.url()} — ${req.failure()?.errorText}`);
  });
  await pickableModelFolder(context);
  await page.goto(`${url}?model=${FIXTURE_MODEL_ID}`);
  await copyModelToFolder(page);

  const settings = page.getByRole('button', { name: 'Settings', exact: true });
  await settings.click();
  await page.getByRole('radio', { name: 'A folder on this device' }).check();
  await page.getByRole('button', { name: 'Use this model' }).click();
  await expectText(page.getByRole('region', { name: 'Model and device' }), `${FIXTURE_MODEL_ID} (a folder on this device)`);
  await expectText(page.getByTestId('model-status'), /Ready in/, 20_000);
  await settings.click();

  await page.getByLabel('Add photos and videos').setInputFiles(['green-field.png', 'green-leaf.jpg', 'red-ball.jpg'].map(fixtureImage));
  await expectText(page.getByRole('status'), /^\s*Indexed 3 of 3\b/, 30_000);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  const precached = new Set(await precachedPaths(page));
  const notPrecached = builtAssets().filter((p) => !precached.has(p));
  log('built assets not precached by the service worker:', notPrecached);

  await context.setOffline(true);
  try {
    // the plain address: the folder source is remembered in IndexedDB
    const resp = await page.goto(url);
    assert.equal(resp?.fromServiceWorker(), true, 'offline navigation must be answered by the service worker');
    failed.length = 0;
    await settings.click();
    await expectText(page.getByRole('region', { name: 'Model and device' }), `${FIXTURE_MODEL_ID} (a folder on this device)`);
    try {
      // A library opened again keeps its saved model until it is needed: load it now.
      await page.getByTestId('model-status').getByRole('button', { name: 'Load now' }).click();
      // stop waiting as soon as the load settles either way
      const settled = await expectText(page.getByTestId('model-status'), /Ready in|Could not|failed|error/i, 20_000);
      if (!/Ready in/.test(settled)) throw new Error('model load failed');
    } catch (err) {
      const status = ((await page.getByTestId('model-status').textContent().catch(() => '')) ?? '').trim();
      throw new Error(
        `folder model did not load offline: ${status}\n` +
          `failed requests:\n  ${failed.join('\n  ') || '(none)'}\n` +
          `built assets missing from the service-worker precache: ${notPrecached.join(', ') || '(none)'}\n${err.message}`,
      );
    }
    await settings.click();
    await expectText(page.locator('p.count'), /^\s*3 items in your library/);

    const searchbox = page.getByRole('searchbox', { name: 'Search' });
    await searchbox.fill('green');
    await searchbox.press('Enter');
    const list = page.getByRole('list', { name: 'Search results' });
    await list.getByRole('listitem').nth(2).waitFor();
    const deadline = Date.now() + 10_000;
    while ((await searchbox.getAttribute('aria-busy')) !== 'false' && Date.now() < deadline) await page.waitForTimeout(50);
    const names = (await list.locator('.name').allTextContents()).map((t) => t.trim());
    assert.deepEqual(names.slice(0, 2).sort(), ['green-field.png', 'green-leaf.jpg'], `"green" offline: ${names.join(', ')}`);
    assert.deepEqual(failed, [], 'no request should fail offline');
  } finally {
    await context.setOffline(false);
  }
}, { timeoutMs: 60_000 });

test('offline: a model never downloaded says it is not saved on this device yet, and the library stays usable', async ({ page, context, url }) => {
  await page.goto(`${url}?model=${FIXTURE_MODEL_ID}`);
  await page.getByLabel('Add photos and videos').setInputFiles([fixtureImage('red-ball.jpg')]);
  await expectText(page.getByRole('status'), /Indexed 1 of 1/, 30_000);

  await context.setOffline(true);
  const settings = page.getByRole('button', { name: 'Settings', exact: true });
  await settings.click();
  // A model this device never downloaded (the site's own folder here: the hub cannot be reached from
  // the test machine at all, offline or not).
  await page.getByRole('radio', { name: 'This site' }).check();
  await page.getByLabel('Model id').fill('clip-never-downloaded');
  await page.getByRole('button', { name: 'Use this model' }).click();
  const text = await expectText(page.getByTestId('model-status'), /offline and the search model is not saved on this device yet/, 30_000);
  await expectText(page.locator('main > p.error[role="alert"]'), /offline and the search model is not saved/);
  assert.match(text, /Connect once to download it/);
  // What is already stored stays: the photo is still listed.
  await expectText(page.locator('p.count'), /^\s*1 item in your library/);
  await page.getByRole('list', { name: 'Library' }).getByText('red-ball.jpg').waitFor();
});

test('offline: a first visit downloads the app only; the model and its runtime come with the first photos and are kept for offline use', async ({ page, url }) => {
  const asked = [];
  page.on('request', (req) => asked.push(new URL(req.url()).pathname));
  page.context().on('request', (req) => asked.push(new URL(req.url()).pathname));
  await page.goto(`${url}?model=${FIXTURE_MODEL_ID}`);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  const settings = page.getByRole('button', { name: 'Settings', exact: true });
  await settings.click();
  const status = page.getByTestId('model-status');
  await expectText(status, /Not downloaded yet: it downloads when you add your first photos or search/);
  const heavy = (paths) => paths.filter((p) => p.includes('/models/') || /ort-wasm|ffmpeg-core/.test(p));
  assert.deepEqual(heavy(asked), [], 'nothing of the model or its runtime is downloaded before the first photo');

  await page.getByLabel('Add photos and videos').setInputFiles([fixtureImage('red-ball.jpg')]);
  await expectText(status, /Ready in/, 30_000);
  await expectText(page.getByRole('status'), /Indexed 1 of 1/, 30_000);
  const runtimes = heavy(asked).filter((p) => /ort-wasm.*\.wasm$/.test(p));
  assert.ok(runtimes.length > 0, 'the runtime is downloaded with the first photo');
  // Headless Chromium has no GPU: the model runs on the CPU, whose build is the smaller one (14 MB, not 27).
  assert.deepEqual(runtimes.filter((p) => p.includes('asyncify')), [], `only the wasm-only runtime is downloaded for the CPU: ${runtimes.join(', ')}`);

  // Settings lists what is now kept for offline use (read again when Settings opens).
  await settings.click();
  await settings.click();
  const kept = page.getByRole('list', { name: 'Kept for offline use' });
  await expectText(kept, /Search model runtime/);
  await expectText(kept, /Search model\b.*MB/);
  await expectText(kept, /Shoebox/);
});
