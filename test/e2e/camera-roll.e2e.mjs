// A camera roll as people bring it, in one drop: iPhone HEIC photos (one of them a Live Photo with
// its MOV), a Google Takeout photo with its JSON sidecar and a GPS-tagged JPEG. The timeline orders
// them by the date each one's metadata gives, the Places view places them, and one search box
// takes meaning, time and place together ("red 2019", "in Paris").
// Fixtures: test/fixtures/heif (scripts/make-heif-fixtures.mjs), test/fixtures/live
// (scripts/make-live-fixtures.sh); the JPEGs get their EXIF at test time.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectText, fixtureImage, ROOT, test } from './harness.mjs';
import { expectCount, importFiles, messageTexts, openApp, readTiles, search, ui } from './app-helpers.mjs';
import { gpsRational, jpegWithExif } from '../helpers/exif-jpeg.mjs';

const heif = (name) => readFileSync(join(ROOT, 'test/fixtures/heif', name));
const live = (name) => readFileSync(join(ROOT, 'test/fixtures/live', name));
const PARIS = [48.8566, 2.3522];
const SYDNEY = [-33.8688, 151.2093];

async function cameraRoll() {
  return [
    // red-ball.heic: taken 2019-07-14 10:00 +01:00 in Lisbon; with a MOV of the same name it is a Live Photo.
    { name: 'IMG_0201.HEIC', mimeType: 'image/heic', buffer: heif('red-ball.heic') },
    { name: 'IMG_0201.MOV', mimeType: 'video/quicktime', buffer: live('IMG_0101.MOV') },
    // Two images, the primary a yellow sun; taken 2020-05-01 12:00 +00:00, no position.
    { name: 'IMG_0202.HEIC', mimeType: 'image/heic', buffer: heif('yellow-multi.heic') },
    // A Takeout photo without EXIF: its sidecar gives the date (2018-03-01 12:00 UTC) and Paris.
    { name: 'IMG_0301.jpg', mimeType: 'image/jpeg', buffer: readFileSync(fixtureImage('blue-sky.jpg')) },
    {
      name: 'IMG_0301.jpg.supplemental-metadata.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ title: 'IMG_0301.jpg', photoTakenTime: { timestamp: '1519905600' }, geoData: { latitude: PARIS[0], longitude: PARIS[1], altitude: 0 } })),
    },
    // A camera JPEG with its own EXIF date and GPS (Sydney, 2021-06-01).
    {
      name: 'DSC_0401.jpg',
      mimeType: 'image/jpeg',
      buffer: await jpegWithExif({
        pixelsOf: readFileSync(fixtureImage('green-leaf.jpg')),
        exif: { IFD2: { DateTimeOriginal: '2021:06:01 12:00:00', OffsetTimeOriginal: '+10:00' }, IFD3: { GPSLatitudeRef: 'S', GPSLatitude: gpsRational(-SYDNEY[0]), GPSLongitudeRef: 'E', GPSLongitude: gpsRational(SYDNEY[1]) } },
      }),
    },
  ];
}

test('camera roll: HEIC photos, a Live Photo, a Takeout sidecar and a GPS-tagged JPEG in one drop are ordered by date taken, placed, and found by "red 2019" and "in Paris"', async ({ page, url }) => {
  await page.setViewportSize({ width: 1280, height: 1600 });
  await openApp(page, url);
  const files = await cameraRoll();
  // Six files, four items: the MOV is the Live Photo's motion, the sidecar is no item.
  await importFiles(page, files, 4, 60_000);
  await expectCount(page, 4);
  assert.deepEqual(
    (await messageTexts(page)).filter((t) => /json|HEIC|MOV/i.test(t) && /could not|not added|unsupported|failed/i.test(t)),
    [],
    'no file of the camera roll is refused',
  );

  // Newest taken first, whatever order they were dropped in.
  const library = ui(page).library;
  await expectText(library.locator('li[data-type]').first(), 'DSC_0401.jpg');
  assert.deepEqual(
    (await readTiles(library)).map((t) => t.name),
    ['DSC_0401.jpg', 'IMG_0202.HEIC', 'IMG_0201.HEIC', 'IMG_0301.jpg'],
    'timeline order by date taken: EXIF with offset, HEIC EXIF, HEIC EXIF, Takeout sidecar',
  );
  await expectText(library.getByRole('button', { name: 'Open IMG_0201.HEIC, Live Photo' }), 'Live');

  // Places: the HEIC's EXIF position, the sidecar's and the JPEG's.
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Places' }).click();
  await page.getByRole('button', { name: /^Lisbon, .*Portugal: 1 item$/ }).waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: /^Paris, .*France: 1 item$/ }).waitFor();
  await page.getByRole('button', { name: /^Sydney, .*Australia: 1 item$/ }).waitFor();

  // Meaning and time together: "2019" is a chip, "red" ranks what was taken in 2019.
  const red2019 = await search(page, 'red 2019');
  await expectText(page.getByRole('list', { name: 'Date filters' }), '2019');
  assert.equal(red2019[0]?.name, 'IMG_0201.HEIC', `"red 2019": ${red2019.map((t) => t.name).join(', ')}`);
  assert.ok(!red2019.some((t) => t.name === 'IMG_0202.HEIC' || t.name === 'DSC_0401.jpg'), 'nothing taken outside 2019');

  // A place alone lists its items: the Takeout photo, placed by its sidecar.
  await ui(page).searchbox.fill('in Paris');
  await ui(page).searchbox.press('Enter');
  await page.getByRole('list', { name: 'Place filters' }).getByRole('button', { name: 'Remove filter Paris' }).waitFor();
  await page.getByRole('heading', { name: /^1 photo.* in Paris$/ }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Search results"] > li[data-type]').length === 1);
  assert.deepEqual((await readTiles(ui(page).results)).map((t) => t.name), ['IMG_0301.jpg']);
}, { timeoutMs: 90_000 });
