import { describe, expect, it } from 'vitest';
import { assetRecords, indexWorkOf, takenAtOf, withTakeoutSidecar, modelImagesOf, vectorsByItem, type Prepared, type PreparedImage, type PreparedVideo } from '../../../src/lib/ingest/asset-records';
import type { JobRecord } from '../../../src/lib/db/schema';
import { DEFAULT_VIDEO_SETTINGS, type VideoSettings } from '../../../src/lib/core/video-settings';

const job = (id: string, name: string): JobRecord => ({ id, name, mime: 'image/jpeg', sizeBytes: 1234, status: 'processing', batchId: 'drop', createdAt: 1, updatedAt: 1, blobLocation: 'opfs' });
const pixels = (value: number) => ({ data: new Uint8ClampedArray(4).fill(value), width: 1, height: 1 });
const thumbnail = { blob: new Blob(['jpeg']), width: 320, height: 240 };

const photo: PreparedImage = { kind: 'image', job: { ...job('p1', 'beach.jpg'), lastModifiedMs: 1_600_000_000_000 }, sha256: 'ab'.repeat(32), pHash: 0x0123456789abcdefn, pHashStructure: 31.4159, width: 4000, height: 3000, thumbnail, pixels: pixels(1) };
const clip: PreparedVideo = {
  kind: 'video',
  job: { ...job('v1', 'walk.mp4'), mime: 'video/mp4' },
  sha256: 'cd'.repeat(32),
  pHash: 0xffn,
  pHashStructure: 0,
  width: 1920,
  height: 1080,
  thumbnail,
  nearDuplicateOf: { id: 'p1', name: 'beach.jpg', distance: 3 },
  video: {
    durationSec: 12.5,
    width: 1920,
    height: 1080,
    decoder: 'webcodecs',
    poster: thumbnail,
    frames: [
      { timestampSec: 0.5, pixels: pixels(2), thumbnail: new Blob(['f0']) },
      { timestampSec: 6, pixels: pixels(3), thumbnail: new Blob(['f1']) },
    ],
    candidateCount: 9,
    skippedBlank: 1,
    decodeMs: 0,
    filterMs: 0,
  },
};
const meanSettings: VideoSettings = { ...DEFAULT_VIDEO_SETTINGS, pooling: 'mean' };
const ctx = { addedAtMs: 1_700_000_000_000, modelKey: 'clip-b32', videoSettings: meanSettings };

describe('asset records: what an imported item stores', () => {
  it('a batch sends a photo as one image and a video as its keyframes, in order; vectors come back per item, a video’s pooled', () => {
    const batch: Prepared[] = [photo, clip];
    expect(modelImagesOf(batch.map(indexWorkOf)).map((p) => p.data[0])).toEqual([1, 2, 3]);
    const [a, b] = vectorsByItem(batch.map(indexWorkOf), [new Float32Array([1, 0]), new Float32Array([1, 0]), new Float32Array([0, 1])], meanSettings);
    expect([...a.asset]).toEqual([1, 0]);
    expect(a.frames).toBeUndefined();
    // Mean of (1, 0) and (0, 1), L2-normalised.
    expect([...b.asset].map((x) => x.toFixed(4))).toEqual(['0.7071', '0.7071']);
    expect(b.frames?.map((f) => [...f])).toEqual([[1, 0], [0, 1]]);
  });

  it('a photo: asset with its hex pHash and time, thumbnail, vector and three lineage records; no frames', () => {
    const r = assetRecords(photo, { asset: new Float32Array([0.6, 0.8]) }, ctx);
    expect(r.asset).toEqual({
      id: 'p1', name: 'beach.jpg', type: 'image', mime: 'image/jpeg', sizeBytes: 1234, sha256: 'ab'.repeat(32), pHash: '0123456789abcdef',
      pHashStructure: 31.42, width: 4000, height: 3000, addedAt: ctx.addedAtMs, takenAtMs: 1_600_000_000_000, takenAtSource: 'file-modified', status: 'ready', blobLocation: 'opfs',
    });
    expect(r.thumbnail).toEqual({ id: 'p1', ...thumbnail });
    expect(r.embedding).toMatchObject({ id: 'p1', modelId: 'clip-b32', dim: 2 });
    expect(r.lineage.map((l) => [l.id, l.producer, l.modelId ?? null, l.createdAt])).toEqual([
      ['thumbnails:p1', 'thumbnail', null, ctx.addedAtMs],
      ['assets:p1', 'ingest', null, ctx.addedAtMs],
      ['embeddings:p1', 'clip-image', 'clip-b32', ctx.addedAtMs],
    ]);
    expect(r.lineage[2].params).toEqual({ input: 'center-square', inputPx: 224, exifOrientation: true, normalized: 'l2' });
    expect([r.frames, r.frameThumbnails]).toEqual([[], []]);
  });

  it('a video: duration, decoder and frame times on the asset, one vector and thumbnail per keyframe, the pooling in its lineage', () => {
    const r = assetRecords(clip, { asset: new Float32Array([1, 0]), frames: [new Float32Array([1, 0]), new Float32Array([0, 1])] }, ctx);
    expect(r.asset).toMatchObject({ type: 'video', durationSec: 12.5, decoder: 'webcodecs', frameTimestampsSec: [0.5, 6], pHash: '00000000000000ff', nearDuplicateOf: { id: 'p1', name: 'beach.jpg', distance: 3 } });
    expect(r.frames?.map((f) => [f.id, f.frameIndex, f.timestampSec, f.modelId, f.dim])).toEqual([
      ['v1#0', 0, 0.5, 'clip-b32', 2],
      ['v1#1', 1, 6, 'clip-b32', 2],
    ]);
    expect(r.frameThumbnails?.map((t) => t.id)).toEqual(['v1#0', 'v1#1']);
    expect(r.lineage.map((l) => l.id)).toEqual(['thumbnails:v1', 'assets:v1', 'embeddings:v1', 'frameEmbeddings:v1']);
    expect(r.lineage[2].params).toEqual({ pooling: 'mean', temperature: meanSettings.temperature, frames: 2, normalized: 'l2' });
    expect(r.lineage[3].params).toMatchObject({ decoder: 'webcodecs', candidates: 9, skippedBlank: 1, inputPx: 224 });
  });
});

describe('takenAtOf: the date taken an item starts with', () => {
  const ADDED = Date.UTC(2026, 5, 1, 12);
  it("is the file's last-modified time when that is plausible", () => {
    const july2019 = Date.UTC(2019, 6, 14, 9, 30);
    expect(takenAtOf(july2019, ADDED)).toEqual({ takenAtMs: july2019, takenAtSource: 'file-modified' });
    // A clock a few hours ahead (time zones, a camera set to local time) is still a file time.
    expect(takenAtOf(ADDED + 3 * 3600_000, ADDED)).toEqual({ takenAtMs: ADDED + 3 * 3600_000, takenAtSource: 'file-modified' });
  });
  it('is the date added when the file time is missing, unset (1970, 1980) or far in the future', () => {
    for (const bad of [undefined, 0, -1, Date.UTC(1980, 0, 1), ADDED + 2 * 86_400_000, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(takenAtOf(bad, ADDED)).toEqual({ takenAtMs: ADDED, takenAtSource: 'added' });
    }
  });
  it("prefers the photo's metadata, then a date in the file name, then the file's time", () => {
    const fileMs = Date.UTC(2024, 0, 1);
    const exif = { takenAt: { ms: Date.UTC(2019, 6, 14, 13, 30), source: 'exif' as const, offsetMin: 120 }, ignored: [] };
    const name = 'IMG_20180301_101010.jpg';
    expect(takenAtOf(fileMs, ADDED, { metadata: exif, name })).toEqual({ takenAtMs: Date.UTC(2019, 6, 14, 13, 30), takenAtSource: 'exif', takenAtOffsetMin: 120 });
    expect(takenAtOf(fileMs, ADDED, { metadata: { ignored: ['the EXIF date taken is malformed'] }, name })).toEqual({
      takenAtMs: new Date(2018, 2, 1, 10, 10, 10).getTime(), takenAtSource: 'file-name',
    });
    expect(takenAtOf(fileMs, ADDED, { name: 'IMG_1234.jpg' })).toEqual({ takenAtMs: fileMs, takenAtSource: 'file-modified' });
  });
});

describe('date taken: Takeout sidecars and video containers against the file’s own metadata', () => {
  const addedAtMs = Date.UTC(2026, 0, 1);
  const takeout = { takenAtMs: Date.UTC(2019, 6, 14, 10, 0, 0) };
  const exifWithOffset = { takenAt: { ms: Date.UTC(2019, 6, 14, 9, 59, 58), source: 'exif' as const, offsetMin: 120 }, ignored: [] };
  const exifLocalGuess = { takenAt: { ms: Date.UTC(2019, 6, 14, 12, 0, 0), source: 'exif' as const }, ignored: [] };
  const mvhd = { takenAt: { ms: Date.UTC(2019, 6, 14, 10, 0, 5), source: 'video-metadata' as const }, ignored: [] };

  it.each([
    ['EXIF with its offset beats Takeout', { metadata: exifWithOffset, takeout }, { takenAtMs: exifWithOffset.takenAt.ms, takenAtSource: 'exif', takenAtOffsetMin: 120 }],
    ['Takeout (a UTC instant) beats EXIF whose zone is a guess', { metadata: exifLocalGuess, takeout }, { takenAtMs: takeout.takenAtMs, takenAtSource: 'takeout' }],
    ['Takeout beats a video’s mvhd time', { metadata: mvhd, takeout }, { takenAtMs: takeout.takenAtMs, takenAtSource: 'takeout' }],
    ['a video’s container time beats its file name', { metadata: mvhd, name: 'VID_20200101_120000.mp4' }, { takenAtMs: mvhd.takenAt.ms, takenAtSource: 'video-metadata' }],
    ['Takeout beats a date in the file name', { takeout, name: 'IMG_20200101_120000.jpg' }, { takenAtMs: takeout.takenAtMs, takenAtSource: 'takeout' }],
    ['the upload time (creationTime) is below EXIF and file names', { metadata: exifLocalGuess, takeout: { uploadedAtMs: 7 } }, { takenAtMs: exifLocalGuess.takenAt.ms, takenAtSource: 'exif' }],
    ['…and above the file’s own time', { takeout: { uploadedAtMs: Date.UTC(2020, 0, 1) } }, { takenAtMs: Date.UTC(2020, 0, 1), takenAtSource: 'takeout' }],
  ])('%s', (_, clues, want) => {
    expect(takenAtOf(Date.UTC(2025, 0, 1), addedAtMs, clues)).toEqual(want);
  });

  it('a video keeps its container’s date and place, marked as read; a sidecar’s place fills in only where the file has none', () => {
    const video = { ...clip, metadata: { ...mvhd, gps: { lat: 1, lon: 2 } }, job: { ...clip.job, takeout: { takenAtMs: takeout.takenAtMs, gps: { lat: 3, lon: 4 } } } };
    expect(assetRecords(video, { asset: new Float32Array([1, 0]), frames: [] }, ctx).asset).toMatchObject({
      takenAtSource: 'takeout', gps: { lat: 1, lon: 2 }, gpsSource: 'video-metadata', metadataVersion: 1,
    });
    const photoWithSidecar = { ...photo, job: { ...photo.job, takeout: { gps: { lat: 3, lon: 4 }, title: 'beach.jpg' } } };
    const asset = assetRecords(photoWithSidecar, { asset: new Float32Array([1, 0]) }, ctx).asset;
    expect(asset).toMatchObject({ name: 'beach.jpg', gps: { lat: 3, lon: 4 }, gpsSource: 'takeout', takenAtSource: 'file-modified' });
    expect(asset.fileName).toBeUndefined();
  });

  it('a sidecar dropped after its item: date unless the file placed its own with an offset; position only where none; the full name where Takeout cut it', () => {
    const base = assetRecords(photo, { asset: new Float32Array([1, 0]) }, ctx).asset;
    const sidecar = { takenAtMs: takeout.takenAtMs, gps: { lat: 3, lon: 4 }, title: 'beach-at-sunset-with-the-whole-family-2019-and-more.jpg' };
    expect(withTakeoutSidecar({ ...base, name: 'beach-at-sunset-with-the-whole-family.jpg' }, sidecar)).toMatchObject({
      takenAtMs: takeout.takenAtMs, takenAtSource: 'takeout', gps: { lat: 3, lon: 4 }, gpsSource: 'takeout', name: sidecar.title, fileName: 'beach-at-sunset-with-the-whole-family.jpg',
    });
    const exif = { ...base, takenAtMs: 5, takenAtSource: 'exif' as const, takenAtOffsetMin: 60, gps: { lat: 1, lon: 2 } };
    expect(withTakeoutSidecar(exif, sidecar)).toEqual(exif);
    const guess = { ...base, takenAtMs: 5, takenAtSource: 'exif' as const };
    expect(withTakeoutSidecar(guess, sidecar)).toMatchObject({ takenAtMs: takeout.takenAtMs, takenAtSource: 'takeout' });
  });
});
