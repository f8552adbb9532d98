import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { FakeBroadcast, FakeLocks, openTab, pngFile, statusCounts } from '../../helpers/ingest-fakes';
import { listAssets } from '../../../src/lib/db/repo';
import { waitingSidecars } from '../../../src/lib/db/waiting-sidecars';
import type { AssetRecord } from '../../../src/lib/db/schema';

const dbs = libraryDbs('takeout-drop');
const json = (name: string, value: unknown) => new File([typeof value === 'string' ? value : JSON.stringify(value)], name, { type: 'application/json' });
const sidecar = (title: string, seconds: number, lat = 0, lon = 0) => ({
  title,
  photoTakenTime: { timestamp: String(seconds), formatted: '' },
  creationTime: { timestamp: '1700000000', formatted: '' },
  geoData: { latitude: lat, longitude: lon, altitude: 0, latitudeSpan: 0, longitudeSpan: 0 },
});

describe('a dropped Google Takeout folder', () => {
  it('imports the media with their sidecars’ dates and places; sidecars are never bad files; an orphan is listed once', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, { locks: new FakeLocks(), broadcast: new FakeBroadcast() });
    const Y = 'Takeout/Google Photos/Photos from 2019';
    const longName = 'Screenshot_2019-07-14-10-00-00-16_948cd9899890cb';
    const files = [
      { file: pngFile('IMG_0001.png'), path: `${Y}/IMG_0001.png` },
      { file: json('IMG_0001.png.supplemental-metadata.json', sidecar('IMG_0001.png', 1563098400, 38.7223, -9.1393)), path: `${Y}/IMG_0001.png.supplemental-metadata.json` },
      { file: pngFile('IMG_0002(1).png'), path: `${Y}/IMG_0002(1).png` },
      // In another archive's copy of the folder.
      { file: json('IMG_0002.png(1).json', sidecar('IMG_0002.png', 1262347200)), path: `takeout-002/${Y}/IMG_0002.png(1).json` },
      { file: pngFile(`${longName}.png`), path: `${Y}/${longName}.png` },
      { file: json(`${longName.slice(0, 46)}.json`, sidecar(`${longName}d5c2798760b2b95377.png`, 1400000000)), path: `${Y}/${longName.slice(0, 46)}.json` },
      { file: pngFile('IMG_0004.png'), path: `${Y}/IMG_0004.png` },
      { file: json('IMG_0004.png.json', '{"title": "IMG_0004.png", "photoTakenTime": {"timestamp": ['), path: `${Y}/IMG_0004.png.json` },
      { file: pngFile('IMG_0005.png'), path: `${Y}/IMG_0005.png` },
      // 1.2 MB: never read.
      { file: json('IMG_0005.png.json', `{"title": "IMG_0005.png", "x": "${'a'.repeat(1_200_000)}"}`), path: `${Y}/IMG_0005.png.json` },
      { file: json('IMG_0009.png.json', sidecar('IMG_0009.png', 1000000000)), path: `${Y}/IMG_0009.png.json` },
      { file: json('metadata.json', { title: 'Photos from 2019' }), path: `${Y}/metadata.json` },
    ];
    const { queued, rejected } = await tab.importer.enqueue(files);
    await tab.importer.whenIdle();
    expect({ queued, rejected }).toEqual({ queued: 5, rejected: [] });
    expect(await statusCounts(db)).toEqual({ stored: 5 });
    expect(tab.page.ofType('job').filter((e) => e.status === 'failed')).toEqual([]);
    expect(tab.page.ofType('note')).toEqual([
      { type: 'note', name: 'IMG_0004.png.json', message: 'Takeout sidecar ignored: it is not valid JSON; IMG_0004.png is imported with its own metadata' },
      { type: 'note', name: 'IMG_0005.png.json', message: 'Takeout sidecar ignored: 1.2 MB is far larger than a sidecar (at most 1 MB is read); IMG_0005.png is imported with its own metadata' },
      { type: 'note', name: 'Shoebox', message: '1 Google Takeout sidecar without a photo or video in this drop or your library (kept for a later drop): IMG_0009.png.json' },
    ]);
    const byFile = new Map((await listAssets(db)).map((a) => [a.fileName ?? a.name, a]));
    expect(byFile.get('IMG_0001.png')).toMatchObject({ takenAtMs: 1563098400_000, takenAtSource: 'takeout', gps: { lat: 38.7223, lon: -9.1393 }, gpsSource: 'takeout' });
    expect(byFile.get('IMG_0002(1).png')).toMatchObject({ takenAtMs: 1262347200_000, takenAtSource: 'takeout' });
    expect(byFile.get('IMG_0002(1).png')?.gps).toBeUndefined();
    expect(byFile.get(`${longName}.png`)).toMatchObject({ name: `${longName}d5c2798760b2b95377.png`, fileName: `${longName}.png`, takenAtSource: 'takeout' });
    expect(byFile.get('IMG_0004.png')?.takenAtSource).not.toBe('takeout');
  });

  it('across drops: a sidecar dropped after its photo dates the item; a photo dropped after its sidecar takes it; a name two items share is left alone', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, { locks: new FakeLocks(), broadcast: new FakeBroadcast() });
    const first = 'takeout-001/Takeout/Google Photos/Photos from 2019';
    const second = 'takeout-002/Takeout/Google Photos/Photos from 2019';
    await tab.importer.enqueue([
      { file: pngFile('IMG_0001.png'), path: `${first}/IMG_0001.png` },
      { file: pngFile('IMG_0007.png', 'seven-a'), path: `${first}/IMG_0007.png` },
      { file: pngFile('IMG_0007.png', 'seven-b'), path: `${first}/Trip/IMG_0007.png` },
      // IMG_0002's sidecar comes before its photo.
      { file: json('IMG_0002.png.json', sidecar('IMG_0002.png', 1262347200, 48.8584, 2.2945)), path: `${first}/IMG_0002.png.json` },
    ]);
    await tab.importer.whenIdle();
    expect(tab.page.ofType('note').map((n) => n.message)).toEqual([
      '1 Google Takeout sidecar without a photo or video in this drop or your library (kept for a later drop): IMG_0002.png.json',
    ]);
    const metadataEvents = tab.page.ofType('metadata').length;
    await tab.importer.enqueue([
      { file: pngFile('IMG_0002.png'), path: `${second}/IMG_0002.png` },
      { file: json('IMG_0001.png.json', sidecar('IMG_0001.png', 1563098400, 38.7223, -9.1393)), path: `${second}/IMG_0001.png.json` },
      { file: json('IMG_0007.png.json', sidecar('IMG_0007.png', 1400000000)), path: `${second}/IMG_0007.png.json` },
    ]);
    await tab.importer.whenIdle();
    expect(tab.page.ofType('note').slice(1).map((n) => n.message)).toEqual([
      'Google Takeout sidecars in this drop dated, placed or named 1 item already in your library',
      '1 Google Takeout sidecar without a photo or video in this drop or your library (kept for a later drop): IMG_0007.png.json',
    ]);
    const byName = new Map<string, AssetRecord[]>();
    for (const a of await listAssets(db)) byName.set(a.name, [...(byName.get(a.name) ?? []), a]);
    expect(byName.get('IMG_0001.png')).toMatchObject([{ takenAtMs: 1563098400_000, takenAtSource: 'takeout', gps: { lat: 38.7223, lon: -9.1393 }, gpsSource: 'takeout' }]);
    expect(byName.get('IMG_0002.png')).toMatchObject([{ takenAtMs: 1262347200_000, takenAtSource: 'takeout', gpsSource: 'takeout' }]);
    expect(byName.get('IMG_0007.png')?.map((a) => a.takenAtSource)).toEqual(['file-modified', 'file-modified']);
    const updated = tab.page.ofType('metadata').slice(metadataEvents);
    expect(updated).toEqual([{ type: 'metadata', done: 1, total: 1, changedIds: [byName.get('IMG_0001.png')![0]!.id] }]);
    // IMG_0002 took its waiting sidecar; IMG_0007's waits.
    expect((await waitingSidecars(db)).map((w) => w.path)).toEqual([`${second}/IMG_0007.png.json`]);
  });

  it('a Takeout copy of a photo already in the library is a duplicate that still brings its sidecar’s date and place', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, { locks: new FakeLocks(), broadcast: new FakeBroadcast() });
    await tab.importer.enqueue([{ file: pngFile('IMG_0001.png') }]);
    await tab.importer.whenIdle();
    const [before] = await listAssets(db);
    expect(before?.takenAtSource).toBe('file-modified');
    await tab.importer.enqueue([
      { file: pngFile('IMG_0001.png'), path: 'Takeout/Google Photos/Photos from 2019/IMG_0001.png' },
      { file: json('IMG_0001.png.json', sidecar('IMG_0001.png', 1563098400, 38.7223, -9.1393)), path: 'Takeout/Google Photos/Photos from 2019/IMG_0001.png.json' },
    ]);
    await tab.importer.whenIdle();
    expect(tab.page.ofType('job').map((j) => j.status)).toEqual(['duplicate']);
    expect(await listAssets(db)).toMatchObject([{ id: before!.id, takenAtMs: 1563098400_000, takenAtSource: 'takeout', gpsSource: 'takeout' }]);
    expect(tab.page.ofType('metadata').filter((e) => e.changedIds?.length)).toEqual([{ type: 'metadata', done: 1, total: 1, changedIds: [before!.id] }]);
  });
});
