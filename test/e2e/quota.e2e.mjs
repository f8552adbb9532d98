// End-to-end tests of a full disk. Staging the dropped files (OPFS) meets the browser's real
// quota, lowered through the DevTools protocol (Storage.overrideQuotaForOrigin). That override
// does not reach IndexedDB in this Chromium (measured: puts still succeed), so for the indexing
// writes the test itself makes every IndexedDB put/add in the ingest worker throw the browser's
// QuotaExceededError from a chosen moment, through the page's worker handle — nothing in the app.
import assert from 'node:assert/strict';
import { distinctPhotos } from './photos.mjs';
import { expectText, test } from './harness.mjs';
import { closeSettings, expectCount, ingestWorker, openApp, storeCounts, ui, waitMessage, waitModelReady } from './app-helpers.mjs';

const FILES = 120;

const usageBytes = (page) => page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);

/**
 * The usage once the service worker has precached the app (tens of megabytes written in the
 * background of a first visit) and nothing else is writing: two readings 500 ms apart agree.
 */
async function settledUsageBytes(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  let last = await usageBytes(page);
  for (let i = 0; i < 60; i++) {
    await page.waitForTimeout(500);
    const now = await usageBytes(page);
    if (now === last) return now;
    last = now;
  }
  throw new Error(`storage usage never settled (last ${last} bytes)`);
}

/** `waiting`: assets taken in whose vectors the page says are still to come. */
function assertConsistent(counts, what, waiting = 0) {
  assert.equal(counts.withoutVector.length, waiting, `${what}: every asset has a vector but the ${waiting} not yet searchable (${counts.withoutVector.join(', ')})`);
  assert.deepEqual(counts.withoutThumbnail, [], `${what}: every asset has a thumbnail`);
  assert.deepEqual(counts.withoutOriginal, [], `${what}: every asset has its original file`);
  assert.equal(counts.vectorsWithoutAsset, 0, `${what}: no vector without an asset`);
  assert.equal(counts.distinctSha256, counts.assets, `${what}: no file stored twice`);
}

/**
 * Makes every IndexedDB write of the ingest worker fail as on a full disk while `self.__disk.full`.
 * `fillAt(queued, vectors)` fills it by itself once, right after the write that makes both true: `queued`
 * files were copied in (their jobs queued) and `vectors` vectors stored. Decided inside the worker,
 * so the moment does not depend on how fast copying in runs against indexing on this machine: the
 * last file's item cannot be stored before its job is queued, so some files are always left.
 */
const FULL_DISK = `(() => {
  if (self.__disk) return;
  const disk = (self.__disk = { full: false, refused: 0, at: null, queued: 0, vectors: 0 });
  self.__fillAt = (queued, vectors) => (disk.at = { queued, vectors });
  for (const m of ['put', 'add']) {
    const write = IDBObjectStore.prototype[m];
    IDBObjectStore.prototype[m] = function (...args) {
      if (disk.full) {
        disk.refused++;
        throw new DOMException('The operation failed because it would cause the application to exceed its storage quota.', 'QuotaExceededError');
      }
      const request = write.apply(this, args);
      if (this.name === 'jobs' && args[0]?.status === 'queued') disk.queued++;
      if (this.name === 'embeddings') disk.vectors++;
      if (disk.at && disk.queued >= disk.at.queued && disk.vectors >= disk.at.vectors) {
        disk.full = true;
        disk.at = null;
      }
      return request;
    };
  }
})()`;

test('quota: the disk fills up while indexing: the import stops cleanly, what is stored stays whole, the rest stays queued and finishes on resume', async ({ page, url, log }) => {
  const photos = await distinctPhotos(FILES);
  await openApp(page, url);
  // With the model loaded, taking in runs at most a batch ahead of indexing (while it loads, files
  // are taken in at full speed and indexed later): the disk fills with files still to take in.
  await waitModelReady(page);
  await closeSettings(page);
  const worker = await ingestWorker(page);
  await worker.evaluate(FULL_DISK);

  // Every file copied in first and indexing under way: this test fills the disk while indexing, not while adding.
  await worker.evaluate((files) => self.__fillAt(files, 8), FILES);
  await ui(page).fileInput.setInputFiles(photos);

  const texts = await waitMessage(page, /^Shoebox: Storage is full — .* \d+ files? not imported yet/, 60_000);
  const notice = texts.find((t) => t.includes('Storage is full'));
  const notImported = Number(/(\d+) files? not imported yet/.exec(notice)[1]);
  await page.getByRole('button', { name: 'Resume import' }).waitFor();
  const stopped = await storeCounts(page);
  const disk = await worker.evaluate(() => ({ ...self.__disk }));
  log(`disk full after ${disk.queued} files queued and ${disk.vectors} vectors stored; stopped: ${JSON.stringify({ ...stopped, assetIdsSorted: undefined })}; refused writes: ${disk.refused}; message: ${notice}`);
  assert.ok(disk.full, 'the disk filled up');
  assert.ok(stopped.assets < FILES, `the import stopped before the end (${stopped.assets} stored)`);
  assert.equal(notImported, FILES - stopped.assets, 'the message counts exactly the files not imported');
  assert.equal((stopped.jobs.queued ?? 0) + (stopped.jobs.processing ?? 0), notImported, `the rest stays queued: ${JSON.stringify(stopped.jobs)}`);
  assert.equal(stopped.jobs.failed ?? 0, 0, 'no file was marked failed because the disk was full');
  // Items taken in when the disk filled may still lack their vectors: the page counts them as not yet searchable.
  const waiting = stopped.withoutVector.length;
  if (waiting) await expectText(page.getByTestId('not-searchable'), `${waiting} item${waiting === 1 ? '' : 's'} not yet searchable — indexing paused`);
  assertConsistent(stopped, 'after the stop', waiting);
  await expectCount(page, stopped.assets);

  // Space is freed: Resume finishes the rest, nothing stored is lost.
  await worker.evaluate(() => (self.__disk.full = false));
  await page.getByRole('button', { name: 'Resume import' }).click();
  await expectCount(page, FILES, 90_000);
  await expectText(ui(page).status, /^\s*Indexed (\d+) of \1\b/, 30_000);
  const done = await storeCounts(page);
  assertConsistent(done, 'after resuming');
  assert.deepEqual(done.jobs, { stored: FILES }, 'every job ended stored');
  for (const id of stopped.assetIdsSorted) assert.ok(done.assetIdsSorted.includes(id), 'nothing stored before the stop was lost');
}, { timeoutMs: 180_000 });

test('quota: a drop larger than the space left: the files that fit are queued, the rest are named and counted', async ({ page, context, url, log }) => {
  // Files of a few hundred kilobytes, so the room left for ten of them is far larger than the
  // browser's own small writes (job records, metadata) that happen meanwhile.
  const photos = (await distinctPhotos(30, { width: 480, height: 360, grain: 96 })).map((p) => ({ ...p, name: p.name.replace('shot', 'drop') }));
  await openApp(page, url);
  // The model is downloaded (and cached) before the disk is made nearly full: this is about the photos.
  await waitModelReady(page);
  await closeSettings(page);
  const origin = new URL(url).origin;
  const cdp = await context.newCDPSession(page);
  const usage = await settledUsageBytes(page);
  const fitBytes = photos.slice(0, 10).reduce((n, p) => n + p.buffer.length, 0);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + fitBytes });
  try {
    await ui(page).fileInput.setInputFiles(photos);
    const texts = await waitMessage(page, /^Shoebox: Storage is full — .* \d+ files? not imported yet/, 30_000);
    const notice = texts.find((t) => t.includes('Storage is full'));
    const refused = texts.filter((t) => /^drop-\d+\.jpg: not added: your browser storage is full/.test(t)).map((t) => t.split(':')[0]);
    const staged = await storeCounts(page);
    log(`quota ${usage} + ${fitBytes} bytes (files ${photos[0].buffer.length}–${Math.max(...photos.map((p) => p.buffer.length))} bytes): ${refused.length} refused, jobs ${JSON.stringify(staged.jobs)}; ${notice}`);
    assert.ok(refused.length > 0 && refused.length < photos.length, `some files fit, some did not (${refused.length} refused)`);
    assert.equal(Number(/(\d+) files? not imported yet/.exec(notice)[1]), photos.length - staged.assets, 'the message counts every file not imported');
    assert.equal(staged.jobs.failed ?? 0, 0, 'no job marked failed');

    // Space is freed: Resume indexes the staged files; the refused ones are dropped again.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await page.getByRole('button', { name: 'Resume import' }).click();
    await expectCount(page, photos.length - refused.length, 60_000);
    await ui(page).fileInput.setInputFiles(photos.filter((p) => refused.includes(p.name)));
    await expectCount(page, photos.length, 60_000);
    // The grid shows an item as soon as it is taken in; its vector comes when it is indexed.
    await expectText(ui(page).status, /^\s*Indexed (\d+) of \1\b/, 60_000);
    await expectText(page.getByTestId('not-searchable'), /^\s*$/, 30_000);
    const done = await storeCounts(page);
    assertConsistent(done, 'after dropping the refused files again');
    assert.deepEqual(done.jobs, { stored: photos.length });
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin }).catch(() => undefined);
  }
}, { timeoutMs: 120_000 });
