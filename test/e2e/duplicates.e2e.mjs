// End-to-end test of the Duplicates view: the three tiers (refused exact copies, pHash-identical
// items, similar shots by CLIP cosine), keep-best with undo, and the groups after a reload.
// The fixture model maps colours to concepts, so photos of one colour are "similar shots"
// (cosine 0.95–0.9999) and photos of different colours are not (≤ 0.83).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { expectText, fixtureImage, fixtureManifest, ROOT, test } from './harness.mjs';
import { expectCount, importFiles, openApp } from './app-helpers.mjs';

const manifest = fixtureManifest();
const GOOD = Object.keys(manifest).filter((k) => manifest[k].kind === 'good' && !k.includes('/'));
const VIDEOS = join(ROOT, 'test/fixtures/generated/videos');
const video = (name) => join(VIDEOS, name);
const haveVideos = existsSync(join(VIDEOS, 'manifest.json'));

const MIME = { '.jpg': 'image/jpeg', '.png': 'image/png', '.webm': 'video/webm', '.mp4': 'video/mp4' };
/** Playwright takes paths or buffers in one call, not both: every file goes as a buffer. */
const payload = (path, name = basename(path)) => ({ name, mimeType: MIME[extname(path)], buffer: readFileSync(path) });

/** Groups of one tier, as the page shows them: [{ label, items: [{ name, best, meta }] }]. */
async function readTier(page, heading) {
  const region = page.getByRole('region', { name: heading, exact: true });
  await region.waitFor();
  return region.locator('ul.dup-items').evaluateAll((lists) =>
    lists.map((ul) => ({
      label: ul.getAttribute('aria-label'),
      items: [...ul.querySelectorAll(':scope > li')].map((li) => ({
        name: li.querySelector('.name')?.textContent?.trim() ?? '',
        best: !!li.querySelector('.badge.best'),
        meta: li.querySelector('.meta')?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
      })),
    })),
  );
}

/** Waits until the scan is done and the tiers read as expected (a scan may be on its way). */
async function expectTiers(page, expected, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    const busy = await page.locator('section.duplicates-view').getAttribute('aria-busy');
    last = {};
    for (const heading of Object.keys(expected)) {
      last[heading] = (await readTier(page, heading)).map((g) => `${g.label} = ${g.items.map((i) => (i.best ? `*${i.name}` : i.name)).join(', ')}`);
    }
    if (busy === 'false' && JSON.stringify(last) === JSON.stringify(expected)) return;
    if (Date.now() > deadline) assert.deepEqual(last, expected, 'duplicate groups');
    await page.waitForTimeout(100);
  }
}

const openDuplicates = async (page) => {
  await page.getByRole('button', { name: 'Duplicates', exact: true }).click();
  await page.getByRole('heading', { name: 'Duplicates', exact: true }).waitFor();
};

test('duplicates: three tiers, keep best with undo, groups after reload', async ({ page, url }) => {
  await openApp(page, url);
  const copy = payload(fixtureImage('red-ball.jpg'), 'red-ball copy.jpg');
  const videos = haveVideos ? ['colour-segments.webm', 'colour-segments-mpeg4.mp4', 'red-blue-red.mp4'].map(video) : [];
  const files = [...[...GOOD.map(fixtureImage), fixtureImage('near-dup/blue-sky-small.jpg'), ...videos].map((p) => payload(p)), copy];
  await importFiles(page, files, files.length, 90_000);
  const stored = files.length - 1;
  await expectCount(page, stored);

  await openDuplicates(page);
  const expected = {
    'Exact copies': ['Group of 2: red-ball.jpg = *red-ball.jpg, red-ball copy.jpg'],
    // The same picture at half the size; the same video in VP9 and MPEG-4 (equal size, the larger
    // file is best). red-blue-red.mp4 starts with the same frame but is another video.
    'Visually identical': [
      'Group of 2: blue-sky.jpg = *blue-sky.jpg, blue-sky-small.jpg',
      ...(haveVideos ? ['Group of 2: colour-segments-mpeg4.mp4 = *colour-segments-mpeg4.mp4, colour-segments.webm'] : []),
    ],
    // Same size, so the larger file is best.
    'Bursts / similar shots': [
      'Group of 2: green-field.png = *green-field.png, green-leaf.jpg',
      'Group of 2: red-square.png = *red-square.png, red-ball.jpg',
      'Group of 2: yellow-banana.png = *yellow-banana.png, yellow-sun.jpg',
    ],
  };
  await expectTiers(page, expected);

  // Each item shows its dimensions and size.
  const visual = await readTier(page, 'Visually identical');
  assert.match(visual[0].items[0].meta, /^320 × 240 px · \d+\.\d KB$/, JSON.stringify(visual[0]));
  assert.match(visual[0].items[1].meta, /^160 × 120 px · /, JSON.stringify(visual[0]));

  // Keep best in the blue-sky group: the smaller copy leaves the library.
  const blueGroup = page.getByRole('list', { name: 'Group of 2: blue-sky.jpg' });
  await blueGroup.locator('xpath=..').getByRole('button', { name: 'Keep best, delete 1 other' }).click();
  await expectCount(page, stored - 1);
  const afterKeep = { ...expected, 'Visually identical': expected['Visually identical'].slice(1) };
  await expectTiers(page, afterKeep);
  const empty = haveVideos ? null : page.getByText('No visually identical items found.');
  if (empty) await empty.waitFor();

  // Undo brings it back, and the group with it.
  await page.locator('p.toast').getByRole('button', { name: 'Undo' }).click();
  await expectCount(page, stored);
  await expectTiers(page, expected);

  // Deleting one item of a group by name.
  await page.getByRole('button', { name: 'Delete yellow-sun.jpg', exact: true }).click();
  await expectCount(page, stored - 1);
  const afterDelete = { ...expected, 'Bursts / similar shots': expected['Bursts / similar shots'].slice(0, 2) };
  await expectTiers(page, afterDelete);

  // Clearing the refused copy forgets it.
  await page.getByRole('button', { name: 'Clear copies of red-ball.jpg' }).click();
  await page.getByText('No exact copies found.').waitFor();
  const afterClear = { ...afterDelete, 'Exact copies': [] };
  await expectTiers(page, afterClear);

  // After a reload the groups are computed again from what is stored, with the same result.
  await page.reload();
  await expectCount(page, stored - 1);
  await openDuplicates(page);
  await expectTiers(page, afterClear, 30_000);
  await expectText(page.getByRole('region', { name: 'Exact copies', exact: true }), 'No exact copies found.');
}, { timeoutMs: 150_000 });

/** Writes `n` photos with vectors of the fixture model straight into the library, as an import of a large library would leave them. */
async function seedLargeLibrary(page, n) {
  await page.evaluate(async (count) => {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('shoebox');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const tx = db.transaction(['assets', 'embeddings'], 'readwrite');
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < count; i++) {
      // Random directions: no two are near copies, so a full scan finds no group.
      const v = Float32Array.from({ length: 512 }, () => rand() - 0.5);
      const norm = Math.hypot(...v);
      const id = `seed-${i}`;
      tx.objectStore('assets').put({ id, name: `${id}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: 1000, sha256: i.toString(16).padStart(64, '0'), pHash: (i * 2654435761).toString(16).padStart(16, '0').slice(-16), width: 64, height: 48, addedAt: i, status: 'ready', blobLocation: 'idb' });
      tx.objectStore('embeddings').put({ id, modelId: 'shoebox-fixture-clip@q8', dim: 512, vector: v.map((x) => x / norm) });
    }
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, n);
}

test('duplicates: Cancel stops a long scan, the page says the list may be incomplete, and Look again scans to the end', async ({ page, url }) => {
  const PHOTOS = 4000;
  await openApp(page, url);
  await expectCount(page, 0);
  await seedLargeLibrary(page, PHOTOS);
  await page.reload();
  await expectCount(page, PHOTOS, 30_000);

  await openDuplicates(page);
  const view = page.locator('section.duplicates-view');
  const cancel = view.getByRole('button', { name: 'Cancel' });
  await cancel.waitFor({ timeout: 20_000 });
  const before = ((await view.locator('p.model-loading').textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const clickedAt = Date.now();
  await cancel.click();
  await expectText(view.getByRole('status'), /Stopped before the end: some duplicates may not be listed/);
  const stoppedMs = Date.now() - clickedAt;
  assert.equal(await view.getAttribute('aria-busy'), 'false');
  // A stopped scan does not claim that nothing was found.
  assert.equal(await view.getByText('No bursts or similar shots found.').count(), 0, 'no "none found" after a stopped scan');

  // Look again: the scan runs to its end and finds no group among random photos.
  const lookAgainAt = Date.now();
  await view.getByRole('button', { name: 'Look again' }).click();
  await view.getByText('No bursts or similar shots found.').waitFor({ timeout: 60_000 });
  const fullScanMs = Date.now() - lookAgainAt;
  assert.equal(await view.getByRole('status').count(), 0, 'the "stopped" note is gone after a full scan');
  console.log(`  ${PHOTOS} photos: "${before}"; stopped ${stoppedMs} ms after Cancel; a full scan took ${fullScanMs} ms`);
  assert.ok(stoppedMs < fullScanMs, `Cancel stopped the scan (${stoppedMs} ms) sooner than a full scan takes (${fullScanMs} ms)`);
}, { timeoutMs: 120_000 });

test('duplicates: with the view open, the model chosen again starts its workers and the scan waits for the new search index', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, GOOD.slice(0, 3).map(fixtureImage));
  await openDuplicates(page);
  const view = page.locator('section.duplicates-view');
  await view.getByText('No bursts or similar shots found.').waitFor();

  // Every worker starts again; the open view scans again against the index the new one opens.
  const settings = page.getByRole('button', { name: 'Settings', exact: true });
  await settings.click();
  await page.getByRole('button', { name: 'Use this model' }).click();
  await expectText(page.getByTestId('model-status'), /Ready in|Saved on this device|Not downloaded yet/, 20_000);
  await settings.click();
  await page.waitForFunction(() => document.querySelector('section.duplicates-view')?.getAttribute('aria-busy') === 'false');
  assert.equal(await view.getByText(/Looking for duplicates failed/).count(), 0, 'the scan did not run before the index was open');
  await view.getByText('No bursts or similar shots found.').waitFor();
});
