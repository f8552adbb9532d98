import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import type { AssetRecord } from '../../../src/lib/core/records';
import { setPlaces } from '../../../src/lib/db/place-repo';

const { open } = libraryDbs('places');

const asset = (id: string, extra: Partial<AssetRecord> = {}): AssetRecord => ({
  id,
  name: `${id}.jpg`,
  type: 'image',
  mime: 'image/jpeg',
  sizeBytes: 3,
  sha256: `sha-${id}`,
  pHash: '0123456789abcdef',
  width: 4,
  height: 3,
  addedAt: 1,
  takenAtMs: 1,
  takenAtSource: 'exif',
  status: 'ready',
  blobLocation: 'idb',
  ...extra,
});

const LISBON = { city: 'Lisbon', region: 'Lisbon', country: 'Portugal', countryCode: 'PT' };
/** A stand-in lookup: north of the equator is Lisbon, south is the sea. */
const lookup = (lat: number) => (lat > 0 ? LISBON : undefined);

describe('setPlaces', () => {
  it('stores the place of each position with the mark, marks items without one, and says which places changed', async () => {
    const db = await open();
    const tx = db.transaction('assets', 'readwrite');
    await Promise.all([
      tx.store.put(asset('land', { gps: { lat: 38.7, lon: -9.1 }, favourite: true })),
      tx.store.put(asset('sea', { gps: { lat: -30, lon: -40 }, place: LISBON })),
      tx.store.put(asset('none')),
    ]);
    await tx.done;
    const changed = await setPlaces(db, ['land', 'sea', 'none', 'gone'], lookup, 1);
    expect(changed.sort()).toEqual(['land', 'sea']);
    const read = async (id: string) => db.get('assets', id);
    expect(await read('land')).toMatchObject({ place: LISBON, placeVersion: 1, favourite: true });
    // The old place went with the new lookup.
    expect((await read('sea'))?.place).toBeUndefined();
    expect((await read('sea'))?.placeVersion).toBe(1);
    expect(await read('none')).toMatchObject({ placeVersion: 1 });
    expect(await read('gone')).toBeUndefined();
  });

  it('leaves items already marked by this lookup alone, so a pass cut off goes on where it stopped', async () => {
    const db = await open();
    await db.put('assets', asset('done', { gps: { lat: 38.7, lon: -9.1 }, placeVersion: 2 }));
    await db.put('assets', asset('older', { gps: { lat: 38.7, lon: -9.1 }, placeVersion: 1 }));
    let lookups = 0;
    const changed = await setPlaces(db, ['done', 'older'], (lat) => (lookups++, lookup(lat)), 2);
    expect(changed).toEqual(['older']);
    expect(lookups).toBe(1);
    expect((await db.get('assets', 'done'))?.place).toBeUndefined();
  });
});
