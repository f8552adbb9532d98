import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { FakeBroadcast, FakeLocks, openTab } from '../../helpers/ingest-fakes';
import { gpsRational, jpegWithExif } from '../../helpers/exif-jpeg.mjs';
import type { Db } from '../../../src/lib/db/db';
import { putOriginal } from '../../../src/lib/db/blob-store';
import { listAssets, photosWithoutMetadata } from '../../../src/lib/db/repo';
import type { AssetRecord } from '../../../src/lib/db/schema';
import { PHOTO_METADATA_VERSION } from '../../../src/lib/core/photo-metadata';
import { libraryStorage } from '../../../src/lib/ingest/library-storage';
import { readMissingMetadata } from '../../../src/lib/ingest/metadata-pass';
import { readFileSync } from 'node:fs';

const dbs = libraryDbs('metadata-pass');
const ADDED_MS = Date.UTC(2026, 0, 10);
const FILE_MS = Date.UTC(2025, 11, 24);

const paris = {
  IFD0: { Make: 'Canon', Model: 'Canon EOS 5D' },
  IFD2: { DateTimeOriginal: '2019:07:14 15:30:12', OffsetTimeOriginal: '+02:00' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: gpsRational(48.8584), GPSLongitudeRef: 'E', GPSLongitude: gpsRational(2.2945) },
};

/** A photo as a library from before metadata was read holds it: dated by its file, no marker. */
async function olderPhoto(db: Db, id: string, name: string, bytes: Uint8Array | null, extra: Partial<AssetRecord> = {}): Promise<void> {
  const blobLocation = bytes ? await putOriginal(db, id, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' })) : 'idb';
  const asset: AssetRecord = {
    id, name, type: 'image', mime: 'image/jpeg', sizeBytes: bytes?.length ?? 1, sha256: id.padEnd(64, '0'), pHash: '0123456789abcdef',
    width: 96, height: 72, addedAt: ADDED_MS, takenAtMs: FILE_MS, takenAtSource: 'file-modified', status: 'ready', blobLocation, ...extra,
  };
  await db.put('assets', asset);
}

const byId = async (db: Db) => new Map((await listAssets(db)).map((a) => [a.id, a]));

describe('the background pass over photos taken in before their metadata was read', () => {
  it('the writer tab dates them by their metadata or file name, adds camera and position, keeps the rest, and marks every one', async () => {
    const db = await dbs.open();
    await olderPhoto(db, 'a1', 'paris.jpg', await jpegWithExif({ exif: paris }), { favourite: true });
    await olderPhoto(db, 'a2', 'IMG_20180301_101010.jpg', await jpegWithExif());
    await olderPhoto(db, 'a3', 'plain.jpg', await jpegWithExif());
    await olderPhoto(db, 'a4', 'original-not-here.jpg', null);
    // Already dated by the user's own metadata source: not moved.
    await olderPhoto(db, 'a5', 'done.jpg', await jpegWithExif({ exif: paris }), { metadataVersion: PHOTO_METADATA_VERSION, takenAtSource: 'exif', takenAtMs: 5 });

    const tab = await openTab(db, { locks: new FakeLocks(), broadcast: new FakeBroadcast() });
    const last = tab.page.ofType('metadata').find((e) => e.done === e.total) ?? (await tab.page.next('metadata', (e) => e.done === e.total));
    expect(last.total).toBe(4);
    expect(new Set(last.changedIds)).toEqual(new Set(['a1', 'a2']));

    const a = await byId(db);
    expect(a.get('a1')).toMatchObject({ takenAtMs: Date.UTC(2019, 6, 14, 13, 30, 12), takenAtSource: 'exif', takenAtOffsetMin: 120, camera: { make: 'Canon', model: 'EOS 5D' }, favourite: true, metadataVersion: PHOTO_METADATA_VERSION });
    expect(a.get('a1')!.gps!.lat).toBeCloseTo(48.8584, 4);
    expect(a.get('a2')).toMatchObject({ takenAtMs: new Date(2018, 2, 1, 10, 10, 10).getTime(), takenAtSource: 'file-name' });
    expect(a.get('a3')).toMatchObject({ takenAtMs: FILE_MS, takenAtSource: 'file-modified', metadataVersion: PHOTO_METADATA_VERSION });
    expect(a.get('a4')).toMatchObject({ takenAtMs: FILE_MS, takenAtSource: 'file-modified', metadataVersion: PHOTO_METADATA_VERSION });
    expect(a.get('a5')).toMatchObject({ takenAtMs: 5 });
    expect(await photosWithoutMetadata(db, PHOTO_METADATA_VERSION)).toEqual([]);
    await tab.importer.whenIdle();
  });

  it('a pass cut off goes on where it stopped', async () => {
    const db = await dbs.open();
    for (let i = 1; i <= 5; i++) await olderPhoto(db, `p${i}`, `IMG_2018030${i}_101010.jpg`, await jpegWithExif());
    const progress: Array<[number, number]> = [];
    const first = await readMissingMetadata(libraryStorage(db), { nowMs: Date.now, onProgress: (d, t) => progress.push([d, t]), stopped: () => progress.length > 2 });
    expect(first).toHaveLength(2);
    expect(progress.at(-1)).toEqual([2, 5]);
    progress.length = 0;
    const rest = await readMissingMetadata(libraryStorage(db), { nowMs: Date.now, onProgress: (d, t) => progress.push([d, t]) });
    expect(rest).toHaveLength(3);
    expect(progress.at(-1)).toEqual([3, 3]);
    expect([...(await byId(db)).values()].map((x) => x.takenAtSource)).toEqual(Array(5).fill('file-name'));
  });

  it('videos taken in before their container was read get its creation time and place; a Takeout date stays above an mvhd time', async () => {
    const db = await dbs.open();
    const clip = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/video-metadata/${name}`, import.meta.url)));
    const olderVideo = async (id: string, name: string, extra: Partial<AssetRecord> = {}) => {
      const bytes = clip(name);
      const blobLocation = await putOriginal(db, id, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'video/mp4' }));
      await db.put('assets', {
        id, name, type: 'video', mime: 'video/mp4', sizeBytes: bytes.length, sha256: id.padEnd(64, '0'), pHash: '0123456789abcdef',
        width: 96, height: 64, addedAt: ADDED_MS, takenAtMs: FILE_MS, takenAtSource: 'file-modified', status: 'ready', blobLocation, ...extra,
      });
    };
    await olderVideo('v1', 'quicktime-keys.mov');
    await olderVideo('v2', 'mvhd-loci.mp4', { takenAtSource: 'takeout', takenAtMs: Date.UTC(2019, 6, 14, 9, 0, 0) });
    await readMissingMetadata(libraryStorage(db), { nowMs: Date.now, onProgress: () => undefined });
    const a = await byId(db);
    expect(a.get('v1')).toMatchObject({ takenAtMs: Date.UTC(2017, 4, 1, 10, 0, 0), takenAtSource: 'video-metadata', takenAtOffsetMin: 120, gpsSource: 'video-metadata', metadataVersion: PHOTO_METADATA_VERSION });
    expect(a.get('v1')!.gps!.lat).toBeCloseTo(-33.8568, 4);
    expect(a.get('v2')).toMatchObject({ takenAtMs: Date.UTC(2019, 6, 14, 9, 0, 0), takenAtSource: 'takeout', gpsSource: 'video-metadata' });
  });
});
