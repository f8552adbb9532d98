// End-to-end test of an import interrupted by a reload: the queue is persistent, so the next
// visit carries on by itself and ends with every file stored exactly once, each with its vector.
import assert from 'node:assert/strict';
import { distinctPhotos as makePhotos } from './photos.mjs';
import { expectText, test } from './harness.mjs';
import { closeSettings, expectCount, ingestWorker, messageTexts, openApp, storeCounts, ui, waitMessage, waitModelReady } from './app-helpers.mjs';

/**
 * Files in the drop: enough for many batches on either side of the reload. The share indexed by the
 * time every file is taken in depends on the two rates, not on the count, so a smaller drop is cut
 * mid-way as surely.
 */
const FILES = 100;

/** Seeded 4×4 grids of colours, 96×72 px: every file has different bytes. */
const distinctPhotos = (n) => makePhotos(n, { seed: 12345, prefix: 'photo' });

test('resume: a reload in the middle of a 100-file import carries on by itself; 100 stored, no duplicates, every one with a vector', async ({ page, url, log }) => {
  const photos = await distinctPhotos(FILES);
  await openApp(page, url);
  // The model first: while it loads, taking files in runs on alone and may take in every file before
  // the first is indexed, and a reload would then leave items to index but no file to resume.
  await waitModelReady(page);
  await closeSettings(page);
  // And taking a file in takes at least 30 ms (its thumbnail's encode), so indexing keeps up with it
  // however busy the machine is: at the reload most files are still queued.
  await (await ingestWorker(page)).evaluate(() => {
    const encode = OffscreenCanvas.prototype.convertToBlob;
    OffscreenCanvas.prototype.convertToBlob = async function (...args) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return encode.apply(this, args);
    };
  });
  await ui(page).fileInput.setInputFiles(photos);

  // Reload as soon as some, not all, are indexed, once every file is taken in (until then the
  // status asks to keep the tab open: files not yet copied in cannot survive a reload).
  let doneAtReload = -1;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const status = (await ui(page).status.textContent()) ?? '';
    const m = /Indexed (\d+) of (\d+)/.exec(status);
    if (m && Number(m[2]) === FILES && Number(m[1]) >= 10 && !/adding files/.test(status)) {
      doneAtReload = Number(m[1]);
      break;
    }
    await page.waitForTimeout(20);
  }
  assert.ok(doneAtReload >= 10, 'the import started');
  await page.reload();

  // The first thing the next visit says: how much is left, which proves the reload came mid-way.
  const resumed = await waitMessage(page, /^Shoebox: Resuming an unfinished import: \d+ files? left$/, 30_000);
  const left = Number(/(\d+) files? left/.exec(resumed.find((t) => t.includes('Resuming')))[1]);
  log(`reloaded at "Indexed ${doneAtReload} of ${FILES}"; ${left} left after the reload`);
  assert.ok(left > 0 && left < FILES, `some files were left for after the reload (${left})`);

  await expectCount(page, FILES, 90_000);
  await expectText(ui(page).status, new RegExp(`^\\s*Indexed ${left} of ${left}\\b`), 30_000);
  // "Indexed N of N" counts the files the resumed drop took in; items stored before the reload but
  // not indexed then are indexed from their originals by the index queue, possibly after the last
  // of those: the page counts them as not yet searchable until they are.
  await expectText(page.getByTestId('not-searchable'), /^\s*$/, 30_000);
  const counts = await storeCounts(page);
  assert.equal(counts.assets, FILES, JSON.stringify({ ...counts, assetIdsSorted: undefined }));
  assert.equal(counts.distinctSha256, FILES, 'no file stored twice');
  assert.deepEqual(counts.withoutVector, [], 'every asset has a vector');
  assert.deepEqual(counts.withoutThumbnail, [], 'every asset has a thumbnail');
  assert.deepEqual(counts.withoutOriginal, [], 'every asset has its original file');
  assert.deepEqual(counts.jobs, { stored: FILES }, 'every job ended stored');
  const msgs = await messageTexts(page);
  assert.deepEqual(msgs.filter((m) => /^photo-\d+\.jpg: /.test(m) && !/near-duplicate/.test(m)), [], 'no file failed or was reported twice');
}, { timeoutMs: 180_000 });

test('import: a large drop is indexed while it is still being taken in, and the status asks to keep the tab open until every file is in', async ({ page, url, log }) => {
  const photos = await distinctPhotos(FILES);
  await openApp(page, url);
  // The model first: indexing cannot start before it is loaded, whatever the queue does.
  await waitModelReady(page);
  await closeSettings(page);
  // Files copied from a slow card: each copy into the library takes at least 80 ms (8 s for the
  // drop), so taking in and indexing have the time to run alongside however busy the machine is.
  await (await ingestWorker(page)).evaluate(() => {
    const close = FileSystemWritableFileStream.prototype.close;
    FileSystemWritableFileStream.prototype.close = async function () {
      await new Promise((resolve) => setTimeout(resolve, 80));
      return close.call(this);
    };
  });
  await page.evaluate(() => {
    const status = document.querySelector('[role="status"]');
    window.__statusTexts = [];
    new MutationObserver(() => window.__statusTexts.push((status.textContent ?? '').trim())).observe(status, { subtree: true, childList: true, characterData: true });
  });
  await ui(page).fileInput.setInputFiles(photos);
  await expectText(ui(page).status, new RegExp(`^\\s*Indexed ${FILES} of ${FILES}\\b`), 90_000);
  const texts = await page.evaluate(() => window.__statusTexts);
  const adding = texts.map((t) => /^Indexed (\d+) of (\d+)\b.* adding files (\d+) of (\d+), keep this tab open$/.exec(t)).filter(Boolean);
  const early = adding.find((m) => Number(m[1]) > 0);
  log(`${texts.length} status texts; ${adding.length} while adding; first indexed while adding: ${early?.[0]}`);
  assert.ok(adding.length > 0, `the status said files were being added: ${JSON.stringify(texts.slice(0, 5))}`);
  for (const m of adding) {
    assert.equal(Number(m[2]), FILES, 'the total is the whole drop from the start');
    assert.equal(Number(m[4]), FILES);
    assert.ok(Number(m[3]) < FILES, 'adding is shown only until the last file is in');
  }
  assert.ok(early, `photos were indexed before the last file was taken in: ${JSON.stringify(adding.map((m) => m[0]).slice(-3))}`);
  assert.doesNotMatch(await ui(page).status.textContent(), /adding files/, 'the final status no longer asks to keep the tab open');
  await expectCount(page, FILES);
  const counts = await storeCounts(page);
  assert.deepEqual(counts.jobs, { stored: FILES }, 'every job ended stored');
  assert.equal(counts.distinctSha256, FILES, 'no file stored twice');
}, { timeoutMs: 120_000 });
