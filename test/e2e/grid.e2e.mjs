// End-to-end tests of the photo grid shared by every list (timeline, results, recently added,
// weaker matches): it keeps the user's place when what sits above it changes height.
import assert from 'node:assert/strict';
import { test } from './harness.mjs';
import { importFiles, openApp, ui, waitMessage } from './app-helpers.mjs';
import { distinctPhotos } from './photos.mjs';

/**
 * In the page: records the screen top of the tile button named `name` each time the page's content
 * changes height, after layout and before paint (a ResizeObserver made after the grid's own runs
 * after it in the same frame): what the user would see. `stopWatching()` returns the tops seen
 * (null while the tile was not drawn).
 */
function watchTile(name) {
  const tops = [];
  const read = () => {
    const el = [...document.querySelectorAll('ul[aria-label] li[data-type] .open')].find((b) => b.getAttribute('aria-label') === `Open ${name}`);
    tops.push(el ? el.getBoundingClientRect().top : null);
  };
  const ro = new ResizeObserver(read);
  ro.observe(document.querySelector('main'));
  window.stopWatching = () => (ro.disconnect(), read(), tops);
}

for (const anchoring of [true, false])
test(`grid: a message appearing above the grid does not move the tile the user is looking at${anchoring ? '' : ' (a browser without scroll anchoring)'}`, async ({ page, url }) => {
  await page.setViewportSize({ width: 640, height: 480 });
  const N = 40;
  await openApp(page, url);
  // Safari and older browsers have no scroll anchoring: the grid must keep its place by itself.
  if (!anchoring) await page.evaluate(() => (document.documentElement.style.overflowAnchor = document.body.style.overflowAnchor = 'none'));
  await importFiles(page, await distinctPhotos(N, { width: 48, height: 36, seed: 1401, prefix: 'place' }), N, 60_000);
  const library = ui(page).library;
  await library.locator(':scope > li[data-type]').first().waitFor();

  // Into the middle of the library: the grid's top is well above the screen.
  const listTop = () => library.evaluate((ul) => ul.getBoundingClientRect().top + scrollY);
  const topBefore = await listTop();
  await page.evaluate((y) => window.scrollTo(0, y), topBefore + 600);
  // The tile nearest the middle of the screen, once the grid has drawn there.
  const target = await page.waitForFunction(() => {
    const buttons = [...document.querySelectorAll('ul[aria-label="Library"] li[data-type] .open')];
    const mid = buttons.find((b) => Math.abs(b.getBoundingClientRect().top - innerHeight / 3) < 120);
    return mid ? { name: mid.getAttribute('aria-label').replace(/^Open /, ''), top: mid.getBoundingClientRect().top } : null;
  });
  const { name, top } = await target.jsonValue();
  await page.evaluate(watchTile, name);

  // A file that is not a photo: the import's progress and a message appear above the grid.
  await ui(page).fileInput.setInputFiles([{ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo\n') }]);
  await waitMessage(page, /^notes\.jpg: not a photo or video/);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const tops = await page.evaluate(() => window.stopWatching());

  const topAfter = await listTop();
  assert.ok(topAfter - topBefore >= 20, `the content above the grid grew (${topBefore} → ${topAfter} px)`);
  const moved = tops.filter((t) => t === null || Math.abs(t - top) > 2);
  assert.ok(tops.length >= 3, `the page changed height while watched (${tops.length} readings)`);
  assert.deepEqual(moved, [], `${name} stays at ${top} px on screen in every frame`);
});
