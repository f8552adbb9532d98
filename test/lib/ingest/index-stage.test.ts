import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { FakeBroadcast, FakeLocks, openTab, pngFile, statusCounts } from '../../helpers/ingest-fakes';
import { countUnindexed, deleteAssetRecords } from '../../../src/lib/db/repo';

const dbs = libraryDbs('index-stage');
const shared = () => ({ locks: new FakeLocks(), broadcast: new FakeBroadcast() });
const photos = (n: number, prefix = 'photo') => Array.from({ length: n }, (_, i) => pngFile(`${prefix}-${String(i).padStart(2, '0')}.png`));

describe('two stages: taken in, then indexed', () => {
  it('with the model loaded, every photo is decoded once and its model input goes straight to the model', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, shared());
    await tab.importer.enqueue(photos(20).map((file) => ({ file })));
    await tab.importer.whenIdle();
    expect(tab.stills.decoded).toBe(20);
    expect(tab.embedder.images).toBe(20);
    expect(await countUnindexed(db, 'fake-model')).toBe(0);
    const last = tab.page.ofType('progress').at(-1)!;
    expect([last.done, last.total, last.modelMissing]).toEqual([20, 20, undefined]);
    expect(tab.page.ofType('waiting').at(-1)).toEqual({ type: 'waiting', count: 0, state: 'indexing' });
  });

  it('when the model cannot be loaded, photos are added without vectors and nothing fails; once it loads they are indexed by themselves', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, shared(), { modelState: 'unavailable' });
    const idle = tab.page.next('idle');
    await tab.importer.enqueue(photos(11).map((file) => ({ file })));
    await tab.importer.whenIdle();
    await idle;
    expect(await statusCounts(db)).toEqual({ stored: 11 });
    expect([await db.count('assets'), await db.count('embeddings')]).toEqual([11, 0]);
    expect(tab.page.ofType('stored').flatMap((e) => e.ids)).toHaveLength(11);
    expect(tab.page.ofType('job')).toEqual([]);
    expect(tab.page.ofType('paused')).toEqual([]);
    const last = tab.page.ofType('progress').at(-1)!;
    expect([last.done, last.total, last.modelMissing]).toEqual([11, 11, true]);
    await vi.waitFor(() => expect(tab.page.ofType('waiting').at(-1)).toEqual({ type: 'waiting', count: 11, state: 'waiting-for-model' }));
    expect(tab.embedder.images).toBe(0);

    tab.importer.modelState('ready');
    await vi.waitFor(async () => expect(await db.count('embeddings')).toBe(11));
    await tab.importer.whenIdle();
    // Read again from the stored originals: a second decode for the items that waited.
    expect(tab.stills.decoded).toBe(22);
    expect(new Set(tab.page.ofType('indexed').flatMap((e) => e.ids)).size).toBe(11);
    expect(tab.page.ofType('waiting').at(-1)).toEqual({ type: 'waiting', count: 0, state: 'indexing' });
  });

  it('items that waited across a reload are indexed by the next start; a deleted one is skipped and never gets a vector', async () => {
    const name = dbs.uniqueName();
    const db = await dbs.open(name);
    const first = await openTab(db, shared(), { modelState: 'unavailable' });
    await first.importer.enqueue(photos(5).map((file) => ({ file })));
    await first.importer.whenIdle();
    first.importer.tabs.close();
    const [gone] = (await db.getAll('assets')).map((a) => a.id);
    await deleteAssetRecords(db, [gone], Date.now(), 8000);

    const next = await openTab(await dbs.open(name), shared(), { modelState: 'loading' });
    expect(next.embedder.images).toBe(0);
    next.importer.modelState('ready');
    await vi.waitFor(async () => expect(await db.count('embeddings')).toBe(4));
    await next.importer.whenIdle();
    expect(await db.get('embeddings', gone)).toBeUndefined();
    expect(await countUnindexed(db, 'fake-model')).toBe(0);
  });
});
