// End-to-end tests of the library: import, search ranking, persistence, duplicates,
// EXIF orientation, backend fallback, viewer and offline use.
// Uses the self-hosted fixture model (colour words ↔ colours) so rankings are meaningful.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { expectText, fixtureImage, fixtureManifest, FIXTURE_MODEL_ID, test } from './harness.mjs';
import { appUrl, closeSettings, expectCount, importFiles, messageTexts, openApp, readTiles, search, ui, waitMessage, waitModelReady } from './app-helpers.mjs';

const manifest = fixtureManifest();
/** The 12 good top-level colour photos (rotated/ and near-dup/ live in sub-folders). */
const GOOD = Object.keys(manifest).filter((k) => manifest[k].kind === 'good' && !k.includes('/'));
const BAD = ['bad/corrupt.jpg', 'bad/empty.jpg', 'bad/notes.jpg', 'bad/readme.txt'];
const base = (rel) => rel.split('/').pop();
const colourOf = (name) => {
  const key = Object.keys(manifest).find((k) => base(k) === name);
  return key ? manifest[key].colour : undefined;
};

function assertScoresShownAndSorted(tiles, query) {
  for (const t of tiles) {
    assert.match(t.scoreText, /^-?\d+\.\d{3}$/, `"${query}": score of ${t.name} should be shown with 3 decimals, got ${JSON.stringify(t.scoreText)}`);
  }
  for (let i = 1; i < tiles.length; i++) {
    assert.ok(
      tiles[i].score <= tiles[i - 1].score,
      `"${query}": scores must be non-increasing, but #${i} ${tiles[i - 1].name}=${tiles[i - 1].score} < #${i + 1} ${tiles[i].name}=${tiles[i].score}`,
    );
  }
}

const fmt = (tiles) => tiles.map((t) => `${t.name}=${t.scoreText}`).join(', ');

// ---------------------------------------------------------------- tests

test('library: import 12 photos + 4 bad files, per-file messages, search ranking', async ({ page, url }) => {
  assert.equal(GOOD.length, 12, `expected 12 good fixture images, manifest has ${GOOD.join(', ')}`);
  await openApp(page, url);
  const files = [...GOOD, ...BAD].map(fixtureImage);
  await importFiles(page, files, 16);
  await expectCount(page, 12);

  // the progress bar reached its end
  const bar = page.getByRole('progressbar', { name: 'Import progress' });
  assert.equal(await bar.getAttribute('value'), '16');
  assert.equal(await bar.getAttribute('max'), '16');

  const msgs = await messageTexts(page);
  const expectFor = {
    'empty.jpg': /^empty\.jpg: the file is empty \(0 bytes\)$/,
    'notes.jpg': /^notes\.jpg: not a photo or video Shoebox can read$/,
    'readme.txt': /^readme\.txt: not a photo or video Shoebox can read$/,
    'corrupt.jpg': /^corrupt\.jpg: could not be decoded\b/,
  };
  for (const [name, re] of Object.entries(expectFor)) {
    const mine = msgs.filter((m) => m.startsWith(`${name}:`));
    assert.equal(mine.length, 1, `exactly one message for ${name}; messages: ${JSON.stringify(msgs)}`);
    assert.match(mine[0], re);
  }
  // good photos produce no message (nothing failed, no duplicates)
  const aboutGood = msgs.filter((m) => GOOD.some((g) => m.startsWith(`${g}:`)));
  assert.deepEqual(aboutGood, [], 'good photos should import silently');

  // "red": both red images first, clearly above the rest
  const red = await search(page, 'red', { minResults: 3 });
  assert.equal(red.length, 12, `"red" should rank all 12 photos: ${fmt(red)}`);
  assert.deepEqual(red.slice(0, 2).map((t) => t.name).sort(), ['red-ball.jpg', 'red-square.png'], `"red" top 2: ${fmt(red)}`);
  assert.ok(red[1].score > red[2].score, `red images must score above the third result: ${fmt(red)}`);
  assertScoresShownAndSorted(red, 'red');
  // Only the red ones are good matches; the rest fold under "Weaker matches".
  assert.deepEqual(red.filter((t) => !t.weak).map((t) => t.name).sort(), ['red-ball.jpg', 'red-square.png'], `strong "red" matches: ${fmt(red)}`);
  await page.getByText(/^Weaker matches \(10\)$/).waitFor();

  for (const q of ['blue sky', 'ocean']) {
    const r = await search(page, q, { minResults: 2 });
    assert.equal(colourOf(r[0].name), 'blue', `"${q}" should rank a blue image first: ${fmt(r)}`);
    assert.deepEqual(r.slice(0, 2).map((t) => t.name).sort(), ['blue-ocean.png', 'blue-sky.jpg'], `"${q}" top 2: ${fmt(r)}`);
    assertScoresShownAndSorted(r, q);
  }

  const night = await search(page, 'dark night', { minResults: 2 });
  assert.equal(night[0].name, 'dark-night.jpg', `"dark night" first: ${fmt(night)}`);
  assert.ok(night[0].score > night[1].score, `dark-night.jpg should clearly win: ${fmt(night)}`);
  assertScoresShownAndSorted(night, 'dark night');
}, { timeoutMs: 60_000 });

test('library: persists across reload (count and search)', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, GOOD.map(fixtureImage), 12);
  await expectCount(page, 12);

  await page.reload();
  await expectCount(page, 12);
  // recent items come back too
  await expectText(ui(page).library, 'yellow-sun.jpg');
  await waitModelReady(page);
  await closeSettings(page);
  const yellow = await search(page, 'yellow', { minResults: 3 });
  assert.equal(yellow.length, 12, `all 12 photos searchable after reload: ${fmt(yellow)}`);
  assert.deepEqual(yellow.slice(0, 2).map((t) => t.name).sort(), ['yellow-banana.png', 'yellow-sun.jpg'], `"yellow" top 2: ${fmt(yellow)}`);
  assert.ok(yellow[1].score > yellow[2].score, `yellow images above the rest: ${fmt(yellow)}`);
  assertScoresShownAndSorted(yellow, 'yellow');
}, { timeoutMs: 60_000 });

test('library: exact duplicates are stored once (across imports and within one batch)', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, [fixtureImage('red-ball.jpg')], 1);
  await expectCount(page, 1);

  // the same file again, in a second import
  await ui(page).fileInput.setInputFiles([fixtureImage('red-ball.jpg')]);
  let msgs = await waitMessage(page, /^red-ball\.jpg: already in your library as "red-ball\.jpg"$/);
  assert.equal(msgs.filter((m) => m.startsWith('red-ball.jpg:')).length, 1, `one message for red-ball.jpg: ${JSON.stringify(msgs)}`);
  await expectText(ui(page).status, /^\s*Indexed 1 of 1\b/);
  await expectCount(page, 1);
  assert.deepEqual((await readTiles(ui(page).library)).map((t) => t.name), ['red-ball.jpg']);

  // the same bytes twice in ONE batch
  const bytes = readFileSync(fixtureImage('blue-sky.jpg'));
  const payload = { name: 'blue-sky.jpg', mimeType: 'image/jpeg', buffer: bytes };
  await importFiles(page, [payload, payload], 2);
  await expectCount(page, 2);
  msgs = await messageTexts(page);
  const blue = msgs.filter((m) => m.startsWith('blue-sky.jpg:'));
  assert.equal(blue.length, 1, `exactly one duplicate message for blue-sky.jpg: ${JSON.stringify(msgs)}`);
  assert.match(blue[0], /already/);
  const names = (await readTiles(ui(page).library)).map((t) => t.name).sort();
  assert.deepEqual(names, ['blue-sky.jpg', 'red-ball.jpg'], 'blue-sky.jpg stored once');
}, { timeoutMs: 60_000 });

test('library: near-duplicate is kept and flagged', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, [fixtureImage('blue-sky.jpg')], 1);
  await expectCount(page, 1);
  await ui(page).fileInput.setInputFiles([fixtureImage('near-dup/blue-sky-small.jpg')]);
  const msgs = await waitMessage(page, /^blue-sky-small\.jpg: looks like a near-duplicate of "blue-sky\.jpg" \(kept, marked in the library\)$/);
  assert.equal(msgs.filter((m) => m.startsWith('blue-sky-small.jpg:')).length, 1, JSON.stringify(msgs));
  await expectCount(page, 2);

  const tile = ui(page).library.getByRole('listitem').filter({ hasText: 'blue-sky-small.jpg' });
  await tile.getByText('near-duplicate', { exact: true }).waitFor();
  const tiles = await readTiles(ui(page).library);
  assert.deepEqual(
    tiles.map((t) => [t.name, t.nearDup]).sort(),
    [['blue-sky-small.jpg', true], ['blue-sky.jpg', false]],
    'only the copy carries the near-duplicate badge',
  );
  // the badge is on search results too
  const r = await search(page, 'blue', { minResults: 2 });
  assert.equal(r.find((t) => t.name === 'blue-sky-small.jpg')?.nearDup, true, `badge in results: ${JSON.stringify(r)}`);
  // and the viewer's info panel says of what
  await page.getByRole('button', { name: 'Open blue-sky-small.jpg' }).click();
  const dialog = page.getByRole('dialog', { name: 'blue-sky-small.jpg' });
  await dialog.getByRole('button', { name: 'Info' }).click();
  await expectText(dialog, /Near-duplicate of\s*blue-sky\.jpg \(pHash distance \d+\)/);
  await expectText(dialog, '160 × 120 px');
}, { timeoutMs: 60_000 });

test('library: plain-colour pictures are not near-duplicates of each other', async ({ page, url }) => {
  // Plain red, plain blue and a faint orange shading (6 levels top to bottom) all hash alike
  // (their pHash has no structure to read), yet nothing about them is a copy of another.
  const plain = async (name, pixelAt) => {
    const [width, height] = [160, 120];
    const raw = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set(pixelAt(x, y, height), (y * width + x) * 3);
    return { name, mimeType: 'image/png', buffer: await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer() };
  };
  const files = await Promise.all([
    plain('plain-red.png', () => [255, 0, 0]),
    plain('plain-blue.png', () => [0, 0, 255]),
    plain('orange-shade.png', (_x, y, h) => [200, 140, 40].map((c) => c + Math.round((6 * y) / (h - 1)))),
  ]);
  await openApp(page, url);
  await importFiles(page, files, 3);
  await expectCount(page, 3);
  const aboutThem = (await messageTexts(page)).filter((m) => files.some((f) => m.startsWith(`${f.name}:`)));
  assert.deepEqual(aboutThem, [], 'no near-duplicate (or any other) message about them');
  const tiles = await readTiles(ui(page).library);
  assert.deepEqual(tiles.map((t) => [t.name, t.nearDup]).sort(), [['orange-shade.png', false], ['plain-blue.png', false], ['plain-red.png', false]]);
}, { timeoutMs: 60_000 });

test('library: EXIF orientation 6 is applied (portrait 160 × 320)', async ({ page, url }) => {
  await openApp(page, url);
  // A landscape photo first: the portrait one's thumbnail is drawn on the canvas the landscape one used.
  await importFiles(page, [fixtureImage('blue-sky.jpg'), fixtureImage('rotated/tall-red-exif6.jpg')], 2);
  await expectCount(page, 2);
  await page.getByRole('button', { name: 'Open tall-red-exif6.jpg' }).click();
  const dialog = page.getByRole('dialog', { name: 'tall-red-exif6.jpg' });
  await dialog.waitFor();
  await page.keyboard.press('i');
  await expectText(dialog.locator('dt:text-is("Size") + dd'), /^160 × 320 px, \d+\.\d\d MB$/);
  // the viewer draws the original upright too: its decoded size is the portrait one, and so is its box
  await dialog.locator('img.full.shown').waitFor();
  const shown = await dialog.getByRole('img', { name: 'tall-red-exif6.jpg' }).evaluate((img) => {
    const box = img.getBoundingClientRect();
    return { w: img.naturalWidth, h: img.naturalHeight, portrait: box.height > box.width };
  });
  assert.deepEqual(shown, { w: 160, h: 320, portrait: true });

  // the thumbnail is portrait as well, and the landscape photo's stays landscape
  const thumbOf = (name) =>
    ui(page)
      .library.getByRole('listitem')
      .filter({ hasText: name })
      .locator('img')
      .evaluate(async (img) => {
        if (!img.complete) await new Promise((r) => img.addEventListener('load', r, { once: true }));
        return { w: img.naturalWidth, h: img.naturalHeight };
      });
  const thumb = await thumbOf('tall-red-exif6.jpg');
  assert.ok(thumb.h > thumb.w, `thumbnail should be portrait, got ${thumb.w}×${thumb.h}`);
  assert.deepEqual(await thumbOf('blue-sky.jpg'), { w: 320, h: 240 });
}, { timeoutMs: 60_000 });

test('library: WASM fallback is used and explained; query timings are recorded', async ({ page, url }) => {
  await openApp(page, url);
  const { status, backend } = await waitModelReady(page);
  assert.match(status, /^Ready in \d+\.\d s, \d+-d vectors$/);
  assert.match(backend, /^WebAssembly — .+/, `backend: ${backend}`);
  assert.match(backend, /WebGPU/, `the reason should say why WebGPU is not used: ${backend}`);
  assert.match(backend, /using WebAssembly with \d+ threads?/, backend);
  assert.doesNotMatch(backend, /not cross-origin isolated/, 'the page is cross-origin isolated, threads should be enabled');

  const timings = page.getByRole('region', { name: 'Query timings' });
  await expectText(timings, 'No searches yet.');
  await importFiles(page, ['green-leaf.jpg', 'red-ball.jpg'].map(fixtureImage), 2);
  await search(page, 'green', { minResults: 2 });
  // The newest row for "green": when the import settles after the search began, the results are
  // brought up to date by the same query again, which is timed too.
  const row = timings.getByRole('row').filter({ has: page.getByRole('cell', { name: 'green', exact: true }) }).first();
  await row.waitFor();
  const cells = (await row.getByRole('cell').allTextContents()).map((c) => c.trim());
  assert.equal(cells.length, 5, `timing row: ${JSON.stringify(cells)}`);
  assert.equal(cells[0], 'green');
  for (const c of cells.slice(1, 4)) assert.match(c, /^\d+\.\d$/, `timing cell: ${JSON.stringify(cells)}`);
  assert.equal(cells[4].replace(/\s+/g, ' '), '2 / 2');
}, { timeoutMs: 60_000 });

test('library: the viewer opens, shows the original, closes with Escape', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, ['purple-flower.jpg', 'orange-sunset.png'].map(fixtureImage), 2);
  await expectCount(page, 2);
  const r = await search(page, 'purple', { minResults: 2 });
  assert.equal(r[0].name, 'purple-flower.jpg', fmt(r));

  await ui(page).results.getByRole('button', { name: 'Open purple-flower.jpg' }).click();
  const dialog = page.getByRole('dialog', { name: 'purple-flower.jpg' });
  await dialog.waitFor();
  const img = dialog.getByRole('img', { name: 'purple-flower.jpg' });
  await img.waitFor();
  const natural = await img.evaluate(async (el) => {
    if (!el.complete) await new Promise((res, rej) => { el.onload = res; el.onerror = () => rej(new Error('image failed to load')); });
    return { w: el.naturalWidth, h: el.naturalHeight, src: el.src };
  });
  assert.ok(natural.w > 0 && natural.h > 0, `image decoded: ${JSON.stringify(natural)}`);
  assert.equal(`${natural.w}×${natural.h}`, '320×240', 'the original, not the thumbnail');
  assert.match(natural.src, /^blob:/);
  const size = (readFileSync(fixtureImage('purple-flower.jpg')).length / 1e6).toFixed(2);
  await dialog.getByRole('button', { name: 'Info' }).click();
  await expectText(dialog, `320 × 240 px, ${size} MB`);

  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.getByRole('dialog').count(), 0, 'dialog removed after Escape');

  // opens again and closes with its Close button
  await ui(page).results.getByRole('button', { name: 'Open orange-sunset.png' }).click();
  const d2 = page.getByRole('dialog', { name: 'orange-sunset.png' });
  await d2.waitFor();
  await d2.getByRole('button', { name: 'Close' }).click();
  await d2.waitFor({ state: 'hidden' });
}, { timeoutMs: 60_000 });

test('library: works offline after the first visit (service worker)', async ({ page, context, url, log }) => {
  const failed = [];
  page.on('requestfailed', (req) => {
    if (!req.url().startsWith('blob:')) failed.push(`${req.method()} ${req.url()} — ${req.failure()?.errorText}`);
  });

  // first visit: import, search once (model + runtime fetched), service worker installed
  await openApp(page, url);
  await importFiles(page, ['green-field.png', 'green-leaf.jpg', 'red-ball.jpg', 'blue-sky.jpg'].map(fixtureImage), 4);
  await search(page, 'green', { minResults: 2 });
  // resolves once the service worker is active, i.e. its precache is complete
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  log('first visit controlled by the service worker:', await page.evaluate(() => !!navigator.serviceWorker.controller));

  await context.setOffline(true);
  try {
    // the same address the user bookmarked; the remembered model source comes from IndexedDB
    const resp = await page.goto(url);
    assert.equal(resp?.fromServiceWorker(), true, 'offline navigation must be answered by the service worker');
    assert.equal(await page.evaluate(() => !!navigator.serviceWorker.controller), true, 'page is controlled offline');
    // prove the network is really gone, for the page AND its service worker: an uncached URL must fail
    const probe = await page.evaluate(async () => {
      try {
        const r = await fetch(`/offline-probe-${Math.random().toString(36).slice(2)}.json`, { cache: 'no-store' });
        return `answered ${r.status}`;
      } catch (e) {
        return `failed: ${e}`;
      }
    });
    assert.match(probe, /^failed/, `the network should be unreachable offline, but an uncached URL ${probe}`);
    failed.length = 0;

    await ui(page).searchbox.waitFor();
    await expectCount(page, 4);
    const { status } = await waitModelReady(page).catch(async (err) => {
      const ms = await page.getByTestId('model-status').textContent().catch(() => '?');
      throw new Error(`model not ready offline: ${ms?.trim()}\nfailed requests:\n  ${failed.join('\n  ')}\n${err.message}`);
    });
    assert.match(status, /Ready in/);
    await closeSettings(page);
    const r = await search(page, 'green', { minResults: 2 });
    assert.deepEqual(r.slice(0, 2).map((t) => t.name).sort(), ['green-field.png', 'green-leaf.jpg'], `"green" offline: ${fmt(r)}`);
    assert.ok(r[1].score > r[2].score, `green images above the rest offline: ${fmt(r)}`);
    assertScoresShownAndSorted(r, 'green');
    assert.deepEqual(failed, [], 'no request should fail offline');
  } finally {
    await context.setOffline(false);
  }
}, { timeoutMs: 60_000 });

test('library: a file name with markup, emoji and RTL text shows as text and runs nothing', async ({ page, url }) => {
  const dir = mkdtempSync(join(tmpdir(), 'shoebox-names-'));
  const hostile = '<img src=x onerror=alert(1)>😀 שלום.jpg';
  const path = join(dir, hostile);
  copyFileSync(fixtureImage('red-ball.jpg'), path);
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await openApp(page, url);
  await importFiles(page, [path], 1);
  await expectText(ui(page).library, hostile);
  const tiles = await search(page, 'red');
  assert.equal(tiles[0].name, hostile, 'the name is shown exactly, as text');
  assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element was created from the name');
  await page.getByRole('button', { name: `Open ${hostile}` }).click();
  await page.getByRole('dialog', { name: hostile }).waitFor();
  assert.equal(dialogs, 0, 'no script ran');
  rmSync(dir, { recursive: true, force: true });
});
