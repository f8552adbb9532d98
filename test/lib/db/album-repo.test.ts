import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import type { Db } from '../../../src/lib/db/db';
import { addToAlbum, albumItemIds, AlbumNameError, createAlbum, deleteAlbum, listAlbums, removeFromAlbum, renameAlbum } from '../../../src/lib/db/album-repo';
import { commitAssets, DELETE_SLICE, deleteAssetRecords, deleteAssetRecordsInSlices, restoreAssetRecords, restoreAssetRecordsInSlices, type StoredAsset } from '../../../src/lib/db/repo';
import { getTombstones } from '../../../src/lib/db/tombstones';

const { open, uniqueName } = libraryDbs('albums');
const WINDOW_MS = 8_000;

function stored(id: string): StoredAsset {
  return {
    asset: { id, name: `${id}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: 3, sha256: `sha-${id}`, pHash: '0123456789abcdef', width: 4, height: 3, addedAt: 1, takenAtMs: 1, takenAtSource: 'added', status: 'ready', blobLocation: 'idb' },
    thumbnail: { id, blob: new Blob([new Uint8Array([1, 2])]), width: 4, height: 3 },
    embedding: { id, modelId: 'm@q8', dim: 2, vector: new Float32Array([0.6, 0.8]) },
    lineage: [{ id: `embeddings:${id}`, store: 'embeddings', recordId: id, sourceAssetId: id, producer: 'clip', producerVersion: '1', params: {}, createdAt: 1 }],
  };
}

async function library(ids: string[], name?: string): Promise<Db> {
  const db = await open(name);
  for (let i = 0; i < ids.length; i += 1000) await commitAssets(db, ids.slice(i, i + 1000).map((id) => ({ jobId: 'none', record: stored(id) })));
  return db;
}

const summary = async (db: Db) => (await listAlbums(db)).map(({ name, count, coverId }) => ({ name, count, coverId }));

describe('album repository', () => {
  it('creates, renames and deletes albums; names are trimmed, flattened and length-limited, and markup is kept as text', async () => {
    const db = await library([]);
    const trip = await createAlbum(db, '  Trip\n to   the sea ', 10, 'trip');
    expect(trip).toEqual({ id: 'trip', name: 'Trip to the sea', createdAtMs: 10, updatedAtMs: 10 });
    await createAlbum(db, '<img src=x onerror=alert(1)>', 11, 'markup');
    await expect(createAlbum(db, ' \t\n', 12)).rejects.toThrow(AlbumNameError);
    const long = await createAlbum(db, 'x'.repeat(500), 13, 'long');
    expect(long.name).toHaveLength(100);

    expect(await renameAlbum(db, 'trip', ' Sea ', 20)).toMatchObject({ name: 'Sea', createdAtMs: 10, updatedAtMs: 20 });
    await expect(renameAlbum(db, 'trip', '   ', 21)).rejects.toThrow('An album needs a name.');
    expect(await renameAlbum(db, 'gone', 'X', 22)).toBeUndefined();
    expect((await summary(db)).map((a) => a.name)).toEqual(['<img src=x onerror=alert(1)>', 'Sea', 'x'.repeat(100)]);

    await deleteAlbum(db, 'long');
    expect((await summary(db)).map((a) => a.name)).toEqual(['<img src=x onerror=alert(1)>', 'Sea']);
  });

  it('adds and removes items: existing items only, once each, newest as the cover; deleting an album keeps its items', async () => {
    const db = await library(['a', 'b', 'c']);
    await createAlbum(db, 'Trip', 1, 'trip');
    expect(await addToAlbum(db, 'trip', ['a', 'b', 'ghost'], 100)).toBe(2);
    expect(await addToAlbum(db, 'trip', ['b', 'c', 'c'], 200)).toBe(1);
    expect(await addToAlbum(db, 'no-such-album', ['a'], 300)).toBe(0);
    expect(await albumItemIds(db, 'trip')).toEqual(['c', 'a', 'b']);
    expect(await summary(db)).toEqual([{ name: 'Trip', count: 3, coverId: 'c' }]);

    expect(await removeFromAlbum(db, 'trip', ['c', 'ghost'], 400)).toBe(1);
    expect(await summary(db)).toEqual([{ name: 'Trip', count: 2, coverId: expect.stringMatching(/^[ab]$/) }]);

    await deleteAlbum(db, 'trip');
    expect(await db.count('albumItems')).toBe(0);
    expect(await db.count('assets')).toBe(3);
  });

  it('deleting an item removes its album memberships in the same transaction as its records; the tombstone carries them and Undo puts them back', async () => {
    const name = uniqueName();
    const db = await library(['a', 'b'], name);
    await createAlbum(db, 'One', 1, 'one');
    await createAlbum(db, 'Two', 1, 'two');
    await addToAlbum(db, 'one', ['a', 'b'], 5);
    await addToAlbum(db, 'two', ['a'], 6);

    await deleteAssetRecords(db, ['a'], 1_000, WINDOW_MS);
    // What a reload (another connection) finds: the item and its memberships gone together, the tombstone holding both.
    const reloaded = await open(name);
    expect(await reloaded.getKey('assets', 'a')).toBeUndefined();
    expect(await albumItemIds(reloaded, 'one')).toEqual(['b']);
    expect(await albumItemIds(reloaded, 'two')).toEqual([]);
    const [t] = await getTombstones(reloaded, ['a']);
    expect(t.bundle.albumItems?.map((m) => m.id).sort()).toEqual(['one:a', 'two:a']);

    const outcome = await restoreAssetRecords(reloaded, ['a'], () => 2_000);
    expect(outcome.restored).toHaveLength(1);
    expect(await albumItemIds(reloaded, 'one')).toEqual(['a', 'b']);
    expect((await reloaded.getAll('albumItems')).map((m) => m.id).sort()).toEqual(['one:a', 'one:b', 'two:a']);
    expect((await reloaded.get('albumItems', 'one:a'))?.addedAtMs).toBe(5);
  });

  it('Undo after the album itself was deleted brings the item back but not the album', async () => {
    const db = await library(['a']);
    await createAlbum(db, 'One', 1, 'one');
    await addToAlbum(db, 'one', ['a'], 5);
    await deleteAssetRecords(db, ['a'], 1_000, WINDOW_MS);
    await deleteAlbum(db, 'one');
    await restoreAssetRecords(db, ['a'], () => 2_000);
    expect(await db.getKey('assets', 'a')).toBe('a');
    expect(await db.count('albumItems')).toBe(0);
    expect(await db.count('albums')).toBe(0);
  });

  it('a delete of 10,000 items runs in slices with progress, one shared expiry, and one undo restores all of them with their memberships', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `i${String(i).padStart(5, '0')}`);
    const db = await library(ids);
    await createAlbum(db, 'Big', 1, 'big');
    await addToAlbum(db, 'big', ids.slice(0, 2_000), 5);

    const progress: number[] = [];
    let t0 = performance.now();
    const tombstones = await deleteAssetRecordsInSlices(db, ids, 1_000, WINDOW_MS, (p) => progress.push(p.done));
    const deleteMs = performance.now() - t0;
    expect(tombstones).toHaveLength(10_000);
    expect(progress).toEqual(Array.from({ length: 10_000 / DELETE_SLICE }, (_, i) => Math.min(10_000, (i + 1) * DELETE_SLICE)));
    expect(new Set(tombstones.map((t) => t.expiresAtMs)).size).toBe(1);
    expect(tombstones[0].expiresAtMs).toBeGreaterThan(1_000 + WINDOW_MS);
    expect(await db.count('assets')).toBe(0);
    expect(await db.count('albumItems')).toBe(0);

    t0 = performance.now();
    const outcome = await restoreAssetRecordsInSlices(db, ids, undefined, () => 2_000);
    const restoreMs = performance.now() - t0;
    expect(outcome.restored).toHaveLength(10_000);
    expect(await db.count('assets')).toBe(10_000);
    expect(await db.count('albumItems')).toBe(2_000);
    expect(await db.count('tombstones')).toBe(0);
    console.log(`10,000 items (fake-indexeddb): delete ${deleteMs.toFixed(0)} ms, undo ${restoreMs.toFixed(0)} ms, in slices of ${DELETE_SLICE}`);
  }, 120_000);

  it('a large delete cut off between slices (the page closed) leaves every item wholly there or wholly gone, album membership included', async () => {
    const name = uniqueName();
    const ids = Array.from({ length: 3 * DELETE_SLICE }, (_, i) => `i${String(i).padStart(5, '0')}`);
    const db = await library(ids, name);
    await createAlbum(db, 'All', 1, 'all');
    await addToAlbum(db, 'all', ids, 5);
    const closed = new Error('the page closed');
    await expect(
      deleteAssetRecordsInSlices(db, ids, 1_000, WINDOW_MS, (p) => {
        if (p.done === DELETE_SLICE) throw closed;
      }),
    ).rejects.toBe(closed);

    const reloaded = await open(name);
    const [assets, thumbs, vectors, lineage, members, tombstones] = await Promise.all(
      (['assets', 'thumbnails', 'embeddings', 'lineage', 'albumItems', 'tombstones'] as const).map(async (store) => new Set((await reloaded.getAllKeys(store)).map(String))),
    );
    const gone = ids.slice(0, DELETE_SLICE);
    const kept = ids.slice(DELETE_SLICE);
    for (const id of gone) expect([assets.has(id), thumbs.has(id), vectors.has(id), lineage.has(`embeddings:${id}`), members.has(`all:${id}`), tombstones.has(id)]).toEqual([false, false, false, false, false, true]);
    for (const id of kept) expect([assets.has(id), thumbs.has(id), vectors.has(id), lineage.has(`embeddings:${id}`), members.has(`all:${id}`), tombstones.has(id)]).toEqual([true, true, true, true, true, false]);
    // The part that was deleted can still be undone, memberships and all.
    await restoreAssetRecordsInSlices(reloaded, gone, undefined, () => 2_000);
    expect(await reloaded.count('albumItems')).toBe(ids.length);
  }, 60_000);
});
