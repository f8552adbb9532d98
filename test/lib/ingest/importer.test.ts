import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { FakeBroadcast, FakeEmbedder, FakeLocks, failingWrites, jobStatuses, openTab, pngFile, statusCounts, textFile, type FakeTab, type PageEvents } from '../../helpers/ingest-fakes';
import type { Db } from '../../../src/lib/db/db';
import { getDrop, listAssets, putDrop, putJobs } from '../../../src/lib/db/repo';
import type { JobRecord, JobStatus } from '../../../src/lib/db/schema';
import { libraryStorage } from '../../../src/lib/ingest/library-storage';
import { dropLock } from '../../../src/lib/ingest/drop-staging';
import { deferred } from '../../../src/lib/core/concurrency';
import { BATCH_SIZE } from '../../../src/lib/ingest/index-stage';

const dbs = libraryDbs('ingest');
const disk = failingWrites();
const shared = () => ({ locks: new FakeLocks(), broadcast: new FakeBroadcast() });

/** Files a previous session copied in and left in the queue (`status`), as a closed tab leaves them. */
async function leftInQueue(db: Db, files: File[], status: JobStatus = 'queued', claimedBy?: string): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  const before = await db.count('jobs');
  for (const [k, file] of files.entries()) {
    const i = before + k;
    const id = `job-${String(i).padStart(3, '0')}`;
    const blobLocation = await libraryStorage(db).originals.put(id, file);
    jobs.push({ id, name: file.name, mime: file.type, sizeBytes: file.size, status, batchId: 'earlier-drop', createdAt: 1000 + i, updatedAt: 1000 + i, blobLocation, ...(claimedBy ? { claimedBy } : {}) });
  }
  await putJobs(db, jobs);
  return jobs;
}

const photos = (n: number, prefix = 'photo') => Array.from({ length: n }, (_, i) => pngFile(`${prefix}-${String(i).padStart(2, '0')}.png`));

/** Resolves once the page has been told about `n` distinct stored items. */
async function untilStored(page: PageEvents, n: number): Promise<void> {
  while (new Set(page.ofType('stored').flatMap((e) => e.ids)).size < n) await page.next('stored');
}

async function expectWholeLibrary(db: Db, count: number): Promise<void> {
  const assets = await listAssets(db);
  expect(assets).toHaveLength(count);
  expect(new Set(assets.map((a) => a.sha256)).size).toBe(count);
  for (const a of assets) {
    expect(await db.get('embeddings', a.id), `vector of ${a.name}`).toBeDefined();
    expect(await db.get('thumbnails', a.id), `thumbnail of ${a.name}`).toBeDefined();
    expect(await libraryStorage(db).originals.get(a.id, a.blobLocation), `original of ${a.name}`).toBeDefined();
  }
}

/** The run stopped and said why; every file is back in the queue (none left processing) and counted. */
async function expectStoppedWithAllQueued(tab: FakeTab, db: Db, reason: string, count: number): Promise<void> {
  expect(tab.page.ofType('paused')).toEqual([{ type: 'paused', reason, notImported: count }]);
  expect(await statusCounts(db)).toEqual({ queued: count });
}

/** Resume stores every file of the queue. */
async function resumeToTheEnd(tab: FakeTab, db: Db, count: number): Promise<void> {
  await tab.importer.resume();
  await tab.importer.whenIdle();
  expect(await statusCounts(db)).toEqual({ stored: count });
  await expectWholeLibrary(db, count);
}

describe('importer: a drop in one tab', () => {
  it('copies every file in, embeds it in batches and stores it whole; progress ends in idle', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, shared());
    const idle = tab.page.next('idle');
    const { queued, rejected } = await tab.importer.enqueue(photos(11).map((file) => ({ file })));
    await tab.importer.whenIdle();
    await idle;
    expect({ queued, rejected }).toEqual({ queued: 11, rejected: [] });
    await expectWholeLibrary(db, 11);
    expect(await statusCounts(db)).toEqual({ stored: 11 });
    expect(tab.embedder.images).toBe(11);
    const last = tab.page.ofType('progress').at(-1)!;
    expect([last.done, last.total, last.stored]).toEqual([11, 11, 11]);
  });
});

describe('importer: resume after a failure', () => {
  it('jobs a closed tab left processing go back to the queue and are finished by the next writer', async () => {
    const db = await dbs.open();
    await leftInQueue(db, photos(5, 'claimed'), 'processing', 'closed-tab');
    await leftInQueue(db, [pngFile('waiting.png')]);
    const tab = await openTab(db, shared());
    expect(tab.page.ofType('resumed')).toEqual([{ type: 'resumed', left: 6 }]);
    await tab.importer.whenIdle();
    expect(await statusCounts(db)).toEqual({ stored: 6 });
    await expectWholeLibrary(db, 6);
  });

  it('a failed forward pass pauses indexing with the reason; the items stay in the library, and resume indexes them all', async () => {
    const db = await dbs.open();
    await leftInQueue(db, photos(12));
    const embedder = new FakeEmbedder();
    embedder.gate = async () => {
      embedder.gate = null;
      throw new Error('the model crashed');
    };
    const tab = await openTab(db, shared(), { embedder });
    await tab.importer.whenIdle();
    expect(tab.page.ofType('paused').map((e) => e.reason)).toEqual(['Indexing paused: the model crashed']);
    // Taken in whole: browsable, not yet searchable.
    expect(await statusCounts(db)).toEqual({ stored: 12 });
    expect(await db.count('assets')).toBe(12);
    expect(await db.count('embeddings')).toBe(0);
    await resumeToTheEnd(tab, db, 12);
  });
});

describe('importer: in-flight cleanup', () => {
  it('storing a batch fails while the next one is prepared: the run stops, no job stays in flight, resume stores both batches', async () => {
    const db = await dbs.open();
    await leftInQueue(db, photos(12));
    disk.error = () => new DOMException('the disk could not be written', 'UnknownError');
    disk.failing = (store) => store === 'assets';
    const tab = await openTab(db, shared());
    await tab.importer.whenIdle();
    await expectStoppedWithAllQueued(tab, db, 'Import paused: the disk could not be written', 12);
    expect(await listAssets(db)).toEqual([]);

    disk.failing = null;
    await resumeToTheEnd(tab, db, 12);
  });
});

describe('importer: a duplicate inside one batch', () => {
  it('the same file twice in one drop: one stored, the other a duplicate naming it; the stored original stays', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, shared());
    const original = pngFile('beach.png', 'same bytes');
    const copy = pngFile('beach copy.png', 'same bytes');
    await tab.importer.enqueue([original, pngFile('forest.png'), copy].map((file) => ({ file })));
    await tab.importer.whenIdle();
    expect(await jobStatuses(db)).toEqual({ 'beach copy.png': 'duplicate', 'beach.png': 'stored', 'forest.png': 'stored' });
    const jobs: JobRecord[] = await db.getAll('jobs');
    const stored = jobs.find((j) => j.name === 'beach.png')!;
    const duplicate = jobs.find((j) => j.name === 'beach copy.png')!;
    expect(duplicate).toMatchObject({ assetId: stored.id, message: 'the same file is already being added in this import' });
    const originals = libraryStorage(db).originals;
    expect(await originals.get(duplicate.id, duplicate.blobLocation), "the duplicate's own copy is removed").toBeUndefined();
    await expectWholeLibrary(db, 2);

    // Dropped again later: found in the library, and still only the repeat's copy goes.
    await tab.importer.enqueue([{ file: pngFile('beach again.png', 'same bytes') }]);
    await tab.importer.whenIdle();
    const again = ((await db.getAll('jobs')) as JobRecord[]).find((j) => j.name === 'beach again.png')!;
    expect(again).toMatchObject({ status: 'duplicate', assetId: stored.id, message: 'already in your library as "beach.png"' });
    await expectWholeLibrary(db, 2);
  });
});

describe('importer: a full disk', () => {
  it('the disk fills up while the next batch is prepared: the run stops with the count, nothing stays in flight or is marked failed, resume finishes every file', async () => {
    const db = await dbs.open();
    const b = BATCH_SIZE;
    // Batch 2 holds a file that fails: writing its failure is the write the full disk refuses.
    await leftInQueue(db, [...photos(b + 1), textFile('notes.jpg'), ...photos(2, 'late')]);
    const embedder = new FakeEmbedder();
    embedder.gate = async () => {
      embedder.gate = null;
      // Batch 1 is in the model; the disk is full until batch 2's preparation has met it.
      disk.failing = () => true;
      await disk.refused.promise;
      disk.failing = null;
    };
    const tab = await openTab(db, shared(), { embedder });
    await tab.importer.whenIdle();
    const paused = tab.page.ofType('paused');
    expect(paused).toHaveLength(1);
    const { reason, notImported } = paused[0];
    expect(reason).toMatch(/^Storage is full — free up space or export your library, then resume\. 4 files not imported yet;/);
    expect(notImported).toBe(4);
    expect(await statusCounts(db)).toEqual({ stored: b, queued: 4 });
    await expectWholeLibrary(db, b);

    await tab.importer.resume();
    await tab.importer.whenIdle();
    expect(await statusCounts(db)).toEqual({ stored: b + 3, failed: 1 });
    expect(((await db.getAll('jobs')) as JobRecord[]).find((j) => j.name === 'notes.jpg')?.message).toMatch(/./);
    await expectWholeLibrary(db, b + 3);
  });
});

describe('importer: resumed while a batch is still in the model', () => {
  it('a failure of the batch before it, from while the disk was full, does not stop indexing again: every item gets its vector', async () => {
    const db = await dbs.open();
    const b = BATCH_SIZE;
    await leftInQueue(db, photos(3 * b));
    const inModel = [deferred(), deferred()];
    const released = [deferred(), deferred()];
    let calls = 0;
    const embedder = new FakeEmbedder();
    embedder.gate = async () => {
      const k = calls++;
      if (k > 1) return;
      inModel[k].resolve();
      await released[k].promise;
    };
    const vectorRefused = deferred();
    const tab = await openTab(db, shared(), { embedder });
    // Batches 1 and 2 are in the model; the disk fills: batch 3 cannot be taken in, and the import stops.
    await inModel[1].promise;
    disk.failing = (store) => {
      if (store === 'embeddings') vectorRefused.resolve();
      return store === 'assets' || store === 'embeddings';
    };
    const paused = await tab.page.next('paused');
    expect(paused.notImported).toBe(b);
    // Batch 1 comes out of the model and its vectors are refused; the run waits for batch 2.
    released[0].resolve();
    await vectorRefused.promise;
    // Space is freed and the user resumes before batch 2 is out of the model.
    disk.failing = null;
    await tab.importer.resume();
    released[1].resolve();
    await tab.importer.whenIdle();
    expect(tab.page.ofType('paused')).toHaveLength(1);
    expect(await statusCounts(db)).toEqual({ stored: 3 * b });
    await expectWholeLibrary(db, 3 * b);
  });
});

describe('importer: several tabs', () => {
  it('a follower copies its files in and hands them to the writer, which stores them; the follower shows the writer’s events', async () => {
    const name = dbs.uniqueName();
    const tabs = shared();
    const writer = await openTab(await dbs.open(name), tabs, { tabId: 'writer-tab' });
    const follower = await openTab(await dbs.open(name), tabs, { tabId: 'follower-tab' });
    expect(writer.page.ofType('role').at(-1)).toEqual({ type: 'role', writer: true, tookOver: false });
    expect(follower.page.ofType('role')).toEqual([{ type: 'role', writer: false }]);

    const { queued } = await follower.importer.enqueue(photos(10).map((file) => ({ file })));
    expect(queued).toBe(10);
    await untilStored(follower.page, 10);
    await writer.importer.whenIdle();
    const db = await dbs.open(name);
    expect(await statusCounts(db)).toEqual({ stored: 10 });
    expect(new Set(((await db.getAll('jobs')) as JobRecord[]).map((j) => j.claimedBy))).toEqual(new Set(['writer-tab']));
    expect([writer.embedder.images, follower.embedder.images]).toEqual([10, 0]);
    await expectWholeLibrary(db, 10);
  });

  it('when the writer closes, the follower takes over and finishes what it left', async () => {
    const name = dbs.uniqueName();
    const tabs = shared();
    const db = await dbs.open(name);
    const writer = await openTab(db, tabs, { tabId: 'writer-tab' });
    const follower = await openTab(await dbs.open(name), tabs, { tabId: 'follower-tab' });
    // The writer stops in its first forward pass and closes: what it took in has no vectors yet.
    const n = BATCH_SIZE + 1;
    // Take-in runs one batch ahead of indexing, so all of a batch and one more are taken in before
    // the tab closes: a closed tab writes nothing more, and its lock is free only once it is gone.
    const closing = deferred();
    writer.embedder.gate = async () => {
      await vi.waitFor(async () => expect(await db.count('assets')).toBe(n), { timeout: 5_000 });
      closing.resolve();
      return new Promise(() => undefined);
    };
    const tookOver = follower.page.next('role');
    await writer.importer.enqueue(photos(n).map((file) => ({ file })));
    await closing.promise;
    writer.importer.tabs.close();
    // It waited for the lock: the page is told to catch up with what the closed writer stored.
    expect(await tookOver).toEqual({ type: 'role', writer: true, tookOver: true });
    await vi.waitFor(async () => expect(await db.count('embeddings')).toBe(n), { timeout: 10_000 });
    await follower.importer.whenIdle();
    expect(await statusCounts(db)).toEqual({ stored: n });
    expect(writer.embedder.images).toBe(0);
    await expectWholeLibrary(db, n);
  });
});

describe('importer: an interrupted drop', () => {
  it('on start, partial copies are discarded and the missing files listed; adding them again completes the drop; a drop another tab is copying is left alone', async () => {
    const db = await dbs.open();
    const storage = libraryStorage(db);
    const files = [pngFile('a.png'), pngFile('b.png'), pngFile('c.png')];
    const entries = files.map((f) => ({ name: f.name, path: f.name, sizeBytes: f.size, lastModifiedMs: f.lastModified }));
    await putDrop(db, { id: 'cut-off', createdAtMs: 5, entries });
    await putDrop(db, { id: 'still-copying', createdAtMs: 6, entries: [entries[2]] });
    const job = (id: string, entryIndex: number, status: JobStatus, batchId = 'cut-off'): JobRecord => ({
      id, name: files[entryIndex].name, mime: 'image/png', sizeBytes: files[entryIndex].size, status, batchId, entryIndex, createdAt: entryIndex, updatedAt: entryIndex, blobLocation: 'idb',
    });
    // a.png was being written when the tab closed; b.png made it in.
    await storage.originals.put('partial-a', files[0].slice(0, 10));
    await storage.originals.put('queued-b', files[1]);
    await storage.originals.put('other-tab-c', files[2].slice(0, 10));
    await putJobs(db, [job('partial-a', 0, 'staging'), job('queued-b', 1, 'queued'), job('other-tab-c', 0, 'staging', 'still-copying')]);
    const tabs = shared();
    const otherTab = deferred();
    void tabs.locks.request(dropLock('still-copying'), {}, () => otherTab.promise);

    const tab = await openTab(db, tabs);
    const interrupted = tab.page.ofType('interrupted');
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0].drops.map((d) => ({ id: d.id, missing: d.missing.map((e) => e.name) }))).toEqual([{ id: 'cut-off', missing: ['a.png', 'c.png'] }]);
    expect(await db.get('jobs', 'partial-a'), 'the partial copy’s job is gone').toBeUndefined();
    expect(await storage.originals.get('partial-a', 'idb'), 'the partial copy’s bytes are gone').toBeUndefined();
    expect((await db.get('jobs', 'other-tab-c'))?.status, 'the other tab’s copy is untouched').toBe('staging');
    expect(await storage.originals.get('other-tab-c', 'idb')).toBeDefined();

    await tab.importer.whenIdle();
    // Only a.png picked again: c.png is still missing, named as such, and the manifest stays for it.
    expect(await addMissingNow(tab.importer, [files[0]])).toEqual({ added: 1, missing: [entries[2]] });
    expect(await getDrop(db, 'cut-off'), 'the manifest stays while a file is missing').toBeDefined();
    expect(await addMissingNow(tab.importer, files)).toEqual({ added: 1, missing: [] });
    await tab.importer.whenIdle();
    expect(await jobStatuses(db)).toMatchObject({ 'a.png': 'stored', 'b.png': 'stored', 'c.png': 'stored' });
    expect(await getDrop(db, 'cut-off'), 'the completed drop’s manifest is removed').toBeUndefined();
    await expectWholeLibrary(db, 3);
    otherTab.resolve();
  });
});

/** The user picks the drop's files again, plus one it never had. */
function addMissingNow(importer: FakeTab['importer'], files: File[]) {
  return importer.addMissing('cut-off', [...files, pngFile('unrelated.png')].map((file) => ({ file })));
}
