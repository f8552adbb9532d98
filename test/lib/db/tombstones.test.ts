import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import type { Db } from '../../../src/lib/db/db';
import { putOriginal } from '../../../src/lib/db/blob-store';
import { commitAsset, deleteAssetRecords, restoreAssetRecords, type StoredAsset } from '../../../src/lib/db/repo';
import { carryOutDueTombstones, carryOutTombstone, getTombstones, tombstoneTimings } from '../../../src/lib/db/tombstones';
import { motionOriginalId } from '../../../src/lib/core/live-photos';

// Without OPFS (Node), originals go to the `blobs` store: the IndexedDB fallback path.
const { open, uniqueName } = libraryDbs('tombstones');

const WINDOW_MS = 8_000;
const DELETED_AT = 1_000_000;
const EXPIRES = DELETED_AT + WINDOW_MS;

function stored(id: string): StoredAsset {
  return {
    asset: { id, name: `${id}.mp4`, type: 'video', mime: 'video/mp4', sizeBytes: 3, sha256: `sha-${id}`, pHash: '0123456789abcdef', width: 4, height: 3, addedAt: 1, takenAtMs: 1, takenAtSource: 'added', status: 'ready', blobLocation: 'idb', frameTimestampsSec: [0.5] },
    thumbnail: { id, blob: new Blob([new Uint8Array([1, 2])]), width: 4, height: 3 },
    embedding: { id, modelId: 'm@q8', dim: 2, vector: new Float32Array([0.6, 0.8]) },
    lineage: [{ id: `embeddings:${id}`, store: 'embeddings', recordId: id, sourceAssetId: id, producer: 'clip', producerVersion: '1', params: {}, createdAt: 1 }],
    frames: [{ id: `${id}#0`, assetId: id, frameIndex: 0, timestampSec: 0.5, modelId: 'm@q8', dim: 2, vector: new Float32Array([1, 0]) }],
    frameThumbnails: [{ id: `${id}#0`, blob: new Blob([new Uint8Array([9])]), width: 4, height: 3 }],
  };
}

async function library(ids: string[], name?: string): Promise<Db> {
  const db = await open(name);
  for (const id of ids) {
    await putOriginal(db, id, new Blob([new Uint8Array([7, 7, 7])]));
    await commitAsset(db, 'none', stored(id));
  }
  return db;
}

const hasOriginal = async (db: Db, id: string) => (await db.get('blobs', id)) !== undefined;
const everything = async (db: Db, id: string) => ({
  asset: (await db.getKey('assets', id)) !== undefined,
  thumbnails: (await db.getAllKeys('thumbnails')).filter((k) => k.startsWith(id)).sort(),
  vector: (await db.get('embeddings', id))?.vector,
  frames: (await db.getAllKeys('frameEmbeddings')).filter((k) => k.startsWith(id)),
  lineage: (await db.getAllKeys('lineage')).filter((k) => k.endsWith(id)),
  original: await hasOriginal(db, id),
});

describe('tombstones: durable deletes with undo from storage', () => {
  it('a delete removes the records and writes the tombstone together; another connection (a reload, a tab) sees the tombstone with its bundle', async () => {
    const name = uniqueName();
    const db = await library(['a', 'b'], name);
    const tombstones = await deleteAssetRecords(db, ['a'], DELETED_AT, WINDOW_MS);
    expect(tombstones).toHaveLength(1);

    const reloaded = await open(name);
    expect(await everything(reloaded, 'a')).toEqual({ asset: false, thumbnails: [], vector: undefined, frames: [], lineage: [], original: true });
    expect(await tombstoneTimings(reloaded)).toEqual([{ id: 'a', expiresAtMs: EXPIRES }]);
    const [t] = await getTombstones(reloaded, ['a']);
    expect(t).toMatchObject({ id: 'a', name: 'a.mp4', blobLocation: 'idb', deletedAtMs: DELETED_AT, expiresAtMs: EXPIRES });
    expect(t.bundle.thumbnails.map((x) => x.id).sort()).toEqual(['a', 'a#0']);
    expect(t.bundle.frames.map((f) => f.id)).toEqual(['a#0']);
  });

  it('undo from another connection inside the window restores every record and removes the tombstone', async () => {
    const name = uniqueName();
    const db = await library(['a'], name);
    const before = await everything(db, 'a');
    await deleteAssetRecords(db, ['a'], DELETED_AT, WINDOW_MS);
    const otherTab = await open(name);
    expect(await restoreAssetRecords(otherTab, ['a'], () => EXPIRES - 1)).toMatchObject({ final: [], restored: [{ asset: { id: 'a' } }] });
    expect(await everything(db, 'a')).toEqual(before);
    expect(await db.count('tombstones')).toBe(0);
    // The first tab's Undo finds the item already back, not a final delete.
    expect(await restoreAssetRecords(db, ['a'], () => EXPIRES - 1)).toEqual({ restored: [], alreadyBack: ['a'], final: [] });
    // Carrying out afterwards finds nothing: the original stays with its item.
    expect(await carryOutTombstone(db, 'a', () => EXPIRES + 1)).toBe(false);
    expect(await hasOriginal(db, 'a')).toBe(true);
  });

  it('undo at or after the expiry is refused: the delete is final and nothing comes back', async () => {
    const db = await library(['a']);
    await deleteAssetRecords(db, ['a'], DELETED_AT, WINDOW_MS);
    expect(await restoreAssetRecords(db, ['a'], () => EXPIRES)).toEqual({ restored: [], alreadyBack: [], final: ['a'] });
    expect((await everything(db, 'a')).asset).toBe(false);
    expect(await db.count('tombstones')).toBe(1);
    // An id with no tombstone at all is final too.
    expect(await restoreAssetRecords(db, ['never'], () => 0)).toEqual({ restored: [], alreadyBack: [], final: ['never'] });
  });

  it('carrying out waits for the expiry, then removes the original and the tombstone', async () => {
    const db = await library(['a']);
    await deleteAssetRecords(db, ['a'], DELETED_AT, WINDOW_MS);
    expect(await carryOutTombstone(db, 'a', () => EXPIRES - 1)).toBe(false);
    expect(await hasOriginal(db, 'a')).toBe(true);
    expect(await carryOutTombstone(db, 'a', () => EXPIRES)).toBe(true);
    expect(await hasOriginal(db, 'a')).toBe(false);
    expect(await db.count('tombstones')).toBe(0);
  });

  it('a crash between removing the file and the tombstone: carrying out again finishes the job', async () => {
    const db = await library(['a']);
    await deleteAssetRecords(db, ['a'], DELETED_AT, WINDOW_MS);
    await db.delete('blobs', 'a'); // the file went, then the page died
    expect(await carryOutDueTombstones(db, () => EXPIRES + 5)).toEqual(['a']);
    expect(await db.count('tombstones')).toBe(0);
    expect(await carryOutDueTombstones(db, () => EXPIRES + 6)).toEqual([]);
  });

  it('never removes the file of an item that exists, even with a due tombstone of its id', async () => {
    const db = await library(['a']);
    await deleteAssetRecords(db, ['a'], DELETED_AT, WINDOW_MS);
    await commitAsset(db, 'none', stored('a'));
    await carryOutTombstone(db, 'a', () => EXPIRES);
    expect(await hasOriginal(db, 'a')).toBe(true);
  });

  it('carryOutDueTombstones takes only the due ones: a tab never carries out another tab’s delete still in its window', async () => {
    const name = uniqueName();
    const tabA = await library(['early', 'late'], name);
    const tabB = await open(name);
    await deleteAssetRecords(tabA, ['early'], DELETED_AT, WINDOW_MS);
    await deleteAssetRecords(tabB, ['late'], DELETED_AT + 5_000, WINDOW_MS);
    expect(await carryOutDueTombstones(tabA, () => EXPIRES)).toEqual(['early']);
    expect(await hasOriginal(tabA, 'late')).toBe(true);
    expect(await restoreAssetRecords(tabB, ['late'], () => EXPIRES)).toMatchObject({ final: [] });
    expect((await everything(tabB, 'late')).asset).toBe(true);
  });

  it('an undo and a carry-out racing at the expiry never leave an item without its file', async () => {
    for (const [undoAt, carryAt] of [
      [EXPIRES - 1, EXPIRES],
      [EXPIRES, EXPIRES],
      [EXPIRES - 1, EXPIRES + 1],
    ]) {
      const name = uniqueName();
      const db = await library(['a'], name);
      const other = await open(name);
      await deleteAssetRecords(db, ['a'], DELETED_AT, WINDOW_MS);
      await Promise.all([restoreAssetRecords(other, ['a'], () => undoAt), carryOutTombstone(db, 'a', () => carryAt)]);
      const state = await everything(db, 'a');
      expect(state.asset).toBe(state.original);
      expect(await db.count('tombstones')).toBe(0);
    }
  });

  it('a run of items is read by key range, a scattered few key by key: both write the same tombstones and leave the other items alone', async () => {
    // 'b' and 'c' are a run; 'a' and 'e' are far apart with many items between them.
    const ids = ['a', 'b', 'c', 'd', 'd1', 'd2', 'd3', 'd4', 'd5', 'e'];
    const byRange = await library(ids);
    const byKey = await library(ids);
    const run = await deleteAssetRecords(byRange, ['c', 'b'], DELETED_AT, WINDOW_MS);
    const scattered = await deleteAssetRecords(byKey, ['e', 'a'], DELETED_AT, WINDOW_MS);
    const oneByOne = await library(ids);
    const single = [...(await deleteAssetRecords(oneByOne, ['b'], DELETED_AT, WINDOW_MS)), ...(await deleteAssetRecords(oneByOne, ['c'], DELETED_AT, WINDOW_MS))];
    const shape = (t: (typeof run)[number]) => ({ ...t, bundle: { ...t.bundle, thumbnails: t.bundle.thumbnails.map((x) => x.id).sort() } });
    expect(run.map(shape)).toEqual(single.map(shape));
    expect(run[0]!.bundle.thumbnails.map((x) => x.id).sort()).toEqual(['b', 'b#0']);
    expect(scattered.map((t) => t.id)).toEqual(['a', 'e']);
    expect(scattered[1]!.bundle.frames.map((f) => f.id)).toEqual(['e#0']);
    for (const id of ['a', 'd', 'd1', 'e']) expect((await everything(byRange, id)).asset).toBe(true);
    expect(await byRange.getAllKeys('thumbnails')).toEqual(['a', 'a#0', 'd', 'd#0', 'd1', 'd1#0', 'd2', 'd2#0', 'd3', 'd3#0', 'd4', 'd4#0', 'd5', 'd5#0', 'e', 'e#0']);
    expect((await everything(byKey, 'b')).asset).toBe(true);
  });

  it('a run deleted by key range comes back whole with Undo, keyframes and vectors included, and its neighbours are untouched', async () => {
    const ids = ['a', 'b', 'c', 'c1', 'd'];
    const db = await library(ids);
    const before = await Promise.all(ids.map((id) => everything(db, id)));
    await deleteAssetRecords(db, ['c', 'b', 'c1'], DELETED_AT, WINDOW_MS);
    expect(await db.getAllKeys('assets')).toEqual(['a', 'd']);
    expect(await db.getAllKeys('thumbnails')).toEqual(['a', 'a#0', 'd', 'd#0']);
    expect(await db.getAllKeys('embeddings')).toEqual(['a', 'd']);
    await restoreAssetRecords(db, ['b', 'c', 'c1'], () => DELETED_AT + 1);
    expect(await Promise.all(ids.map((id) => everything(db, id)))).toEqual(before);
    expect(await db.count('tombstones')).toBe(0);
  });

  it("a Live Photo's motion file stays through the undo window and Undo, and goes with the still when the delete is final", async () => {
    const db = await open();
    const live = stored('live');
    live.asset = { ...live.asset, type: 'image', motion: { kind: 'live', name: 'live.MOV', mime: 'video/quicktime', sizeBytes: 2, sha256: 'f'.repeat(64), durationSec: 2, blobLocation: 'idb' } };
    await putOriginal(db, 'live', new Blob([new Uint8Array([7])]));
    await putOriginal(db, motionOriginalId('live'), new Blob([new Uint8Array([8, 8])]));
    await commitAsset(db, 'none', live);
    await deleteAssetRecords(db, ['live'], DELETED_AT, WINDOW_MS);
    expect(await carryOutTombstone(db, 'live', () => EXPIRES - 1)).toBe(false);
    expect(await hasOriginal(db, motionOriginalId('live'))).toBe(true);
    await restoreAssetRecords(db, ['live'], () => EXPIRES - 1);
    expect((await db.get('assets', 'live'))?.motion?.kind).toBe('live');

    await deleteAssetRecords(db, ['live'], DELETED_AT, WINDOW_MS);
    expect(await carryOutTombstone(db, 'live', () => EXPIRES)).toBe(true);
    expect([await hasOriginal(db, 'live'), await hasOriginal(db, motionOriginalId('live'))]).toEqual([false, false]);
  });
});
