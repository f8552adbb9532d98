// End-to-end tests of dates in the search box: "red 2019" searches the red photos taken in 2019
// and shows "2019" as a removable chip; a query that is only a date lists that period by date taken.
// The photos' dates taken are their files' last-modified times, set on temporary copies.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectText, fixtureImage, test } from './harness.mjs';
import { importFiles, openApp, readTiles, search, ui } from './app-helpers.mjs';

/** Midsummer and spring dates, so the year is the same in any time zone. */
const DATED = [
  ['red-ball.jpg', '2019-07-14T12:00:00Z'],
  ['yellow-sun.jpg', '2019-06-01T12:00:00Z'],
  ['red-square.png', '2021-03-10T12:00:00Z'],
  ['blue-sky.jpg', '2021-08-01T12:00:00Z'],
];

/** Copies of the fixtures with their dates as last-modified times; returns the paths and a cleanup. */
function datedCopies() {
  const dir = mkdtempSync(join(tmpdir(), 'shoebox-query-'));
  const files = DATED.map(([name, iso]) => {
    const file = join(dir, name);
    copyFileSync(fixtureImage(name), file);
    utimesSync(file, new Date(iso), new Date(iso));
    return file;
  });
  return { files, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const names = (tiles) => tiles.map((t) => t.name);

test('query: "red 2019" keeps the 2019 red photo and shows a chip; removing the chip by keyboard searches "red" again', async ({ page, url }) => {
  const { files, cleanup } = datedCopies();
  try {
    await openApp(page, url);
    await importFiles(page, files, files.length);
    const in2019 = await search(page, 'red 2019');
    assert.equal(in2019[0].name, 'red-ball.jpg', `the red photo of 2019 first: ${JSON.stringify(in2019)}`);
    assert.ok(names(in2019).every((n) => n === 'red-ball.jpg' || n === 'yellow-sun.jpg'), `only photos taken in 2019: ${names(in2019)}`);
    const remove = page.getByRole('button', { name: 'Remove filter 2019' });
    await remove.waitFor();
    assert.match((await page.getByRole('list', { name: 'Date filters' }).textContent()) ?? '', /2019/);

    // Tab from the box: the Search button, then the chip's ✕.
    await ui(page).searchbox.focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Remove filter 2019');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Results for “red”' }).waitFor();
    assert.equal(await ui(page).searchbox.inputValue(), 'red', 'the date left the box with its chip');
    await remove.waitFor({ state: 'detached' });
    const all = await search(page, 'red', { minResults: 2 });
    assert.deepEqual(names(all).slice(0, 2).sort(), ['red-ball.jpg', 'red-square.png'], `both red photos without the date: ${names(all)}`);
  } finally {
    cleanup();
  }
});

test('query: "2021" alone lists the photos taken in 2021, newest first, without a text search; "Taken from" filters by date taken', async ({ page, url }) => {
  const { files, cleanup } = datedCopies();
  try {
    await openApp(page, url);
    await importFiles(page, files, files.length);
    await ui(page).searchbox.fill('2021');
    await ui(page).searchbox.press('Enter');
    await page.getByRole('heading', { name: '2 photos and videos from 2021' }).waitFor();
    await page.getByRole('button', { name: 'Remove filter 2021' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Search results"] > li[data-type]').length === 2);
    const tiles = await readTiles(ui(page).results);
    assert.deepEqual(names(tiles), ['blue-sky.jpg', 'red-square.png'], 'newest taken first');
    // Listed, not ranked: no similarity score on any tile.
    assert.ok(tiles.every((t) => t.score === null), `no scores: ${JSON.stringify(tiles)}`);

    // The date inputs filter the date taken too (not the date added, which is today for all four).
    await page.getByLabel('Taken from').fill('2020-01-01');
    const red = await search(page, 'red');
    assert.ok(names(red).includes('red-square.png') && !names(red).includes('red-ball.jpg'), `only red photos taken from 2020: ${names(red)}`);
    await expectText(page.locator('main h2').first(), 'Results for “red”');
  } finally {
    cleanup();
  }
});
