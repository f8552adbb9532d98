// End-to-end tests of videos in the library: keyframes, pooled vectors, moments in search,
// the player starting at the moment, the ffmpeg.wasm fallback, and messages for bad videos.
// Fixture videos come from scripts/make-fixture-videos.mjs (colour segments with known times).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureImage, ROOT, skip, test } from './harness.mjs';
import { expectCount, importFiles, openApp, search, ui, waitMessage } from './app-helpers.mjs';

const VIDEOS = join(ROOT, 'test/fixtures/generated/videos');
const video = (name) => join(VIDEOS, name);
const haveVideos = existsSync(join(VIDEOS, 'manifest.json'));
const manifest = haveVideos ? JSON.parse(readFileSync(join(VIDEOS, 'manifest.json'), 'utf8')) : {};

/** "0:03" → 3 */
const seconds = (label) => label.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
/** The viewer's keyframe strip, once it is shown: its frames are read after the dialog opens. */
async function keyframeLabels(dialog) {
  const items = dialog.getByRole('list', { name: 'Keyframes' }).getByRole('listitem');
  await items.first().waitFor();
  return items.allTextContents();
}

async function openTileDialog(page, name) {
  await page.getByRole('button', { name: `Open ${name}` }).click();
  const dialog = page.getByRole('dialog', { name });
  await dialog.waitFor();
  return dialog;
}

if (!haveVideos) {
  skip('video: photos and videos ranked together, moments, player', 'fixture videos missing: run node scripts/make-fixture-videos.mjs');
} else {
  test('video: photos and videos in one ranking; the best moment opens the player there', async ({ page, url }) => {
    await openApp(page, url);
    await importFiles(page, [video('colour-segments.webm'), video('black-open.mp4'), fixtureImage('red-ball.jpg'), fixtureImage('blue-sky.jpg')], 4, 60_000);
    await expectCount(page, 4);

    const green = await search(page, 'green');
    assert.equal(green[0].name, 'colour-segments.webm', `"green" should rank the video with a green part first: ${JSON.stringify(green)}`);
    assert.equal(green[0].type, 'video');
    assert.ok(green.some((t) => t.type === 'image'), 'photos are ranked in the same list');
    const best = seconds(green[0].moments[0]);
    const segment = manifest['colour-segments.webm'].segments.find((s) => s.label === 'green');
    assert.ok(best >= Math.floor(segment.fromSec) && best < segment.untilSec, `best "green" moment ${green[0].moments[0]} is inside ${segment.fromSec}–${segment.untilSec} s`);

    const red = await search(page, 'red');
    const redVideo = red.find((t) => t.name === 'colour-segments.webm');
    assert.ok(redVideo, 'the video is in the "red" results');
    assert.ok(seconds(redVideo.moments[0]) < 2, `best "red" moment ${redVideo.moments[0]} is in the first 2 s`);

    // Clicking the moment opens the player at that time.
    await search(page, 'green');
    await page.getByRole('button', { name: `Play colour-segments.webm from ${green[0].moments[0]}` }).click();
    const dialog = page.getByRole('dialog', { name: 'colour-segments.webm' });
    await dialog.waitFor();
    await dialog.getByText(`Playing from ${green[0].moments[0]}`).waitFor();
    await page.waitForFunction((min) => (document.querySelector('dialog video')?.currentTime ?? 0) >= min, best, { timeout: 10_000 });
    const strip = (await keyframeLabels(dialog)).length;
    assert.ok(strip >= 3, `keyframe strip shows the kept frames (${strip})`);
    await dialog.getByRole('button', { name: 'Info' }).click();
    await dialog.getByText(/decoded with WebCodecs/).waitFor();
  }, { timeoutMs: 120_000 });

  test('video: red, blue, red again: "blue" finds the blue middle and the repeated red is not kept twice', async ({ page, url }) => {
    await openApp(page, url);
    await importFiles(page, [video('red-blue-red.mp4'), fixtureImage('red-ball.jpg'), fixtureImage('green-leaf.jpg')], 3, 60_000);
    const blue = await search(page, 'blue');
    assert.equal(blue[0].name, 'red-blue-red.mp4', `"blue" ranks the video first: ${JSON.stringify(blue)}`);
    const segment = manifest['red-blue-red.mp4'].segments.find((s) => s.label === 'blue');
    const at = seconds(blue[0].moments[0]);
    assert.ok(at >= segment.fromSec && at < segment.untilSec, `moment ${blue[0].moments[0]} is inside the blue ${segment.fromSec}–${segment.untilSec} s`);
    const dialog = await openTileDialog(page, 'red-blue-red.mp4');
    const labels = (await keyframeLabels(dialog)).map((l) => seconds(l.trim()));
    assert.equal(labels.length, 2, `one red and one blue keyframe, the second red dropped as a repeat: ${labels}`);
  }, { timeoutMs: 90_000 });

  test('video: a black opening is skipped; the keyframes start after it', async ({ page, url }) => {
    await openApp(page, url);
    await importFiles(page, [video('black-open.mp4')], 1, 60_000);
    const yellow = await search(page, 'yellow');
    assert.equal(yellow[0].name, 'black-open.mp4');
    const dialog = await openTileDialog(page, 'black-open.mp4');
    const labels = await keyframeLabels(dialog);
    assert.ok(labels.length >= 1, 'at least one keyframe');
    assert.ok(labels.every((l) => seconds(l.trim()) >= 1), `no keyframe from the black first second: ${labels}`);
  }, { timeoutMs: 90_000 });

  test('video: a container WebCodecs cannot open is read with ffmpeg.wasm', async ({ page, url }) => {
    await openApp(page, url);
    await importFiles(page, [video('colour-segments.avi')], 1, 90_000);
    await expectCount(page, 1);
    const blue = await search(page, 'blue');
    assert.equal(blue[0].name, 'colour-segments.avi');
    assert.ok(seconds(blue[0].moments[0]) >= 4, `best "blue" moment ${blue[0].moments[0]} is in the last segment`);
    const dialog = await openTileDialog(page, 'colour-segments.avi');
    await dialog.getByRole('button', { name: 'Info' }).click();
    await dialog.getByText(/decoded with ffmpeg\.wasm/).waitFor();
  }, { timeoutMs: 150_000 });

  test('video: bad videos get a clear message and the rest of the batch is stored', async ({ page, url }) => {
    await openApp(page, url);
    await importFiles(page, [video('audio-only.webm'), video('empty.mp4'), video('no-frames.webm'), video('header-only.mp4'), fixtureImage('green-leaf.jpg')], 5, 60_000);
    await expectCount(page, 1);
    await waitMessage(page, /^audio-only\.webm: .*no video track/);
    await waitMessage(page, /^empty\.mp4: .*0 bytes/);
    await waitMessage(page, /^no-frames\.webm: /);
    await waitMessage(page, /^header-only\.mp4: .*damaged/);
    assert.equal(await ui(page).messages.getByRole('listitem').filter({ hasText: 'green-leaf.jpg' }).count(), 0);
  }, { timeoutMs: 90_000 });
}
