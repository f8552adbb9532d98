// End-to-end tests of hostile input: the corpus of scripts/make-bad-inputs.mjs (damaged,
// mislabelled, exotic, oversized and oddly named files, duplicates) dropped at once among good
// photos; every file gets the outcome expected.json names, nothing hangs, nothing half-stored.
// Then Retry and Dismiss of failed files, which outlive a reload until dismissed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { expectText, fixtureImage, ROOT, skip, test } from './harness.mjs';
import { closeSettings, expectCount, messageTexts, openApp, search, storeCounts, ui, waitMessage, waitModelReady } from './app-helpers.mjs';

const CORPUS = join(ROOT, 'test/fixtures/generated/bad-inputs');
const haveCorpus = existsSync(join(CORPUS, 'expected.json'));
const expected = haveCorpus ? JSON.parse(readFileSync(join(CORPUS, 'expected.json'), 'utf8')) : {};
const GOOD = ['red-ball.jpg', 'blue-sky.jpg', 'green-leaf.jpg', 'yellow-sun.jpg'];

const MIME = {
  '.jpg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp', '.gif': 'image/gif', '.avif': 'image/avif',
  '.bmp': 'image/bmp', '.tiff': 'image/tiff', '.heic': 'image/heic', '.svg': 'image/svg+xml', '.zip': 'application/zip',
  '.mp4': 'video/mp4', '.webm': 'video/webm',
};
/** A file as the browser would hand it over, under the case's (possibly hostile) name. */
const payload = (c) => ({ name: c.name, mimeType: MIME[extname(c.name).toLowerCase()] ?? 'application/octet-stream', buffer: readFileSync(join(CORPUS, c.file)) });
const goodPayload = (name) => ({ name, mimeType: MIME[extname(name)], buffer: readFileSync(fixtureImage(name)) });

/**
 * A real baseline JPEG of flat mid-grey, written directly: one component, and Huffman tables of a
 * single one-bit code, so each 8 × 8 block is "DC unchanged, end of block" in two zero bits.
 * 160 megapixels take under a millisecond and 625 KB, where encoding pixels took 1.4–11 s here.
 */
function flatGreyJpeg(width, height) {
  const segment = (marker, payload) => Buffer.from([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload]);
  const oneCodeTable = (classAndId) => [classAndId, 1, ...new Array(15).fill(0), 0];
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, [...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    segment(0xdb, [0, ...new Array(64).fill(1)]),
    segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    segment(0xc4, [...oneCodeTable(0x00), ...oneCodeTable(0x10)]),
    segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    Buffer.alloc(Math.ceil((blocks * 2) / 8)),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/**
 * The JPEG with about `paddingBytes` of APP11–APP15 segments (which decoders skip) inserted
 * after its JFIF segment, so its frame header lies that far into the file.
 */
function padBeforeFrameHeader(jpeg, paddingBytes) {
  assert.equal(jpeg.readUInt16BE(0), 0xffd8, 'starts with SOI');
  const afterJfif = jpeg.readUInt16BE(2) === 0xffe0 ? 4 + jpeg.readUInt16BE(4) : 2;
  const segments = [];
  for (let left = paddingBytes, i = 0; left > 0; i++) {
    const payload = Buffer.alloc(Math.min(65533, Math.max(left - 4, 0)), 0x41 + (i % 26));
    segments.push(Buffer.from([0xff, 0xeb + (i % 5), (payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload);
    left -= payload.length + 4;
  }
  return Buffer.concat([jpeg.subarray(0, afterJfif), ...segments, jpeg.subarray(afterJfif)]);
}

/** Dismisses every dialog the page opens (a script run from a file would open one), counting them. */
function dismissDialogs(page) {
  const seen = { count: 0 };
  page.on('dialog', (d) => {
    seen.count++;
    void d.dismiss();
  });
  return seen;
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

if (!haveCorpus) {
  skip('bad input: the whole corpus in one drop', 'corpus missing: run node scripts/make-bad-inputs.mjs');
} else {
  test('bad input: the whole corpus in one drop among good photos; every file gets its outcome, nothing half-stored', async ({ page, url, log }) => {
    const dialogs = dismissDialogs(page);
    const cases = Object.entries(expected);
    const twice = cases.filter(([, c]) => c.droppedTwice).map(([, c]) => c);
    const storedNames = [...GOOD, ...cases.filter(([, c]) => c.expect === 'stored' || c.expect === 'near-duplicate').map(([, c]) => c.name)];

    await openApp(page, url);
    const started = Date.now();
    await ui(page).fileInput.setInputFiles([...cases.map(([, c]) => payload(c)), ...GOOD.map(goodPayload)]);
    // The same file again while the first drop is still being staged.
    await ui(page).fileInput.setInputFiles(twice.map(payload));

    await expectCount(page, storedNames.length, 150_000);
    const failedOrDup = cases.filter(([, c]) => c.messageMatches);
    for (const [, c] of failedOrDup) await waitMessage(page, new RegExp(`^${escapeRe(c.name)}: `), 60_000);
    await expectText(ui(page).status, /^\s*Indexed (\d+) of \1\b/, 30_000);
    const elapsedMs = Date.now() - started;
    log(`corpus of ${cases.length} cases + ${GOOD.length} good photos settled in ${elapsedMs} ms`);

    const msgs = await messageTexts(page);
    const mine = (name) => msgs.filter((m) => m.startsWith(`${name}: `)).map((m) => m.slice(name.length + 2));
    const table = [];
    for (const [key, c] of cases) {
      const got = mine(c.name);
      table.push(`${key}: ${c.expect}${got.length ? ` — ${got.join(' | ')}` : ''}`);
      if (c.droppedTwice) {
        assert.equal(got.length, 1, `${key}: one message for the second copy: ${JSON.stringify(got)}`);
        assert.match(got[0], /already/, key);
        continue;
      }
      if (!c.messageMatches) {
        assert.deepEqual(got, [], `${key} (${c.name}) should be added without a message`);
        continue;
      }
      assert.equal(got.length, 1, `${key}: exactly one message for ${c.name}: ${JSON.stringify(msgs)}`);
      assert.match(got[0], new RegExp(c.messageMatches), `${key}: message for ${c.name}`);
      const retry = page.getByRole('button', { name: `Retry ${c.name}`, exact: true });
      const dismiss = page.getByRole('button', { name: `Dismiss ${c.name}`, exact: true });
      assert.equal(await retry.count(), c.expect === 'failed' ? 1 : 0, `${key}: Retry button only for a failed file`);
      assert.equal(await dismiss.count(), c.expect === 'failed' ? 1 : 0, `${key}: Dismiss button only for a failed file`);
    }
    log(`outcomes:\n  ${table.join('\n  ')}`);
    for (const g of GOOD) assert.deepEqual(mine(g), [], `${g} should be added without a message`);

    // Every stored name is in the library exactly once; names show literally and ran nothing.
    const hostile = cases.find(([, c]) => c.name.includes('<img'))[1].name;
    await expectText(ui(page).library, hostile);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element was created from a file name');
    assert.equal(dialogs.count, 0, 'no script ran (file names, SVG)');
    const counts = await storeCounts(page);
    assert.equal(counts.assets, storedNames.length, `assets: ${JSON.stringify(counts)}`);
    assert.deepEqual(counts.withoutVector, [], 'every asset has a vector');
    assert.deepEqual(counts.withoutThumbnail, [], 'every asset has a thumbnail');
    assert.deepEqual(counts.withoutOriginal, [], 'every asset has its original file');
    assert.equal(counts.vectorsWithoutAsset, 0, 'no vector without an asset');
    assert.equal(counts.distinctSha256, counts.assets, 'no file stored twice');
    assert.equal(counts.jobs.queued ?? 0, 0, 'nothing left queued');
    assert.equal(counts.jobs.processing ?? 0, 0, 'nothing left processing');

    // Search still works, over the good photos and the exotic ones alike. The results grid draws
    // only the rows near the screen: a tall window shows all of them at once.
    await waitModelReady(page);
    await closeSettings(page);
    await page.setViewportSize({ width: 1280, height: 3000 });
    const yellow = await search(page, 'yellow', { minResults: storedNames.length });
    assert.equal(yellow.length, storedNames.length, 'every stored file is searchable');
    assert.ok(yellow.slice(0, 3).some((t) => t.name === 'yellow-sun.jpg'), `yellow-sun.jpg in the top 3: ${yellow.map((t) => t.name).join(', ')}`);

    // A reload finds the same library, and the failed files still listed.
    await page.reload();
    await expectCount(page, storedNames.length);
    const failed = cases.filter(([, c]) => c.expect === 'failed').map(([, c]) => c.name);
    for (const name of failed) await page.getByRole('button', { name: `Retry ${name}`, exact: true }).waitFor();
    const after = await storeCounts(page);
    assert.deepEqual(after.assetIdsSorted, counts.assetIdsSorted, 'the same assets after a reload');
    assert.equal(dialogs.count, 0, 'no script ran after the reload');
  }, { timeoutMs: 240_000 });
}

const METADATA_CORPUS = join(ROOT, 'test/fixtures/generated/bad-metadata');
const haveMetadataCorpus = existsSync(join(METADATA_CORPUS, 'expected.json'));

if (!haveMetadataCorpus) {
  skip('bad input: hostile metadata', 'corpus missing: run node scripts/make-bad-inputs.mjs');
} else {
  test('bad input: hostile metadata (truncated IFD, offset loop, year 0 and 9999, GPS out of range or NaN, markup) — each photo stored with one note, the batch goes on, nothing runs', async ({ page, url, log }) => {
    const dialogs = dismissDialogs(page);
    const cases = Object.entries(JSON.parse(readFileSync(join(METADATA_CORPUS, 'expected.json'), 'utf8')));
    const files = cases.map(([, c]) => ({ name: c.name, mimeType: 'image/jpeg', buffer: readFileSync(join(METADATA_CORPUS, c.file)) }));
    await openApp(page, url);
    await ui(page).fileInput.setInputFiles([...files, goodPayload('red-ball.jpg')]);
    await expectCount(page, cases.length + 1, 60_000);
    for (const [, c] of cases) await waitMessage(page, new RegExp(`^${escapeRe(c.name)}: `), 30_000);
    const msgs = await messageTexts(page);
    for (const [key, c] of cases) {
      const got = msgs.filter((m) => m.startsWith(`${c.name}: `)).map((m) => m.slice(c.name.length + 2));
      assert.equal(got.length, 1, `${key}: one note: ${JSON.stringify(msgs)}`);
      assert.match(got[0], new RegExp(c.messageMatches), `${key}: note for ${c.name}`);
      assert.equal(await page.getByRole('button', { name: `Retry ${c.name}`, exact: true }).count(), 0, `${key}: stored, not failed`);
    }
    assert.deepEqual(msgs.filter((m) => m.startsWith('red-ball.jpg:')), [], 'a good photo in the same drop gets no note');
    log(`notes:\n  ${msgs.join('\n  ')}`);
    // Markup from the file is shown as text and ran nothing, in the notes and in the info panel.
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element was created from metadata');
    // Opened once the import is over, as a user would: until then its progress lines come and go
    // above the grid and move the tiles down and up between finding one and clicking it.
    await expectText(ui(page).status, new RegExp(`^\\s*Indexed ${cases.length + 1} of ${cases.length + 1}\\b`), 60_000);
    await ui(page).library.getByRole('button', { name: 'Open exif-markup.jpg' }).click();
    const viewer = page.getByRole('dialog', { name: 'exif-markup.jpg' });
    await viewer.waitFor();
    await page.keyboard.press('i');
    const info = viewer.getByRole('complementary', { name: 'Info' });
    await expectText(info.locator('dt:text-is("Camera") + dd'), '<script>alert(1)</script>');
    await expectText(info.locator('dt:text-is("Taken") + dd'), "(from the file's date)");
    assert.equal(dialogs.count, 0, 'no script ran');
  }, { timeoutMs: 90_000 });
}

test('bad input: a failed file can be retried, dismissed, and stays listed across a reload until dismissed', async ({ page, url }) => {
  const good = readFileSync(fixtureImage('green-leaf.jpg'));
  await openApp(page, url);
  await ui(page).fileInput.setInputFiles([
    { name: 'cut-off.jpg', mimeType: 'image/jpeg', buffer: good.subarray(0, Math.floor(good.length * 0.4)) },
    { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo\n') },
    { name: 'green-leaf.jpg', mimeType: 'image/jpeg', buffer: good },
  ]);
  await expectText(ui(page).status, /^\s*Indexed 3 of 3\b/, 30_000);
  await expectCount(page, 1);
  await waitMessage(page, /^cut-off\.jpg: could not be decoded/);
  await waitMessage(page, /^notes\.jpg: not a photo or video/);

  // Persisted: the failed files are still listed after a reload, with their buttons.
  await page.reload();
  await expectCount(page, 1);
  await waitMessage(page, /^cut-off\.jpg: could not be decoded/);
  await waitMessage(page, /^notes\.jpg: not a photo or video/);

  // Retry runs the file again from its stored bytes: the same outcome, still one message.
  await waitModelReady(page);
  await closeSettings(page);
  await page.getByRole('button', { name: 'Retry notes.jpg', exact: true }).click();
  await expectText(ui(page).status, /Retrying notes\.jpg|Indexed 1 of 1/);
  await waitMessage(page, /^notes\.jpg: not a photo or video/);
  assert.equal((await messageTexts(page)).filter((m) => m.startsWith('notes.jpg:')).length, 1, 'one message for notes.jpg after the retry');

  // Dismiss removes it from the list and for good: a reload does not bring it back.
  await page.getByRole('button', { name: 'Dismiss notes.jpg', exact: true }).click();
  await page.getByRole('button', { name: 'Dismiss notes.jpg', exact: true }).waitFor({ state: 'detached' });
  await page.reload();
  await waitMessage(page, /^cut-off\.jpg: could not be decoded/);
  assert.equal((await messageTexts(page)).filter((m) => m.startsWith('notes.jpg:')).length, 0, 'notes.jpg stays dismissed');

  // Dismiss all clears the list; nothing comes back after a reload; the library is untouched.
  await page.getByRole('button', { name: 'Dismiss all' }).click();
  await ui(page).messages.waitFor({ state: 'detached' });
  await page.reload();
  await expectCount(page, 1);
  await ui(page).searchbox.waitFor();
  await page.waitForTimeout(500);
  assert.equal(await ui(page).messages.count(), 0, 'no messages after Dismiss all and a reload');
  const jobs = await storeCounts(page);
  assert.equal(jobs.jobs.failed ?? 0, 0, 'no failed job records left');
}, { timeoutMs: 90_000 });

test('bad input: Retry runs the file again from its stored bytes, or asks for it again when they are gone', async ({ page, url }) => {
  await openApp(page, url);
  const good = readFileSync(fixtureImage('red-square.png'));
  await ui(page).fileInput.setInputFiles([
    { name: 'broken.png', mimeType: 'image/png', buffer: good.subarray(0, 300) },
    { name: 'lost.png', mimeType: 'image/png', buffer: readFileSync(fixtureImage('blue-ocean.png')).subarray(0, 300) },
  ]);
  await waitMessage(page, /^broken\.png: could not be decoded/, 30_000);
  await waitMessage(page, /^lost\.png: could not be decoded/, 30_000);
  await expectCount(page, 0);
  // Retry reads what is stored for the job, so what it stores shows it ran again: the stored
  // bytes of broken.png are replaced by the whole photo, those of lost.png are deleted.
  await page.evaluate(async (bytes) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('originals');
    const files = [];
    for await (const [name, handle] of dir.entries()) files.push({ name, size: (await handle.getFile()).size, handle });
    for (const f of files) {
      const head = new Uint8Array(await (await f.handle.getFile()).slice(0, 300).arrayBuffer());
      if (head.every((b, i) => b === bytes[i])) {
        const w = await f.handle.createWritable();
        await w.write(new Uint8Array(bytes));
        await w.close();
      } else {
        await dir.removeEntry(f.name);
      }
    }
  }, [...good]);
  await page.getByRole('button', { name: 'Retry broken.png', exact: true }).click();
  await expectCount(page, 1, 30_000);
  await page.getByRole('button', { name: 'Retry broken.png', exact: true }).waitFor({ state: 'detached' });
  assert.equal((await messageTexts(page)).filter((m) => m.startsWith('broken.png:')).length, 0, 'the stale failure is gone');

  await page.getByRole('button', { name: 'Retry lost.png', exact: true }).click();
  await waitMessage(page, /^lost\.png: .*drop the file again/);
  await expectCount(page, 1);
}, { timeoutMs: 60_000 });

test('bad input: a 160-megapixel JPEG with its frame header 320 KB in is refused, naming its size; the rest of the drop is stored', async ({ page, url, log }) => {
  const madeStartMs = Date.now();
  const padded = padBeforeFrameHeader(flatGreyJpeg(16000, 10000), 320 * 1024);
  log(`160 MP JPEG made in ${Date.now() - madeStartMs} ms: ${padded.length} bytes with its padding`);
  assert.ok(padded.indexOf(Buffer.from([0xff, 0xc0])) > 320 * 1024, 'the frame header lies past the first 320 KiB');
  const goodPadded = padBeforeFrameHeader(readFileSync(fixtureImage('blue-sky.jpg')), 320 * 1024);
  // Its size is not readable: the last padding segment claims more bytes than the file has.
  const cut = padded.subarray(0, 200 * 1024);

  await openApp(page, url);
  // The same writer's output is a photo this browser decodes: the giant would be decoded if let through.
  const decoded = await page.evaluate(async (bytes) => {
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }));
    const ctx = new OffscreenCanvas(1, 1).getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    return { width: bitmap.width, height: bitmap.height, grey: [...ctx.getImageData(0, 0, 1, 1).data] };
  }, [...flatGreyJpeg(640, 480)]);
  assert.deepEqual(decoded, { width: 640, height: 480, grey: [128, 128, 128, 255] });

  const droppedMs = Date.now();
  await ui(page).fileInput.setInputFiles([
    { name: 'giant-16000x10000.jpg', mimeType: 'image/jpeg', buffer: padded },
    { name: 'cut-in-its-metadata.jpg', mimeType: 'image/jpeg', buffer: cut },
    { name: 'blue-sky-padded.jpg', mimeType: 'image/jpeg', buffer: goodPadded },
    goodPayload('red-ball.jpg'),
  ]);
  await waitMessage(page, /^giant-16000x10000\.jpg: /, 30_000);
  log(`refused ${Date.now() - droppedMs} ms after the drop`);
  await expectText(ui(page).status, /^\s*Indexed 4 of 4\b/, 30_000);
  await expectCount(page, 2);
  const msgs = await messageTexts(page);
  assert.deepEqual(msgs.filter((m) => m.startsWith('giant-')), [
    'giant-16000x10000.jpg: the photo is too large to open: 16000 × 10000 px is 160 megapixels (up to 150 megapixels can be added)',
  ]);
  assert.deepEqual(msgs.filter((m) => m.startsWith('cut-')), [
    'cut-in-its-metadata.jpg: could not be decoded: a JPEG segment runs past the end of the file, so its pixel size is unknown',
  ]);
  assert.deepEqual(msgs.filter((m) => m.startsWith('blue-sky') || m.startsWith('red-ball')), [], 'the good photos are added without a message');
  await expectText(ui(page).library, 'blue-sky-padded.jpg');
  await expectText(ui(page).library, 'red-ball.jpg');
  const counts = await storeCounts(page);
  assert.equal(counts.assets, 2, `assets: ${JSON.stringify(counts)}`);
  assert.equal(counts.jobs.failed, 2, 'both refused files are listed as failed');
}, { timeoutMs: 60_000 });
