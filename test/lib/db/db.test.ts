import 'fake-indexeddb/auto';
import { unwrap, wrap } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, openLibraryDb, type Db } from '../../../src/lib/db/db';
import {
  addQueryTiming,
  assetBySha256,
  claimQueuedJobs,
  commitAsset,
  commitAssets,
  commitVectors,
  embeddingsForModel,
  getMeta,
  listAssets,
  putJobs,
  recentQueryTimings,
  requeueInterrupted,
  setMeta,
  unfinishedJobs,
  updateJob,
  type StoredAsset, deleteAssetRecords, restoreAssetRecords, setFavourite } from '../../../src/lib/db/repo';
import type { AssetRecord, JobRecord, JobStatus, QueryTimingRecord } from '../../../src/lib/db/schema';
import { modelKey } from '../../../src/lib/core/model-source';

let seq = 0;
/** fake-indexeddb is one global factory for the whole file, so every test gets its own library. */
const uniqueName = (label: string) => `shoebox-test-${label}-${++seq}-${Math.random().toString(36).slice(2)}`;

const opened: Db[] = [];
async function open(name: string, version?: number, migrations?: typeof MIGRATIONS): Promise<Db> {
  const db = await openLibraryDb(name, version, migrations);
  opened.push(db);
  return db;
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  vi.restoreAllMocks();
});

function job(id: string, createdAt: number, status: JobStatus = 'queued', batchId = 'b1'): JobRecord {
  return { id, name: `${id}.jpg`, mime: 'image/jpeg', sizeBytes: 100, status, batchId, createdAt, updatedAt: createdAt, blobLocation: 'idb' };
}

function asset(id: string, sha256: string, addedAt = 1_000): AssetRecord {
  return {
    id,
    name: `${id}.jpg`,
    type: 'image',
    mime: 'image/jpeg',
    sizeBytes: 100,
    sha256,
    pHash: '0123456789abcdef',
    width: 4,
    height: 3,
    addedAt,
    takenAtMs: addedAt,
    takenAtSource: 'added',
    status: 'ready',
    blobLocation: 'idb',
  };
}

function stored(id: string, sha256: string, modelId = 'm@q8', addedAt = 1_000): StoredAsset {
  return {
    asset: asset(id, sha256, addedAt),
    thumbnail: { id, blob: new Blob([new Uint8Array([1, 2, 3])], { type: 'image/webp' }), width: 4, height: 3 },
    embedding: { id, modelId, dim: 2, vector: new Float32Array([0.6, 0.8]) },
    lineage: [
      { id: `thumbnails:${id}`, store: 'thumbnails', recordId: id, sourceAssetId: id, producer: 'thumb', producerVersion: '1', params: {}, createdAt: addedAt },
      { id: `embeddings:${id}`, store: 'embeddings', recordId: id, sourceAssetId: id, producer: 'clip', producerVersion: '1', modelId, params: { crop: 'center' }, createdAt: addedAt },
    ],
  };
}

/** Hands commitAsset a view of `db` that collects its transactions' `done` promises, so a test can assert the abort itself. */
function observingDone(db: Db): { db: Db; done: Promise<void>[] } {
  const done: Promise<void>[] = [];
  const view = new Proxy(db, {
    get(target, prop) {
      if (prop === 'transaction') {
        return (...args: unknown[]) => {
          const tx = (target.transaction as (...a: unknown[]) => { done: Promise<void> })(...args);
          tx.done.catch(() => {});
          done.push(tx.done);
          return tx;
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: view, done };
}

function timing(at: number, query = `q${at}`): QueryTimingRecord {
  return { at, query, modelId: 'm@q8', encodeMs: 1, rankMs: 2, renderMs: 3, resultCount: 4, libraryCount: 5 };
}

/** Every store and index of `src/lib/db/schema.ts`, as the v1 migration must create them. */
const V1_LAYOUT: Record<string, { keyPath: string | null; autoIncrement: boolean; indexes: Record<string, { keyPath: string | string[]; unique: boolean }> }> = {
  assets: {
    keyPath: 'id',
    autoIncrement: false,
    indexes: {
      bySha256: { keyPath: 'sha256', unique: true },
      byAddedAt: { keyPath: 'addedAt', unique: false },
      byName: { keyPath: 'name', unique: false },
    },
  },
  blobs: { keyPath: null, autoIncrement: false, indexes: {} },
  thumbnails: { keyPath: 'id', autoIncrement: false, indexes: {} },
  embeddings: { keyPath: 'id', autoIncrement: false, indexes: { byModelId: { keyPath: 'modelId', unique: false } } },
  jobs: {
    keyPath: 'id',
    autoIncrement: false,
    indexes: {
      byStatus: { keyPath: 'status', unique: false },
      byStatusCreatedAt: { keyPath: ['status', 'createdAt'], unique: false },
      byCreatedAt: { keyPath: 'createdAt', unique: false },
    },
  },
  lineage: { keyPath: 'id', autoIncrement: false, indexes: { bySourceAssetId: { keyPath: 'sourceAssetId', unique: false } } },
  meta: { keyPath: null, autoIncrement: false, indexes: {} },
  queryTimings: { keyPath: 'id', autoIncrement: true, indexes: { byAt: { keyPath: 'at', unique: false } } },
};

const V2_LAYOUT: typeof V1_LAYOUT = {
  ...V1_LAYOUT,
  frameEmbeddings: {
    keyPath: 'id',
    autoIncrement: false,
    indexes: { byAssetId: { keyPath: 'assetId', unique: false }, byModelId: { keyPath: 'modelId', unique: false } },
  },
  indexSnapshots: { keyPath: 'name', autoIncrement: false, indexes: {} },
};

const V3_LAYOUT: typeof V1_LAYOUT = {
  ...V2_LAYOUT,
  clusters: { keyPath: 'id', autoIncrement: false, indexes: { byModelKey: { keyPath: 'modelKey', unique: false } } },
};

const V4_LAYOUT: typeof V1_LAYOUT = {
  ...V3_LAYOUT,
  jobs: { ...V3_LAYOUT.jobs, indexes: { ...V3_LAYOUT.jobs.indexes, byBatchId: { keyPath: 'batchId', unique: false } } },
  drops: { keyPath: 'id', autoIncrement: false, indexes: {} },
  folders: { keyPath: 'id', autoIncrement: false, indexes: {} },
  tombstones: { keyPath: 'id', autoIncrement: false, indexes: { byExpiresAt: { keyPath: 'expiresAtMs', unique: false } } },
};

const V5_LAYOUT: typeof V1_LAYOUT = {
  ...V4_LAYOUT,
  assets: { ...V4_LAYOUT.assets, indexes: { ...V4_LAYOUT.assets.indexes, byTakenAt: { keyPath: 'takenAtMs', unique: false } } },
  albums: { keyPath: 'id', autoIncrement: false, indexes: {} },
  albumItems: {
    keyPath: 'id',
    autoIncrement: false,
    indexes: { byAlbumId: { keyPath: 'albumId', unique: false }, byAssetId: { keyPath: 'assetId', unique: false } },
  },
};

/** Reads the layout back through the raw IndexedDB API, independent of idb's typings. */
function layoutOf(db: Db): typeof V1_LAYOUT {
  const raw = unwrap(db);
  const names = [...raw.objectStoreNames];
  const tx = raw.transaction(names, 'readonly');
  const out: typeof V1_LAYOUT = {};
  for (const name of names) {
    const store = tx.objectStore(name);
    const indexes: (typeof V1_LAYOUT)[string]['indexes'] = {};
    for (const ix of [...store.indexNames]) {
      const index = store.index(ix);
      const keyPath = index.keyPath;
      indexes[ix] = { keyPath: Array.isArray(keyPath) ? [...keyPath] : keyPath, unique: index.unique };
    }
    out[name] = { keyPath: store.keyPath as string | null, autoIncrement: store.autoIncrement, indexes };
  }
  return out;
}

describe('openLibraryDb: schema and migrations', () => {
  it('SCHEMA_VERSION is the number of migrations', () => {
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(SCHEMA_VERSION).toBe(5);
  });

  it('a fresh database gets every store and index of the schema', async () => {
    const db = await open(uniqueName('fresh'));
    expect(db.version).toBe(SCHEMA_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(Object.keys(V5_LAYOUT).sort());
    expect(layoutOf(db)).toEqual(V5_LAYOUT);
  });

  it('a v1 library upgrades to v2: new stores for frames and index snapshots, data kept', async () => {
    const name = uniqueName('v1v2');
    const v1 = await open(name, 1);
    expect(layoutOf(v1)).toEqual(V1_LAYOUT);
    // Written store by store: today's commitAsset also writes frame vectors, which v1 has no store for.
    const { asset: a1, embedding } = stored('a1', 'sha-a1');
    await v1.put('assets', a1);
    await v1.put('embeddings', embedding);
    v1.close();
    const v2 = await open(name, 2);
    expect(layoutOf(v2)).toEqual(V2_LAYOUT);
    expect((await listAssets(v2)).map((a) => a.id)).toEqual(['a1']);
    expect(await v2.get('embeddings', 'a1')).toMatchObject({ vector: new Float32Array([0.6, 0.8]) });
    expect(await getMeta(v2, 'migration:2')).toMatchObject({ from: 1, to: 2 });
  });

  it('a v2 library upgrades to v3: a clusters store, assets and vectors kept', async () => {
    const name = uniqueName('v2v3');
    const v2 = await open(name, 2);
    const { asset: a1, embedding } = stored('a1', 'sha-a1');
    await v2.put('assets', a1);
    await v2.put('embeddings', embedding);
    v2.close();
    const v3 = await open(name, 3);
    expect(layoutOf(v3)).toEqual(V3_LAYOUT);
    expect((await listAssets(v3)).map((a) => a.id)).toEqual(['a1']);
    expect(await v3.get('embeddings', 'a1')).toMatchObject({ vector: new Float32Array([0.6, 0.8]) });
    expect(await v3.count('clusters')).toBe(0);
    expect(await getMeta(v3, 'migration:3')).toMatchObject({ from: 2, to: 3 });
  });

  it('a v3 library upgrades to v4: drop manifests, jobs by drop, remembered folders and tombstones; data kept', async () => {
    const name = uniqueName('v3v4');
    const v3 = await open(name, 3);
    await putJobs(v3, [job('j1', 10, 'queued')]);
    await commitAsset(v3, 'none', stored('a1', 'sha-a1'));
    v3.close();
    const v4 = await open(name, 4);
    expect(layoutOf(v4)).toEqual(V4_LAYOUT);
    expect((await listAssets(v4)).map((a) => a.id)).toEqual(['a1']);
    expect((await v4.getAllFromIndex('jobs', 'byBatchId', job('x', 0).batchId)).map((j) => j.id)).toEqual(['j1']);
    expect(await v4.count('drops')).toBe(0);
    expect(await v4.count('tombstones')).toBe(0);
    expect(await getMeta(v4, 'migration:4')).toMatchObject({ from: 3, to: 4 });
  });

  it('a v4 library upgrades to v5: every item gets a date taken (its date added), albums stores; data kept', async () => {
    const name = uniqueName('v4v5');
    const v4 = await open(name, 4);
    // Items as version 4 stored them: no date taken.
    for (const [id, addedAt] of [['a1', 1_000], ['a2', 3_000], ['a3', 2_000]] as const) {
      const { takenAtMs: _t, takenAtSource: _s, ...old } = asset(id, `sha-${id}`, addedAt);
      await v4.put('assets', old as AssetRecord);
    }
    v4.close();
    const v5 = await open(name, 5);
    expect(layoutOf(v5)).toEqual(V5_LAYOUT);
    const byTaken = await v5.getAllFromIndex('assets', 'byTakenAt');
    expect(byTaken.map((a) => [a.id, a.takenAtMs, a.takenAtSource])).toEqual([['a1', 1_000, 'added'], ['a3', 2_000, 'added'], ['a2', 3_000, 'added']]);
    expect(await v5.count('albums')).toBe(0);
    expect(await v5.count('albumItems')).toBe(0);
    expect(await getMeta(v5, 'migration:5')).toMatchObject({ from: 4, to: 5 });
  });

  it('a nonexistent (v0) database migrates to v1 and records schemaVersion and migration:1', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    const db = await open(uniqueName('v0'), 1);
    expect(await getMeta(db, 'schemaVersion')).toBe(1);
    expect(await getMeta(db, 'migration:1')).toEqual({ from: 0, to: 1, at: 1_700_000_000_000 });
  });

  it('reopening at the same version runs no migration and keeps data', async () => {
    const name = uniqueName('reopen');
    const first = await open(name);
    await putJobs(first, [job('j1', 10)]);
    await commitAsset(first, 'j1', stored('a1', 'sha-a1'));
    await setMeta(first, `migration:${SCHEMA_VERSION}`, 'sentinel');
    first.close();

    const again = await open(name);
    expect(again.version).toBe(SCHEMA_VERSION);
    // A re-run of the upgrade would have overwritten this.
    expect(await getMeta(again, `migration:${SCHEMA_VERSION}`)).toBe('sentinel');
    expect((await listAssets(again)).map((a) => a.id)).toEqual(['a1']);
    expect(await again.get('jobs', 'j1')).toMatchObject({ status: 'stored', assetId: 'a1' });
    expect(await again.get('embeddings', 'a1')).toMatchObject({ modelId: 'm@q8', vector: new Float32Array([0.6, 0.8]) });
  });

  describe('a future step (v6 → v6)', () => {
    // Stand-in for a later release: index assets by MIME type. Uses the raw store because the
    // index is deliberately not part of the typed schema.
    const addByMime: (typeof MIGRATIONS)[number] = (_db, tx) => {
      unwrap(tx.objectStore('assets')).createIndex('byMime', 'mime');
    };
    const NEXT = [...MIGRATIONS, addByMime];

    async function byMime(db: Db, mime: string): Promise<string[]> {
      const index = wrap(unwrap(db).transaction('assets').objectStore('assets').index('byMime'));
      return ((await index.getAll(mime)) as AssetRecord[]).map((a) => a.id).sort();
    }

    it('upgrades a v4 library with data, keeping the data and indexing it', async () => {
      const name = uniqueName('v6');
      const before = await open(name, 5);
      await commitAsset(before, 'none', stored('a1', 'sha-a1'));
      await commitAsset(before, 'none', { ...stored('a2', 'sha-a2'), asset: { ...asset('a2', 'sha-a2'), mime: 'image/png' } });
      await setMeta(before, 'user-setting', { dtype: 'q8' });
      before.close();

      const v6 = await open(name, 6, NEXT);
      expect(v6.version).toBe(6);
      expect(layoutOf(v6).assets.indexes.byMime).toEqual({ keyPath: 'mime', unique: false });
      expect(await byMime(v6, 'image/jpeg')).toEqual(['a1']);
      expect(await byMime(v6, 'image/png')).toEqual(['a2']);
      expect((await listAssets(v6)).map((a) => a.id).sort()).toEqual(['a1', 'a2']);
      expect(await v6.count('thumbnails')).toBe(2);
      expect(await getMeta(v6, 'user-setting')).toEqual({ dtype: 'q8' });
      expect(await getMeta(v6, 'schemaVersion')).toBe(6);
      expect(await getMeta(v6, 'migration:6')).toMatchObject({ from: 5, to: 6 });
      expect(await getMeta(v6, 'migration:5')).toMatchObject({ from: 0, to: 5 });
    });

    it('a fresh database walks v0 → v6 in one upgrade', async () => {
      const db = await open(uniqueName('v0v6'), 6, NEXT);
      expect(layoutOf(db)).toEqual({
        ...V5_LAYOUT,
        assets: { ...V5_LAYOUT.assets, indexes: { ...V5_LAYOUT.assets.indexes, byMime: { keyPath: 'mime', unique: false } } },
      });
      expect(await getMeta(db, 'migration:6')).toMatchObject({ from: 0, to: 6 });
    });

    it('an open older connection closes itself so the upgrade is not blocked', async () => {
      const name = uniqueName('blocking');
      const older = await open(name, 5);
      const v6 = await open(name, 6, NEXT);
      expect(v6.version).toBe(6);
      // The old connection is closed: using it throws instead of hanging.
      expect(() => older.transaction('meta')).toThrow();
    });

    it('an older build cannot open a newer library (VersionError), and the data is untouched', async () => {
      const name = uniqueName('downgrade');
      const v6 = await open(name, 6, NEXT);
      await setMeta(v6, 'k', 'v');
      v6.close();
      await expect(openLibraryDb(name)).rejects.toMatchObject({ name: 'VersionError' });
      const again = await open(name, 6, NEXT);
      expect(await getMeta(again, 'k')).toBe('v');
    });
  });
});

describe('repo: jobs', () => {
  it('unfinishedJobs returns queued and processing jobs, oldest first, ties by id', async () => {
    const db = await open(uniqueName('jobs'));
    await putJobs(db, [
      job('c', 30, 'queued'),
      job('stored', 5, 'stored'),
      job('b', 20, 'processing'),
      job('dup', 6, 'duplicate'),
      job('a2', 10, 'queued'),
      job('failed', 7, 'failed'),
      job('a1', 10, 'processing'),
    ]);
    expect((await unfinishedJobs(db)).map((j) => j.id)).toEqual(['a1', 'a2', 'b', 'c']);
  });

  it.each([
    { limit: 10, skip: [], want: ['q1', 'q2a', 'q2b', 'q3'] },
    { limit: 2, skip: [], want: ['q1', 'q2a'] },
    { limit: 2, skip: ['q1'], want: ['q2a', 'q2b'] },
    { limit: 0, skip: [], want: [] },
    { limit: 10, skip: ['q1', 'q2a', 'q2b', 'q3'], want: [] },
  ])('claimQueuedJobs(limit $limit, skip $skip) → only queued, oldest first', async ({ limit, skip, want }) => {
    const db = await open(uniqueName('next'));
    await putJobs(db, [
      job('q3', 30),
      job('p0', 0, 'processing'),
      job('q2b', 20),
      job('s0', 0, 'stored'),
      job('q1', 10),
      job('q2a', 20),
      job('f0', 0, 'failed'),
    ]);
    expect((await claimQueuedJobs(db, limit, new Set(skip), 'tab')).map((j) => j.id)).toEqual(want);
  });

  it('requeueInterrupted puts processing jobs back in the queue and counts them', async () => {
    const db = await open(uniqueName('requeue'));
    await putJobs(db, [job('p1', 1, 'processing'), job('p2', 2, 'processing'), job('q', 3), job('s', 4, 'stored')]);
    vi.spyOn(Date, 'now').mockReturnValue(7_000);
    expect(await requeueInterrupted(db)).toBe(2);
    expect(await db.get('jobs', 'p1')).toEqual({ ...job('p1', 1), updatedAt: 7_000 });
    expect(await db.get('jobs', 's')).toMatchObject({ status: 'stored' });
    expect(await requeueInterrupted(db)).toBe(0);
    expect((await claimQueuedJobs(db, 10, new Set(), 'tab')).map((j) => j.id)).toEqual(['p1', 'p2', 'q']);
  });

  it('putJobs overwrites a job with the same id', async () => {
    const db = await open(uniqueName('put'));
    await putJobs(db, [job('j', 1, 'queued')]);
    await putJobs(db, [job('j', 1, 'failed')]);
    expect(await db.count('jobs')).toBe(1);
    expect(await unfinishedJobs(db)).toEqual([]);
  });

  it('updateJob merges the patch and stamps updatedAt', async () => {
    const db = await open(uniqueName('update'));
    await putJobs(db, [job('j', 1, 'queued')]);
    vi.spyOn(Date, 'now').mockReturnValue(5_000);
    const next = await updateJob(db, 'j', { status: 'failed', message: 'corrupt' });
    const want = { ...job('j', 1, 'queued'), status: 'failed', message: 'corrupt', updatedAt: 5_000 };
    expect(next).toEqual(want);
    expect(await db.get('jobs', 'j')).toEqual(want);
    expect(await unfinishedJobs(db)).toEqual([]);
  });

  it('updateJob of an unknown id returns undefined and creates nothing', async () => {
    const db = await open(uniqueName('update-missing'));
    expect(await updateJob(db, 'nope', { status: 'failed' })).toBeUndefined();
    expect(await db.count('jobs')).toBe(0);
  });
});

describe('repo: commitAsset', () => {
  it('writes asset, thumbnail, embedding and lineage, and marks the job stored', async () => {
    const db = await open(uniqueName('commit'));
    await putJobs(db, [job('j1', 1, 'processing')]);
    vi.spyOn(Date, 'now').mockReturnValue(9_000);
    await commitAsset(db, 'j1', stored('a1', 'sha-a1'));
    expect(await assetBySha256(db, 'sha-a1')).toEqual(asset('a1', 'sha-a1'));
    expect(await db.get('thumbnails', 'a1')).toMatchObject({ width: 4, height: 3 });
    expect((await db.get('thumbnails', 'a1'))?.blob.size).toBe(3);
    expect(await db.get('embeddings', 'a1')).toMatchObject({ modelId: 'm@q8', dim: 2 });
    expect((await db.getAllFromIndex('lineage', 'bySourceAssetId', 'a1')).map((l) => l.id).sort()).toEqual([
      'embeddings:a1',
      'thumbnails:a1',
    ]);
    expect(await db.get('jobs', 'j1')).toEqual({ ...job('j1', 1, 'processing'), status: 'stored', assetId: 'a1', updatedAt: 9_000 });
  });

  it('a duplicate sha256 throws ConstraintError and leaves nothing of the second asset behind', async () => {
    const db = await open(uniqueName('commit-dup'));
    await putJobs(db, [job('j1', 1, 'processing'), job('j2', 2, 'processing')]);
    await commitAsset(db, 'j1', stored('a1', 'same-sha'));

    const watched = observingDone(db);
    await expect(commitAsset(watched.db, 'j2', stored('a2', 'same-sha', 'other@fp32'))).rejects.toMatchObject({
      name: 'ConstraintError',
    });
    expect(watched.done).toHaveLength(1);
    await expect(watched.done[0]).rejects.toMatchObject({ name: 'AbortError' });

    expect(await db.get('assets', 'a2')).toBeUndefined();
    expect(await db.get('thumbnails', 'a2')).toBeUndefined();
    expect(await db.get('embeddings', 'a2')).toBeUndefined();
    expect(await db.getAllFromIndex('lineage', 'bySourceAssetId', 'a2')).toEqual([]);
    expect(await db.get('jobs', 'j2')).toMatchObject({ status: 'processing' });
    expect(await db.get('jobs', 'j2')).not.toHaveProperty('assetId');
    // The first copy is intact.
    expect((await assetBySha256(db, 'same-sha'))?.id).toBe('a1');
    expect(await db.count('thumbnails')).toBe(1);
    expect(await db.count('embeddings')).toBe(1);
    expect(await db.count('lineage')).toBe(2);
  });

  it('a duplicate asset id is rejected the same way (add, not put)', async () => {
    const db = await open(uniqueName('commit-dup-id'));
    await commitAsset(db, 'none', stored('a1', 'sha-1'));
    const watched = observingDone(db);
    await expect(commitAsset(watched.db, 'none', stored('a1', 'sha-2', 'other@fp32'))).rejects.toMatchObject({
      name: 'ConstraintError',
    });
    await expect(watched.done[0]).rejects.toMatchObject({ name: 'AbortError' });
    expect(await assetBySha256(db, 'sha-2')).toBeUndefined();
    expect((await db.get('embeddings', 'a1'))?.modelId).toBe('m@q8');
  });

  // A *synchronous* throw inside the transaction (here DataCloneError from a lineage param that
  // cannot be cloned) does not abort it by itself: the writes already queued would commit and the
  // library would keep a half-stored asset, so the commit aborts it.
  it('a non-request error mid-commit leaves nothing behind', async () => {
    const db = await open(uniqueName('commit-clone'));
    await putJobs(db, [job('j1', 1, 'processing')]);
    const bad = stored('a1', 'sha-1');
    bad.lineage[1].params = { notCloneable: (() => 1) as unknown as string };
    await expect(commitAsset(db, 'j1', bad)).rejects.toMatchObject({ name: 'DataCloneError' });
    await new Promise((r) => setTimeout(r, 20));
    expect(await db.count('assets')).toBe(0);
    expect(await db.count('thumbnails')).toBe(0);
    expect(await db.count('embeddings')).toBe(0);
  });

  it('a missing job still stores the asset and creates no job', async () => {
    const db = await open(uniqueName('commit-nojob'));
    await commitAsset(db, 'ghost', stored('a1', 'sha-1'));
    expect(await db.count('assets')).toBe(1);
    expect(await db.count('jobs')).toBe(0);
  });
});

describe('repo: commitAssets (a batch in one transaction)', () => {
  it('stores every asset of the batch with its records and marks each job stored', async () => {
    const db = await open(uniqueName('commit-batch'));
    await putJobs(db, [job('j1', 1, 'processing'), job('j2', 2, 'processing'), job('j3', 3, 'processing')]);
    await commitAssets(db, [
      { jobId: 'j1', record: stored('a1', 'sha-1') },
      { jobId: 'j2', record: stored('a2', 'sha-2') },
      { jobId: 'j3', record: stored('a3', 'sha-3') },
    ]);
    expect((await db.getAll('assets')).map((a) => a.id).sort()).toEqual(['a1', 'a2', 'a3']);
    expect(await db.count('thumbnails')).toBe(3);
    expect(await db.count('embeddings')).toBe(3);
    expect(await db.count('lineage')).toBe(6);
    for (const [j, a] of [['j1', 'a1'], ['j2', 'a2'], ['j3', 'a3']]) expect(await db.get('jobs', j)).toMatchObject({ status: 'stored', assetId: a });
  });

  it('one asset the store refuses (a file already stored) leaves nothing of the batch behind', async () => {
    const db = await open(uniqueName('commit-batch-dup'));
    await putJobs(db, [job('j1', 1, 'processing'), job('j2', 2, 'processing'), job('j3', 3, 'processing')]);
    await commitAsset(db, 'j1', stored('a1', 'same-sha'));
    await expect(
      commitAssets(db, [
        { jobId: 'j2', record: stored('a2', 'sha-2') },
        { jobId: 'j3', record: stored('a3', 'same-sha') },
      ]),
    ).rejects.toMatchObject({ name: 'ConstraintError' });
    expect((await db.getAll('assets')).map((a) => a.id)).toEqual(['a1']);
    expect(await db.count('thumbnails')).toBe(1);
    expect(await db.count('embeddings')).toBe(1);
    expect(await db.get('jobs', 'j2')).toMatchObject({ status: 'processing' });
    expect(await db.get('jobs', 'j3')).toMatchObject({ status: 'processing' });
  });

  it('an empty batch writes nothing', async () => {
    const db = await open(uniqueName('commit-batch-empty'));
    await commitAssets(db, []);
    expect(await db.count('assets')).toBe(0);
  });
});

describe('repo: commitVectors (a batch of vectors in one transaction)', () => {
  const vectorsOf = (id: string) => {
    const { embedding, lineage } = stored(id, `sha-${id}`);
    return { embedding: { ...embedding, modelId: 'n@q8' }, frames: [], lineage: [{ ...lineage[1], id: `embeddings-n:${id}`, modelId: 'n@q8' }] };
  };

  it('stores the vectors of the items still in the library and names them', async () => {
    const db = await open(uniqueName('vectors'));
    await commitAssets(db, [{ jobId: 'j1', record: { ...stored('a1', 'sha-1'), embedding: undefined, frames: undefined } }]);
    expect(await commitVectors(db, [vectorsOf('a1'), vectorsOf('gone')])).toEqual(['a1']);
    expect(await db.get('embeddings', 'a1')).toMatchObject({ modelId: 'n@q8' });
    expect(await db.get('embeddings', 'gone')).toBeUndefined();
  });

  // A batch whose commit throws is indexed again from storage and counted then: had part of it
  // been stored, the import would wait for items that already have their vectors.
  it('a write that throws as it is issued stores nothing of the batch', async () => {
    const db = await open(uniqueName('vectors-clone'));
    for (const id of ['a1', 'a2']) await commitAsset(db, 'none', { ...stored(id, `sha-${id}`), embedding: undefined, frames: undefined });
    const bad = vectorsOf('a2');
    bad.lineage[0].params = { notCloneable: (() => 1) as unknown as string };
    const watched = observingDone(db);
    await expect(commitVectors(watched.db, [vectorsOf('a1'), bad])).rejects.toMatchObject({ name: 'DataCloneError' });
    await expect(watched.done[0]).rejects.toMatchObject({ name: 'AbortError' });
    expect(await db.count('embeddings')).toBe(0);
    expect(await db.get('lineage', 'embeddings-n:a1')).toBeUndefined();
  });
});

describe('repo: queries', () => {
  it('listAssets is newest first by addedAt, not by insertion or id', async () => {
    const db = await open(uniqueName('list'));
    for (const [id, addedAt] of [['m', 200], ['z', 100], ['a', 300]] as const) {
      await commitAsset(db, 'none', stored(id, `sha-${id}`, 'm@q8', addedAt));
    }
    expect((await listAssets(db)).map((a) => a.id)).toEqual(['a', 'm', 'z']);
  });

  it('listAssets of an empty library is empty', async () => {
    expect(await listAssets(await open(uniqueName('list-empty')))).toEqual([]);
  });

  it.each([
    { key: modelKey({ modelId: 'Xenova/clip-vit-base-patch32', dtype: 'q8' }), want: ['a', 'c'] },
    { key: modelKey({ modelId: 'Xenova/clip-vit-base-patch32', dtype: 'fp32' }), want: ['b'] },
    { key: 'Xenova/clip-vit-base-patch32', want: [] },
  ])('embeddingsForModel($key) → $want', async ({ key, want }) => {
    const db = await open(uniqueName('emb'));
    const q8 = 'Xenova/clip-vit-base-patch32@q8';
    const fp32 = 'Xenova/clip-vit-base-patch32@fp32';
    await commitAsset(db, 'none', stored('a', 'sha-a', q8));
    await commitAsset(db, 'none', stored('b', 'sha-b', fp32));
    await commitAsset(db, 'none', stored('c', 'sha-c', q8));
    expect((await embeddingsForModel(db, key)).map((e) => e.id).sort()).toEqual(want);
  });

  it.each([
    { limit: 0, want: [] },
    { limit: 2, want: [400, 300] },
    { limit: 4, want: [400, 300, 200, 100] },
    { limit: 10, want: [400, 300, 200, 100] },
  ])('recentQueryTimings(limit $limit) is newest first by `at`', async ({ limit, want }) => {
    const db = await open(uniqueName('timings'));
    for (const at of [200, 400, 100, 300]) await addQueryTiming(db, timing(at));
    const got = await recentQueryTimings(db, limit);
    expect(got.map((t) => t.at)).toEqual(want);
    for (const t of got) expect(t).toMatchObject({ ...timing(t.at), id: expect.any(Number) });
  });

  it('getMeta/setMeta round-trip, overwrite, and miss', async () => {
    const db = await open(uniqueName('meta'));
    expect(await getMeta(db, 'absent')).toBeUndefined();
    await setMeta(db, 'source', { kind: 'hub', modelId: 'x', dtype: 'q8' });
    expect(await getMeta(db, 'source')).toEqual({ kind: 'hub', modelId: 'x', dtype: 'q8' });
    await setMeta(db, 'source', 0);
    expect(await getMeta<number>(db, 'source')).toBe(0);
    await setMeta(db, 'flag', false);
    expect(await getMeta(db, 'flag')).toBe(false);
  });
});

describe('repo: delete and undo', () => {
  it('deletes every record of an asset in one step and puts them all back on undo', async () => {
    const db = await open(uniqueName('delete'));
    await commitAsset(db, 'none', {
      ...stored('v1', 'sha-v1'),
      frames: [
        { id: 'v1#0', assetId: 'v1', frameIndex: 0, timestampSec: 0.5, modelId: 'm@q8', dim: 2, vector: new Float32Array([1, 0]) },
        { id: 'v1#1', assetId: 'v1', frameIndex: 1, timestampSec: 2.5, modelId: 'm@q8', dim: 2, vector: new Float32Array([0, 1]) },
      ],
      frameThumbnails: [
        { id: 'v1#0', blob: new Blob([new Uint8Array([1])]), width: 1, height: 1 },
        { id: 'v1#1', blob: new Blob([new Uint8Array([2])]), width: 1, height: 1 },
      ],
    });
    await commitAsset(db, 'none', stored('keep', 'sha-keep'));
    const counts = async () => Promise.all(['assets', 'thumbnails', 'embeddings', 'frameEmbeddings', 'lineage'].map((s) => db.count(s as 'assets')));
    expect(await counts()).toEqual([2, 4, 2, 2, 4]);

    const tombstones = await deleteAssetRecords(db, ['v1', 'missing'], 5_000, 8_000);
    expect(tombstones.map((t) => [t.id, t.name, t.deletedAtMs, t.expiresAtMs])).toEqual([['v1', 'v1.jpg', 5_000, 13_000]]);
    expect(await counts()).toEqual([1, 1, 1, 0, 2]);
    expect((await listAssets(db)).map((a) => a.id)).toEqual(['keep']);

    expect(await restoreAssetRecords(db, ['v1'], () => 12_999)).toMatchObject({ final: [] });
    expect(await counts()).toEqual([2, 4, 2, 2, 4]);
    expect(await db.count('tombstones')).toBe(0);
    expect(await db.get('frameEmbeddings', 'v1#1')).toMatchObject({ timestampSec: 2.5 });
  });
});

describe('repo: a delete is whole', () => {
  // The records go and the tombstone comes in one transaction: records deleted without their
  // tombstone would lose the item, and later its original file, with no Undo.
  it('a tombstone that cannot be written leaves every record of the item in place', async () => {
    const db = await open(uniqueName('delete-whole'));
    await commitAsset(db, 'none', stored('a1', 'sha-a1'));
    const refusing = new Proxy(db, {
      get(target, prop) {
        if (prop !== 'transaction') return Reflect.get(target, prop);
        return (...args: unknown[]) => {
          const tx = (target.transaction as (...a: unknown[]) => ReturnType<Db['transaction']>)(...args);
          return new Proxy(tx, {
            get(t, p) {
              if (p !== 'objectStore') {
                const v: unknown = Reflect.get(t, p);
                return typeof v === 'function' ? v.bind(t) : v;
              }
              return (name: string) => {
                const store = t.objectStore(name as 'tombstones');
                if (name !== 'tombstones') return store;
                return new Proxy(store, {
                  get(st, q) {
                    if (q === 'put') return () => { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
                    const v: unknown = Reflect.get(st, q);
                    return typeof v === 'function' ? v.bind(st) : v;
                  },
                });
              };
            },
          });
        };
      },
    }) as Db;
    await expect(deleteAssetRecords(refusing, ['a1'], 5_000, 8_000)).rejects.toMatchObject({ name: 'QuotaExceededError' });
    await new Promise((r) => setTimeout(r, 20));
    expect((await listAssets(db)).map((a) => a.id)).toEqual(['a1']);
    expect(await db.count('embeddings')).toBe(1);
    expect(await db.count('thumbnails')).toBe(1);
    expect(await db.count('lineage')).toBe(2);
    expect(await db.count('tombstones')).toBe(0);
  });
});

describe('repo: favourites', () => {
  it('setFavourite marks and unmarks items in one go, skips missing ones, keeps the rest of each record', async () => {
    const db = await open(uniqueName('fav'));
    await commitAsset(db, 'none', stored('a1', 'sha-a1'));
    await commitAsset(db, 'none', stored('a2', 'sha-a2'));
    const marked = await setFavourite(db, ['a1', 'gone', 'a2'], true);
    expect(marked.map((a) => a.id)).toEqual(['a1', 'a2']);
    expect((await db.get('assets', 'a1'))?.favourite).toBe(true);
    await setFavourite(db, ['a2'], false);
    const a2 = await db.get('assets', 'a2');
    expect(a2 && 'favourite' in a2).toBe(false);
    expect(a2).toEqual(asset('a2', 'sha-a2'));
  });
});
