import { describe, expect, it } from 'vitest';
import { columnBuffers, idsByRow, itemSummariesFromColumns, itemSummaryColumns, itemSummaryOf, ItemSummaryRows, type ItemSummary, type SharedPlaces } from '../../../src/lib/core/item-summary';
import { compareNewestFirst } from '../../../src/lib/core/timeline';
import { rng } from '../../helpers/random';
import { ItemSummaryTable } from '../../../src/lib/core/item-summary-table';
import type { AssetRecord } from '../../../src/lib/core/records';

const photo: AssetRecord = {
  id: 'a1',
  name: 'IMG_0001.HEIC',
  type: 'image',
  mime: 'image/heic',
  sizeBytes: 2_345_678,
  sha256: 'ab'.repeat(32),
  pHash: '0123456789abcdef',
  width: 4032,
  height: 3024,
  addedAt: 1_700_000_000_000,
  takenAtMs: 1_600_000_000_000,
  takenAtSource: 'exif',
  takenAtOffsetMin: 120,
  camera: { make: 'Apple', model: 'iPhone 12', lens: 'back camera' },
  gps: { lat: 48.85, lon: 2.35 },
  place: { city: 'Paris', region: 'Île-de-France', country: 'France', countryCode: 'FR' },
  placeVersion: 3,
  metadataVersion: 2,
  favourite: true,
  status: 'ready',
  blobLocation: 'opfs',
  nearDuplicateOf: { id: 'a0', name: 'IMG_0000.HEIC', distance: 4 },
  motion: { kind: 'live', name: 'IMG_0001.MOV', mime: 'video/quicktime', sizeBytes: 3_000_000, sha256: 'cd'.repeat(32), durationSec: 2.5, blobLocation: 'opfs' },
};

const video: AssetRecord = {
  id: 'v1',
  name: 'clip.mp4',
  type: 'video',
  mime: 'video/mp4',
  sizeBytes: 9_000_000,
  sha256: 'ef'.repeat(32),
  pHash: 'fedcba9876543210',
  width: 1920,
  height: 1080,
  addedAt: 1_700_000_100_000,
  takenAtMs: 1_650_000_000_000,
  takenAtSource: 'video-metadata',
  status: 'ready',
  blobLocation: 'idb',
  durationSec: 12.4,
  decoder: 'webcodecs',
  frameTimestampsSec: [0, 4, 8, 12],
};

describe('itemSummaryOf', () => {
  it('keeps what the grid, favourites, places and the viewer stage read, and nothing of the file', () => {
    const s = itemSummaryOf(photo, new Map());
    expect(s).toEqual({
      id: 'a1',
      name: 'IMG_0001.HEIC',
      type: 'image',
      takenAtMs: 1_600_000_000_000,
      addedAt: 1_700_000_000_000,
      width: 4032,
      height: 3024,
      favourite: true,
      durationSec: undefined,
      motion: { kind: 'live' },
      nearDuplicateOf: { name: 'IMG_0000.HEIC' },
      place: { city: 'Paris', region: 'Île-de-France', country: 'France', countryCode: 'FR' },
      hasPosition: true,
      placeVersion: 3,
    });
    expect(itemSummaryOf(video, new Map())).toMatchObject({ type: 'video', durationSec: 12.4, favourite: false, motion: undefined, place: undefined, hasPosition: false, placeVersion: undefined });
  });

  it('holds no object of the record, so a page of records read at start can be collected', () => {
    const s = itemSummaryOf(photo, new Map());
    const values = Object.values(s).filter((v) => typeof v === 'object' && v !== null);
    for (const kept of [photo.place, photo.motion, photo.nearDuplicateOf, photo.camera, photo.gps]) expect(values).not.toContain(kept);
  });

  it('gives every summary the same properties in the same order (one object shape)', () => {
    const places: SharedPlaces = new Map();
    const keys = [photo, video, { ...video, id: 'v2', favourite: false }].map((r) => Object.keys(itemSummaryOf(r, places)).join());
    expect(new Set(keys).size).toBe(1);
  });

  it('shares one place object among items of the same place', () => {
    const places: SharedPlaces = new Map();
    const a = itemSummaryOf(photo, places);
    const b = itemSummaryOf({ ...photo, id: 'a2', place: { ...photo.place! } }, places);
    const c = itemSummaryOf({ ...photo, id: 'a3', place: { region: 'Île-de-France', country: 'France', countryCode: 'FR' } }, places);
    expect(b.place).toBe(a.place);
    expect(c.place).not.toBe(a.place);
    expect(c.place).toEqual({ region: 'Île-de-France', country: 'France', countryCode: 'FR' });
    expect(places.size).toBe(2);
  });
});

describe('item summaries as columns (how they cross from the reading worker to the page)', () => {
  const places: SharedPlaces = new Map();
  const summaries = [
    itemSummaryOf(photo, places),
    itemSummaryOf(video, places),
    itemSummaryOf({ ...photo, id: 'a2', name: 'IMG_0002.JPG', favourite: false, motion: { kind: 'motion-photo', offsetBytes: 10, sizeBytes: 20 }, nearDuplicateOf: undefined, gps: undefined, placeVersion: undefined }, places),
    itemSummaryOf({ ...photo, id: 'a3', place: { country: 'Japan', countryCode: 'JP' }, nearDuplicateOf: { id: 'a1', name: 'IMG_0001.HEIC', distance: 2 }, width: 0, height: 0 }, places),
    itemSummaryOf({ ...video, id: 'v2', durationSec: 0, takenAtMs: -86_400_000 }, places),
    // Names travel as UTF-8 bytes: accents, a character outside the BMP, an empty name.
    itemSummaryOf({ ...photo, id: 'a4', name: 'Été à Zürich 📷.jpg' }, places),
    itemSummaryOf({ ...photo, id: 'a5', name: '' }, places),
  ];

  it('come back equal, field for field and in the same property order, through a structured clone with their buffers transferred', () => {
    const columns = itemSummaryColumns(summaries);
    const arrived = structuredClone(columns, { transfer: columnBuffers(columns) });
    expect(columns.numbers.byteLength).toBe(0);
    const back = itemSummariesFromColumns(arrived, new Map());
    expect(back).toEqual(summaries);
    for (let i = 0; i < back.length; i++) expect(Object.keys(back[i]!)).toEqual(Object.keys(summaries[i]!));
    expect(back[1]!.durationSec).toBe(12.4);
    expect(back[4]!.durationSec).toBe(0);
    expect(back[2]!.placeVersion).toBeUndefined();
    expect(back[0]!.durationSec).toBeUndefined();
    expect(back.map((s) => s.name)).toEqual(['IMG_0001.HEIC', 'clip.mp4', 'IMG_0002.JPG', 'IMG_0001.HEIC', 'clip.mp4', 'Été à Zürich 📷.jpg', '']);
    // "Été à Zürich 📷.jpg": 13 one-byte characters, four of two bytes, one of four.
    expect([...arrived.nameEnds]).toEqual([13, 21, 33, 46, 54, 79, 79]);
  });

  it('send each place once, and the summaries of one place share one object of the receiving side', () => {
    const columns = itemSummaryColumns(summaries);
    expect(columns.places).toHaveLength(2);
    const here: SharedPlaces = new Map();
    const made = itemSummaryOf({ ...photo, id: 'a9', place: { ...photo.place! } }, here);
    const back = itemSummariesFromColumns(structuredClone(columns), here);
    expect(back[0]!.place).toBe(made.place);
    expect(back[2]!.place).toBe(made.place);
    expect(back[3]!.place).toEqual({ country: 'Japan', countryCode: 'JP' });
    expect(back[1]!.place).toBeUndefined();
    expect(here.size).toBe(2);
  });

  it('an empty library is empty columns', () => {
    const columns = itemSummaryColumns([]);
    expect(itemSummariesFromColumns(structuredClone(columns), new Map())).toEqual([]);
  });
});

/** `count` records in key order with few distinct dates, so dates taken and added tie often; a mix of every summarised field. */
function seededRecords(count: number, seed: number): AssetRecord[] {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const placesOf = [undefined, photo.place, { country: 'Japan', countryCode: 'JP' }, { ...photo.place!, city: 'Lyon' }];
  return Array.from({ length: count }, (_, i) => {
    const base = random() < 0.2 ? video : photo;
    const record: AssetRecord = {
      ...base,
      id: `id-${Math.floor(random() * 1e9).toString(36)}-${i}`,
      name: pick(['IMG_1.JPG', 'Été 📷.jpg', '', 'clip.mp4', `n${i}.heic`]),
      takenAtMs: 1_600_000_000_000 + Math.floor(random() * 40) * 86_400_000,
      addedAt: 1_700_000_000_000 + Math.floor(random() * 3) * 1000,
      width: Math.floor(random() * 5000),
      favourite: random() < 0.3,
      place: pick(placesOf),
      placeVersion: random() < 0.5 ? 3 : undefined,
      gps: random() < 0.5 ? { lat: 1, lon: 2 } : undefined,
      nearDuplicateOf: random() < 0.1 ? { id: 'x', name: `near ${i}`, distance: 3 } : undefined,
      motion: base === photo ? pick([undefined, photo.motion, { kind: 'motion-photo' as const, offsetBytes: 1, sizeBytes: 2 }]) : undefined,
    };
    return record;
  });
}

describe('item summary rows gathered a record at a time', () => {
  it('hand out the columns of the summaries sorted newest taken first, whatever order the records came in', () => {
    const records = seededRecords(3000, 7);
    const rows = new ItemSummaryRows(1);
    const shared: SharedPlaces = new Map();
    for (const r of records) rows.add(itemSummaryOf(r, shared));
    expect(rows.size).toBe(3000);
    const places: SharedPlaces = new Map();
    const today = itemSummaryColumns([...records].sort(compareNewestFirst).map((r) => itemSummaryOf(r, places)));
    expect(rows.columns('newest taken first')).toEqual(today);
  });

  it('order by date taken, then by date added (later first), then by id', () => {
    const at = (id: string, takenAtMs: number, addedAt: number): AssetRecord => ({ ...photo, id, takenAtMs, addedAt });
    const rows = new ItemSummaryRows();
    for (const r of [at('b', 10, 1), at('c', 20, 1), at('a', 10, 1), at('d', 10, 2), at('e', -5, 9)]) rows.add(itemSummaryOf(r, new Map()));
    const columns = rows.columns('newest taken first');
    expect(idsByRow(columns)).toEqual(['c', 'd', 'a', 'b', 'e']);
    expect(itemSummariesFromColumns(columns, new Map()).map((s) => [s.takenAtMs, s.addedAt])).toEqual([[20, 1], [10, 2], [10, 1], [10, 1], [-5, 9]]);
  });

  it('keep the order they were added in when asked, as summaries made into columns do', () => {
    const places: SharedPlaces = new Map();
    const summaries = seededRecords(50, 3).map((r) => itemSummaryOf(r, places));
    const rows = new ItemSummaryRows();
    for (const s of summaries) rows.add(s);
    const back = itemSummariesFromColumns(rows.columns('as added'), new Map());
    expect(back).toEqual(summaries);
  });

  it('no rows are empty columns', () => {
    expect(itemSummariesFromColumns(new ItemSummaryRows(0).columns('newest taken first'), new Map())).toEqual([]);
  });
});

describe('the page\'s item summary table (columns read a row at a time, changes on top)', () => {
  const places: SharedPlaces = new Map();
  const a1 = itemSummaryOf(photo, places);
  const v1 = itemSummaryOf(video, places);
  const a2 = itemSummaryOf({ ...photo, id: 'a2', name: 'IMG_0002.JPG', favourite: false, takenAtMs: 1_650_000_000_000, addedAt: 1_700_000_200_000 }, places);
  const a3 = itemSummaryOf({ ...photo, id: 'a3', takenAtMs: 1_500_000_000_000, place: { country: 'Japan', countryCode: 'JP' } }, places);
  const tableOf = (summaries: ItemSummary[], here: SharedPlaces = new Map()) => new ItemSummaryTable(structuredClone(itemSummaryColumns(summaries)), here);
  const all = (t: ItemSummaryTable) => [...t.summaries()].sort((x, y) => (x.id < y.id ? -1 : 1));

  it('gives every row\'s summary as it was, the same object on each read, and nothing for an unknown id', () => {
    const t = tableOf([a1, v1, a2, a3]);
    expect(t.size).toBe(4);
    expect(t.get('v1')).toEqual(v1);
    expect(t.get('a1')).toEqual(a1);
    expect(t.get('a1')).toBe(t.get('a1'));
    expect(t.has('a3')).toBe(true);
    expect(t.get('zz')).toBeUndefined();
    expect(t.has('zz')).toBe(false);
    expect(t.ids().sort()).toEqual(['a1', 'a2', 'a3', 'v1']);
    expect(all(t)).toEqual([a1, a2, a3, v1]);
  });

  it('shares one place object per place with the summaries made on this side', () => {
    const here: SharedPlaces = new Map();
    const made = itemSummaryOf({ ...photo, id: 'a9', place: { ...photo.place! } }, here);
    const t = tableOf([a1, a2, a3], here);
    expect(t.get('a1')!.place).toBe(made.place);
    expect(t.get('a2')!.place).toBe(made.place);
    expect(here.size).toBe(2);
  });

  it('replaces, adds and deletes items on top of the columns', () => {
    const t = tableOf([a1, v1, a2]);
    const unfavourite = { ...a1, favourite: false };
    t.set(unfavourite);
    t.set(a3);
    t.delete('v1');
    expect(t.size).toBe(3);
    expect(t.get('a1')).toBe(unfavourite);
    expect(t.get('a3')).toBe(a3);
    expect(t.get('v1')).toBeUndefined();
    expect(t.has('v1')).toBe(false);
    expect(t.ids().sort()).toEqual(['a1', 'a2', 'a3']);
    expect(all(t)).toEqual([unfavourite, a2, a3]);
  });

  it('gives the timeline newest taken first from rows and changes alike', () => {
    const t = tableOf([a3, a1, v1]);
    t.set(a2);
    t.delete('a3');
    t.set({ ...a3, takenAtMs: 1_700_000_000_000 });
    const timeline = t.timeline();
    // v1 and a2 share a date taken: the one added later comes first.
    expect(timeline.ids).toEqual(['a3', 'a2', 'v1', 'a1']);
    expect([...timeline.takenAtMs]).toEqual([1_700_000_000_000, 1_650_000_000_000, 1_650_000_000_000, 1_600_000_000_000]);
    expect([...timeline.addedAt]).toEqual([a3.addedAt, 1_700_000_200_000, 1_700_000_100_000, 1_700_000_000_000]);
  });

  it('gives only the favourites, or only those with a position, from rows and changes alike', () => {
    // a1 and a3 are favourites with a position; a2 is neither a favourite nor (once changed) placed.
    const t = tableOf([a1, v1, a2, a3]);
    t.set({ ...a2, hasPosition: false });
    const unplaced = { ...v1, id: 'v9', favourite: true };
    t.set(unplaced);
    const ids = (only: 'favourite' | 'hasPosition') => [...t.summaries(only)].map((s) => s.id).sort();
    expect(ids('favourite')).toEqual(['a1', 'a3', 'v9']);
    expect(ids('hasPosition')).toEqual(['a1', 'a3']);
    expect(t.get('v9')).toBe(unplaced);
  });

  it('finds ids that are also names of object properties or numbers, and no inherited property', () => {
    const odd = ['__proto__', 'constructor', '42'].map((id, k) => ({ ...a2, id, takenAtMs: 1_000 + k }));
    const t = tableOf([...odd, a1]);
    expect(t.size).toBe(4);
    for (const s of odd) expect(t.get(s.id)).toEqual(s);
    expect(t.get('toString')).toBeUndefined();
    expect(t.has('hasOwnProperty')).toBe(false);
    expect(t.ids().sort()).toEqual(['42', '__proto__', 'a1', 'constructor']);
    expect(t.timeline().ids).toEqual(['a1', '42', 'constructor', '__proto__']);
    t.delete('__proto__');
    expect(t.has('__proto__')).toBe(false);
    expect(t.size).toBe(3);
  });

  it('an empty table is empty', () => {
    const t = new ItemSummaryTable();
    expect(t.size).toBe(0);
    expect(t.ids()).toEqual([]);
    expect(t.timeline().ids).toEqual([]);
  });
});
