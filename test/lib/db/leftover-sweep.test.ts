import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import type { Db } from '../../../src/lib/db/db';
import { commitAsset, deleteAssetRecords, putJobs, type StoredAsset } from '../../../src/lib/db/repo';
import { FIRST_SEEN_KEY, sweepLeftovers } from '../../../src/lib/db/leftover-sweep';
import type { JobStatus } from '../../../src/lib/db/schema';
import { isExportableMetaKey } from '../../../src/lib/core/archive';

/** An in-memory stand-in for the OPFS `originals` folder: names, sizes and lastModified, as the sweep reads them. */
const opfs = new Map<string, { sizeBytes: number; lastModifiedMs: number }>();
const notFound = () => new DOMException('not found', 'NotFoundError');
const originalsDir = {
  kind: 'directory',
  async getFileHandle(name: string) {
    if (!opfs.has(name)) throw notFound();
    return {
      kind: 'file',
      name,
      async getFile() {
        const f = opfs.get(name);
        if (!f) throw notFound();
        return { size: f.sizeBytes, lastModified: f.lastModifiedMs };
      },
    };
  },
  async removeEntry(name: string) {
    if (!opfs.delete(name)) throw notFound();
  },
  async *keys() {
    for (const name of [...opfs.keys()]) yield name;
  },
};
beforeAll(() => {
  vi.stubGlobal('navigator', { storage: { getDirectory: async () => ({ getDirectoryHandle: async () => originalsDir }) } });
});

const dbs = libraryDbs('sweep');
async function fresh(): Promise<Db> {
  opfs.clear();
  return dbs.open();
}

const NOW = 1_800_000_000_000;
const GRACE = 10 * 60_000;
const OLD = NOW - GRACE - 1;

function stored(id: string): StoredAsset {
  return {
    asset: { id, name: `${id}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: 3, sha256: `sha-${id}`, pHash: '0123456789abcdef', width: 4, height: 3, addedAt: 1, takenAtMs: 1, takenAtSource: 'added', status: 'ready', blobLocation: 'opfs' },
    thumbnail: { id, blob: new Blob([new Uint8Array(40)]), width: 4, height: 3 },
    embedding: { id, modelId: 'm@q8', dim: 2, vector: new Float32Array([0.6, 0.8]) },
    lineage: [],
  };
}
const job = (id: string, status: JobStatus) => ({ id, name: `${id}.jpg`, mime: 'image/jpeg', sizeBytes: 3, status, batchId: 'b', createdAt: 1, updatedAt: 1, blobLocation: 'opfs' as const });

describe('leftover sweep over OPFS and IndexedDB', () => {
  it('removes old OPFS files no asset, job or tombstone owns; keeps owned and young ones; reports count and bytes', async () => {
    const db = await fresh();
    await commitAsset(db, 'none', stored('asset'));
    await commitAsset(db, 'none', stored('deleted'));
    await deleteAssetRecords(db, ['deleted'], NOW - 1000, 8000);
    // Jobs own their bytes until their item is stored; after that the item does.
    const statuses: JobStatus[] = ['queued', 'processing', 'duplicate', 'failed'];
    await putJobs(db, [...statuses.map((s) => job(`job-${s}`, s)), job('asset', 'stored'), job('deleted', 'stored')]);
    for (const id of ['asset', 'deleted', ...statuses.map((s) => `job-${s}`)]) opfs.set(id, { sizeBytes: 1000, lastModifiedMs: OLD - 1e9 });
    opfs.set('orphan-1', { sizeBytes: 2_000_000, lastModifiedMs: OLD });
    opfs.set('orphan-2', { sizeBytes: 500, lastModifiedMs: NOW - GRACE });
    opfs.set('in-flight', { sizeBytes: 700, lastModifiedMs: NOW - GRACE + 1 });
    // Deleted for good before deletes were durable: its stored job is all that is left.
    await putJobs(db, [job('leaked', 'stored')]);
    opfs.set('leaked', { sizeBytes: 30_000, lastModifiedMs: OLD });

    const result = await sweepLeftovers(db, NOW, GRACE);
    expect(result).toMatchObject({ removedCount: 3, removedBytes: 2_030_500, scanned: { opfs: 10 } });
    expect([...opfs.keys()].sort()).toEqual(['asset', 'deleted', 'in-flight', ...statuses.map((s) => `job-${s}`)].sort());
    // Swept again at once: nothing more. Once the young file is as old as the grace period and still unowned, it goes.
    expect(await sweepLeftovers(db, NOW, GRACE)).toMatchObject({ removedCount: 0, removedBytes: 0 });
    expect(await sweepLeftovers(db, NOW + 1, GRACE)).toMatchObject({ removedCount: 1, removedBytes: 700 });
    expect(opfs.has('in-flight')).toBe(false);
  });

  it('IndexedDB blobs and thumbnails without an owner go only when seen unowned at two sweeps a grace period apart', async () => {
    const db = await fresh();
    await commitAsset(db, 'none', stored('video'));
    await db.put('thumbnails', { id: 'video#0', blob: new Blob([new Uint8Array(5)]), width: 1, height: 1 });
    await db.put('blobs', new Blob([new Uint8Array(3)]), 'video');
    await putJobs(db, [job('queued-job', 'queued')]);
    await db.put('blobs', new Blob([new Uint8Array(11)]), 'queued-job');
    // Leftovers: an original and a thumbnail strip of an item that no longer exists.
    await db.put('blobs', new Blob([new Uint8Array(1000)]), 'gone');
    await db.put('thumbnails', { id: 'gone', blob: new Blob([new Uint8Array(20)]), width: 1, height: 1 });
    await db.put('thumbnails', { id: 'gone#3', blob: new Blob([new Uint8Array(30)]), width: 1, height: 1 });

    expect(await sweepLeftovers(db, NOW, GRACE)).toMatchObject({ removedCount: 0, scanned: { blobs: 3, thumbnails: 4 } });
    expect(await db.get('meta', FIRST_SEEN_KEY)).toEqual({ blobs: { gone: NOW }, thumbnails: { gone: NOW, 'gone#3': NOW } });
    // An import that was in flight finishes meanwhile: its blob has an owner now and is kept.
    await db.put('blobs', new Blob([new Uint8Array(9)]), 'late');
    await putJobs(db, [job('late', 'queued')]);
    expect(await sweepLeftovers(db, NOW + GRACE - 1, GRACE)).toMatchObject({ removedCount: 0 });

    const result = await sweepLeftovers(db, NOW + GRACE, GRACE);
    expect(result).toMatchObject({ removedCount: 3, removedBytes: 1050 });
    expect((await db.getAllKeys('blobs')).sort()).toEqual(['late', 'queued-job', 'video']);
    expect((await db.getAllKeys('thumbnails')).sort()).toEqual(['video', 'video#0']);
    expect(await db.get('meta', FIRST_SEEN_KEY)).toEqual({ blobs: {}, thumbnails: {} });
  });

  it('a blob of a stored job whose item is gone is a leftover; one whose item is in the library or in its undo window is not', async () => {
    const db = await fresh();
    await commitAsset(db, 'none', stored('kept'));
    await commitAsset(db, 'none', stored('undoable'));
    await deleteAssetRecords(db, ['undoable'], NOW, 8000);
    await putJobs(db, [job('kept', 'stored'), job('undoable', 'stored'), job('gone', 'stored')]);
    for (const id of ['kept', 'undoable', 'gone']) await db.put('blobs', new Blob([new Uint8Array(6)]), id);
    await sweepLeftovers(db, NOW, GRACE);
    expect(await sweepLeftovers(db, NOW + GRACE, GRACE)).toMatchObject({ removedCount: 1, removedBytes: 6 });
    expect((await db.getAllKeys('blobs')).sort()).toEqual(['kept', 'undoable']);
  });

  it('an IndexedDB entry that gains an owner between two sweeps starts over if orphaned again', async () => {
    const db = await fresh();
    await db.put('blobs', new Blob([new Uint8Array(4)]), 'x');
    await sweepLeftovers(db, NOW, GRACE);
    await putJobs(db, [job('x', 'queued')]);
    await sweepLeftovers(db, NOW + 1, GRACE);
    await db.delete('jobs', 'x');
    expect(await sweepLeftovers(db, NOW + GRACE, GRACE)).toMatchObject({ removedCount: 0 });
    expect(await sweepLeftovers(db, NOW + 1 + 2 * GRACE, GRACE)).toMatchObject({ removedCount: 1, removedBytes: 4 });
  });

  it('the first-seen times stay on this device: never written to a library archive', () => {
    expect(FIRST_SEEN_KEY.startsWith('sweep:')).toBe(true);
    expect(isExportableMetaKey(FIRST_SEEN_KEY)).toBe(false);
  });

  it('an empty library: nothing scanned, nothing removed, nothing written', async () => {
    const db = await fresh();
    expect(await sweepLeftovers(db, NOW, GRACE)).toEqual({ removedCount: 0, removedBytes: 0, scanned: { opfs: 0, blobs: 0, thumbnails: 0 } });
    expect(await db.get('meta', FIRST_SEEN_KEY)).toBeUndefined();
  });

  it('10,000 owned files and 100 leftovers: one listing, only the leftovers opened', async () => {
    const db = await fresh();
    const ids = Array.from({ length: 10_000 }, (_, i) => `asset-${i}`);
    const tx = db.transaction('assets', 'readwrite');
    for (const id of ids) void tx.store.put(stored(id).asset);
    await tx.done;
    for (const id of ids) opfs.set(id, { sizeBytes: 10, lastModifiedMs: OLD });
    for (let i = 0; i < 100; i++) opfs.set(`orphan-${i}`, { sizeBytes: 10, lastModifiedMs: OLD });
    const opened = vi.spyOn(originalsDir, 'getFileHandle');
    const t0 = performance.now();
    const result = await sweepLeftovers(db, NOW, GRACE);
    const tookMs = performance.now() - t0;
    expect(result).toMatchObject({ removedCount: 100, removedBytes: 1000, scanned: { opfs: 10_100 } });
    // Each leftover is opened twice (planned, then checked again just before removal); owned files never.
    expect(opened).toHaveBeenCalledTimes(200);
    expect(opfs.size).toBe(10_000);
    console.info(`sweep over 10,100 files (fake OPFS, fake-indexeddb): ${tookMs.toFixed(0)} ms`);
  });
});
