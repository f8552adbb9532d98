import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { itemSummaryColumnsByTakenAt, newestTakenAssets } from '../../../src/lib/db/repo';
import { compareNewestFirst } from '../../../src/lib/core/timeline';
import type { AssetRecord } from '../../../src/lib/db/schema';
import { itemSummariesFromColumns, itemSummaryOf } from '../../../src/lib/core/item-summary';

const { open } = libraryDbs('first-screen');

/** A record taken at `takenAtMs`; ids run against the date so neither order can come from the id. */
function asset(i: number, takenAtMs: number): AssetRecord {
  const id = `item-${String(999 - i).padStart(3, '0')}`;
  return { id, name: `${id}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: 1, sha256: id, pHash: '0000000000000000', width: 1, height: 1, addedAt: i, takenAtMs, takenAtSource: 'file-modified', status: 'ready', blobLocation: 'idb' };
}

describe('newestTakenAssets', () => {
  it('reads the items taken most recently, newest first, as the whole timeline begins', async () => {
    const db = await open();
    // Dates in a scrambled order: 37 is coprime with 50, so every date appears once.
    const records = Array.from({ length: 50 }, (_, i) => asset(i, 1_000_000 + ((i * 37) % 50) * 60_000));
    const tx = db.transaction('assets', 'readwrite');
    for (const r of records) void tx.store.put(r);
    await tx.done;

    const first = await newestTakenAssets(db, 12);
    expect(first.map((a) => a.id)).toEqual([...records].sort(compareNewestFirst).slice(0, 12).map((a) => a.id));
    expect(first.map((a) => a.takenAtMs)).toEqual(Array.from({ length: 12 }, (_, k) => 1_000_000 + (49 - k) * 60_000));
    expect(await newestTakenAssets(db, 500)).toHaveLength(50);
  });

  it('dates a record stored without a date taken by when it was added, in the whole timeline', async () => {
    const db = await open();
    const undated = { ...asset(5, 0), takenAtMs: undefined } as unknown as AssetRecord;
    const tx = db.transaction('assets', 'readwrite');
    for (const r of [asset(1, 10), undated, asset(9, 3)]) void tx.store.put(r);
    await tx.done;

    const all = itemSummariesFromColumns(await itemSummaryColumnsByTakenAt(db), new Map());
    expect(all.map((a) => [a.id, a.takenAtMs])).toEqual([
      [asset(1, 10).id, 10],
      [undated.id, 5],
      [asset(9, 3).id, 3],
    ]);
  });

  it('reads the whole timeline as summary columns, in the records\' order, the undated dated too', async () => {
    const db = await open();
    // Ten dates taken and three dates added among 40 records: ties broken by date added, then id.
    const records = Array.from({ length: 40 }, (_, i) => ({ ...asset(i, 1_000_000 + ((i * 37) % 10) * 60_000), addedAt: i % 3 }));
    const undated = { ...asset(40, 0), takenAtMs: undefined } as unknown as AssetRecord;
    const tx = db.transaction('assets', 'readwrite');
    for (const r of [...records, undated]) void tx.store.put(r);
    await tx.done;

    const columns = await itemSummaryColumnsByTakenAt(db);
    // The undated record is dated when it was added (40), as the schema's upgrade dates such records.
    const full = [...records, { ...undated, takenAtMs: undated.addedAt }].sort(compareNewestFirst);
    const summaries = itemSummariesFromColumns(columns, new Map());
    expect(summaries.map((s) => s.id)).toEqual(full.map((a) => a.id));
    expect(summaries.map((s) => s.takenAtMs)).toEqual(full.map((a) => a.takenAtMs));
    expect(summaries).toEqual(full.map((a) => itemSummaryOf(a, new Map())));
    expect(summaries.find((s) => s.id === undated.id)?.takenAtMs).toBe(40);
  });

  it('an empty library has no first screen', async () => {
    expect(await newestTakenAssets(await open(), 300)).toEqual([]);
  });
});
