// End-to-end tests of iPhone photos: HEIC/HEIF decoded in the ingest worker by libheif
// (WebAssembly, fetched on first need, under the build's CSP), and AVIF. Real files written by
// heif-enc (test/fixtures/heif, see SOURCES.md there): thumbnails, search, the viewer and dates
// work as for a JPEG; a damaged HEIC and a 200-megapixel one each get their message while the
// others are imported.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, expectText, test } from './harness.mjs';
import { appUrl, closeSettings, expectCount, messageTexts, openApp, readTiles, search, ui, waitMessage, waitModelReady } from './app-helpers.mjs';

const heif = (name) => join(ROOT, 'test/fixtures/heif', name);
const BAD = ['damaged.heic', 'huge.heic'];

/** Whether every drawn tile's thumbnail is a decoded picture (not a broken image). */
const brokenThumbnails = (list) =>
  list.locator(':scope > li[data-type]').evaluateAll((lis) =>
    lis.filter((li) => {
      const img = li.querySelector('img');
      return !img || !img.complete || img.naturalWidth === 0;
    }).map((li) => li.querySelector('.name')?.textContent?.trim()),
  );

test('heic: HEIC and AVIF are imported with thumbnails, dates and search, a damaged and a 200-megapixel HEIC say why; libheif is kept for offline use, where a two-image HEIC is then imported and the viewer shows a HEIC', async ({ page, context, url, log }) => {
  const libheifRequests = [];
  page.on('request', (req) => {
    if (/libheif/.test(req.url())) libheifRequests.push(new URL(req.url()).pathname);
  });
  const cspViolations = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) cspViolations.push(m.text());
  });
  // Tall enough for the grid to draw every day.
  await page.setViewportSize({ width: 1280, height: 2400 });
  await openApp(page, url);
  assert.deepEqual(libheifRequests, [], 'libheif is not fetched by the app itself');

  const online = ['red-ball.heic', 'green-leaf.avif'];
  await ui(page).fileInput.setInputFiles([...online, ...BAD].map(heif));
  await waitMessage(page, /^damaged\.heic: could not be decoded: the HEIF image data is damaged \(.+\)/, 30_000);
  await waitMessage(page, /^huge\.heic: the photo is too large to open: 16000 × 12500 px is 200 megapixels/);
  await expectText(ui(page).status, /^\s*Indexed 4 of 4\b/, 30_000);
  await expectCount(page, online.length);
  const messages = await messageTexts(page);
  assert.deepEqual(messages.map((m) => m.split(':')[0]).sort(), BAD, `one message each for the bad files only: ${JSON.stringify(messages)}`);
  log('messages:', messages);
  assert.ok(libheifRequests.some((p) => p.endsWith('.wasm')), `libheif's wasm was fetched: ${libheifRequests}`);
  assert.ok(libheifRequests.every((p) => p.startsWith('/assets/libheif-')), `only from this site's assets: ${libheifRequests}`);

  // Kept for offline use once used, not precached.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await page.waitForFunction(async () => (await (await caches.open('shoebox-libheif')).keys()).some((r) => /\/libheif-[^/]+\.wasm$/.test(r.url)));
  const precached = await page.evaluate(async () => {
    const urls = [];
    for (const name of (await caches.keys()).filter((n) => n.startsWith('workbox-precache'))) for (const r of await (await caches.open(name)).keys()) urls.push(r.url);
    return urls.filter((u) => u.includes('libheif'));
  });
  assert.deepEqual(precached, [], 'libheif is not precached');

  await context.setOffline(true);
  try {
    const resp = await page.goto(appUrl(url));
    assert.equal(resp?.fromServiceWorker(), true, 'offline, the service worker answers');
    await ui(page).searchbox.waitFor();
    await ui(page).fileInput.setInputFiles([heif('yellow-multi.heic')]);
    await expectText(ui(page).status, /^\s*Indexed 1 of 1\b/, 30_000);
    await expectCount(page, 3);

    // Dated by their EXIF (2021, 2020, 2019), newest first; each with a decoded thumbnail.
    const library = ui(page).library;
    assert.deepEqual((await readTiles(library)).map((t) => t.name), ['green-leaf.avif', 'yellow-multi.heic', 'red-ball.heic']);
    await page.waitForFunction(() => [...document.querySelectorAll('ul[aria-label="Library"] > li[data-type] img')].filter((i) => i.complete && i.naturalWidth > 0).length === 3);
    assert.deepEqual(await brokenThumbnails(library), []);

    // The model saw the pixels: colour words find them, the two-image HEIC by its primary image.
    assert.equal((await search(page, 'yellow'))[0].name, 'yellow-multi.heic');
    assert.equal((await search(page, 'green'))[0].name, 'green-leaf.avif');
    assert.equal((await search(page, 'red'))[0].name, 'red-ball.heic');

    // The viewer shows the HEIC, decoded in the worker (a screen copy), with its metadata.
    await ui(page).results.getByRole('button', { name: 'Open red-ball.heic' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'red-ball.heic' });
    await dialog.waitFor();
    const full = dialog.locator('img.picture.full.shown');
    await full.waitFor();
    const centre = await full.evaluate((img) => {
      const c = new OffscreenCanvas(img.naturalWidth, img.naturalHeight).getContext('2d');
      c.drawImage(img, 0, 0);
      const [r, g, b] = c.getImageData(img.naturalWidth >> 1, img.naturalHeight >> 1, 1, 1).data;
      return { width: img.naturalWidth, height: img.naturalHeight, r, g, b };
    });
    assert.deepEqual([centre.width, centre.height], [320, 240]);
    assert.ok(centre.r > 150 && centre.g < 110 && centre.b < 110, `the ball's centre is red: ${JSON.stringify(centre)}`);
    assert.equal(await dialog.getByText('could not be shown').count(), 0);
    await page.keyboard.press('i');
    const info = dialog.getByRole('complementary', { name: 'Info' });
    await expectText(info.locator('dt:text-is("Taken") + dd'), 'Jul 14, 2019');
    await expectText(info.locator('dt:text-is("Camera") + dd'), 'iPhone 12');
    await expectText(info.locator('dt:text-is("Position") + dd'), '38.7200° N, 9.1400° W');
  } finally {
    await context.setOffline(false);
  }
  assert.deepEqual(cspViolations, [], 'nothing refused by the CSP');
});

test('heic: a HEIC met offline before libheif was ever fetched says the decoder could not be loaded; Retry online imports it', async ({ page, context, url }) => {
  await openApp(page, url);
  // The workers and the model are loaded first: only libheif has never been fetched.
  await waitModelReady(page);
  await closeSettings(page);
  await context.setOffline(true);
  try {
    await ui(page).fileInput.setInputFiles([heif('red-ball.heic')]);
    await waitMessage(page, /^red-ball\.heic: could not be decoded: the HEIC\/HEIF decoder could not be loaded \(offline before it was first needed\?\); try again online$/, 30_000);
  } finally {
    await context.setOffline(false);
  }
  await page.getByRole('button', { name: 'Retry red-ball.heic', exact: true }).click();
  await expectCount(page, 1, 30_000);
  assert.equal((await readTiles(ui(page).library))[0]?.name, 'red-ball.heic');
});
