import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { SCHEMA_VERSION, type Db } from '../../../src/lib/db/db';
import { commitAsset, deleteAssetRecords, restoreAssetRecords, setFavourite, setMeta, type StoredAsset } from '../../../src/lib/db/repo';
import { deleteUnownedOriginal, getOriginal, putOriginal } from '../../../src/lib/db/blob-store';
import { motionOriginalId } from '../../../src/lib/core/live-photos';
import { emptyCounts, exportEntries, importAlbums, importAsset, importClusters, importMeta, readChunks, type ExportOptions } from '../../../src/lib/db/archive-repo';
import { addToAlbum, albumItemIds, createAlbum, listAlbums } from '../../../src/lib/db/album-repo';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, ArchiveError, bytesSource, readArchive, writeArchive, type ArchiveContents } from '../../../src/lib/core/archive';
import { sha256Hex } from '../../../src/lib/core/sha256';
import type { ClusterRecord } from '../../../src/lib/db/schema';
import { randomUnit, rng } from '../../helpers/random';

const MODEL = 'fixture-clip@q8';
const DIM = 8;
const r = rng(11);
const { open: fresh } = libraryDbs('archive');

async function addPhoto(db: Db, id: string, content: string, modelId = MODEL): Promise<StoredAsset> {
  const bytes = new TextEncoder().encode(content);
  const stored: StoredAsset = {
    asset: { id, name: `${id}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: bytes.length, sha256: await sha256Hex(bytes), pHash: '00ff00ff00ff00ff', width: 4, height: 3, addedAt: 1000, takenAtMs: 1000, takenAtSource: 'added', status: 'ready', blobLocation: 'idb' },
    thumbnail: { id, blob: new Blob([bytes.slice(0, 4)], { type: 'image/jpeg' }), width: 4, height: 3 },
    embedding: { id, modelId, dim: DIM, vector: randomUnit(r, DIM) },
    lineage: [{ id: `embeddings:${id}`, store: 'embeddings', recordId: id, sourceAssetId: id, producer: 'clip-image', producerVersion: '1', modelId, params: { normalized: 'l2' }, createdAt: 1 }],
  };
  await putOriginal(db, id, new Blob([bytes], { type: 'image/jpeg' }));
  await commitAsset(db, 'no-job', stored);
  return stored;
}

/** Exports a library to bytes the way the archive worker does. */
async function exportBytes(db: Db, opts: Partial<ExportOptions> = {}): Promise<Uint8Array> {
  const o: ExportOptions = { modelKey: MODEL, dim: DIM, includeOriginals: true, ...opts };
  const counts = emptyCounts();
  const parts: Array<Uint8Array | Blob> = [];
  let pass = 0;
  await writeArchive(
    { format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, schemaVersion: SCHEMA_VERSION, createdAt: 5000, modelKey: o.modelKey, dim: o.dim, includesOriginals: o.includeOriginals },
    counts,
    () => exportEntries(db, o, pass++ === 0 ? counts : emptyCounts()),
    { write: async (p) => void parts.push(p) },
  );
  return new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
}

/** Imports read contents the way the archive worker does. */
async function importInto(db: Db, bytes: Uint8Array, c: ArchiveContents) {
  const slice = (ref: { offset: number; sizeBytes: number }, type: string) => new Blob([bytes.slice(ref.offset, ref.offset + ref.sizeBytes)], { type });
  const idMap = new Map<string, string>();
  const outcomes = [];
  for (const a of c.assets) {
    const outcome = await importAsset(db, {
      asset: a.asset,
      thumbnails: a.thumbnails.map((t) => ({ id: t.id, width: t.width, height: t.height, blob: slice(t, t.mime) })),
      embedding: a.embedding,
      frames: a.frames,
      lineage: a.lineage,
      original: a.original ? slice(a.original, a.asset.mime) : undefined,
      motionOriginal: a.motionOriginal ? slice(a.motionOriginal, 'video/quicktime') : undefined,
    });
    if (outcome.status === 'present') idMap.set(a.asset.id, outcome.existingId);
    outcomes.push(outcome.status);
  }
  const clusters = (await importClusters(db, c.clusters, idMap, MODEL)).added;
  const settings = await importMeta(db, c.meta);
  return { outcomes, clusters, settings, albums: await importAlbums(db, c.albums, c.albumItems, idMap) };
}

const read = (bytes: Uint8Array) => readArchive(bytesSource(bytes), { schemaVersion: SCHEMA_VERSION, modelKey: MODEL, dim: DIM });
const text = async (b: Blob | undefined) => (b ? new TextDecoder().decode(await b.arrayBuffer()) : undefined);

describe('archive-repo', () => {
  it('reads a store in key order, chunk by chunk', async () => {
    const db = await fresh();
    for (const id of ['c', 'a', 'e', 'b', 'd']) await addPhoto(db, id, `photo ${id}`);
    const chunks: string[][] = [];
    for await (const list of readChunks(db, 'assets', 2)) chunks.push(list.map((a) => a.id));
    expect(chunks).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('a library exported and imported into an empty one has the same items, vectors, thumbnails and originals', async () => {
    const src = await fresh();
    const a = await addPhoto(src, 'a1', 'a red ball');
    const b = await addPhoto(src, 'b2', 'a blue sky');
    const cluster: ClusterRecord = { id: 'k1', modelKey: MODEL, memberIds: ['a1', 'b2'], centroid: randomUnit(r, DIM), representativeIds: ['a1'], name: 'Mine', nameSource: 'user', membershipHash: 'x', hidden: false, createdAt: 1, updatedAt: 1 };
    await src.put('clusters', cluster);
    await setMeta(src, 'settings:video', { maxFrames: 9 });

    const bytes = await exportBytes(src);
    const dst = await fresh();
    const result = await importInto(dst, bytes, await read(bytes));
    expect(result).toEqual({ outcomes: ['added', 'added'], clusters: 1, settings: 1, albums: { created: 0, merged: 0, items: 0 } });
    for (const s of [a, b]) {
      expect(await dst.get('assets', s.asset.id)).toEqual(s.asset);
      expect((await dst.get('embeddings', s.asset.id))?.vector).toEqual(s.embedding.vector);
      expect(await dst.get('lineage', `embeddings:${s.asset.id}`)).toEqual(s.lineage[0]);
      expect(await text((await dst.get('thumbnails', s.asset.id))?.blob)).toBe(await text(s.thumbnail.blob));
    }
    expect(await text(await dst.get('blobs', 'a1'))).toBe('a red ball');
    expect((await dst.get('clusters', 'k1'))?.memberIds).toEqual(['a1', 'b2']);
    expect(await dst.get('meta', 'settings:video')).toEqual({ maxFrames: 9 });
  });

  it('import merges: items already here (same file) are skipped and keep their own records', async () => {
    const src = await fresh();
    await addPhoto(src, 'a1', 'a red ball');
    await addPhoto(src, 'b2', 'a blue sky');
    const bytes = await exportBytes(src);
    const dst = await fresh();
    const mine = await addPhoto(dst, 'own-id', 'a red ball');
    await dst.put('clusters', { id: 'mine', modelKey: MODEL, memberIds: ['own-id'], centroid: randomUnit(r, DIM), representativeIds: ['own-id'], name: 'Kept', nameSource: 'user', membershipHash: 'y', hidden: false, createdAt: 1, updatedAt: 1 });
    const result = await importInto(dst, bytes, await read(bytes));
    expect(result.outcomes).toEqual(['present', 'added']);
    expect(await dst.count('assets')).toBe(2);
    expect(await dst.get('assets', 'a1')).toBeUndefined();
    expect((await dst.get('embeddings', 'own-id'))?.vector).toEqual(mine.embedding.vector);
    // Importing the same archive again adds nothing.
    expect((await importInto(dst, bytes, await read(bytes))).outcomes).toEqual(['present', 'present']);
    expect(await dst.count('assets')).toBe(2);
  });

  it('an item deleted here moments ago (its undo still open) is not imported over its pending delete', async () => {
    const lib = await fresh();
    await addPhoto(lib, 'a1', 'a red ball');
    const bytes = await exportBytes(lib);
    await deleteAssetRecords(lib, ['a1'], Date.now(), 8000);
    const result = await importInto(lib, bytes, await read(bytes));
    expect(result.outcomes).toEqual(['failed']);
    expect(await lib.count('assets')).toBe(0);
    expect(await restoreAssetRecords(lib, ['a1'])).toMatchObject({ final: [], restored: [{ asset: { id: 'a1' } }] });
    expect(await text(await getOriginal(lib, 'a1', 'idb'))).toBe('a red ball');
  });

  it('archive clusters merge into a library: its clusters keep their items, colliding ids are renewed, other models stay out', async () => {
    const dst = await fresh();
    const base = { centroid: randomUnit(r, DIM), membershipHash: 'h', createdAt: 1, updatedAt: 1 };
    const kept: ClusterRecord = { ...base, id: 'k1', modelKey: MODEL, memberIds: ['own-id', 'z9'], representativeIds: ['own-id'], name: 'Kept', nameSource: 'user', hidden: false };
    const stale: ClusterRecord = { ...base, id: 'old', modelKey: 'other@q8', memberIds: ['q'], representativeIds: ['q'], name: 'Old', nameSource: 'zero-shot', hidden: false };
    await dst.put('clusters', kept);
    await dst.put('clusters', stale);
    const archive: ClusterRecord[] = [
      // Its a1 is the library's own-id (same file), already in "Kept".
      { ...base, id: 'k1', modelKey: MODEL, memberIds: ['a1', 'b2', 'c3'], representativeIds: ['a1', 'b2'], name: 'Beach', nameSource: 'user', namedMemberIds: ['a1', 'b2', 'c3'], pinnedIds: ['a1', 'c3'], description: 'Sand', hidden: true },
      { ...base, id: 'k2', modelKey: MODEL, memberIds: ['a1'], representativeIds: ['a1'], name: 'Only a1', nameSource: 'vlm', hidden: false },
      { ...base, id: 'old', modelKey: MODEL, memberIds: ['d4', 'e5'], representativeIds: ['d4', 'e5'], name: 'Dogs', nameSource: 'vlm', description: 'Two dogs', hidden: false },
      { ...base, id: 'k3', modelKey: 'other@q8', memberIds: ['f6'], representativeIds: ['f6'], name: 'Elsewhere', nameSource: 'user', hidden: false },
    ];
    let n = 0;
    const newId = () => `new-${n++}`;
    const idMap = new Map([['a1', 'own-id']]);
    expect(await importClusters(dst, archive, idMap, MODEL, newId)).toEqual({ added: 2, skipped: 2 });
    expect(await dst.get('clusters', 'k1')).toEqual(kept);
    expect(await dst.get('clusters', 'old')).toEqual(stale);
    // "Beach" keeps its name, source, description, hidden flag and history, without the item that stayed in "Kept".
    expect(await dst.get('clusters', 'new-0')).toEqual({
      ...archive[0],
      id: 'new-0',
      memberIds: ['b2', 'c3'],
      representativeIds: ['b2'],
      namedMemberIds: ['own-id', 'b2', 'c3'],
      pinnedIds: ['c3'],
    });
    expect(await dst.get('clusters', 'new-1')).toMatchObject({ memberIds: ['d4', 'e5'], name: 'Dogs', nameSource: 'vlm', description: 'Two dogs' });
    expect(await dst.count('clusters')).toBe(4);
    // The same archive again: every item is in a cluster now, so nothing is added.
    expect(await importClusters(dst, archive, idMap, MODEL, newId)).toEqual({ added: 0, skipped: 4 });
    expect(await dst.count('clusters')).toBe(4);
  });

  it('a renamed cluster that held a since deleted item is exported without that item, not left out', async () => {
    const src = await fresh();
    await addPhoto(src, 'a1', 'a red ball');
    await addPhoto(src, 'b2', 'a blue sky');
    const named: ClusterRecord = { id: 'k1', modelKey: MODEL, memberIds: ['a1', 'b2', 'gone'], centroid: randomUnit(r, DIM), representativeIds: ['gone', 'a1'], name: 'Trip', nameSource: 'user', namedMemberIds: ['a1', 'gone'], pinnedIds: ['gone'], membershipHash: 'x', hidden: true, createdAt: 1, updatedAt: 1 };
    await src.put('clusters', named);
    await src.put('clusters', { ...named, id: 'k2', name: 'Only gone', memberIds: ['gone'], representativeIds: ['gone'] });
    const bytes = await exportBytes(src);
    const dst = await fresh();
    expect((await importInto(dst, bytes, await read(bytes))).clusters).toBe(1);
    expect(await dst.get('clusters', 'k1')).toMatchObject({ name: 'Trip', nameSource: 'user', hidden: true, memberIds: ['a1', 'b2'], representativeIds: ['a1'], namedMemberIds: ['a1'], pinnedIds: [] });
  });

  it('an asset is added whole or not at all', async () => {
    const src = await fresh();
    await addPhoto(src, 'a1', 'a red ball');
    const bytes = await exportBytes(src);
    const c = await read(bytes);
    const dst = await fresh();
    // A thumbnail with the id already taken makes the asset's transaction fail part-way.
    await dst.put('thumbnails', { id: 'a1', blob: new Blob(['x']), width: 1, height: 1 });
    const result = await importInto(dst, bytes, c);
    expect(result.outcomes).toEqual(['failed']);
    expect(await dst.get('assets', 'a1')).toBeUndefined();
    expect(await dst.get('embeddings', 'a1')).toBeUndefined();
    expect(await dst.get('blobs', 'a1')).toBeUndefined();
  });

  it('never exports the VLM key or device settings, and only the current model’s vectors', async () => {
    const src = await fresh();
    await addPhoto(src, 'a1', 'a red ball');
    await addPhoto(src, 'b2', 'old model photo', 'other-model@q8');
    await setMeta(src, 'vlm:apiKey', 'AIzaSECRET-never-exported');
    await setMeta(src, 'vlm:options', { model: 'gemini-2.5-flash', baseUrl: 'https://proxy.example' });
    await setMeta(src, 'settings:modelSource', { kind: 'hub', modelId: 'x' });
    const bytes = await exportBytes(src);
    const asText = new TextDecoder('latin1').decode(bytes);
    expect(asText).not.toContain('AIzaSECRET');
    expect(asText).not.toContain('vlm:');
    expect(asText).not.toContain('proxy.example');
    const c = await read(bytes);
    expect(c.meta.map(([k]) => k)).toEqual([]);
    expect(c.assets.map((a) => [a.asset.id, !!a.embedding])).toEqual([
      ['a1', true],
      ['b2', false],
    ]);
  });

  it('an export without originals imports items whose original is not here', async () => {
    const src = await fresh();
    await addPhoto(src, 'a1', 'a red ball');
    const bytes = await exportBytes(src, { includeOriginals: false });
    const c = await read(bytes);
    expect(c.manifest.includesOriginals).toBe(false);
    const dst = await fresh();
    expect((await importInto(dst, bytes, c)).outcomes).toEqual(['added']);
    expect(await dst.get('blobs', 'a1')).toBeUndefined();
    expect(await dst.get('embeddings', 'a1')).toBeDefined();
  });

  it("a Live Photo's motion file travels with its still; without originals it comes in as a plain photo", async () => {
    const src = await fresh();
    const stored = await addPhoto(src, 'live1', 'a cyan still');
    const movie = new TextEncoder().encode('two seconds of cyan');
    await putOriginal(src, motionOriginalId('live1'), new Blob([movie]));
    const motion = { kind: 'live' as const, name: 'live1.MOV', mime: 'video/quicktime', sizeBytes: movie.length, sha256: await sha256Hex(movie), durationSec: 2, blobLocation: 'idb' as const };
    await src.put('assets', { ...stored.asset, motion });
    // Owned by its still: nothing that cleans up unowned files removes it.
    expect(await deleteUnownedOriginal(src, motionOriginalId('live1'), 'idb')).toBe(false);

    const bytes = await exportBytes(src);
    const withFiles = await fresh();
    expect((await importInto(withFiles, bytes, await read(bytes))).outcomes).toEqual(['added']);
    expect((await withFiles.get('assets', 'live1'))?.motion).toEqual(motion);
    expect(await text(await getOriginal(withFiles, motionOriginalId('live1'), 'idb'))).toBe('two seconds of cyan');

    const recordsOnly = await exportBytes(src, { includeOriginals: false });
    const without = await fresh();
    await importInto(without, recordsOnly, await read(recordsOnly));
    expect((await without.get('assets', 'live1'))?.motion).toBeUndefined();
  });

  it('an export refuses to finish when the library changes between its two passes', async () => {
    const db = await fresh();
    await addPhoto(db, 'a1', 'a red ball');
    const o: ExportOptions = { modelKey: MODEL, dim: DIM, includeOriginals: false };
    let pass = 0;
    const written = writeArchive(
      { format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, schemaVersion: SCHEMA_VERSION, createdAt: 1, modelKey: MODEL, dim: DIM, includesOriginals: false },
      emptyCounts(),
      () => {
        if (pass++ === 1) return (async function* () {
          await addPhoto(db, 'b2', 'arrived meanwhile');
          yield* exportEntries(db, o);
        })();
        return exportEntries(db, o);
      },
      { write: async () => undefined },
    );
    await expect(written).rejects.toThrow(ArchiveError);
    await expect(written).rejects.toThrow(/changed while it was being exported/);
  });

  it('albums, their items and favourite marks travel in the archive and come back as they were', async () => {
    const src = await fresh();
    for (const id of ['a1', 'b2', 'c3']) await addPhoto(src, id, `photo ${id}`);
    await createAlbum(src, 'Trip', 10, 'trip');
    await createAlbum(src, '<b>Markup</b> & more', 11, 'markup');
    await createAlbum(src, 'Empty', 12, 'empty');
    await addToAlbum(src, 'trip', ['a1', 'b2'], 20);
    await addToAlbum(src, 'markup', ['c3'], 21);
    await setFavourite(src, ['b2', 'c3'], true);

    const bytes = await exportBytes(src);
    const contents = await read(bytes);
    expect(contents.manifest.counts).toMatchObject({ albums: 3, albumItems: 3 });
    const dst = await fresh();
    const result = await importInto(dst, bytes, contents);
    expect(result.albums).toEqual({ created: 3, merged: 0, items: 3 });
    expect((await listAlbums(dst)).map(({ id, name, count, createdAtMs }) => ({ id, name, count, createdAtMs }))).toEqual([
      { id: 'markup', name: '<b>Markup</b> & more', count: 1, createdAtMs: 11 },
      { id: 'empty', name: 'Empty', count: 0, createdAtMs: 12 },
      { id: 'trip', name: 'Trip', count: 2, createdAtMs: 10 },
    ]);
    expect((await dst.get('albumItems', 'trip:a1'))?.addedAtMs).toBe(20);
    expect((await dst.getAll('assets')).filter((a) => a.favourite).map((a) => a.id)).toEqual(['b2', 'c3']);
  });

  it('an archive album merges into the album of the same name here (ignoring case), with the items mapped to this library; importing twice adds nothing', async () => {
    const src = await fresh();
    await addPhoto(src, 'a1', 'a red ball');
    await addPhoto(src, 'b2', 'a blue sky');
    await createAlbum(src, 'Holiday', 10, 'holiday');
    await createAlbum(src, 'New one', 10, 'shared-id');
    await addToAlbum(src, 'holiday', ['a1', 'b2'], 20);
    await addToAlbum(src, 'shared-id', ['b2'], 20);
    const bytes = await exportBytes(src);

    const dst = await fresh();
    await addPhoto(dst, 'own-id', 'a red ball');
    await createAlbum(dst, 'HOLIDAY', 1, 'mine');
    await createAlbum(dst, 'Unrelated', 1, 'shared-id');
    await addToAlbum(dst, 'mine', ['own-id'], 5);
    const result = await importInto(dst, bytes, await read(bytes));
    expect(result.albums).toEqual({ created: 1, merged: 1, items: 2 });
    expect(await albumItemIds(dst, 'mine')).toEqual(['b2', 'own-id']);
    expect((await dst.get('albumItems', 'mine:own-id'))?.addedAtMs).toBe(5);
    const created = (await listAlbums(dst)).find((a) => a.name === 'New one')!;
    expect(created.id).not.toBe('shared-id');
    expect(await albumItemIds(dst, created.id)).toEqual(['b2']);
    expect((await dst.get('albums', 'shared-id'))?.name).toBe('Unrelated');

    expect((await importInto(dst, bytes, await read(bytes))).albums).toEqual({ created: 0, merged: 2, items: 0 });
    expect(await dst.count('albums')).toBe(3);
  });
});
