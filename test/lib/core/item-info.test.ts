import { describe, expect, it } from 'vitest';
import { afterRemoval, cameraText, lineageLines, positionSourceLabel, positionText, stepFrom, takenAtSourceLabel, utcOffsetText } from '../../../src/lib/core/item-info';
import { itemHash, itemIdFromHash } from '../../../src/lib/core/item-address';
import type { LineageRecord } from '../../../src/lib/core/records';

describe('takenAtSourceLabel', () => {
  it('names each source of the date taken', () => {
    expect(takenAtSourceLabel('file-modified')).toBe("from the file's date");
    expect(takenAtSourceLabel('added')).toBe('date added');
    expect(takenAtSourceLabel('file-name')).toBe('from the file name');
    expect(takenAtSourceLabel('exif', 120)).toBe("from the photo's metadata (UTC+02:00)");
    expect(takenAtSourceLabel('exif')).toBe("from the photo's metadata (no time zone given: read as this device's local time)");
    expect(takenAtSourceLabel('xmp', -330)).toBe("from the photo's XMP metadata (UTC-05:30)");
    expect(takenAtSourceLabel('gps-time', 0)).toBe("from the photo's GPS clock (UTC)");
    expect(takenAtSourceLabel('takeout')).toBe('from its Google Takeout sidecar (UTC)');
    expect(takenAtSourceLabel('video-metadata')).toBe("from the video's creation time (UTC)");
    expect(takenAtSourceLabel('video-metadata', 120)).toBe("from the video's creation date (UTC+02:00)");
    expect([undefined, 'takeout', 'video-metadata'].map((s) => positionSourceLabel(s as 'takeout'))).toEqual([
      "from the photo's metadata", 'from its Google Takeout sidecar', "from the video's metadata",
    ]);
  });

  it('writes UTC offsets as ±hh:mm', () => {
    expect([0, 60, 120, -300, -330, 345, 840].map(utcOffsetText)).toEqual(['UTC', 'UTC+01:00', 'UTC+02:00', 'UTC-05:00', 'UTC-05:30', 'UTC+05:45', 'UTC+14:00']);
  });
});

describe('positionText and cameraText', () => {
  it('writes a position with hemispheres, 4 decimals', () => {
    expect(positionText({ lat: 48.85837, lon: 2.294481 })).toBe('48.8584° N, 2.2945° E');
    expect(positionText({ lat: -33.8568, lon: -151.2153 })).toBe('33.8568° S, 151.2153° W');
  });

  it('joins make and model, either alone, or none', () => {
    expect(cameraText({ make: 'Canon', model: 'EOS 5D', lens: 'EF 50mm' })).toBe('Canon EOS 5D');
    expect(cameraText({ model: 'iPhone 12' })).toBe('iPhone 12');
    expect(cameraText({ lens: 'EF 50mm' })).toBeNull();
    expect(cameraText(undefined)).toBeNull();
  });
});

describe('lineageLines', () => {
  const rec = (store: LineageRecord['store'], producer: string, params: LineageRecord['params'], modelId?: string): LineageRecord => ({
    id: `${store}:a1`,
    store,
    recordId: 'a1',
    sourceAssetId: 'a1',
    producer,
    producerVersion: '2',
    modelId,
    params,
    createdAt: 0,
  });

  it('puts the item record first, then thumbnail and vectors, with params in one line', () => {
    const lines = lineageLines([
      rec('embeddings', 'clip-image', { input: 'center-square', inputPx: 224 }, 'clip-b32'),
      rec('thumbnails', 'thumbnail', { maxEdgePx: 256, format: 'image/jpeg' }),
      rec('assets', 'ingest', { sha256: true }),
    ]);
    expect(lines).toEqual([
      { product: 'Record', producer: 'ingest 2', model: undefined, params: 'sha256 true' },
      { product: 'Thumbnail', producer: 'thumbnail 2', model: undefined, params: 'maxEdgePx 256 · format image/jpeg' },
      { product: 'Search vector', producer: 'clip-image 2', model: 'clip-b32', params: 'input center-square · inputPx 224' },
    ]);
  });
});

describe('afterRemoval and stepFrom', () => {
  it('shows the following item after a delete, the previous one after the last, none when empty', () => {
    expect(afterRemoval(['a', 'b', 'c'], 'b')).toEqual({ listIds: ['a', 'c'], nextId: 'c' });
    expect(afterRemoval(['a', 'b', 'c'], 'c')).toEqual({ listIds: ['a', 'b'], nextId: 'b' });
    expect(afterRemoval(['a'], 'a')).toEqual({ listIds: [], nextId: null });
    expect(afterRemoval(['a', 'b'], 'x')).toEqual({ listIds: ['a', 'b'], nextId: 'a' });
  });

  it('steps through the list and stops at its ends', () => {
    expect(stepFrom(['a', 'b', 'c'], 'b', 1)).toBe('c');
    expect(stepFrom(['a', 'b', 'c'], 'b', -1)).toBe('a');
    expect(stepFrom(['a', 'b', 'c'], 'c', 1)).toBeNull();
    expect(stepFrom(['a', 'b', 'c'], 'a', -1)).toBeNull();
    expect(stepFrom(['a'], 'x', 1)).toBeNull();
  });
});

describe('item address', () => {
  it('round-trips ids, including ones that need escaping', () => {
    for (const id of ['0f3a-11', 'a/b#c d']) expect(itemIdFromHash(itemHash(id))).toBe(id);
    expect(itemHash('a/b')).toBe('#/item/a%2Fb');
  });

  it('names no item for other fragments or a broken escape', () => {
    expect(itemIdFromHash('')).toBeNull();
    expect(itemIdFromHash('#/item/')).toBeNull();
    expect(itemIdFromHash('#/album/x')).toBeNull();
    expect(itemIdFromHash('#/item/%E0%A4%A')).toBeNull();
  });
});
