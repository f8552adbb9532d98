// End-to-end tests of the full-window viewer: the original at screen size, ←/→ through the list
// it was opened from, Esc and focus, the page address and Back, Delete with Undo, favourites,
// the info panel, zoom, touch gestures, and a video's search moments on its seek bar. Screenshots
// are taken only when asked (SHOEBOX_VIEWER_SCREENS=<folder>).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distinctPhotos } from './photos.mjs';
import { expectText, fixtureImage, ROOT, skip, test } from './harness.mjs';
import { expectCount, importFiles, openApp, search, ui } from './app-helpers.mjs';
import { photoLikeJpeg } from './viewer-helpers.mjs';

const VIDEOS = join(ROOT, 'test/fixtures/generated/videos');
const haveVideos = existsSync(join(VIDEOS, 'manifest.json'));

/** Three 1600 × 1200 photos (their thumbnails are much smaller); returns their names in the Library's order. */
async function libraryOfThree(page, url) {
  await openApp(page, url);
  await importFiles(page, await distinctPhotos(3, { width: 1600, height: 1200, grain: 24, prefix: 'view' }), 3);
  await expectCount(page, 3);
  return ui(page).library.locator('.name').allTextContents();
}

/** axe-core's serious and critical violations inside the open viewer ("rule: targets"). */
async function axeViolations(page) {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline script) does not apply to the checker.
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  const { bad, passed } = await page.evaluate(async () => {
    const { violations, passes } = await window.axe.run(document.querySelector('dialog[open]'), { resultTypes: ['violations', 'passes'] });
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    return { bad: serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), passed: passes.map((p) => p.id) };
  });
  assert.ok(passed.includes('button-name') && passed.includes('color-contrast'), `axe checked the viewer: ${passed}`);
  return bad;
}

const viewerOf = (page, name) => page.getByRole('dialog', { name });
const openFromLibrary = (page, name) => ui(page).library.getByRole('button', { name: `Open ${name}` }).click();

/** Natural and rendered size of the viewer's picture once the original is shown. */
async function shownPicture(dialog, name) {
  const img = dialog.getByRole('img', { name });
  await img.waitFor();
  await dialog.locator('img.full.shown').waitFor();
  return img.evaluate((el) => {
    const box = el.getBoundingClientRect();
    return { naturalWidth: el.naturalWidth, naturalHeight: el.naturalHeight, width: box.width, height: box.height, src: el.src };
  });
}

test('viewer: full window on the original; ←/→ walk the list and stop at its ends; Esc returns focus to the tile', async ({ page, url }) => {
  const names = await libraryOfThree(page, url);
  assert.equal(names.length, 3);
  const thumbWidth = await ui(page).library.locator('img').first().evaluate((img) => img.naturalWidth);
  assert.ok(thumbWidth < 1600, `the thumbnail is smaller than the original (${thumbWidth} px)`);

  await openFromLibrary(page, names[1]);
  let dialog = viewerOf(page, names[1]);
  await dialog.waitFor();
  const shown = await shownPicture(dialog, names[1]);
  assert.deepEqual([shown.naturalWidth, shown.naturalHeight], [1600, 1200], 'decoded from the original, not the thumbnail');
  assert.match(shown.src, /^blob:/);
  const box = await dialog.boundingBox();
  const viewport = page.viewportSize();
  assert.deepEqual([Math.round(box.width), Math.round(box.height)], [viewport.width, viewport.height], 'the viewer fills the window');
  assert.ok(shown.height > 500, `the photo is fitted to the window, not shown at thumbnail size (${shown.width} × ${shown.height})`);

  // Focus stays inside the viewer while it is open: Tab cycles through its controls (and, past the
  // last one, the browser's own UI, where the page has no focus), never the page behind it.
  const inside = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    const where = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return 'browser';
      return el.closest('dialog[open]') ? el.getAttribute('aria-label') ?? el.textContent.trim() : `outside: ${el.outerHTML.slice(0, 80)}`;
    });
    assert.doesNotMatch(where, /^outside/, `Tab ${i + 1} reached the page behind the viewer`);
    inside.push(where);
  }
  assert.ok(inside.indexOf('Close') > inside.indexOf('Next'), `Tab comes back round to the viewer's first control: ${inside}`);

  await page.keyboard.press('ArrowRight');
  await viewerOf(page, names[2]).waitFor();
  // Moving is announced inside the viewer (the page's live region is inert behind the modal).
  await expectText(page.locator('dialog [aria-live="polite"]'), `${names[2]}, 3 of 3`);
  await page.keyboard.press('ArrowRight');
  await page.getByRole('button', { name: 'Previous' }).waitFor();
  assert.equal(await viewerOf(page, names[2]).count(), 1, '→ at the last item stays there');
  assert.equal(await page.getByRole('button', { name: 'Next' }).isVisible(), false, 'no Next button at the end');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  dialog = viewerOf(page, names[0]);
  await dialog.waitFor();
  await page.keyboard.press('ArrowLeft');
  assert.equal(await viewerOf(page, names[0]).count(), 1, '← at the first item stays there');
  await expectText(dialog, '1 of 3');

  // The on-screen buttons do the same.
  await dialog.getByRole('button', { name: 'Next' }).click();
  await viewerOf(page, names[1]).waitFor();

  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
  assert.equal(focused, `Open ${names[1]}`, 'focus is back on the tile that opened the viewer');
  // Closed, the viewer holds no original any more: its object URLs are revoked.
  const read = await page.evaluate((src) => fetch(src).then(() => 'readable', () => 'revoked'), shown.src);
  assert.equal(read, 'revoked', 'the original object URL is revoked after closing');
});

test('viewer: the address names the open item; Back closes it, and loading the address opens it', async ({ page, url }) => {
  const names = await libraryOfThree(page, url);
  const before = page.url();
  await openFromLibrary(page, names[0]);
  await viewerOf(page, names[0]).waitFor();
  await page.waitForURL(/#\/item\/.+/);
  await page.keyboard.press('ArrowRight');
  await viewerOf(page, names[1]).waitFor();
  const itemUrl = page.url();

  await page.goBack();
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.equal(page.url(), before, 'Back leaves the item address');

  // The address of an item opens it once the library is read.
  await page.goto(itemUrl);
  await viewerOf(page, names[1]).waitFor();
  // Closing by the button takes the address off the item again.
  await page.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.doesNotMatch(page.url(), /#\/item\//);

  // Opened by a click, closed by Esc, and another opened at once: the address follows each.
  await openFromLibrary(page, names[2]);
  await viewerOf(page, names[2]).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await openFromLibrary(page, names[0]);
  await viewerOf(page, names[0]).waitFor();
  await page.waitForURL(/#\/item\/.+/);
  // Closing never shows the viewer again on its way out (the address still names the item until Back is done).
  await page.evaluate(() => {
    window.__viewerShown = 0;
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) if (n.nodeName === 'DIALOG') window.__viewerShown++;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await page.waitForURL((u) => !u.hash.startsWith('#/item/'));
  assert.equal(await page.getByRole('dialog').count(), 0);
  assert.equal(await page.evaluate(() => window.__viewerShown), 0, 'the viewer did not open again while closing');
});

test('viewer: Delete removes the item and shows the next; Undo brings it back', async ({ page, url }) => {
  const names = await libraryOfThree(page, url);
  await openFromLibrary(page, names[1]);
  await viewerOf(page, names[1]).waitFor();
  await page.keyboard.press('Delete');
  const next = viewerOf(page, names[2]);
  await next.waitFor();
  await expectCount(page, 2);
  await expectText(next, '2 of 2');
  await next.locator('.undo').getByText(`Deleted ${names[1]}.`, { exact: true }).waitFor();
  await expectText(next.locator('[aria-live="polite"]'), `Deleted ${names[1]}. Now showing ${names[2]}, 2 of 2`);

  await next.getByRole('button', { name: 'Undo' }).click();
  await viewerOf(page, names[1]).waitFor();
  await expectCount(page, 3);
  await expectText(viewerOf(page, names[1]), '2 of 3');
  await page.keyboard.press('Escape');
  await ui(page).library.getByRole('button', { name: `Open ${names[1]}` }).waitFor();
});

test("viewer: F marks a favourite that stays after a reload; I shows the date taken and where it came from", async ({ page, url }) => {
  const dir = mkdtempSync(join(tmpdir(), 'shoebox-viewer-'));
  const file = join(dir, 'harbour.jpg');
  copyFileSync(fixtureImage('blue-sky.jpg'), file);
  const takenAt = new Date('2019-07-14T10:00:00Z');
  utimesSync(file, takenAt, takenAt);
  try {
    await openApp(page, url);
    await importFiles(page, [file], 1);
    await openFromLibrary(page, 'harbour.jpg');
    let dialog = viewerOf(page, 'harbour.jpg');
    const favourite = dialog.getByRole('button', { name: 'Favourite' });
    assert.equal(await favourite.getAttribute('aria-pressed'), 'false');
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.querySelector('dialog button[aria-label="Favourite"]')?.getAttribute('aria-pressed') === 'true');
    await expectText(dialog.locator('[aria-live="polite"]'), 'harbour.jpg marked as a favourite');

    // The address still names the item, so the reload opens it again, still a favourite.
    await page.reload();
    dialog = viewerOf(page, 'harbour.jpg');
    await dialog.waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Favourite' }).getAttribute('aria-pressed'), 'true');

    await page.keyboard.press('i');
    const info = dialog.getByRole('complementary', { name: 'Info' });
    await info.waitFor();
    const taken = info.locator('dt:text-is("Taken") + dd');
    await expectText(taken, "(from the file's date)");
    await expectText(taken, takenAt.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric' }));
    await expectText(info, /Size\s*320 × 240 px/);
    await expectText(info, 'image/jpeg');
    await expectText(info.locator('dt:text-is("Made by") + dd'), /Thumbnail: thumbnail/);
    await page.keyboard.press('i');
    await info.waitFor({ state: 'detached' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('viewer: double-click and the wheel zoom the photo; 0 fits it again', async ({ page, url }) => {
  const names = await libraryOfThree(page, url);
  await openFromLibrary(page, names[0]);
  const dialog = viewerOf(page, names[0]);
  const fitted = await shownPicture(dialog, names[0]);
  const img = dialog.getByRole('img', { name: names[0] });
  const width = () => img.evaluate((el) => el.getBoundingClientRect().width);

  const stage = await dialog.locator('.photo-stage').boundingBox();
  const centre = { x: stage.x + stage.width / 2, y: stage.y + stage.height / 2 };
  await page.mouse.dblclick(centre.x, centre.y);
  await page.waitForFunction((w) => document.querySelector('dialog img.full').getBoundingClientRect().width > w * 1.2, fitted.width);
  assert.ok(Math.abs((await width()) - 1600) < 2, `double-click shows 100 % (${await width()} px wide)`);
  await page.mouse.dblclick(centre.x, centre.y);
  await page.waitForFunction((w) => Math.abs(document.querySelector('dialog img.full').getBoundingClientRect().width - w) < 1, fitted.width);

  await page.mouse.move(centre.x + 100, centre.y);
  await page.mouse.wheel(0, -300);
  await page.waitForFunction((w) => document.querySelector('dialog img.full').getBoundingClientRect().width > w * 1.3, fitted.width);
  await page.keyboard.press('0');
  await page.waitForFunction((w) => Math.abs(document.querySelector('dialog img.full').getBoundingClientRect().width - w) < 1, fitted.width);
  await page.keyboard.press('+');
  await page.waitForFunction((w) => document.querySelector('dialog img.full').getBoundingClientRect().width > w * 1.2, fitted.width);
});

test('viewer: on a touch screen a swipe moves through the list and two fingers pinch-zoom', async ({ page, url }) => {
  const names = await libraryOfThree(page, url);
  await openFromLibrary(page, names[0]);
  const dialog = viewerOf(page, names[0]);
  await shownPicture(dialog, names[0]);
  // Real touch input through the DevTools protocol: the page sees touch pointers, as on a phone.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 2 });
  const touch = (type, points) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map(([x, y], id) => ({ x, y, id })) });
  const stage = await dialog.locator('.photo-stage').boundingBox();
  const cy = stage.y + stage.height / 2;
  const left = stage.x + stage.width * 0.2;
  const right = stage.x + stage.width * 0.8;

  await touch('touchStart', [[right, cy]]);
  for (let x = right; x >= left; x -= 40) await touch('touchMove', [[x, cy]]);
  await touch('touchEnd', []);
  const second = viewerOf(page, names[1]);
  await second.waitFor();
  const fitted = await shownPicture(second, names[1]);

  const cx = stage.x + stage.width / 2;
  await touch('touchStart', [[cx - 40, cy], [cx + 40, cy]]);
  for (let d = 40; d <= 200; d += 20) await touch('touchMove', [[cx - d, cy], [cx + d, cy]]);
  await touch('touchEnd', []);
  await page.waitForFunction((w) => document.querySelector('dialog img.full').getBoundingClientRect().width > w * 2, fitted.width);
  // Zoomed in, a one-finger drag pans the picture instead of moving to another one.
  const leftEdge = () => page.evaluate(() => document.querySelector('dialog img.full').getBoundingClientRect().left);
  const before = await leftEdge();
  await touch('touchStart', [[cx, cy]]);
  for (let x = cx; x >= cx - 200; x -= 40) await touch('touchMove', [[x, cy]]);
  await touch('touchEnd', []);
  assert.ok(before - (await leftEdge()) > 150, 'the drag moved the picture left');
  assert.equal(await viewerOf(page, names[1]).count(), 1, 'still on the same photo');
});

test('viewer: opened from a duplicate group, ←/→ walk that group only', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, ['blue-sky.jpg', 'near-dup/blue-sky-small.jpg', 'red-ball.jpg'].map(fixtureImage), 3);
  await page.getByRole('button', { name: 'Duplicates', exact: true }).click();
  const group = page.getByRole('list', { name: 'Group of 2: blue-sky.jpg' });
  await group.getByRole('button', { name: 'Open blue-sky.jpg' }).click();
  const first = viewerOf(page, 'blue-sky.jpg');
  await expectText(first, '1 of 2');
  await page.keyboard.press('ArrowRight');
  await expectText(viewerOf(page, 'blue-sky-small.jpg'), '2 of 2');
  await page.keyboard.press('ArrowRight');
  assert.equal(await viewerOf(page, 'blue-sky-small.jpg').count(), 1, 'the group ends there: red-ball.jpg is not in it');
});

test('viewer: axe finds no serious or critical violation in the viewer, with and without the info panel', async ({ page, url }) => {
  const names = await libraryOfThree(page, url);
  await openFromLibrary(page, names[1]);
  const dialog = viewerOf(page, names[1]);
  await shownPicture(dialog, names[1]);
  assert.deepEqual(await axeViolations(page), [], 'photo');
  await page.keyboard.press('i');
  await dialog.getByRole('complementary', { name: 'Info' }).locator('dt:text-is("Made by")').waitFor();
  assert.deepEqual(await axeViolations(page), [], 'info panel open');
});

if (!haveVideos) {
  skip('viewer: a video opened from a search moment', 'fixture videos missing: run node scripts/make-fixture-videos.mjs');
} else {
  test('viewer: a video opened from a search moment starts there and shows the moments on its seek bar', async ({ page, url }) => {
    await openApp(page, url);
    await importFiles(page, [join(VIDEOS, 'colour-segments.webm'), fixtureImage('red-ball.jpg')], 2, 60_000);
    const tiles = await search(page, 'green');
    const video = tiles.find((t) => t.name === 'colour-segments.webm');
    assert.ok(video?.moments.length, `the video has moments: ${JSON.stringify(tiles)}`);
    const toSec = (label) => label.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
    await page.getByRole('button', { name: `Play colour-segments.webm from ${video.moments[0]}` }).click();
    const dialog = viewerOf(page, 'colour-segments.webm');
    await dialog.waitFor();
    const markers = dialog.getByRole('list', { name: 'Best-matching moments' }).getByRole('button');
    const labels = await markers.evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label')));
    assert.deepEqual(
      labels,
      [...video.moments].sort((a, b) => toSec(a) - toSec(b)).map((m) => `Moment at ${m}`),
      'one marker per moment, in time order',
    );
    await page.waitForFunction((min) => (document.querySelector('dialog video')?.currentTime ?? 0) >= min, toSec(video.moments[0]), { timeout: 10_000 });
    assert.deepEqual(await axeViolations(page), [], 'video with moments');

    // A marker is reached by keyboard and seeks there.
    const last = labels.at(-1);
    const target = toSec(last.replace('Moment at ', ''));
    await dialog.getByRole('button', { name: last }).focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction((t) => Math.abs((document.querySelector('dialog video')?.currentTime ?? -9) - t) < 1.5, target, { timeout: 10_000 });
  }, { timeoutMs: 90_000 });
}

// ---- screenshots, on request (viewer_open_ms is measured by bench/viewer.mjs)

if (process.env.SHOEBOX_VIEWER_SCREENS) {
  test('viewer: screenshots of photo, info panel and video at 1280 and 390 px, light and dark', async ({ page, url }) => {
    const dir = process.env.SHOEBOX_VIEWER_SCREENS;
    mkdirSync(dir, { recursive: true });
    await openApp(page, url);
    const files = [await photoLikeJpeg(1600, 1200, { seed: 5, name: 'meadow.jpg' }), await photoLikeJpeg(900, 1400, { seed: 9, name: 'portrait.jpg' })];
    const paths = haveVideos ? [join(VIDEOS, 'colour-segments.webm')] : [];
    await ui(page).fileInput.setInputFiles(files);
    await expectCount(page, 2, 30_000);
    if (paths.length) await importFiles(page, paths, 1, 60_000);
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: width > 600 ? 800 : 844 });
        await page.goto(`${url}?model=shoebox-fixture-clip`);
        await ui(page).searchbox.waitFor();
        await openFromLibrary(page, 'meadow.jpg');
        const dialog = viewerOf(page, 'meadow.jpg');
        await dialog.locator('img.full.shown').waitFor();
        await page.screenshot({ path: join(dir, `photo-${width}-${scheme}.png`) });
        await page.keyboard.press('i');
        await dialog.getByRole('complementary', { name: 'Info' }).locator('dt:text-is("Made by")').waitFor();
        await page.screenshot({ path: join(dir, `info-${width}-${scheme}.png`) });
        await page.keyboard.press('i');
        await page.keyboard.press('Escape');
        await page.getByRole('dialog').waitFor({ state: 'detached' });
        if (paths.length) {
          const tiles = await search(page, 'green');
          const video = tiles.find((t) => t.name === 'colour-segments.webm');
          await page.getByRole('button', { name: `Play colour-segments.webm from ${video.moments[0]}` }).click();
          await viewerOf(page, 'colour-segments.webm').getByRole('list', { name: 'Best-matching moments' }).waitFor();
          await page.waitForFunction(() => (document.querySelector('dialog video')?.readyState ?? 0) >= 2);
          await page.screenshot({ path: join(dir, `video-${width}-${scheme}.png`) });
          await page.keyboard.press('Escape');
          await page.getByRole('dialog').waitFor({ state: 'detached' });
        }
      }
    }
  }, { timeoutMs: 180_000 });
}
