// End-to-end tests of the photo's own metadata: photos whose files were all written today land on
// the days their EXIF (or their camera file name) says, the info panel shows camera, lens and
// position, and photos with damaged or hostile EXIF are imported like any other.
import assert from 'node:assert/strict';
import { expectText, test } from './harness.mjs';
import { expectCount, importFiles, messageTexts, openApp, readTiles, ui, waitMessage } from './app-helpers.mjs';
import { damagedExif, gpsRational, jpegWithExif } from '../helpers/exif-jpeg.mjs';
import { distinctPhotos } from './photos.mjs';

const gps = (lat, lon) => ({
  GPSLatitudeRef: lat < 0 ? 'S' : 'N',
  GPSLatitude: gpsRational(lat),
  GPSLongitudeRef: lon < 0 ? 'W' : 'E',
  GPSLongitude: gpsRational(lon),
});

// Distinct pictures, so that no two are flagged as near-duplicates of each other.
const pictures = await distinctPhotos(6, { seed: 1515, prefix: 'meta' });
const jpeg = (i, exif) => jpegWithExif({ pixelsOf: pictures[i].buffer, exif });

/** The day headers of a list as the page words them ("Sunday, July 14, 2019 · 1"). */
const headerTexts = (list) => list.getByRole('heading').evaluateAll((hs) => hs.map((h) => (h.textContent ?? '').replace(/\s+/g, ' ').trim()));

/** What the page's own Intl calls the local day of each instant, with its count. */
const expectedHeaders = (page, days) =>
  page.evaluate(
    (ds) => ds.map(([ms, n]) => `${new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(ms))} · ${n}`),
    days,
  );

test('metadata: photos written today are ordered by their EXIF dates and file-name dates; the info panel shows camera, lens and position; damaged EXIF is still imported', async ({ page, url }) => {
  const parisMs = Date.UTC(2019, 6, 14, 13, 30, 12); // 15:30:12 at UTC+02:00
  const tokyoMs = Date.UTC(2021, 2, 5, 9, 0, 0); // 18:00 at UTC+09:00
  const valid = await jpeg(0, { IFD0: { Make: 'Nikon' }, IFD2: { DateTimeOriginal: '2016:05:01 12:00:00' } });
  const files = [
    {
      name: 'paris.jpg',
      buffer: await jpeg(1, {
        IFD0: { Make: 'Canon', Model: 'Canon EOS 5D' },
        IFD2: { DateTimeOriginal: '2019:07:14 15:30:12', OffsetTimeOriginal: '+02:00', LensModel: 'EF 50mm f/1.8' },
        IFD3: gps(48.8584, 2.2945),
      }),
    },
    {
      name: 'tokyo.jpg',
      buffer: await jpeg(2, { IFD0: { Make: 'Apple', Model: 'iPhone 12' }, IFD2: { DateTimeOriginal: '2021:03:05 18:00:00', OffsetTimeOriginal: '+09:00' }, IFD3: gps(35.6586, 139.7454) }),
    },
    // No EXIF at all: the camera's file name dates it.
    { name: 'IMG_20180301_101010.jpg', buffer: pictures[4].buffer },
    // EXIF whose IFDs point back at themselves: imported, dated by its file.
    { name: 'looping-exif.jpg', buffer: damagedExif(valid, 'offset-loop') },
    // Year 9999 and a latitude of 95°: both ignored.
    {
      name: 'hostile-values.jpg',
      buffer: await jpeg(3, { IFD0: { Model: '<img src=x onerror=alert(1)>' }, IFD2: { DateTimeOriginal: '9999:12:31 23:59:59' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '95/1 0/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 0/1 0/1' } }),
    },
  ].map((f) => ({ ...f, mimeType: 'image/jpeg' }));

  // Tall enough for the grid to draw every day.
  await page.setViewportSize({ width: 1280, height: 2400 });
  await openApp(page, url);
  await importFiles(page, files, files.length);
  await expectCount(page, files.length);
  // No file failed; the two with ignored metadata each get one note saying what was ignored and which date they got.
  await waitMessage(page, /^looping-exif\.jpg: /);
  await waitMessage(page, /^hostile-values\.jpg: /);
  assert.deepEqual((await messageTexts(page)).sort(), [
    "hostile-values.jpg: the date taken 9999:12:31 23:59:59 in its EXIF was ignored (year 9999 is in the future); the GPS position 95, 2 in its EXIF was ignored (outside ±90° latitude, ±180° longitude); using the file's date",
    "looping-exif.jpg: its EXIF block has offsets that loop back (the parts they point to were ignored); using the file's date",
  ]);

  const library = ui(page).library;
  const tiles = (await readTiles(library)).map((t) => t.name);
  // Today's two first (in either order: both dated by their file, written together), then by date taken.
  assert.deepEqual(new Set(tiles.slice(0, 2)), new Set(['looping-exif.jpg', 'hostile-values.jpg']), 'undated photos under today');
  assert.deepEqual(tiles.slice(2), ['tokyo.jpg', 'paris.jpg', 'IMG_20180301_101010.jpg'], 'dated photos newest first');
  const headers = await headerTexts(library);
  assert.equal(headers.length, 4, `one header per day: ${JSON.stringify(headers)}`);
  assert.deepEqual(headers.slice(1), await expectedHeaders(page, [[tokyoMs, 1], [parisMs, 1], [new Date(2018, 2, 1, 10, 10, 10).getTime(), 1]]));

  // The info panel: the date at the camera's clock with its source, camera, lens, position.
  await library.getByRole('button', { name: 'Open paris.jpg' }).click();
  const dialog = page.getByRole('dialog', { name: 'paris.jpg' });
  await dialog.waitFor();
  await page.keyboard.press('i');
  const info = dialog.getByRole('complementary', { name: 'Info' });
  await info.waitFor();
  const row = (term) => info.locator(`dt:text-is("${term}") + dd`);
  await expectText(row('Taken'), "(from the photo's metadata (UTC+02:00))");
  await expectText(row('Taken'), 'Jul 14, 2019');
  await expectText(row('Taken'), '3:30');
  await expectText(row('Camera'), 'Canon EOS 5D');
  await expectText(row('Lens'), 'EF 50mm f/1.8');
  await expectText(row('Position'), '48.8584° N, 2.2945° E');

  // → walks the list it was opened from: the file-name date.
  await page.keyboard.press('ArrowRight');
  const named = page.getByRole('dialog', { name: 'IMG_20180301_101010.jpg' });
  await named.waitFor();
  await expectText(named.locator('dt:text-is("Taken") + dd'), '(from the file name)');
  await expectText(named.locator('dt:text-is("Taken") + dd'), 'Mar 1, 2018');
  assert.equal(await named.locator('dt:text-is("Camera")').count(), 0, 'no camera row without a camera');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });

  // Hostile values: the markup is shown as text, the bad date and position are not used.
  await library.getByRole('button', { name: 'Open hostile-values.jpg' }).click();
  const hostile = page.getByRole('dialog', { name: 'hostile-values.jpg' });
  await hostile.waitFor();
  await expectText(hostile.locator('dt:text-is("Camera") + dd'), '<img src=x onerror=alert(1)>');
  await expectText(hostile.locator('dt:text-is("Taken") + dd'), "(from the file's date)");
  assert.equal(await hostile.locator('dt:text-is("Position")').count(), 0, 'no position from a latitude of 95°');
  assert.equal(await page.locator('dialog img[src="x"]').count(), 0, 'no element made from metadata');
});

test('metadata: photos taken in before metadata was read are dated again by a background pass after a reload', async ({ page, url }) => {
  const files = [
    {
      name: 'paris.jpg',
      buffer: await jpeg(1, { IFD0: { Make: 'Canon', Model: 'Canon EOS 5D' }, IFD2: { DateTimeOriginal: '2019:07:14 15:30:12', OffsetTimeOriginal: '+02:00' }, IFD3: gps(48.8584, 2.2945) }),
    },
    { name: 'IMG_20180301_101010.jpg', buffer: pictures[4].buffer },
  ].map((f) => ({ ...f, mimeType: 'image/jpeg' }));
  await page.setViewportSize({ width: 1280, height: 2400 });
  await openApp(page, url);
  await importFiles(page, files, files.length);
  // Make the records what a library from before metadata was read holds: dated by the file, nothing else.
  await page.evaluate(async () => {
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open('shoebox');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    await new Promise((res, rej) => {
      const tx = db.transaction('assets', 'readwrite');
      const store = tx.objectStore('assets');
      store.getAll().onsuccess = (e) => {
        for (const a of e.target.result) {
          const { metadataVersion: _v, camera: _c, gps: _g, takenAtOffsetMin: _o, ...older } = a;
          store.put({ ...older, takenAtMs: Date.now(), takenAtSource: 'file-modified' });
        }
      };
      tx.oncomplete = res;
      tx.onerror = () => rej(tx.error);
    });
    db.close();
  });
  await page.reload();
  await ui(page).searchbox.waitFor();
  const library = ui(page).library;
  const expected = await expectedHeaders(page, [[Date.UTC(2019, 6, 14, 13, 30, 12), 1], [new Date(2018, 2, 1, 10, 10, 10).getTime(), 1]]);
  await page.waitForFunction(
    (want) => {
      const list = document.querySelector('ul[aria-label="Library"]');
      const hs = list ? [...list.querySelectorAll('h2, h3, h4, [role="heading"]')].map((h) => (h.textContent ?? '').replace(/\s+/g, ' ').trim()) : [];
      return JSON.stringify(hs) === JSON.stringify(want);
    },
    expected,
    { timeout: 10_000 },
  );
  assert.deepEqual((await readTiles(library)).map((t) => t.name), ['paris.jpg', 'IMG_20180301_101010.jpg']);
  await library.getByRole('button', { name: 'Open paris.jpg' }).click();
  await page.keyboard.press('i');
  const info = page.getByRole('dialog', { name: 'paris.jpg' }).getByRole('complementary', { name: 'Info' });
  await expectText(info.locator('dt:text-is("Camera") + dd'), 'Canon EOS 5D');
  await expectText(info.locator('dt:text-is("Taken") + dd'), "(from the photo's metadata (UTC+02:00))");
});
