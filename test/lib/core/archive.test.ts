import { describe, expect, it } from 'vitest';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  ArchiveError,
  MANIFEST_NAME,
  bytesSource,
  checkEntryName,
  encodeRecords,
  encodeVectors,
  packArchive,
  parseTarHeader,
  readArchive,
  tarEnd,
  tarHeader,
  tarPadding,
  type ArchiveContents,
  type ArchiveManifest,
  type ManifestEntry,
  type PackEntry,
} from '../../../src/lib/core/archive';
import { sha256Hex } from '../../../src/lib/core/sha256';
import type { AssetRecord, ClusterRecord, EmbeddingRecord, FrameEmbeddingRecord, LineageRecord } from '../../../src/lib/core/records';
import { randomUnit, rng } from '../../helpers/random';
import { craftTar, type CraftEntry } from '../../helpers/hostile-tar';

const MODEL = 'fixture-clip@q8';
const DIM = 8;
const SCHEMA = 3;
const enc = new TextEncoder();
const r = rng(7);

const originalA = enc.encode('the bytes of a red photo');
const originalB = enc.encode('the bytes of a short video, a little longer');
const thumbA = Uint8Array.from({ length: 700 }, (_, i) => (i * 31) & 0xff);
const thumbB0 = Uint8Array.from({ length: 90 }, (_, i) => (i * 7) & 0xff);

async function fixture() {
  const assets: AssetRecord[] = [
    { id: 'aaaa-1', name: 'red-ball.jpg', type: 'image', mime: 'image/jpeg', sizeBytes: originalA.length, sha256: await sha256Hex(originalA), pHash: '0123456789abcdef', pHashStructure: 31.42, width: 64, height: 48, addedAt: 1_700_000_000_000, takenAtMs: 1_600_000_000_000, takenAtSource: 'exif', takenAtOffsetMin: 120, camera: { make: 'Canon', model: 'EOS 5D', lens: 'EF 50mm' }, gps: { lat: 48.8584, lon: 2.2945 }, status: 'ready', blobLocation: 'idb' },
    { id: 'bbbb-2', name: 'clip.webm', type: 'video', mime: 'video/webm', sizeBytes: originalB.length, sha256: await sha256Hex(originalB), pHash: 'fedcba9876543210', width: 320, height: 240, addedAt: 1_700_000_000_500, takenAtMs: 1_500_000_000_000, takenAtSource: 'takeout', gps: { lat: -33.8568, lon: 151.2153 }, gpsSource: 'video-metadata', fileName: 'cli.webm', status: 'ready', blobLocation: 'idb', durationSec: 3, decoder: 'webcodecs', frameTimestampsSec: [0.5] },
  ];
  const embeddings: EmbeddingRecord[] = assets.map((a) => ({ id: a.id, modelId: MODEL, dim: DIM, vector: randomUnit(r, DIM) }));
  const frames: FrameEmbeddingRecord[] = [{ id: 'bbbb-2#0', assetId: 'bbbb-2', frameIndex: 0, timestampSec: 0.5, modelId: MODEL, dim: DIM, vector: randomUnit(r, DIM) }];
  const lineage: LineageRecord[] = [{ id: 'embeddings:aaaa-1', store: 'embeddings', recordId: 'aaaa-1', sourceAssetId: 'aaaa-1', producer: 'clip-image', producerVersion: '1', modelId: MODEL, params: { normalized: 'l2', inputPx: 224 }, createdAt: 5 }];
  const clusters: ClusterRecord[] = [
    { id: 'c1', modelKey: MODEL, memberIds: ['aaaa-1', 'bbbb-2'], centroid: randomUnit(r, DIM), representativeIds: ['aaaa-1'], name: 'Red things', nameSource: 'user', membershipHash: 'h', hidden: false, createdAt: 1, updatedAt: 2 },
  ];
  return { assets, embeddings, frames, lineage, clusters };
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

function entriesOf(f: Fixture, { originals = true } = {}): PackEntry[] {
  const thumbs = [
    { id: 'aaaa-1', width: 64, height: 48, mime: 'image/jpeg' },
    { id: 'bbbb-2#0', width: 0, height: 0, mime: 'image/jpeg' },
  ];
  return [
    { name: 'records/assets/000000.jsonl', bytes: encodeRecords('assets', f.assets.map(({ blobLocation: _, ...a }) => a)) },
    { name: 'records/thumbnails/000000.jsonl', bytes: encodeRecords('thumbnails', thumbs) },
    { name: 'thumbnails/aaaa-1', bytes: thumbA },
    { name: 'thumbnails/bbbb-2#0', bytes: thumbB0 },
    { name: 'records/embeddings/000000.jsonl', bytes: encodeRecords('embeddings', f.embeddings) },
    { name: 'vectors/embeddings/000000.f32', bytes: encodeVectors('embeddings', f.embeddings, DIM) },
    { name: 'records/frameEmbeddings/000000.jsonl', bytes: encodeRecords('frameEmbeddings', f.frames) },
    { name: 'vectors/frameEmbeddings/000000.f32', bytes: encodeVectors('frameEmbeddings', f.frames, DIM) },
    { name: 'records/lineage/000000.jsonl', bytes: encodeRecords('lineage', f.lineage) },
    { name: 'records/clusters/000000.jsonl', bytes: encodeRecords('clusters', f.clusters) },
    { name: 'vectors/clusters/000000.f32', bytes: encodeVectors('clusters', f.clusters, DIM) },
    { name: 'records/meta/000000.jsonl', bytes: encodeRecords('meta', [['settings:video', { maxFrames: 12 }]]) },
    ...(originals
      ? [
          { name: 'originals/aaaa-1', bytes: originalA },
          { name: 'originals/bbbb-2', bytes: originalB },
        ]
      : []),
  ];
}

const baseManifest = (originals = true): Omit<ArchiveManifest, 'entries'> => ({
  format: ARCHIVE_FORMAT,
  formatVersion: ARCHIVE_FORMAT_VERSION,
  schemaVersion: SCHEMA,
  createdAt: 1_700_000_001_000,
  modelKey: MODEL,
  dim: DIM,
  includesOriginals: originals,
  counts: { assets: 2, thumbnails: 2, embeddings: 2, frameEmbeddings: 1, lineage: 1, clusters: 1, meta: 1, originals: originals ? 2 : 0 },
});

const expectations = { schemaVersion: SCHEMA, modelKey: MODEL, dim: DIM };
const read = (bytes: Uint8Array) => readArchive(bytesSource(bytes), expectations);

/** A tar written without checks (see craftTar), with the fixture's manifest unless given. */
const craft = async (entries: CraftEntry[], manifest: Record<string, unknown> = baseManifest(), listed?: ManifestEntry[]): Promise<Uint8Array> => craftTar(entries, manifest, listed);

async function rejects(bytes: Uint8Array, message: RegExp): Promise<void> {
  const err = await read(bytes).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'the archive is rejected').toBeInstanceOf(ArchiveError);
  expect((err as Error).message).toMatch(message);
}

function blobAt(bytes: Uint8Array, ref: { offset: number; sizeBytes: number }): Uint8Array {
  return bytes.subarray(ref.offset, ref.offset + ref.sizeBytes);
}

/** What an import would write, with blob positions replaced by their bytes: comparable across archives. */
function normalise(c: ArchiveContents, bytes: Uint8Array) {
  return {
    // The manifest itself has no digest: a flip in its date changes nothing an import writes.
    manifest: { ...c.manifest, createdAt: 0, entries: c.manifest.entries.map((e) => e.name) },
    assets: c.assets.map((a) => ({
      ...a,
      thumbnails: a.thumbnails.map(({ offset, sizeBytes, ...t }) => ({ ...t, bytes: [...blobAt(bytes, { offset, sizeBytes })] })),
      original: a.original ? [...blobAt(bytes, a.original)] : undefined,
    })),
    clusters: c.clusters,
    meta: c.meta,
  };
}

describe('archive: tar blocks', () => {
  it('writes ustar headers other tools read: name, octal size, checksum', () => {
    const h = tarHeader('records/assets/000000.jsonl', 1234, 1_700_000_000);
    expect(h.length).toBe(512);
    expect(new TextDecoder().decode(h.subarray(257, 262))).toBe('ustar');
    expect(new TextDecoder().decode(h.subarray(124, 135))).toBe((1234).toString(8).padStart(11, '0'));
    expect(parseTarHeader(h)).toEqual({ name: 'records/assets/000000.jsonl', sizeBytes: 1234 });
    expect(parseTarHeader(new Uint8Array(512))).toBeNull();
    expect(tarPadding(512).length).toBe(0);
    expect(tarPadding(513).length).toBe(511);
  });

  it('rejects a header whose checksum does not match', () => {
    const h = tarHeader('records/assets/000000.jsonl', 10);
    h[5] ^= 1;
    expect(() => parseTarHeader(h)).toThrow(/checksum/);
  });
});

describe('archive: entry names', () => {
  it.each([
    ['../evil', /leaves its folder/],
    ['originals/../../etc/passwd', /leaves its folder/],
    ['/etc/passwd', /absolute/],
    ['C:/Windows/win.ini', /absolute/],
    ['originals\\aaaa-1', /backslash/],
    ['originals/aaaa\u00001', /NUL/],
    ['originals/aa\nbb', /control characters/],
    ['originals//aaaa-1', /empty or "\." part/],
    ['originals/./aaaa-1', /empty or "\." part/],
    ['notes.txt', /does not know/],
    ['originals/has space', /does not know/],
  ])('rejects %j', (name, message) => {
    expect(() => checkEntryName(name)).toThrow(message);
  });

  it('accepts the names the format uses', () => {
    expect(checkEntryName('records/frameEmbeddings/000012.jsonl')).toEqual({ kind: 'records', store: 'frameEmbeddings', chunk: 12 });
    expect(checkEntryName('thumbnails/bbbb-2#3')).toEqual({ kind: 'thumbnail', id: 'bbbb-2#3' });
    expect(checkEntryName('originals/aaaa-1')).toEqual({ kind: 'original', id: 'aaaa-1' });
  });
});

describe('archive: round trip', () => {
  it('reads back every record, vector, thumbnail and original exactly', async () => {
    const f = await fixture();
    const bytes = await packArchive(baseManifest(), entriesOf(f));
    const c = await read(bytes);
    expect(c.manifest.counts.assets).toBe(2);
    expect(c.manifest.entries[0].name).toBe('records/assets/000000.jsonl');
    const [a, b] = c.assets;
    expect(a.asset).toEqual(f.assets[0]);
    expect(b.asset).toEqual(f.assets[1]);
    expect(a.embedding?.vector).toEqual(f.embeddings[0].vector);
    expect(b.frames).toEqual(f.frames);
    expect(a.lineage).toEqual(f.lineage);
    expect(blobAt(bytes, a.thumbnails[0])).toEqual(thumbA);
    expect(b.thumbnails.map((t) => t.id)).toEqual(['bbbb-2#0']);
    expect(blobAt(bytes, a.original!)).toEqual(originalA);
    expect(blobAt(bytes, b.original!)).toEqual(originalB);
    expect(c.clusters).toEqual(f.clusters);
    expect(c.meta).toEqual([['settings:video', { maxFrames: 12 }]]);
  });

  it('an archive without originals reads the same records and no original files', async () => {
    const f = await fixture();
    const c = await read(await packArchive(baseManifest(false), entriesOf(f, { originals: false })));
    expect(c.assets.map((a) => a.original)).toEqual([undefined, undefined]);
    expect(c.assets[0].embedding?.vector).toEqual(f.embeddings[0].vector);
  });

  it('vectors are little-endian float32, byte for byte', () => {
    const v = new Float32Array([1, 0, 0, 0, 0, 0, 0, 0]);
    const bytes = encodeVectors('embeddings', [{ vector: v }], DIM);
    expect([...bytes.subarray(0, 4)]).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });
});

describe('archive: hostile and broken archives are rejected with a reason', () => {
  it('an entry name with "../" in the tar', async () => {
    const f = await fixture();
    const entries = entriesOf(f);
    entries[2] = { name: '../../thumbnails/aaaa-1', bytes: thumbA };
    await rejects(await craft(entries), /leaves its folder/);
  });

  it('an absolute entry name', async () => {
    const f = await fixture();
    const entries = entriesOf(f);
    entries.push({ name: '/etc/cron.d/evil', bytes: enc.encode('* * * * * root rm -rf /') });
    await rejects(await craft(entries), /absolute/);
  });

  it('an entry larger than the manifest declares', async () => {
    const f = await fixture();
    const entries = entriesOf(f);
    const listed = await Promise.all(entries.map(async (e) => ({ name: e.name, sizeBytes: e.bytes.length, sha256: await sha256Hex(e.bytes) })));
    listed[2] = { ...listed[2], sizeBytes: 100 };
    await rejects(await craft(entries, baseManifest(), listed), /larger than the manifest declares/);
  });

  it('an entry whose bytes do not match its SHA-256', async () => {
    const f = await fixture();
    const entries = entriesOf(f);
    const listed = await Promise.all(entries.map(async (e) => ({ name: e.name, sizeBytes: e.bytes.length, sha256: await sha256Hex(e.bytes) })));
    entries[2] = { name: entries[2].name, bytes: thumbA.map((x) => x ^ 1) };
    await rejects(await craft(entries, baseManifest(), listed), /thumbnails\/aaaa-1 is damaged: its SHA-256 does not match/);
  });

  it('a truncated archive, wherever it is cut', async () => {
    const f = await fixture();
    const bytes = await packArchive(baseManifest(), entriesOf(f));
    for (const cut of [100, 600, 1500, Math.floor(bytes.length / 2), bytes.length - 1024, bytes.length - 1030]) {
      await rejects(bytes.subarray(0, cut), /truncated|damaged|ends before/);
    }
  });

  it('entries the manifest does not list', async () => {
    const f = await fixture();
    const packed = await packArchive(baseManifest(), entriesOf(f));
    const smuggled = enc.encode('smuggled');
    // The good archive without its end marker, then one more entry and the end marker.
    const tail = [tarHeader('originals/zzzz-9', smuggled.length), smuggled, tarPadding(smuggled.length), tarEnd()];
    const glued = new Uint8Array(packed.length - 1024 + tail.reduce((n, p) => n + p.length, 0));
    glued.set(packed.subarray(0, packed.length - 1024));
    let at = packed.length - 1024;
    for (const p of tail) {
      glued.set(p, at);
      at += p.length;
    }
    await rejects(glued, /holds entries its manifest does not list/);
  });

  it('vectors of the wrong length', async () => {
    const f = await fixture();
    const entries = entriesOf(f);
    entries[5] = { name: entries[5].name, bytes: encodeVectors('embeddings', f.embeddings.map((e) => ({ vector: Float32Array.from([...e.vector, 0, 0, 0, 0, 0, 0, 0, 0]) })), 16) };
    await rejects(await craft(entries), /vectors\/embeddings\/000000\.f32 holds \d+ bytes; 2 vectors of 8 dimensions need 64/);
  });

  it('a vector with NaN', async () => {
    const f = await fixture();
    f.embeddings[1].vector = Float32Array.from(f.embeddings[1].vector, (x, i) => (i === 3 ? NaN : x));
    await rejects(await craft(entriesOf(f)), /vector 2 has a NaN or infinite value/);
  });

  it('a vector that is not unit length', async () => {
    const f = await fixture();
    f.frames[0].vector = f.frames[0].vector.map((x) => x * 2);
    await rejects(await craft(entriesOf(f)), /vectors\/frameEmbeddings\/000000\.f32: vector 1 is not unit length \(norm 2\.0000\)/);
  });

  it('an unknown format version', async () => {
    const f = await fixture();
    await rejects(await craft(entriesOf(f), { ...baseManifest(), formatVersion: 2 }), /format version 2; this Shoebox reads version 1/);
  });

  it('a newer library schema', async () => {
    const f = await fixture();
    await rejects(await craft(entriesOf(f), { ...baseManifest(), schemaVersion: SCHEMA + 1 }), /newer Shoebox \(library version 4, this one 3\)/);
  });

  it('another file format', async () => {
    await rejects(await craft([], { format: 'zip-of-photos' }), /not a Shoebox archive/);
    await rejects(enc.encode('PK\u0003\u0004 not a tar at all, just some bytes that are long enough'.padEnd(2048, '.')), /checksum|not a Shoebox archive/);
  });

  it('a vector for an unknown asset id', async () => {
    const f = await fixture();
    f.embeddings[1].id = 'cccc-3';
    await rejects(await craft(entriesOf(f)), /a vector for an unknown asset id cccc-3/);
  });

  it('a cluster naming an unknown asset', async () => {
    const f = await fixture();
    f.clusters[0].memberIds = ['aaaa-1', 'dddd-4'];
    await rejects(await craft(entriesOf(f)), /the cluster "Red things" for an unknown asset id dddd-4/);
  });

  it('the same asset id twice', async () => {
    const f = await fixture();
    f.assets[1] = { ...f.assets[1], id: 'aaaa-1' };
    f.embeddings.pop();
    const entries = entriesOf(f).filter((e) => !e.name.includes('bbbb-2') && !e.name.includes('frameEmbeddings'));
    const thumbs = encodeRecords('thumbnails', [{ id: 'aaaa-1', width: 64, height: 48, mime: 'image/jpeg' }]);
    entries[1] = { name: entries[1].name, bytes: thumbs };
    entries.splice(entries.findIndex((e) => e.name.startsWith('records/clusters')), 2);
    await rejects(
      await craft(entries, { ...baseManifest(), counts: { assets: 2, thumbnails: 1, embeddings: 1, frameEmbeddings: 0, lineage: 1, clusters: 0, meta: 1, originals: 1 } }),
      /lists the asset aaaa-1 twice/,
    );
  });

  it('the same file twice under two ids', async () => {
    const f = await fixture();
    f.assets[1] = { ...f.assets[1], sha256: f.assets[0].sha256 };
    await rejects(await craft(entriesOf(f, { originals: false }), baseManifest(false)), /the same file twice/);
  });

  it('an original file that is not the recorded file', async () => {
    const f = await fixture();
    const entries = entriesOf(f);
    entries[entries.length - 1] = { name: 'originals/bbbb-2', bytes: originalB.map((x) => x ^ 0x20) };
    await rejects(await craft(entries), /original file of clip\.webm does not match its recorded SHA-256/);
  });

  it('vectors from another model, unless the library uses that model', async () => {
    const f = await fixture();
    const bytes = await packArchive(baseManifest(), entriesOf(f));
    const err = await readArchive(bytesSource(bytes), { ...expectations, modelKey: 'Xenova/clip-vit-base-patch32@q8' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/vectors come from the model fixture-clip@q8; this library uses Xenova\/clip-vit-base-patch32@q8/);
  });

  it('an archive carrying the VLM key', async () => {
    const f = await fixture();
    const entries = entriesOf(f);
    const meta = entries.findIndex((e) => e.name.startsWith('records/meta'));
    entries[meta] = { name: entries[meta].name, bytes: encodeRecords('meta', [['vlm:apiKey', 'AIza-stolen']]) };
    await rejects(await craft(entries), /setting vlm:apiKey, which archives never carry/);
  });

  it('a link entry', async () => {
    const f = await fixture();
    const bytes = await craft(entriesOf(f));
    // Turn the first data entry (after the manifest) into a symlink and fix its checksum.
    const manifestSize = parseTarHeader(bytes.subarray(0, 512))!.sizeBytes;
    const at = 512 + manifestSize + tarPadding(manifestSize).length;
    const h = bytes.subarray(at, at + 512);
    h[156] = 0x32;
    h.fill(0x20, 148, 156);
    const sum = h.reduce((n, b) => n + b, 0);
    h.set(enc.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
    await rejects(bytes, /link, folder or other special entry/);
  });
});

describe('archive: fuzz', () => {
  it('random byte flips never crash: each archive reads exactly as before or is rejected', async () => {
    const f = await fixture();
    const good = await packArchive(baseManifest(), entriesOf(f));
    const expected = normalise(await read(good), good);
    const fz = rng(2024);
    let rejected = 0;
    let same = 0;
    for (let trial = 0; trial < 400; trial++) {
      const bytes = good.slice();
      const flips = 1 + Math.floor(fz() * 4);
      for (let i = 0; i < flips; i++) bytes[Math.floor(fz() * bytes.length)] ^= 1 + Math.floor(fz() * 255);
      try {
        const c = await read(bytes);
        expect(normalise(c, bytes)).toEqual(expected);
        same++;
      } catch (err) {
        if (!(err instanceof ArchiveError)) throw new Error(`trial ${trial}: ${String(err)}`);
        rejected++;
      }
    }
    expect(rejected + same).toBe(400);
    // Most flips land in digested bytes; a few in padding or unused header fields change nothing.
    expect(rejected).toBeGreaterThan(200);
  });
});

describe('archive: albums', () => {
  const trip = { id: 'trip', name: 'Trip', createdAtMs: 1, updatedAtMs: 2 };
  const member = (albumId: string, assetId: string) => ({ id: `${albumId}:${assetId}`, albumId, assetId, addedAtMs: 3 });

  async function withAlbums(albums: unknown[], items: unknown[]): Promise<Uint8Array> {
    const f = await fixture();
    const entries = [
      ...entriesOf(f, { originals: false }),
      { name: 'records/albums/000000.jsonl', bytes: encodeRecords('albums', albums as object[]) },
      ...(items.length ? [{ name: 'records/albumItems/000000.jsonl', bytes: encodeRecords('albumItems', items as object[]) }] : []),
    ];
    const base = baseManifest(false);
    return craft(entries, { ...base, counts: { ...base.counts, albums: albums.length, albumItems: items.length } });
  }

  it('reads albums and their items; a name with markup stays as typed, cleaned like a typed name', async () => {
    const markup = { id: 'mk', name: '  <img src=x onerror=alert(1)>\n', createdAtMs: 5, updatedAtMs: 5 };
    const c = await read(await withAlbums([trip, markup], [member('trip', 'aaaa-1'), member('mk', 'bbbb-2')]));
    expect(c.albums).toEqual([trip, { ...markup, name: '<img src=x onerror=alert(1)>' }]);
    expect(c.albumItems).toEqual([member('trip', 'aaaa-1'), member('mk', 'bbbb-2')]);
  });

  it('an archive written before albums existed (no album counts in its manifest) reads with none', async () => {
    const c = await read(await packArchive(baseManifest(), entriesOf(await fixture())));
    expect(c.albums).toEqual([]);
    expect(c.albumItems).toEqual([]);
  });

  it.each([
    ['an album id that is a path', [{ ...trip, id: '../x' }], [], /album id is missing or malformed/],
    ['a name that is not text', [{ ...trip, name: 42 }], [], /album name is missing or too long/],
    ['a name of white space only', [{ ...trip, name: ' \n\t ' }], [], /album name is empty/],
    ['a name of 2,000 characters', [{ ...trip, name: 'x'.repeat(2000) }], [], /album name is missing or too long/],
    ['dates that are not numbers', [{ ...trip, createdAtMs: 'yesterday' }], [], /album dates are missing/],
    ['the same album twice', [trip, trip], [], /lists the album trip twice/],
    ['an item of an album not in the archive', [trip], [member('ghost', 'aaaa-1')], /album item for an unknown album id ghost/],
    ['an item that is not in the archive', [trip], [member('trip', 'zzzz-9')], /the album "Trip" for an unknown asset id zzzz-9/],
    ['an item key that does not match its album and item', [trip], [{ ...member('trip', 'aaaa-1'), id: 'trip:bbbb-2' }], /album item id is malformed/],
    ['the same item twice', [trip], [member('trip', 'aaaa-1'), member('trip', 'aaaa-1')], /lists the album item trip:aaaa-1 twice/],
  ])('refuses %s', async (_what, albums, items, message) => {
    await rejects(await withAlbums(albums, items), message);
  });
});

describe('archive: the metadata read from a photo', () => {
  it.each([
    ['an unknown date source', { takenAtSource: 'guess' }, /the date taken is malformed/],
    ['a UTC offset of 30 hours', { takenAtOffsetMin: 1800 }, /UTC offset of the date taken is malformed/],
    ['a UTC offset that is not a number', { takenAtOffsetMin: '+02:00' }, /UTC offset of the date taken is malformed/],
    ['a camera that is a string', { camera: 'Canon' }, /the camera is malformed/],
    ['a camera model that is an object', { camera: { model: { toString: 1 } } }, /the camera is malformed/],
    ['a camera make of 10,000 characters', { camera: { make: 'x'.repeat(10_000) } }, /the camera is malformed/],
    ['a latitude of 91', { gps: { lat: 91, lon: 0 } }, /the GPS position is malformed/],
    ['a longitude of -181', { gps: { lat: 0, lon: -181 } }, /the GPS position is malformed/],
    ['a latitude that is null (NaN in JSON)', { gps: { lat: null, lon: 2 } }, /the GPS position is malformed/],
    ['an unknown source of the position', { gpsSource: 'satellite' }, /the source of the GPS position is malformed/],
    ['a file name of 10,000 characters', { fileName: 'x'.repeat(10_000) }, /the file name is too long/],
  ])('refuses %s', async (_what, patch, message) => {
    const f = await fixture();
    f.assets[0] = { ...f.assets[0], ...(patch as object) } as AssetRecord;
    await rejects(await craft(entriesOf(f)), message);
  });
});

describe('archive: Live Photos and Motion Photos', () => {
  const motionBytes = enc.encode('the few seconds of a Live Photo, as a QuickTime movie');
  async function livePhoto(patch: Partial<Extract<AssetRecord['motion'], { kind: 'live' }>> = {}) {
    const f = await fixture();
    const motion = { kind: 'live' as const, name: 'IMG_0101.MOV', mime: 'video/quicktime', sizeBytes: motionBytes.length, sha256: await sha256Hex(motionBytes), durationSec: 2, blobLocation: 'idb' as const, ...patch };
    f.assets[0] = { ...f.assets[0], motion };
    return f;
  }
  const withMotionEntry = (entries: PackEntry[], bytes = motionBytes, id = 'aaaa-1') => [...entries, { name: `originals/${id}#motion`, bytes }];
  const manifest = (originals: number) => ({ ...baseManifest(), counts: { ...baseManifest().counts, originals } });

  it("carries a Live Photo's motion file with its still, and a Motion Photo's place in its file", async () => {
    const f = await livePhoto();
    const bytes = await packArchive(manifest(3), withMotionEntry(entriesOf(f)));
    const c = await read(bytes);
    const still = c.assets.find((a) => a.asset.id === 'aaaa-1')!;
    expect(still.asset.motion).toEqual(f.assets[0].motion);
    expect([...blobAt(bytes, still.motionOriginal!)]).toEqual([...motionBytes]);
    expect(c.assets.find((a) => a.asset.id === 'bbbb-2')!.motionOriginal).toBeUndefined();

    const g = await fixture();
    g.assets[0] = { ...g.assets[0], motion: { kind: 'motion-photo', offsetBytes: 4, sizeBytes: originalA.length - 4 } };
    expect((await read(await packArchive(baseManifest(), entriesOf(g)))).assets[0].asset.motion).toEqual({ kind: 'motion-photo', offsetBytes: 4, sizeBytes: originalA.length - 4 });
  });

  it.each([
    ['a Motion Photo video past the end of its file', { motion: { kind: 'motion-photo', offsetBytes: 4, sizeBytes: 10_000 } }, /video lies outside its file/],
    ['a Motion Photo offset that is negative', { motion: { kind: 'motion-photo', offsetBytes: -4, sizeBytes: 4 } }, /video lies outside its file/],
    ['a motion of an unknown kind', { motion: { kind: 'boomerang' } }, /Live Photo motion is malformed/],
    ['a Live Photo motion without its digest', { motion: { kind: 'live', name: 'a.mov', mime: 'video/quicktime', sizeBytes: 3, durationSec: 1 } }, /Live Photo motion is malformed/],
  ])('refuses %s', async (_what, patch, message) => {
    const f = await fixture();
    f.assets[0] = { ...f.assets[0], ...(patch as object) } as AssetRecord;
    await rejects(await craft(entriesOf(f)), message);
  });

  it('refuses a motion file that is not the recorded one, or that belongs to no Live Photo', async () => {
    const f = await livePhoto();
    await rejects(await packArchive(manifest(3), withMotionEntry(entriesOf(f), enc.encode('another movie altogether'))), /motion file of red-ball\.jpg does not match its record/);
    const plain = await fixture();
    await rejects(await packArchive(manifest(3), withMotionEntry(entriesOf(plain))), /motion file for red-ball\.jpg, which is no Live Photo/);
    await rejects(await packArchive(manifest(3), withMotionEntry(entriesOf(f), motionBytes, 'bbbb-2')), /which is no Live Photo/);
  });
});
