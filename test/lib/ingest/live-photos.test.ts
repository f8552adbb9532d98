import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { FakeBroadcast, FakeLocks, jobStatuses, openTab, pngFile } from '../../helpers/ingest-fakes';
import { listAssets } from '../../../src/lib/db/repo';
import type { JobRecord } from '../../../src/lib/db/schema';
import { libraryStorage } from '../../../src/lib/ingest/library-storage';
import { motionOriginalId } from '../../../src/lib/core/live-photos';
import { sha256Hex } from '../../../src/lib/core/sha256';

// The fake decoder reads PNGs: stills here are PNG bytes under a camera's JPEG names, which is
// all pairing looks at. The motion files are the committed fixture MOV (2 s) and a copy whose
// movie header says 40 s.
const dbs = libraryDbs('live');
const shared = () => ({ locks: new FakeLocks(), broadcast: new FakeBroadcast() });
const shortMovie: Uint8Array<ArrayBuffer> = new Uint8Array(readFileSync(new URL('../../fixtures/live/IMG_0101.MOV', import.meta.url)));

function longMovie(): Uint8Array<ArrayBuffer> {
  const bytes = shortMovie.slice();
  const at = Buffer.from(bytes).indexOf('mvhd');
  const view = new DataView(bytes.buffer);
  // Version 0 mvhd: duration follows flags, two times and the timescale.
  view.setUint32(at + 20, view.getUint32(at + 16) * 40);
  return bytes;
}
const movie = (name: string, bytes = shortMovie) => new File([bytes as Uint8Array<ArrayBuffer>], name, { type: 'video/quicktime' });

describe('importer: Live Photos', () => {
  it('a still and its short MOV of one drop are one job and one item, the MOV kept as its motion; a 40 s MOV beside a still stays a file of its own', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, shared());
    const files = [pngFile('IMG_0101.JPG'), movie('img_0101.mov'), pngFile('IMG_0202.JPG'), movie('IMG_0202.MOV', longMovie())];
    const { queued, rejected } = await tab.importer.enqueue(files.map((file) => ({ file })));
    expect({ queued, rejected }).toEqual({ queued: 3, rejected: [] });
    await tab.importer.whenIdle();
    // The long MOV, split from its still, counts as one more file of the import, which ends whole.
    const last = tab.page.ofType('progress').at(-1)!;
    expect([last.done, last.total]).toEqual([3, 3]);

    const statuses = await jobStatuses(db);
    expect(Object.keys(statuses).sort()).toEqual(['IMG_0101.JPG', 'IMG_0202.JPG', 'IMG_0202.MOV']);
    const jobs: JobRecord[] = await db.getAll('jobs');
    expect(jobs.find((j) => j.name === 'IMG_0101.JPG')!.motion).toMatchObject({ name: 'img_0101.mov', entryIndex: 1, sizeBytes: shortMovie.length });
    expect(jobs.find((j) => j.name === 'IMG_0202.JPG')!.motion).toBeUndefined();

    const assets = await listAssets(db);
    const still = assets.find((a) => a.name === 'IMG_0101.JPG')!;
    expect(still.motion).toMatchObject({ kind: 'live', name: 'img_0101.mov', mime: 'video/quicktime', sizeBytes: shortMovie.length, sha256: await sha256Hex(shortMovie) });
    expect(still.motion?.kind === 'live' && still.motion.durationSec).toBeCloseTo(2, 1);
    expect(assets.find((a) => a.name === 'IMG_0202.JPG')!.motion).toBeUndefined();
    expect(assets.some((a) => a.name === 'img_0101.mov'), 'the motion file is no item').toBe(false);
    const stored = await libraryStorage(db).originals.get(motionOriginalId(still.id), 'idb');
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(shortMovie);
  });

  it('the same pair dropped again is one duplicate, and its copy of the motion file is removed with it', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, shared());
    const pair = () => [pngFile('IMG_0101.JPG', 'same still'), movie('IMG_0101.MOV')].map((file) => ({ file }));
    await tab.importer.enqueue(pair());
    await tab.importer.whenIdle();
    await tab.importer.enqueue(pair());
    await tab.importer.whenIdle();
    const jobs: JobRecord[] = await db.getAll('jobs');
    const copy = jobs.find((j) => j.status === 'duplicate')!;
    expect(jobs.map((j) => j.status).sort()).toEqual(['duplicate', 'stored']);
    expect(copy.message).toMatch(/^already in your library as "IMG_0101\.JPG" \(with its motion file\)$/);
    expect(await libraryStorage(db).originals.get(motionOriginalId(copy.id), 'idb'), "the duplicate's motion copy is gone").toBeUndefined();
    const [kept] = await listAssets(db);
    expect(await libraryStorage(db).originals.get(motionOriginalId(kept.id), 'idb'), "the item's own motion file stays").toBeDefined();
  });

  it('a Live Photo\'s MOV dropped again on its own is already in the library, as its motion; once the Live Photo is deleted its motion no longer counts', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, shared());
    await tab.importer.enqueue([pngFile('IMG_0101.JPG'), movie('IMG_0101.MOV')].map((file) => ({ file })));
    await tab.importer.whenIdle();
    const [still] = await listAssets(db);
    await tab.importer.enqueue([{ file: movie('IMG_0101 copy.MOV') }]);
    await tab.importer.whenIdle();
    const again = ((await db.getAll('jobs')) as JobRecord[]).find((j) => j.name === 'IMG_0101 copy.MOV')!;
    expect(again).toMatchObject({ status: 'duplicate', assetId: still.id, message: 'already in your library as the motion of the Live Photo "IMG_0101.JPG"' });

    tab.importer.forget([still.id]);
    expect(tab.importer.queue.duplicates.motionOwner(await sha256Hex(shortMovie))).toBeUndefined();
  });

  it('a start reads no asset record for these checks; the first file taken in after it is still checked against the library', async () => {
    const db = await dbs.open();
    const first = await openTab(db, shared());
    await first.importer.enqueue([pngFile('IMG_0101.JPG'), movie('IMG_0101.MOV')].map((file) => ({ file })));
    await first.importer.whenIdle();
    const [still] = await listAssets(db);

    // The browser opened again on the library: a new writer.
    const assetsRead = vi.spyOn(IDBObjectStore.prototype, 'getAll');
    const reads = () => assetsRead.mock.contexts.filter((store) => (store as IDBObjectStore).name === 'assets').length;
    try {
      const tab = await openTab(db, shared());
      await tab.importer.whenIdle();
      expect(reads()).toBe(0);
      expect(tab.importer.queue.duplicates.motionOwner(await sha256Hex(shortMovie))).toBeUndefined();
      await tab.importer.enqueue([{ file: movie('IMG_0101 copy.MOV') }]);
      await tab.importer.whenIdle();
      expect(reads()).toBeGreaterThan(0);
    } finally {
      assetsRead.mockRestore();
    }
    const again = ((await db.getAll('jobs')) as JobRecord[]).find((j) => j.name === 'IMG_0101 copy.MOV')!;
    expect(again).toMatchObject({ status: 'duplicate', assetId: still.id });
  });

  it('a still that cannot be decoded fails with its motion file named, and Dismiss removes both', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, shared());
    const broken = new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 2])], 'IMG_0303.JPG', { type: 'image/jpeg' });
    await tab.importer.enqueue([broken, movie('IMG_0303.MOV')].map((file) => ({ file })));
    await tab.importer.whenIdle();
    const [job]: JobRecord[] = await db.getAll('jobs');
    expect(job).toMatchObject({ name: 'IMG_0303.JPG', status: 'failed' });
    expect(job.message).toMatch(/; its motion file "IMG_0303\.MOV" was not added either$/);
    await tab.importer.dismiss([job.id]);
    expect(await libraryStorage(db).originals.get(motionOriginalId(job.id), 'idb')).toBeUndefined();
    expect(await libraryStorage(db).originals.get(job.id, 'idb')).toBeUndefined();
  });
});
