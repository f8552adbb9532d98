import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import type { Db } from '../../../src/lib/db/db';
import { ClusterService } from '../../../src/lib/clustering/cluster-service';
import { clustersForModel, readClusterParams, readClusteringOutline } from '../../../src/lib/db/cluster-repo';
import { importClusters } from '../../../src/lib/db/archive-repo';
import { membershipHash } from '../../../src/lib/core/membership';
import type { AssetRecord, AssetType, ClusterRecord } from '../../../src/lib/db/schema';
import { l2Normalize } from '../../../src/lib/core/vector';
import { randomUnit, rng } from '../../helpers/random';

const DIM = 32;
const MODEL = 'fixture@q8';
const dbs = libraryDbs('clusters');

async function freshDb(): Promise<{ db: Db; name: string }> {
  const name = dbs.uniqueName();
  return { db: await dbs.open(name), name };
}

const r = rng(42);
const directions = Array.from({ length: 4 }, () => randomUnit(r, DIM));
const [sunsetDir, oceanDir, forestDir, otherDir] = directions as [Float32Array, Float32Array, Float32Array, Float32Array];

function near(dir: Float32Array, noise = 0.35): Float32Array {
  const n = randomUnit(r, DIM);
  return l2Normalize(Float32Array.from(dir, (x, i) => x + noise * n[i]!));
}

async function addAssets(db: Db, items: Array<{ id: string; vector: Float32Array; type?: AssetType; model?: string }>): Promise<void> {
  const tx = db.transaction(['assets', 'embeddings'], 'readwrite');
  for (const { id, vector, type = 'image', model = MODEL } of items) {
    const asset: AssetRecord = { id, name: `${id}.jpg`, type, mime: type === 'video' ? 'video/mp4' : 'image/jpeg', sizeBytes: 1, sha256: id, pHash: '0000000000000000', width: 1, height: 1, addedAt: 1, takenAtMs: 1, takenAtSource: 'added', status: 'ready', blobLocation: 'idb' };
    void tx.objectStore('assets').put(asset);
    void tx.objectStore('embeddings').put({ id, modelId: model, dim: DIM, vector });
  }
  await tx.done;
}

/** 12 sunset photos (2 of them videos) and 8 ocean photos. */
async function library(db: Db): Promise<void> {
  await addAssets(db, [
    ...Array.from({ length: 12 }, (_, i) => ({ id: `sun${i}`, vector: near(sunsetDir), type: (i < 2 ? 'video' : 'image') as AssetType })),
    ...Array.from({ length: 8 }, (_, i) => ({ id: `sea${i}`, vector: near(oceanDir) })),
  ]);
}

/** A text model that knows three subjects; every other prompt lands in an unrelated direction. */
function fakeEmbedder() {
  const calls: string[] = [];
  const embed = async (text: string) => {
    calls.push(text);
    if (text.includes('sunset')) return sunsetDir;
    if (text.includes('ocean')) return oceanDir;
    if (text.includes('forest')) return forestDir;
    return near(otherDir, 1);
  };
  return { embed, calls };
}

const byName = (list: Array<{ id: string; name: string; count: number }>) => Object.fromEntries(list.map((c) => [c.name, c]));

describe('ClusterService', () => {
  it('refuses work before init with a clear error', async () => {
    const { db } = await freshDb();
    const store = new ClusterService(db);
    await expect(store.assign(['x'])).rejects.toThrow(/init/);
    await expect(store.list()).rejects.toThrow(/init/);
  });

  it('clusters a library on first open, largest first, images and videos together, and keeps it across a reload', async () => {
    const { db } = await freshDb();
    await library(db);
    const store = new ClusterService(db);
    const list = await store.init(MODEL);
    expect(list.map((c) => c.count)).toEqual([12, 8]);
    expect(list[0]).toMatchObject({ imageCount: 10, videoCount: 2, hidden: false, needsNaming: true });
    expect(list[0]!.representativeIds).toHaveLength(6);
    expect(list[0]!.membershipHash).toMatch(/^[0-9a-f]{16}$/);
    const members = await store.members(list[1]!.id);
    expect(members.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `sea${i}`));

    const again = await new ClusterService(db).init(MODEL);
    expect(again).toEqual(list);
  });

  it('lists members closest to the centroid first', async () => {
    const { db } = await freshDb();
    await addAssets(db, [
      { id: 'a', vector: near(sunsetDir, 0.05) },
      { id: 'b', vector: near(sunsetDir, 0.3) },
      { id: 'c', vector: sunsetDir },
    ]);
    const store = new ClusterService(db);
    const [only] = await store.init(MODEL);
    expect((await store.members(only!.id))[0]).toBe('c');
  });

  it('new items whose vectors the import handed over are grouped by those vectors, the others by what is stored', async () => {
    const { db } = await freshDb();
    await library(db);
    const store = new ClusterService(db);
    const before = await store.init(MODEL);
    // Stored with another model's vector only: read back, it would not be grouped at all.
    const handed = near(sunsetDir);
    await addAssets(db, [{ id: 'sun-new', vector: near(otherDir), type: 'video', model: 'other@fp32' }, { id: 'sea-new', vector: near(oceanDir) }]);
    const after = await store.assign(['sun-new', 'sea-new'], [{ type: 'video', embedding: { id: 'sun-new', modelId: MODEL, dim: DIM, vector: handed }, frames: [] }]);
    expect(after.map((c) => [c.id, c.count])).toEqual([[before[0]!.id, 13], [before[1]!.id, 9]]);
    expect(await store.members(before[0]!.id)).toContain('sun-new');
  });

  it('adds new photos to the nearest cluster without changing ids or names, and opens a new one for a new subject', async () => {
    const { db } = await freshDb();
    await library(db);
    const store = new ClusterService(db);
    const before = await store.init(MODEL);
    await store.rename(before[1]!.id, 'Holiday sea');
    await addAssets(db, [{ id: 'sun-new', vector: near(sunsetDir) }, { id: 'sea-new', vector: near(oceanDir) }, { id: 'tree1', vector: near(forestDir) }]);
    const after = await store.assign(['sun-new', 'sea-new', 'tree1']);
    expect(after.map((c) => [c.id, c.count])).toEqual([[before[0]!.id, 13], [before[1]!.id, 9], [expect.any(String), 1]]);
    expect(after[1]!.name).toBe('Holiday sea');
    await addAssets(db, [{ id: 'tree2', vector: near(forestDir) }]);
    const third = await store.assign(['tree2']);
    expect(third.find((c) => c.id === after[2]!.id)?.count).toBe(2);
    expect(third).toHaveLength(3);
  });

  it('photos arriving a few at a time end up in the same groups as a full run, with stable ids and names', async () => {
    const { db } = await freshDb();
    const store = new ClusterService(db);
    await store.init(MODEL);
    const arrivals = Array.from({ length: 48 }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}`, vector: near(i % 2 ? oceanDir : sunsetDir) }));
    let firstId = '';
    for (let s = 0; s < arrivals.length; s += 4) {
      await addAssets(db, arrivals.slice(s, s + 4));
      const list = await store.assign(arrivals.slice(s, s + 4).map((a) => a.id));
      if (s === 8) {
        firstId = list[0]!.id;
        await store.rename(firstId, 'First');
      }
    }
    const list = (await store.list()).filter((c) => c.count >= 2);
    expect(list.map((c) => c.count)).toEqual([24, 24]);
    expect(list.find((c) => c.id === firstId)?.name).toBe('First');
  });

  it('drops deleted photos and clusters left empty', async () => {
    const { db } = await freshDb();
    await library(db);
    await addAssets(db, [{ id: 'tree1', vector: near(forestDir) }]);
    const store = new ClusterService(db);
    const list = await store.init(MODEL);
    expect(list).toHaveLength(3);
    const after = await store.removeAssets(['tree1', 'sea0']);
    expect(after.map((c) => c.count)).toEqual([12, 7]);
    expect((await clustersForModel(db, MODEL)).map((c) => c.memberIds.length).sort()).toEqual([12, 7].sort());
  });

  it('a re-cluster keeps ids by overlap, names, hidden flags and hand-moved photos', async () => {
    const { db } = await freshDb();
    await library(db);
    const store = new ClusterService(db);
    const [sun, sea] = await store.init(MODEL);
    await store.setHidden(sea!.id, true);
    await store.move('sun0', sea!.id);
    const again = await store.recluster();
    const seaAfter = again.find((c) => c.id === sea!.id)!;
    expect(seaAfter).toMatchObject({ count: 9, hidden: true });
    expect(await store.members(sea!.id)).toContain('sun0');
    expect(again.find((c) => c.id === sun!.id)?.count).toBe(11);
  });

  it('a re-cluster does not split a cluster the user merged and named', async () => {
    const { db } = await freshDb();
    await library(db);
    const store = new ClusterService(db);
    const [sun, sea] = await store.init(MODEL);
    const merged = await store.merge([sea!.id, sun!.id]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ id: sun!.id, count: 20 });
    await store.rename(sun!.id, '  Summer  ');
    const again = await store.recluster();
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: sun!.id, name: 'Summer', nameSource: 'user', count: 20 });
  });

  it('a merge keeps the user name of a smaller cluster', async () => {
    const { db } = await freshDb();
    await library(db);
    const store = new ClusterService(db);
    const [sun, sea] = await store.init(MODEL);
    await store.rename(sea!.id, 'Sea');
    const [only] = await store.merge([sun!.id, sea!.id]);
    expect(only).toMatchObject({ id: sun!.id, name: 'Sea', nameSource: 'user', needsNaming: false });
  });

  it('names clusters zero-shot, caches the prompt vectors, and an empty rename goes back to that name', async () => {
    const { db } = await freshDb();
    await library(db);
    const { embed, calls } = fakeEmbedder();
    const store = new ClusterService(db);
    store.setTextEmbedder(embed);
    await store.init(MODEL);
    const named = await store.nameAutomatically();
    expect(named.map((c) => [c.name, c.nameSource])).toEqual([['Sunsets', 'zero-shot'], ['Oceans', 'zero-shot']]);
    expect(named[0]!.needsNaming).toBe(true);
    const embedded = calls.length;
    expect(embedded).toBeGreaterThan(80);

    const reloaded = new ClusterService(db);
    reloaded.setTextEmbedder(embed);
    await reloaded.init(MODEL);
    await reloaded.rename(named[0]!.id, 'Evenings');
    expect(byName(await reloaded.list()).Evenings?.id).toBe(named[0]!.id);
    const reverted = await reloaded.rename(named[0]!.id, '   ');
    expect(reverted[0]).toMatchObject({ name: 'Sunsets', nameSource: 'zero-shot' });
    expect(calls.length).toBe(embedded);
  });

  it('asks for VLM names once per cluster and again only after a material change', async () => {
    const { db } = await freshDb();
    await library(db);
    await addAssets(db, [{ id: 'tree1', vector: near(forestDir) }]);
    const store = new ClusterService(db);
    const [sun, sea] = await store.init(MODEL);
    const requests = await store.namingRequests();
    expect(requests.map((q) => [q.clusterId, q.count])).toEqual([[sun!.id, 12], [sea!.id, 8]]); // not the singleton
    for (const q of requests) expect(await store.applyName({ ...q, name: ` Name ${q.count} `, description: 'd' })).not.toBeNull();
    const listed = await store.list();
    expect(listed[0]).toMatchObject({ name: 'Name 12', nameSource: 'vlm', description: 'd', needsNaming: false });
    expect(await store.namingRequests()).toEqual([]);
    expect(await store.namingRequests(true)).toHaveLength(2);

    // One more sunset: not material (J = 12/13). Four more: +33 %, material.
    await addAssets(db, Array.from({ length: 4 }, (_, i) => ({ id: `sun-more${i}`, vector: near(sunsetDir) })));
    await store.assign(['sun-more0']);
    expect(await store.namingRequests()).toEqual([]);
    await store.assign(['sun-more1', 'sun-more2', 'sun-more3']);
    expect((await store.namingRequests()).map((q) => q.clusterId)).toEqual([sun!.id]);
  });

  it('rejects a late VLM name when the members changed materially or the user named the cluster', async () => {
    const { db } = await freshDb();
    await library(db);
    const store = new ClusterService(db);
    const [sun, sea] = await store.init(MODEL);
    const [qSun, qSea] = await store.namingRequests();
    await store.removeAssets(['sun0']); // small change: the answer still fits
    expect(await store.applyName({ ...qSun!, name: 'Sunsets at the lake' })).not.toBeNull();
    await store.removeAssets(['sea0', 'sea1', 'sea2']); // 8 → 5: material
    expect(await store.applyName({ ...qSea!, name: 'Waves' })).toBeNull();
    await store.rename(sun!.id, 'Mine');
    const [q2] = await store.namingRequests(true);
    expect(q2!.clusterId).toBe(sea!.id);
    expect(await store.applyName({ clusterId: sun!.id, membershipHash: (await store.list())[0]!.membershipHash, name: 'VLM' })).toBeNull();
    expect((await store.list()).find((c) => c.id === sun!.id)?.name).toBe('Mine');
  });

  it('hidden clusters are not sent for naming', async () => {
    const { db } = await freshDb();
    await library(db);
    const store = new ClusterService(db);
    const [sun] = await store.init(MODEL);
    await store.setHidden(sun!.id, true);
    expect((await store.namingRequests(true)).map((q) => q.clusterId)).not.toContain(sun!.id);
  });

  it('replaces the clusters of another model', async () => {
    const { db } = await freshDb();
    await library(db);
    const old = new ClusterService(db);
    await old.init(MODEL);
    await addAssets(db, [{ id: 'sun0', vector: near(sunsetDir), model: 'other@fp32' }]);
    const other = await new ClusterService(db).init('other@fp32');
    expect(other.map((c) => c.count)).toEqual([1]);
    expect(await clustersForModel(db, MODEL)).toEqual([]);
  });

  it('puts photos that arrived while it was closed into clusters on open', async () => {
    const { db } = await freshDb();
    await library(db);
    await new ClusterService(db).init(MODEL);
    await addAssets(db, [{ id: 'sea-late', vector: near(oceanDir) }]);
    const list = await new ClusterService(db).init(MODEL);
    expect(list.map((c) => c.count)).toEqual([12, 9]);
  });
});

describe('ClusterService on a settled library', () => {
  /** Enough photos that the threshold is settled (a small library is re-measured on every open). */
  async function settled(db: Db): Promise<void> {
    await addAssets(db, [
      ...Array.from({ length: 130 }, (_, i) => ({ id: `sun${String(i).padStart(3, '0')}`, vector: near(sunsetDir), type: (i < 5 ? 'video' : 'image') as AssetType })),
      ...Array.from({ length: 110 }, (_, i) => ({ id: `sea${String(i).padStart(3, '0')}`, vector: near(oceanDir) })),
    ]);
  }

  it('opens clusters that match the library without reading a vector, and reads them on the first change', async () => {
    const { db } = await freshDb();
    await settled(db);
    const first = new ClusterService(db);
    const list = await first.init(MODEL);
    const firstMembers = await first.members(list[0]!.id);

    const reopened = new ClusterService(db);
    expect(await reopened.init(MODEL)).toEqual(list);
    expect(list[0]).toMatchObject({ count: 130, imageCount: 125, videoCount: 5 });
    expect(reopened.heldVectors).toBe(0);
    expect(await reopened.list()).toEqual(list);
    expect(reopened.heldVectors).toBe(0);

    // Opening a cluster orders its members by their vectors: they are read then.
    expect(await reopened.members(list[0]!.id)).toEqual(firstMembers);
    expect(reopened.heldVectors).toBe(240);
    await addAssets(db, [{ id: 'sea-new', vector: near(oceanDir) }]);
    expect((await reopened.assign(['sea-new'])).map((c) => c.count)).toEqual([130, 111]);
  });

  it('reads the outline of the library a page of records at a time', async () => {
    const { db } = await freshDb();
    await settled(db);
    await addAssets(db, [{ id: 'sea-other', vector: near(oceanDir), model: 'other@fp32' }]);
    await db.delete('embeddings', 'sea001');
    const outline = await readClusteringOutline(db, MODEL, 7);
    expect(outline.embeddedIds).toHaveLength(239);
    expect(outline.embeddedIds).not.toContain('sea001');
    expect(outline.videoIds.sort()).toEqual(['sun000', 'sun001', 'sun002', 'sun003', 'sun004']);
  });

  it('clusters say which of their members are videos, so opening them again reads no asset record', async () => {
    const { db } = await freshDb();
    await settled(db);
    const list = await new ClusterService(db).init(MODEL);
    const outline = await readClusteringOutline(db, MODEL);
    expect(outline.videosFromRecords).toBe(false);
    expect(outline.videoIds.sort()).toEqual(['sun000', 'sun001', 'sun002', 'sun003', 'sun004']);
    expect(outline.embeddedIds).toHaveLength(240);
    expect(await new ClusterService(db).init(MODEL)).toEqual(list);
    expect(list[0]).toMatchObject({ count: 130, imageCount: 125, videoCount: 5 });
  });

  it('clusters stored before they kept their videos are opened from the records once, and keep them from then on', async () => {
    const { db } = await freshDb();
    await settled(db);
    const list = await new ClusterService(db).init(MODEL);
    for (const c of await clustersForModel(db, MODEL)) {
      delete c.videoIds;
      await db.put('clusters', c);
    }
    expect((await readClusteringOutline(db, MODEL)).videosFromRecords).toBe(true);
    const reopened = new ClusterService(db);
    expect(await reopened.init(MODEL)).toEqual(list);
    expect(reopened.heldVectors).toBe(0);
    const outline = await readClusteringOutline(db, MODEL);
    expect(outline.videosFromRecords).toBe(false);
    expect(outline.videoIds.sort()).toEqual(['sun000', 'sun001', 'sun002', 'sun003', 'sun004']);
  });

  it("an archive's clusters bring no list of videos: this library's records say which members are", async () => {
    const { db } = await freshDb();
    await settled(db);
    const source = await new ClusterService(db).init(MODEL);
    const stored = await clustersForModel(db, MODEL);
    const { db: other } = await freshDb();
    await settled(other);
    // The archive claims an image is a video.
    const claimed = stored.map((c) => ({ ...c, videoIds: c.memberIds.slice(0, 7) }));
    expect((await importClusters(other, claimed, new Map(), MODEL)).added).toBe(2);
    expect((await clustersForModel(other, MODEL)).every((c) => c.videoIds === undefined)).toBe(true);
    expect((await readClusteringOutline(other, MODEL)).videosFromRecords).toBe(true);
    expect((await new ClusterService(other).init(MODEL)).map((c) => c.videoCount)).toEqual(source.map((c) => c.videoCount));
  });

  it('a change made while it was closed is repaired on open, as before', async () => {
    const { db } = await freshDb();
    await settled(db);
    await new ClusterService(db).init(MODEL);
    await db.delete('assets', 'sea000');
    await addAssets(db, [{ id: 'sun-late', vector: near(sunsetDir) }]);
    const reopened = new ClusterService(db);
    const list = await reopened.init(MODEL);
    expect(list.map((c) => c.count)).toEqual([131, 109]);
    expect(reopened.heldVectors).toBe(240);
    expect((await clustersForModel(db, MODEL)).flatMap((c) => c.memberIds)).not.toContain('sea000');
  });

  it('the first change after an unchanged open keeps ids, names and counts right', async () => {
    const { db } = await freshDb();
    await settled(db);
    const list = await new ClusterService(db).init(MODEL);
    const reopened = new ClusterService(db);
    await reopened.init(MODEL);
    const after = await reopened.removeAssets(['sun000', 'sun001']);
    expect(after.map((c) => [c.id, c.count, c.videoCount])).toEqual([
      [list[0]!.id, 128, 3],
      [list[1]!.id, 110, 0],
    ]);
  });
});

describe('ClusterService after an archive import', () => {
  const paramsOf = (db: Db) => readClusterParams(db, MODEL);
  /** What the Clusters view shows of a list, ids included. */
  const shown = (list: Array<{ id: string; name: string; nameSource: string; count: number; hidden: boolean; representativeIds: string[] }>) =>
    list.map(({ id, name, nameSource, count, hidden, representativeIds }) => ({ id, name, nameSource, count, hidden, representativeIds }));

  it('an empty library shows the archive’s clusters as they were, renamed and hidden ones included, and clusters nothing twice', async () => {
    const { db: src } = await freshDb();
    await library(src);
    const exporting = new ClusterService(src);
    const [sun, sea] = await exporting.init(MODEL);
    await exporting.rename(sun!.id, 'Our sunsets');
    const before = await exporting.setHidden(sea!.id, true);

    const { db: dst } = await freshDb();
    const store = new ClusterService(dst, { newId: () => 'fresh-id' });
    expect(await store.init(MODEL)).toEqual([]);
    // What the archive worker writes: the items, then the clusters.
    const items = [...(await src.getAll('embeddings'))];
    await addAssets(dst, items.map((e) => ({ id: e.id, vector: e.vector, type: (e.id === 'sun0' || e.id === 'sun1' ? 'video' : 'image') as AssetType })));
    expect(await importClusters(dst, await clustersForModel(src, MODEL), new Map(), MODEL)).toEqual({ added: 2, skipped: 0 });

    const after = await store.adoptImported(items.map((e) => e.id));
    expect(shown(after!)).toEqual(shown(before));
    expect(after!.find((c) => c.name === 'Our sunsets')).toMatchObject({ nameSource: 'user', count: 12, needsNaming: false });
    expect(await clustersForModel(dst, MODEL)).toHaveLength(2);
    // The same after a reload.
    expect(shown(await new ClusterService(dst).init(MODEL))).toEqual(shown(before));
  });

  it('a library with clusters keeps them; the archive’s come in for its items; other items join by the incremental rule; no full re-cluster', async () => {
    const { db } = await freshDb();
    await library(db);
    let n = 0;
    const store = new ClusterService(db, { newId: () => `new-${n++}` });
    const [sun, sea] = await store.init(MODEL);
    await store.rename(sun!.id, 'My sunsets');
    expect((await paramsOf(db))?.fullRunCount).toBe(20);

    const forest = Array.from({ length: 10 }, (_, i) => ({ id: `forest${i}`, vector: near(forestDir) }));
    const forestLate = Array.from({ length: 10 }, (_, i) => ({ id: `forest-late${i}`, vector: near(forestDir) }));
    const other = Array.from({ length: 5 }, (_, i) => ({ id: `other${i}`, vector: near(otherDir) }));
    await addAssets(db, [...forest, ...forestLate, ...other]);
    const record = (id: string, memberIds: string[], extra: Partial<ClusterRecord>): ClusterRecord => ({
      id,
      modelKey: MODEL,
      memberIds,
      centroid: near(otherDir, 0),
      representativeIds: memberIds.slice(0, 3),
      name: '',
      nameSource: 'zero-shot',
      membershipHash: membershipHash(memberIds),
      hidden: false,
      createdAt: 1,
      updatedAt: 1,
      ...extra,
    });
    const archive = [
      // sun0 is already in a cluster here: it stays in "My sunsets".
      record('x-forest', [...forest.map((f) => f.id), 'sun0'], { name: 'Forest walk', nameSource: 'user' }),
      // Same id as the library's sea cluster: comes in under a new id.
      record(sea!.id, other.map((o) => o.id), { name: 'Misc', nameSource: 'vlm', description: 'Odds and ends', hidden: true }),
    ];
    expect(await importClusters(db, archive, new Map(), MODEL, () => 'renewed')).toEqual({ added: 2, skipped: 0 });
    const list = await store.adoptImported([...forest, ...forestLate, ...other].map((x) => x.id));
    const byId = Object.fromEntries(list!.map((c) => [c.id, c]));

    expect(byId[sun!.id]).toMatchObject({ name: 'My sunsets', count: 12 });
    expect(byId[sea!.id]).toMatchObject({ name: sea!.name, count: 8, hidden: false });
    expect(byId['x-forest']).toMatchObject({ name: 'Forest walk', nameSource: 'user', count: 20 });
    // Untouched by the merge: the archive's representatives stay as they were.
    expect(byId['renewed']).toMatchObject({ name: 'Misc', nameSource: 'vlm', description: 'Odds and ends', hidden: true, count: 5, representativeIds: archive[1]!.representativeIds });
    expect(list).toHaveLength(4);
    expect(await store.members('x-forest')).toEqual(expect.arrayContaining(forestLate.map((f) => f.id)));
    expect(await clustersForModel(db, MODEL)).toHaveLength(4);
    // 45 items, more than twice the 20 of the last full run: an ordinary assign would have re-clustered.
    expect((await paramsOf(db))?.fullRunCount).toBe(20);
    expect(shown(await new ClusterService(db).init(MODEL))).toEqual(shown(list!));
  });

  it('before init it leaves the import to init, which reads it without clustering again', async () => {
    const { db } = await freshDb();
    const store = new ClusterService(db);
    expect(await store.adoptImported(['a'])).toBeNull();
  });
});
