// End-to-end tests of the themes and the phone layout: axe-core finds no serious or critical
// violation in the light and the dark theme at desktop and phone widths; the per-device theme
// choice wins over the system and survives a reload; at 390 px the grid has several columns, the
// search box keeps its width and the touch targets are at least 44 px.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixtureImage, ROOT, test } from './harness.mjs';
import { closeSettings, expectCount, importFiles, openApp, search, seriousViolations, ui } from './app-helpers.mjs';

const PHOTOS = ['red-ball.jpg', 'red-square.png', 'blue-sky.jpg', 'green-leaf.jpg', 'yellow-sun.jpg', 'dark-night.jpg'];
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const VIDEO = join(ROOT, 'test/fixtures/generated/videos/red-blue-red.mp4');

/** Relative luminance (WCAG) of a computed CSS colour "rgb(r, g, b)". */
function luminance(rgb) {
  const [r, g, b] = rgb.match(/[\d.]+/g).slice(0, 3).map((c) => {
    const s = Number(c) / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** 'dark' when the page shows light text on a dark background, 'light' for the opposite. */
async function shownTheme(page) {
  const { bg, fg } = await page.evaluate(() => {
    const style = getComputedStyle(document.documentElement);
    return { bg: style.backgroundColor, fg: style.color };
  });
  return luminance(bg) < luminance(fg) ? 'dark' : 'light';
}

test('theme: axe finds no serious or critical violation in light and dark, at 1280 and 390 px', async ({ page, url }) => {
  const found = [];
  const check = async (where, sizes = [DESKTOP, PHONE]) => {
    for (const colorScheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      assert.equal(await shownTheme(page), colorScheme, `the page follows the system's ${colorScheme} setting`);
      for (const size of sizes) {
        await page.setViewportSize(size);
        for (const v of await seriousViolations(page)) found.push(`${colorScheme} ${size.width}px, ${where}: ${v}`);
      }
    }
  };
  await openApp(page, url);
  // An unreadable file too, so the import messages show their error text, and a video for its tile.
  await importFiles(page, [...PHOTOS.map(fixtureImage), VIDEO, fixtureImage('bad/readme.txt')], PHOTOS.length + 2);
  await expectCount(page, PHOTOS.length + 1);
  await check('library');
  await search(page, 'red', { minResults: 2 });
  await ui(page).settings.click();
  await page.getByRole('heading', { name: 'Appearance' }).waitFor();
  await check('search results and settings');
  // The full-window viewer, a modal dialog over the page.
  await closeSettings(page);
  await ui(page).results.getByRole('button', { name: /^Open / }).first().click();
  await page.getByRole('dialog').waitFor();
  await check('viewer');
  // Deleting from the viewer moves it on; closed, the page shows the undo toast.
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Undo' }).waitFor();
  await check('undo toast', [PHONE]);
  assert.deepEqual(found, [], `axe-core violations:\n${found.join('\n')}`);
}, { timeoutMs: 60_000 });

test('theme: Dark chosen on this device wins over a light system and survives a reload; System follows the device', async ({ page, url }) => {
  // What the first frame shows: recorded before any script of the page runs, read after the load.
  await page.addInitScript(() => {
    // @ts-ignore a test-only global
    window.__firstFrameTheme = new Promise((resolve) => requestAnimationFrame(() => resolve(document.documentElement.dataset.theme ?? 'system')));
  });
  await page.emulateMedia({ colorScheme: 'light' });
  await openApp(page, url);
  assert.equal(await shownTheme(page), 'light');
  await ui(page).settings.click();
  const themes = page.getByRole('group', { name: 'Theme' });
  assert.equal(await themes.getByRole('radio', { name: 'System' }).isChecked(), true, 'System is the first choice');

  await themes.getByRole('radio', { name: 'Dark' }).check();
  assert.equal(await shownTheme(page), 'dark', 'Dark applies at once over a light system');

  await page.reload();
  await ui(page).searchbox.waitFor();
  // @ts-ignore a test-only global
  assert.equal(await page.evaluate(() => window.__firstFrameTheme), 'dark', 'the first frame after a reload is already dark');
  assert.equal(await shownTheme(page), 'dark', 'the choice survives a reload');
  await ui(page).settings.click();
  assert.equal(await themes.getByRole('radio', { name: 'Dark' }).isChecked(), true);

  // Light, chosen from the keyboard (arrow keys move through the group), wins over a dark system too.
  await page.emulateMedia({ colorScheme: 'dark' });
  await themes.getByRole('radio', { name: 'Dark' }).focus();
  await page.keyboard.press('ArrowLeft');
  assert.equal(await themes.getByRole('radio', { name: 'Light' }).isChecked(), true);
  assert.equal(await shownTheme(page), 'light');

  // Back to System: the page follows the device, both ways, without a reload.
  await themes.getByRole('radio', { name: 'System' }).check();
  assert.equal(await shownTheme(page), 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  assert.equal(await shownTheme(page), 'light');
  await page.reload();
  await ui(page).searchbox.waitFor();
  assert.equal(await shownTheme(page), 'light', 'System is remembered as System');
});

test('theme: at 390 px the grid has 3+ columns, the search box keeps its width and touch targets are 44 px', async ({ page, url }) => {
  await page.setViewportSize(PHONE);
  await openApp(page, url);
  await importFiles(page, PHOTOS.map(fixtureImage), PHOTOS.length);
  await expectCount(page, PHOTOS.length);
  const boxes = (locator) => locator.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()));

  // Tiles only: the timeline's day headers are list items too.
  const tiles = await boxes(ui(page).library.locator('li[data-type]'));
  assert.equal(tiles.length, PHOTOS.length);
  const firstRow = tiles.filter((t) => Math.abs(t.y - tiles[0].y) < 1);
  assert.ok(firstRow.length >= 3, `3 or more tiles per row at 390 px, got ${firstRow.length} (x: ${firstRow.map((t) => t.x.toFixed(0))})`);
  assert.ok(tiles[0].height >= 0.8 * tiles[0].width, `tiles are square-ish: ${tiles[0].width.toFixed(0)} × ${tiles[0].height.toFixed(0)}`);

  await search(page, 'red', { minResults: 2 });
  const searchBox = await ui(page).searchbox.boundingBox();
  assert.ok(searchBox.width >= 280, `the search box is ${searchBox.width} px wide`);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= PHONE.width, `nothing runs off the side: the page is ${scrollWidth} px wide`);

  const small = [];
  for (const where of [page.locator('header.top button'), ui(page).results.getByRole('button'), page.locator('nav.views button')]) {
    for (const [i, box] of (await boxes(where)).entries()) {
      if (box.height < 44 || box.width < 44) small.push(`${where} #${i}: ${box.width.toFixed(0)} × ${box.height.toFixed(0)}`);
    }
  }
  assert.deepEqual(small, [], `touch targets under 44 px:\n${small.join('\n')}`);
  // Each tile still carries its file name for screen readers and the tests' readers alike.
  const names = await ui(page).results.locator(':scope > li').evaluateAll((lis) => lis.map((li) => li.querySelector('.name')?.textContent));
  assert.ok(names.length >= 2 && names.every((n) => PHOTOS.includes(n)), `every result tile names its file: ${JSON.stringify(names)}`);
});
