// End-to-end tests of the timeline: every item by date taken (here the file's last-modified time),
// grouped by day under headers with counts, the date rail, a bounded DOM however long the grid,
// and search results in the same grid, by relevance or by date.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureImage, test } from './harness.mjs';
import { expectCount, importFiles, openApp, readTiles, search, ui } from './app-helpers.mjs';
import { distinctPhotos } from './photos.mjs';

/** Local time, like the page's day headers. */
const local = (y, m, d, h = 12, min = 0) => new Date(y, m - 1, d, h, min);

/**
 * Writes files into a fresh temp folder with the given last-modified times (setInputFiles with paths
 * keeps them, as a file picker does); returns { paths, cleanup }.
 */
function datedFiles(files) {
  const dir = mkdtempSync(join(tmpdir(), 'shoebox-timeline-'));
  const paths = files.map(({ name, buffer, source, date }) => {
    const path = join(dir, name);
    if (source) copyFileSync(source, path);
    else writeFileSync(path, buffer);
    utimesSync(path, date, date);
    return path;
  });
  return { paths, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The day headers of a list as the page words them ("Sunday, July 14, 2019 · 3"). */
const headerTexts = (list) => list.getByRole('heading').evaluateAll((hs) => hs.map((h) => (h.textContent ?? '').replace(/\s+/g, ' ').trim()));

/** What the page's own Intl would call each [y, m, d] day, with its count. */
const expectedHeaders = (page, days) =>
  page.evaluate(
    (ds) => ds.map(([y, m, d, n]) => `${new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(y, m - 1, d, 12))} · ${n}`),
    days,
  );

/** In the page: the day header holding heading `el` starts at the top of the screen. */
const atTop = (el) => Math.abs(el.closest('li').getBoundingClientRect().top) <= 2;

// Six days over three years, two to three photos on most; every photo at its own minute.
const DAYS = [
  [2021, 3, 5, 2],
  [2021, 3, 1, 1],
  [2021, 1, 9, 1],
  [2020, 12, 31, 3],
  [2019, 7, 14, 3],
  [2019, 7, 2, 2],
];

/**
 * Writes `n` asset records straight into the database, one an hour, newest first: big-000 the newest,
 * big-(n-1) the oldest; no originals or thumbnails, the grid never needs them. The page shows them once reloaded.
 */
async function seedRecords(page, n) {
  await page.evaluate(async (n) => {
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open('shoebox');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const tx = db.transaction('assets', 'readwrite');
    const newestMs = Date.UTC(2024, 5, 30, 20);
    for (let k = 0; k < n; k++) {
      const id = `big-${String(k).padStart(3, '0')}-0000-4000-8000-000000000000`;
      tx.objectStore('assets').put({
        id, name: `big-${String(k).padStart(3, '0')}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: 1000 + k, sha256: k.toString(16).padStart(64, '0'),
        pHash: '0000000000000000', width: 64, height: 48, addedAt: 1_700_000_000_000 + k, takenAtMs: newestMs - k * 3_600_000, takenAtSource: 'file-modified',
        metadataVersion: 1, status: 'ready', blobLocation: 'opfs',
      });
    }
    await new Promise((res, rej) => {
      tx.oncomplete = res;
      tx.onerror = () => rej(tx.error);
    });
    db.close();
  }, n);
}

test('timeline: photos show under day headers newest first with counts, in date order; the rail jumps to a year and month', async ({ page, url }) => {
  // Tall enough for the whole grid at first; short later, so the rail has somewhere to jump to.
  await page.setViewportSize({ width: 1280, height: 2400 });
  const photos = await distinctPhotos(12, { seed: 1414, prefix: 'day' });
  // Newest first: day after day, within a day later minutes first. Files are named against
  // that order (z…a) so neither name nor import order can produce it by chance.
  const dated = [];
  for (const [y, m, d, n] of DAYS) for (let k = 0; k < n; k++) dated.push(local(y, m, d, 18, 50 - k * 10));
  const files = photos.map((p, i) => ({ ...p, name: `${String.fromCharCode(122 - i)}-photo.jpg`, date: dated[i] }));
  const { paths, cleanup } = datedFiles([...files].reverse());
  try {
    await openApp(page, url);
    await importFiles(page, paths, files.length);
    const library = ui(page).library;
    await library.getByRole('heading').first().waitFor();

    assert.deepEqual(await headerTexts(library), await expectedHeaders(page, DAYS), 'one header per day, newest first, with its count');
    assert.deepEqual(
      (await readTiles(library)).map((t) => t.name),
      files.map((f) => f.name),
      'tiles in date order, newest first',
    );

    // The rail: years with counts; the one on screen shows its months.
    await page.setViewportSize({ width: 1280, height: 420 });
    const rail = page.getByRole('navigation', { name: 'Jump to a date' });
    await rail.getByRole('button', { name: '2021 · 4' }).waitFor();
    assert.equal(await rail.getByRole('button', { name: '2021 · 4' }).getAttribute('aria-current'), 'true');
    await rail.getByRole('button', { name: '2020 · 3' }).click();
    const december = library.getByRole('heading', { name: (await expectedHeaders(page, [DAYS[3]]))[0] });
    await page.waitForFunction(atTop, await december.elementHandle(), { timeout: 5000 });
    await rail.getByRole('button', { name: /^December 2020 · 3$/ }).waitFor();
    assert.equal(await rail.getByRole('button', { name: /^December 2020/ }).getAttribute('aria-current'), 'true', 'the rail shows where you are');

    // A month of another year: its year first, then the month.
    await rail.getByRole('button', { name: '2019 · 5' }).click();
    await rail.getByRole('button', { name: /^July 2019 · 5$/ }).click();
    const july14 = library.getByRole('heading', { name: (await expectedHeaders(page, [DAYS[4]]))[0] });
    await page.waitForFunction(atTop, await july14.elementHandle(), { timeout: 5000 });

    // A newer photo added while scrolled down joins the top of the timeline; the view stays put.
    const [newer] = await distinctPhotos(1, { seed: 1515, prefix: 'newer' });
    const more = datedFiles([{ ...newer, date: local(2022, 2, 2) }]);
    try {
      await importFiles(page, more.paths, 1);
      await expectCount(page, files.length + 1);
      await rail.getByRole('button', { name: '2022 · 1' }).waitFor(); // the grid has its new row
      assert.ok(await july14.evaluate(atTop), 'the day on screen stays at the top');
    } finally {
      more.cleanup();
    }
  } finally {
    cleanup();
  }
});

test('timeline: on a 390 px screen the grid has ≥ 3 columns, draws only the rows on screen, and scrolls to the oldest item', async ({ page, url }) => {
  await page.setViewportSize({ width: 390, height: 600 });
  const N = 150;
  const photos = await distinctPhotos(N, { width: 48, height: 36, seed: 3900, prefix: 'phone' });
  // One photo an hour, newest first: phone-001 is the newest, phone-150 the oldest.
  const files = photos.map((p, i) => ({ ...p, date: new Date(local(2022, 6, 30, 23).getTime() - i * 3_600_000) }));
  const { paths, cleanup } = datedFiles(files);
  try {
    await openApp(page, url);
    await importFiles(page, paths, N, 60_000);
    const library = ui(page).library;
    await library.getByRole('button', { name: 'Open phone-001.jpg' }).waitFor();

    const firstRow = await library.locator(':scope > li[data-type]').evaluateAll((lis) => {
      const top = Math.min(...lis.map((li) => li.getBoundingClientRect().top));
      return lis.filter((li) => li.getBoundingClientRect().top === top).map((li) => li.getBoundingClientRect().width);
    });
    assert.ok(firstRow.length >= 3 && firstRow.length <= 4, `3–4 columns at 390 px, got ${firstRow.length}`);
    assert.ok(firstRow[0] >= 80, `tiles at least 80 px wide, got ${firstRow[0]}`);

    const drawn = () => library.locator(':scope > li[data-type]').count();
    const atTop = await drawn();
    assert.ok(atTop > 0 && atTop <= 60, `only the rows on screen and a margin are drawn: ${atTop} of ${N}`);
    assert.ok(!(await library.getByRole('button', { name: 'Open phone-150.jpg' }).count()), 'the oldest item is not drawn while at the top');

    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const oldest = library.getByRole('button', { name: 'Open phone-150.jpg' });
    await oldest.waitFor();
    await page.waitForFunction((el) => el.getBoundingClientRect().bottom <= innerHeight && el.getBoundingClientRect().top >= 0, await oldest.elementHandle(), { timeout: 5000 });
    const atEnd = await drawn();
    assert.ok(atEnd <= 60, `still bounded at the end: ${atEnd}`);
    assert.ok(!(await library.getByRole('button', { name: 'Open phone-001.jpg' }).count()), 'the newest item left the DOM');
    // Thumbnails of what is drawn load; nothing else has an image.
    await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Library"] img').length > 0);
    assert.ok((await library.locator('img').count()) <= atEnd);

    // The scrubber replaces the rail on a narrow screen, says where it is, and drags back to the top.
    const scrubber = page.getByRole('slider', { name: 'Scroll through dates' });
    assert.match((await scrubber.getAttribute('aria-valuetext')) ?? '', /2022/);
    assert.equal(await scrubber.getAttribute('aria-valuenow'), '100');
    assert.equal(await page.getByRole('navigation', { name: 'Jump to a date' }).isVisible(), false);
    const box = await scrubber.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, 0, { steps: 4 });
    await page.mouse.up();
    await library.getByRole('button', { name: 'Open phone-001.jpg' }).waitFor();
    assert.equal(await scrubber.getAttribute('aria-valuenow'), '0');
  } finally {
    cleanup();
  }
}, { timeoutMs: 90_000 });

test('timeline: a library larger than its first screen opens on its newest items, then holds every item', async ({ page, url }) => {
  await openApp(page, url);
  // 420 records (a first screen is 300): big-000 the newest and big-419 the oldest.
  const N = 420;
  await seedRecords(page, N);
  await page.reload();
  await expectCount(page, N);
  const library = ui(page).library;
  await library.getByRole('button', { name: 'Open big-000.jpg' }).waitFor();
  assert.equal((await readTiles(library))[0]?.name, 'big-000.jpg', 'the newest item first');

  // The rest of the library follows the first screen: the oldest item is at the end of the grid.
  // Scrolled to the end again before each try: a line appearing above the grid meanwhile (such as
  // the count of items not yet searchable, late on a busy machine) moves the end of the grid down.
  const oldest = library.getByRole('button', { name: 'Open big-419.jpg' });
  // Each try waits up to 3 s for the tile to be drawn and still (a loaded 2-core host can take over a second).
  const deadline = Date.now() + 30_000;
  for (;;) {
    await page.evaluate(async () => {
      window.scrollTo(0, document.documentElement.scrollHeight);
      await new Promise((r) => requestAnimationFrame(r));
    });
    const clicked = await oldest.click({ timeout: 3_000 }).then(() => true, (err) => (Date.now() > deadline ? Promise.reject(err) : false));
    if (clicked) break;
  }
  assert.equal(await page.getByRole('dialog', { name: /big-419\.jpg/ }).count(), 1, 'the oldest item opens in the viewer');
});

test('timeline: a far jump draws the rows on screen first; once still, the rows above and below follow and every tile on screen keeps its item', async ({ page, url }) => {
  await openApp(page, url);
  await seedRecords(page, 420);
  await page.reload();
  await expectCount(page, 420);
  const library = ui(page).library;
  await library.getByRole('button', { name: 'Open big-000.jpg' }).waitFor();

  // In the frame of the jump: only rows that reach the screen are drawn (the margin would be past
  // by the next frame of a fling).
  const jump = await page.evaluateHandle(async () => {
    window.scrollTo(0, document.documentElement.scrollHeight / 2);
    await new Promise((r) => requestAnimationFrame(r));
    const lis = [...document.querySelectorAll('ul[aria-label="Library"] > li[data-type]')];
    const onScreen = lis.filter((li) => li.getBoundingClientRect().bottom > 0 && li.getBoundingClientRect().top < innerHeight);
    return { drawn: lis.length, onScreen, names: onScreen.map((li) => li.querySelector('.name')?.textContent ?? '') };
  });
  const jumped = await jump.evaluate(({ drawn, onScreen, names }) => ({ drawn, onScreen: onScreen.length, names }));
  assert.ok(jumped.onScreen > 0, 'tiles are drawn where the jump landed');
  assert.equal(jumped.drawn, jumped.onScreen, 'in the jump only the rows on screen are drawn');

  // Still: the rows above and below the screen are drawn again (their thumbnails load before they
  // scroll in), and each tile on screen is the same element showing the same item (a click lands on it).
  await page.waitForFunction(() => {
    const tops = [...document.querySelectorAll('ul[aria-label="Library"] > li[data-type]')].map((li) => li.getBoundingClientRect());
    return tops.some((r) => r.top >= innerHeight) && tops.some((r) => r.bottom <= 0);
  }, null, { timeout: 5000 });
  const now = await jump.evaluate(({ onScreen }) => onScreen.map((li) => li.querySelector('.name')?.textContent ?? ''));
  assert.deepEqual(now, jumped.names, 'the tiles on screen still show the items they showed');
});

test('timeline: search results sort by relevance (ranks) or by date (day headers, newest first)', async ({ page, url }) => {
  // Tall enough that every result is drawn, so the order of all of them can be read.
  await page.setViewportSize({ width: 1280, height: 2000 });
  const names = ['red-ball.jpg', 'red-square.png', 'blue-sky.jpg', 'orange-sunset.png'];
  // The reddest photo is the oldest: by date the order differs from by relevance.
  const dates = [local(2018, 5, 1), local(2023, 8, 20), local(2020, 2, 2), local(2023, 8, 20, 9)];
  const { paths, cleanup } = datedFiles(names.map((name, i) => ({ name, source: fixtureImage(name), date: dates[i] })));
  try {
    await openApp(page, url);
    await importFiles(page, paths, names.length);
    const tiles = await search(page, 'red', { minResults: 2 });
    const results = ui(page).results;
    const strong = tiles.filter((t) => !t.weak);
    assert.ok(strong.length >= 2, `at least two strong results: ${JSON.stringify(tiles)}`);
    const sort = page.getByRole('group', { name: 'Sort results by' });
    assert.equal(await sort.getByRole('button', { name: 'Relevance' }).getAttribute('aria-pressed'), 'true', 'relevance by default');
    assert.equal(await results.getByRole('heading').count(), 0, 'no day headers by relevance');
    const ranks = await results.locator('.score').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-rank'))));
    assert.deepEqual(ranks, strong.map((_, i) => i + 1), 'ranks 1, 2, … in order');

    await sort.getByRole('button', { name: 'Date' }).click();
    await results.getByRole('heading').first().waitFor();
    const byDate = (await readTiles(results)).map((t) => t.name);
    const expected = strong.map((t) => t.name).sort((a, b) => dates[names.indexOf(b)] - dates[names.indexOf(a)]);
    assert.deepEqual(byDate, expected, 'newest taken first');
    const days = [...new Set(expected.map((n) => dates[names.indexOf(n)]).map((d) => `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`))];
    const headerCount = await results.getByRole('heading').count();
    assert.equal(headerCount, days.length, 'one header per day');
    const ranksByDate = await results.locator('.score').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-rank'))));
    assert.deepEqual(
      ranksByDate,
      byDate.map((n) => strong.findIndex((t) => t.name === n) + 1),
      'each keeps its relevance rank',
    );
  } finally {
    cleanup();
  }
});

test('timeline: tiles and day headers select by checkbox, Shift/Ctrl-click, Space and a long touch press; a plain click opens; arrow keys move between tiles', async ({ page, url }) => {
  await page.setViewportSize({ width: 1280, height: 1200 });
  const photos = await distinctPhotos(6, { seed: 5150, prefix: 'pick' });
  // pick-001 … pick-003 on 3 May 2024, pick-004 … pick-006 on 1 May, newest first.
  const files = photos.map((p, i) => ({ ...p, date: local(2024, 5, i < 3 ? 3 : 1, 20 - i) }));
  const { paths, cleanup } = datedFiles(files);
  try {
    await openApp(page, url);
    await importFiles(page, paths, files.length);
    const library = ui(page).library;
    const check = (n) => library.getByRole('checkbox', { name: `Select pick-00${n}.jpg` });
    const tile = (n) => library.getByRole('button', { name: `Open pick-00${n}.jpg` });
    const checked = async () => {
      const out = [];
      for (let n = 1; n <= 6; n++) if ((await check(n).getAttribute('aria-checked')) === 'true') out.push(n);
      return out;
    };
    await tile(6).waitFor();
    assert.deepEqual(await checked(), []);

    await check(1).click();
    assert.deepEqual(await checked(), [1], 'the checkbox selects its tile');
    await tile(3).click({ modifiers: ['Shift'] });
    assert.deepEqual(await checked(), [1, 2, 3], 'Shift-click selects the range');
    await tile(5).click({ modifiers: ['Control'] });
    assert.deepEqual(await checked(), [1, 2, 3, 5], 'Ctrl-click adds one');
    assert.equal(await page.getByRole('dialog').count(), 0, 'selecting opens nothing');

    const [may1] = await expectedHeaders(page, [[2024, 5, 1, 3]]);
    const day = library.getByRole('checkbox', { name: `Select ${may1.replace(/ · \d+$/, '')}` });
    await day.click();
    assert.deepEqual(await checked(), [1, 2, 3, 4, 5, 6], 'the day header selects its day');
    assert.equal(await day.getAttribute('aria-checked'), 'true');
    await day.click();
    assert.deepEqual(await checked(), [1, 2, 3], 'and clears it');

    await tile(2).focus();
    await page.keyboard.press('Space');
    assert.deepEqual(await checked(), [1, 3], 'Space toggles the focused tile');
    // Focus moves once the target row is drawn (a frame later): wait for it.
    const focused = (label) => page.waitForFunction((l) => document.activeElement?.getAttribute('aria-label') === l, label, { timeout: 3000 });
    await page.keyboard.press('ArrowRight');
    await focused('Open pick-003.jpg'); // → the next tile
    await page.keyboard.press('ArrowDown');
    await focused('Open pick-006.jpg'); // ↓ the next row: same column, or its last tile

    // A long touch press selects; the click that ends it opens nothing.
    await tile(6).dispatchEvent('pointerdown', { pointerType: 'touch', isPrimary: true, bubbles: true });
    await page.waitForFunction(() => document.querySelector('[aria-label="Select pick-006.jpg"]')?.getAttribute('aria-checked') === 'true', null, { timeout: 3000 });
    await tile(6).dispatchEvent('pointerup', { pointerType: 'touch', isPrimary: true, bubbles: true });
    await tile(6).dispatchEvent('click');
    assert.deepEqual(await checked(), [1, 3, 6], 'a long press selects');
    assert.equal(await page.getByRole('dialog').count(), 0);

    await tile(4).click();
    await page.getByRole('dialog', { name: 'pick-004.jpg' }).waitFor();
  } finally {
    cleanup();
  }
});
