import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { FakeBroadcast, FakeLocks, openTab } from '../../helpers/ingest-fakes';
import { gpsRational, jpegWithExif } from '../../helpers/exif-jpeg.mjs';
import type { Db } from '../../../src/lib/db/db';
import { putOriginal } from '../../../src/lib/db/blob-store';
import { commitAsset, deleteAssetRecords, listAssets, photosWithoutMetadata, restoreAssetRecords } from '../../../src/lib/db/repo';
import { importAsset } from '../../../src/lib/db/archive-repo';
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
    expect((await photosWithoutMetadata(db, PHOTO_METADATA_VERSION)).todo).toEqual([]);
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

describe('how far the pass has read, kept between starts', () => {
  const ids = async (db: Db) => (await photosWithoutMetadata(db, PHOTO_METADATA_VERSION)).todo.map((a) => a.id);
  /** Runs a whole pass; the ids it read. */
  const pass = async (db: Db, onProgress: (done: number) => void | Promise<void> = () => undefined) => {
    const read: string[] = [];
    const walked = await photosWithoutMetadata(db, PHOTO_METADATA_VERSION);
    read.push(...walked.todo.map((a) => a.id));
    await readMissingMetadata(libraryStorage(db), { nowMs: Date.now, onProgress: (done) => void onProgress(done) });
    return read;
  };
  const bundleOf = (asset: AssetRecord) => ({ asset, thumbnails: [], frames: [], lineage: [] });

  it('a start after every record was read walks none; photos taken in since are the only ones walked', async () => {
    const db = await dbs.open();
    for (let i = 1; i <= 3; i++) await olderPhoto(db, `o${i}`, `o${i}.jpg`, await jpegWithExif(), { addedAt: ADDED_MS + i });
    expect(await pass(db)).toEqual(['o1', 'o2', 'o3']);
    expect(await photosWithoutMetadata(db, PHOTO_METADATA_VERSION)).toMatchObject({ todo: [], lastAddedAtMs: null });

    // Taken in later: one whose metadata could not be read then, one read while taken in.
    await olderPhoto(db, 'n1', 'n1.jpg', await jpegWithExif(), { addedAt: ADDED_MS + 10 });
    await olderPhoto(db, 'n2', 'n2.jpg', await jpegWithExif(), { addedAt: ADDED_MS + 11, metadataVersion: PHOTO_METADATA_VERSION });
    expect(await photosWithoutMetadata(db, PHOTO_METADATA_VERSION)).toMatchObject({ todo: [{ id: 'n1' }], lastAddedAtMs: ADDED_MS + 11 });
    expect(await pass(db)).toEqual(['n1']);
    expect(await photosWithoutMetadata(db, PHOTO_METADATA_VERSION)).toMatchObject({ todo: [], lastAddedAtMs: null });
    expect((await byId(db)).get('n1')).toMatchObject({ metadataVersion: PHOTO_METADATA_VERSION });
  });

  it('a photo deleted before the pass read it is read once its delete is undone', async () => {
    const db = await dbs.open();
    await olderPhoto(db, 'gone', 'IMG_20180301_101010.jpg', await jpegWithExif(), { addedAt: ADDED_MS + 1 });
    await olderPhoto(db, 'kept', 'kept.jpg', await jpegWithExif(), { addedAt: ADDED_MS + 2 });
    await deleteAssetRecords(db, ['gone'], 1_000, 60_000);
    expect(await pass(db)).toEqual(['kept']);
    await restoreAssetRecords(db, ['gone'], () => 2_000);
    expect(await pass(db)).toEqual(['gone']);
    expect((await byId(db)).get('gone')).toMatchObject({ takenAtSource: 'file-name', metadataVersion: PHOTO_METADATA_VERSION });
    expect(await ids(db)).toEqual([]);
  });

  it('items merged from an archive keep their date added and are still read when their metadata never was', async () => {
    const db = await dbs.open();
    await olderPhoto(db, 'here', 'here.jpg', await jpegWithExif(), { addedAt: ADDED_MS + 5 });
    expect(await pass(db)).toEqual(['here']);
    const bytes = await jpegWithExif({ exif: paris });
    const merged = (id: string, extra: Partial<AssetRecord> = {}): AssetRecord => ({
      id, name: `${id}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: bytes.length, sha256: id.padEnd(64, '1'), pHash: '0123456789abcdef',
      width: 96, height: 72, addedAt: ADDED_MS - 100, takenAtMs: FILE_MS, takenAtSource: 'file-modified', status: 'ready', blobLocation: 'idb', ...extra,
    });
    const original = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
    expect(await importAsset(db, { ...bundleOf(merged('unread')), original })).toEqual({ status: 'added' });
    expect(await importAsset(db, { ...bundleOf(merged('read', { metadataVersion: PHOTO_METADATA_VERSION })), original })).toEqual({ status: 'added' });
    expect(await pass(db)).toEqual(['unread']);
    expect((await byId(db)).get('unread')).toMatchObject({ takenAtSource: 'exif', camera: { make: 'Canon' } });
    expect((await byId(db)).get('read')).toMatchObject({ takenAtSource: 'file-modified' });
    expect(await ids(db)).toEqual([]);
  });

  it('an unread item that arrives while a pass runs is read by the next pass, even when the pass walked past its date added', async () => {
    const db = await dbs.open();
    for (let i = 1; i <= 3; i++) await olderPhoto(db, `o${i}`, `o${i}.jpg`, await jpegWithExif(), { addedAt: ADDED_MS + i });
    const late: AssetRecord = {
      id: 'late', name: 'IMG_20180301_101010.jpg', type: 'image', mime: 'image/jpeg', sizeBytes: 1, sha256: 'late'.padEnd(64, '2'), pHash: '0123456789abcdef',
      width: 96, height: 72, addedAt: ADDED_MS + 2, takenAtMs: FILE_MS, takenAtSource: 'file-modified', status: 'ready', blobLocation: 'idb',
    };
    let merged: Promise<unknown> | null = null;
    await pass(db, () => {
      merged ??= importAsset(db, bundleOf(late));
    });
    await merged;
    expect(await ids(db)).toEqual(['late']);
    expect(await pass(db)).toEqual(['late']);
    expect(await ids(db)).toEqual([]);
  });

  it('an item taken in unread with a date added before the mark (a clock set back) is still read', async () => {
    const db = await dbs.open();
    await olderPhoto(db, 'o1', 'o1.jpg', await jpegWithExif(), { addedAt: ADDED_MS + 50 });
    expect(await pass(db)).toEqual(['o1']);
    const asset: AssetRecord = {
      id: 'back', name: 'back.jpg', type: 'image', mime: 'image/jpeg', sizeBytes: 1, sha256: 'back'.padEnd(64, '3'), pHash: '0123456789abcdef',
      width: 96, height: 72, addedAt: ADDED_MS, takenAtMs: ADDED_MS, takenAtSource: 'added', status: 'ready', blobLocation: 'idb',
    };
    await commitAsset(db, 'no-job', { asset, thumbnail: { id: 'back', blob: new Blob([new Uint8Array([1])]), width: 1, height: 1 }, lineage: [] });
    expect(await ids(db)).toEqual(['back']);
  });
});
