// End-to-end tests of the photo grid shared by every list (timeline, results, recently added,
// weaker matches): it keeps the user's place when what sits above it changes height.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expectText, fixtureImage, ROOT, test } from './harness.mjs';
import { importFiles, openApp, search, ui, waitMessage } from './app-helpers.mjs';
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
  let started;
  const ro = new ResizeObserver(() => (read(), started()));
  window.stopWatching = () => (ro.disconnect(), read(), tops);
  // Resolves once the first reading (the observer's initial one) is in.
  return new Promise((resolve) => ((started = resolve), ro.observe(document.querySelector('main'))));
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

/** Names of the items a list shows, in order, read from its list items (the accessibility contract). */
const itemNames = (list) => list.getByRole('listitem').evaluateAll((lis) => lis.map((li) => li.querySelector('.name')?.textContent?.trim() ?? ''));

test('grid: "Recently added" and "Weaker matches" show the timeline\'s tiles: video lengths, checkboxes, Shift-click, arrow keys and the viewer', async ({ page, url }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await openApp(page, url);
  const video = join(ROOT, 'test/fixtures/generated/videos/colour-segments.webm');
  // No green photo (a search needs eight items or more to tell good matches from the rest).
  const photoNames = ['red-ball.jpg', 'red-square.png', 'yellow-sun.jpg', 'yellow-banana.png', 'blue-sky.jpg', 'blue-ocean.png', 'dark-night.jpg', 'white-snow.png', 'orange-sunset.png'];
  await importFiles(page, [...photoNames.map(fixtureImage), video], 10, 60_000);

  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Recently added' }).click();
  const recent = page.getByRole('list', { name: 'Recently added' });
  await recent.getByRole('button', { name: /^Open colour-segments\.webm, video 0:06$/ }).waitFor();
  const names = await itemNames(recent);
  assert.deepEqual([...names].sort(), [...photoNames, 'colour-segments.webm'].sort(), 'each item carries its file name');
  assert.equal(await recent.locator('.duration').textContent().then((t) => t.replace(/\s+/g, ' ').trim()), '▶ 0:06', "the video's length is drawn on its tile");
  assert.deepEqual(await recent.getByRole('listitem').evaluateAll((lis) => lis.map((li) => li.getAttribute('aria-setsize'))), Array(10).fill('10'), 'the tiles say how long the list is');

  // Selecting: a checkbox, then Shift-click for the range, as in the timeline.
  await recent.getByRole('checkbox', { name: `Select ${names[0]}` }).click();
  await recent.getByRole('button', { name: `Open ${names[2]}` }).first().click({ modifiers: ['Shift'] });
  await page.getByRole('toolbar', { name: 'Selection' }).getByText('3 selected').waitFor();
  const checked = await recent.getByRole('checkbox').evaluateAll((cs) => cs.map((c) => c.getAttribute('aria-checked')));
  assert.deepEqual(checked, ['true', 'true', 'true', ...Array(7).fill('false')], 'Shift-click selects the range of this list');
  await page.keyboard.press('Escape');
  await page.getByRole('toolbar', { name: 'Selection' }).getByText('3 selected').waitFor({ state: 'detached' });

  // Arrow keys move between tiles; Enter opens the viewer, whose →  walks this list.
  await recent.getByRole('listitem').nth(1).getByRole('button', { name: /^Open / }).focus();
  await page.keyboard.press('ArrowRight');
  // Focus moves once the target row is drawn (a frame later).
  await page.waitForFunction((name) => document.activeElement?.getAttribute('aria-label')?.startsWith(`Open ${name}`), names[2], { timeout: 3000 });
  await page.keyboard.press('Enter');
  await page.getByRole('dialog', { name: names[2] }).waitFor();
  await page.keyboard.press('ArrowRight');
  await page.getByRole('dialog', { name: names[3] }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });

  // The folded weaker matches: the same tiles, checkboxes and viewer.
  // "green": the video (with its green seconds) is a good match, photos fold under "Weaker matches".
  const tiles = await search(page, 'green');
  const weakTiles = tiles.filter((t) => t.weak);
  assert.equal(tiles[0].name, 'colour-segments.webm', `the video is the best match: ${JSON.stringify(tiles)}`);
  assert.ok(weakTiles.length >= 2, `some photos are weaker matches: ${JSON.stringify(tiles)}`);
  const weak = page.getByRole('list', { name: 'Weaker matches' });
  await page.getByText(`Weaker matches (${weakTiles.length})`, { exact: true }).click();
  await weak.getByRole('button', { name: `Open ${weakTiles[0].name}` }).waitFor();
  const weakNames = await itemNames(weak);
  assert.deepEqual(weakNames, weakTiles.map((t) => t.name));
  assert.deepEqual(await weak.getByRole('listitem').evaluateAll((lis) => lis.map((li) => li.getAttribute('aria-posinset'))), weakTiles.map((_, i) => String(i + 1)));
  await weak.getByRole('checkbox', { name: `Select ${weakNames[1]}` }).click();
  await page.getByRole('toolbar', { name: 'Selection' }).getByText('1 selected').waitFor();
  await page.keyboard.press('Escape');
  await weak.getByRole('button', { name: `Open ${weakNames[0]}` }).click();
  await page.getByRole('dialog', { name: weakNames[0] }).waitFor();
  await page.keyboard.press('ArrowRight');
  await page.getByRole('dialog', { name: weakNames[1] }).waitFor();
});

test('grid: after walking with → the viewer closes onto the tile of the item shown last, scrolled back into view', async ({ page, url }) => {
  await page.setViewportSize({ width: 640, height: 480 });
  const N = 40;
  const STEPS = 30;
  await openApp(page, url);
  await importFiles(page, await distinctPhotos(N, { width: 48, height: 36, seed: 1403, prefix: 'walk' }), N, 60_000);
  const library = ui(page).library;
  const first = library.locator(':scope > li[data-type]').first().getByRole('button', { name: /^Open / });
  await first.click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const where = dialog.locator('[aria-live="polite"]');
  for (let k = 2; k <= STEPS + 1; k++) {
    await page.keyboard.press('ArrowRight');
    await expectText(where, new RegExp(`, ${k} of ${N}$`));
  }
  const last = ((await where.textContent()) ?? '').replace(/, \d+ of \d+$/, '').trim();
  assert.equal(await library.getByRole('button', { name: `Open ${last}` }).count(), 0, `${last} is far down the grid: its tile is not drawn yet`);

  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.waitForFunction((l) => document.activeElement?.getAttribute('aria-label') === l, `Open ${last}`, { timeout: 5000 });
  const box = await page.evaluate(() => document.activeElement.getBoundingClientRect().toJSON());
  assert.ok(box.top >= 0 && box.bottom <= 480, `the focused tile is on screen (${box.top}–${box.bottom} px)`);
});
