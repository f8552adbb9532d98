// End-to-end tests of places: photos with GPS positions in their EXIF are placed by the offline
// GeoNames table (city, region, country) in the places worker; the Places view lists them by
// country and city with counts, a place opens its photos by date; "in Lisbon" in the search box
// becomes a place chip, alone it lists Lisbon's photos, with words it ranks within them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { expectText, fixtureImage, test } from './harness.mjs';
import { expectCount, importFiles, openApp, readTiles, search, ui } from './app-helpers.mjs';
import { gpsRational, jpegWithExif } from '../helpers/exif-jpeg.mjs';

const gps = (lat, lon) => ({
  GPSLatitudeRef: lat < 0 ? 'S' : 'N',
  GPSLatitude: gpsRational(lat),
  GPSLongitudeRef: lon < 0 ? 'W' : 'E',
  GPSLongitude: gpsRational(lon),
});

/** A fixture picture (so the fixture model sees its colour) with a date taken and maybe a position. */
const photo = async (name, fixture, takenAt, position) => ({
  name,
  mimeType: 'image/jpeg',
  buffer: await jpegWithExif({ pixelsOf: readFileSync(fixtureImage(fixture)), exif: { IFD2: { DateTimeOriginal: takenAt }, ...(position ? { IFD3: gps(...position) } : {}) } }),
});

const LISBON = [38.7223, -9.1393];
const PARIS = [48.8566, 2.3522];
const SYDNEY = [-33.8688, 151.2093];
const MID_ATLANTIC = [30, -40];

const files = async () => [
  await photo('lisbon-red.jpg', 'red-ball.jpg', '2021:05:01 12:00:00', LISBON),
  await photo('lisbon-blue.jpg', 'blue-sky.jpg', '2021:05:02 12:00:00', LISBON),
  await photo('paris-red.jpg', 'red-square.png', '2021:06:01 12:00:00', PARIS),
  await photo('sydney-green.jpg', 'green-leaf.jpg', '2020:01:10 12:00:00', SYDNEY),
  await photo('at-sea.jpg', 'white-snow.png', '2019:08:01 12:00:00', MID_ATLANTIC),
  await photo('no-position.jpg', 'yellow-sun.jpg', '2019:09:01 12:00:00', null),
];

const names = (tiles) => tiles.map((t) => t.name);

test('places: GPS-tagged photos are placed offline; the Places view lists countries and cities with counts, a place opens its photos, the info panel names the place; "in Lisbon" becomes a chip and "red in lisbon" ranks within Lisbon; photos without a place get one from the background pass after a reload; GeoNames is credited', async ({ page, url }) => {
  const all = await files();
  await page.setViewportSize({ width: 1280, height: 1600 });
  await openApp(page, url);
  await importFiles(page, all, all.length);

  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Places' }).click();
  await page.getByRole('heading', { name: 'Places', level: 2 }).waitFor();
  // The places pass runs after the import settles: wait for its cards.
  const lisbon = page.getByRole('button', { name: 'Lisbon, Lisbon, Portugal: 2 items' });
  await lisbon.waitFor({ timeout: 15_000 });
  const countries = await page.locator('.places-view section.country h3 button').evaluateAll((bs) => bs.map((b) => (b.textContent ?? '').replace(/\s+/g, ' ').trim()));
  assert.deepEqual(countries, ['Portugal, 2 items', 'Australia, 1 item', 'France, 1 item'], 'countries, most photos first, then by name; the sea and the photo without a position are in none');
  await page.getByRole('button', { name: 'Paris, Île-de-France, France: 1 item' }).waitFor();
  await page.getByRole('button', { name: 'Sydney, New South Wales, Australia: 1 item' }).waitFor();
  // Covers are the place's own thumbnails.
  await page.waitForFunction(() => document.querySelectorAll('.place-card img').length === 4);

  // A place card opens its photos in the by-day grid, newest taken first.
  await lisbon.click();
  await page.getByRole('heading', { name: 'Lisbon', level: 2 }).waitFor();
  const grid = page.getByRole('list', { name: 'Photos and videos taken in Lisbon' });
  await grid.waitFor();
  await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Photos and videos taken in Lisbon"] > li[data-type]').length === 2);
  assert.deepEqual(names(await readTiles(grid)), ['lisbon-blue.jpg', 'lisbon-red.jpg']);

  // The info panel names the place above the position.
  await grid.getByRole('button', { name: 'Open lisbon-red.jpg' }).click();
  const dialog = page.getByRole('dialog', { name: 'lisbon-red.jpg' });
  await dialog.waitFor();
  await page.keyboard.press('i');
  await expectText(dialog.locator('dt:text-is("Place") + dd'), 'Lisbon, Portugal');
  await expectText(dialog.locator('dt:text-is("Position") + dd'), '38.7223° N, 9.1393° W');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: '← All places' }).click();
  await lisbon.waitFor();

  // "in Lisbon" alone: a chip, and Lisbon's photos by date without a text search.
  await ui(page).searchbox.fill('in Lisbon');
  await ui(page).searchbox.press('Enter');
  await page.getByRole('heading', { name: '2 photos and videos in Lisbon' }).waitFor();
  await page.getByRole('list', { name: 'Place filters' }).getByRole('button', { name: 'Remove filter Lisbon' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Search results"] > li[data-type]').length === 2);
  const listed = await readTiles(ui(page).results);
  assert.deepEqual(names(listed), ['lisbon-blue.jpg', 'lisbon-red.jpg'], 'newest taken first');
  assert.ok(listed.every((t) => t.score === null), 'listed, not ranked');

  // "red in lisbon": CLIP reads "red" and ranks only Lisbon's photos; the red one first.
  const ranked = await search(page, 'red in lisbon');
  assert.equal(ranked[0].name, 'lisbon-red.jpg', `the red Lisbon photo first: ${names(ranked)}`);
  assert.ok(names(ranked).every((n) => n.startsWith('lisbon-')), `only Lisbon photos: ${names(ranked)}`);
  assert.ok(!names(ranked).includes('paris-red.jpg'), 'the red photo of Paris is left out');

  // Removing the chip searches "red" again, everywhere.
  await page.getByRole('button', { name: 'Remove filter Lisbon' }).click();
  await page.getByRole('heading', { name: 'Results for “red”' }).waitFor();
  assert.equal(await ui(page).searchbox.inputValue(), 'red', 'the place left the box with its chip');
  const everywhere = await search(page, 'red', { minResults: 2 });
  assert.deepEqual(names(everywhere).slice(0, 2).sort(), ['lisbon-red.jpg', 'paris-red.jpg'], `both red photos without the place: ${names(everywhere)}`);

  // GeoNames is credited where the app's settings are.
  await ui(page).settings.click();
  await expectText(page.getByRole('region', { name: 'About' }), /GeoNames[\s\S]*Creative Commons Attribution 4\.0/);
  await ui(page).settings.click();

  // Items with a position but no place of this lookup (taken in before places were looked up, or merged from an
  // archive) get theirs from the background pass on the next start.
  const unplaced = await page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('shoebox');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const tx = db.transaction('assets', 'readwrite');
    const store = tx.objectStore('assets');
    const all = await new Promise((resolve) => (store.getAll().onsuccess = (e) => resolve(e.target.result)));
    for (const { place: _p, placeVersion: _v, ...older } of all) store.put(older);
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
    return all.filter((a) => a.place).length;
  });
  assert.equal(unplaced, 4, 'four photos had a place');
  await page.reload();
  await ui(page).searchbox.waitFor();
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Places' }).click();
  await page.getByRole('button', { name: 'Lisbon, Lisbon, Portugal: 2 items' }).waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Sydney, New South Wales, Australia: 1 item' }).waitFor();
});

/** Site paths of the requests held in the named caches (the service worker's). */
const cachedPaths = (page, prefix) =>
  page.evaluate(async (p) => {
    const out = [];
    for (const name of await caches.keys()) if (name.startsWith(p)) for (const req of await (await caches.open(name)).keys()) out.push(new URL(req.url).pathname);
    return out;
  }, prefix);

test('places: the places table is not precached, is cached the first time a photo has a position, and places photos offline after that', async ({ page, context, url }) => {
  await openApp(page, url);
  // A page the service worker controls, so the places worker's fetch goes through it.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await page.reload();
  await ui(page).searchbox.waitFor();
  await page.waitForFunction(() => !!navigator.serviceWorker.controller);
  assert.ok(!(await cachedPaths(page, 'workbox-precache')).some((p) => p.includes('/places/')), 'the table is not precached');
  assert.deepEqual(await cachedPaths(page, 'shoebox-places'), [], 'nor fetched before a photo has a position');

  await importFiles(page, [await photo('no-position.jpg', 'yellow-sun.jpg', '2019:09:01 12:00:00', null)], 1);
  await ui(page).fileInput.setInputFiles([await photo('lisbon-red.jpg', 'red-ball.jpg', '2021:05:01 12:00:00', LISBON)]);
  await expectCount(page, 2);
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Places' }).click();
  await page.getByRole('button', { name: 'Lisbon, Lisbon, Portugal: 1 item' }).waitFor({ timeout: 15_000 });
  const cached = await cachedPaths(page, 'shoebox-places');
  assert.equal(cached.length, 1, `the table, once: ${cached}`);
  assert.match(cached[0], /\/places\/places-v\d+\.bin$/);

  await context.setOffline(true);
  try {
    await ui(page).fileInput.setInputFiles([await photo('sydney-green.jpg', 'green-leaf.jpg', '2020:01:10 12:00:00', SYDNEY)]);
    await expectCount(page, 3);
    await page.getByRole('button', { name: 'Sydney, New South Wales, Australia: 1 item' }).waitFor({ timeout: 15_000 });
  } finally {
    await context.setOffline(false);
  }
});
