import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIso6709, readVideoMetadata } from '../../../src/lib/core/video-metadata';

const NOW_MS = Date.UTC(2026, 11, 6, 12, 0, 0);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/video-metadata/${name}`, import.meta.url)));
const reads: number[] = [];
const readerOf = (bytes: Uint8Array) => async (offset: number, length: number) => {
  reads.push(length);
  return bytes.slice(offset, offset + length);
};
const read = (bytes: Uint8Array) => readVideoMetadata(readerOf(bytes), bytes.length, NOW_MS);

/** Offset of a box type's 4 characters in the file. */
const find = (bytes: Uint8Array, type: string) => Buffer.from(bytes).indexOf(type, 0, 'latin1');

describe('video creation time and location', () => {
  it.each([
    ['mvhd-loci.mp4', { ms: Date.UTC(2019, 6, 14, 10, 0, 0), source: 'video-metadata' }, { lat: 38.7223, lon: -9.1393 }],
    ['mvhd-xyz.mov', { ms: Date.UTC(2018, 2, 2, 8, 30, 0), source: 'video-metadata' }, { lat: 48.8584, lon: 2.2945 }],
    // The QuickTime creation date keeps the phone's offset; it wins over mvhd.
    ['quicktime-keys.mov', { ms: Date.UTC(2017, 4, 1, 10, 0, 0), source: 'video-metadata', offsetMin: 120 }, { lat: -33.8568, lon: 151.2153 }],
    ['dateutc-location.webm', { ms: Date.UTC(2016, 11, 24, 18, 0, 0), source: 'video-metadata' }, { lat: 51.5007, lon: -0.1246 }],
  ])('%s', async (name, takenAt, gps) => {
    const m = await read(fixture(name));
    expect(m.takenAt).toEqual(takenAt);
    // loci stores 16.16 fixed point: 1/65536 of a degree.
    expect(m.gps?.lat).toBeCloseTo(gps.lat, 4);
    expect(m.gps?.lon).toBeCloseTo(gps.lon, 4);
    expect(m.ignored).toEqual([]);
  });

  it('ignores an unset mvhd clock: 0 (1904) and a Unix zero written as 1970', async () => {
    const bytes = fixture('no-metadata.mp4');
    expect(await read(bytes)).toEqual({ ignored: [] });
    const unixZero = bytes.slice();
    new DataView(unixZero.buffer).setUint32(find(unixZero, 'mvhd') + 8, 2_082_844_800);
    expect(await read(unixZero)).toEqual({ ignored: [] });
  });

  it('reads only the moov box of a large file, never the media data', async () => {
    reads.length = 0;
    const clip = fixture('mvhd-loci.mp4');
    await read(clip);
    expect(Math.max(...reads)).toBeLessThan(clip.length);
  });

  it('survives damaged and hostile containers: cut short, sizes that loop, a date in the future', async () => {
    const clip = fixture('mvhd-xyz.mov');
    for (let cut = 0; cut < clip.length; cut += 97) {
      const m = await read(clip.slice(0, cut));
      expect(m.takenAt === undefined || m.takenAt.ms === Date.UTC(2018, 2, 2, 8, 30, 0)).toBe(true);
    }
    const looping = clip.slice();
    // A box claiming 4 bytes (smaller than its header) ends the walk instead of looping.
    new DataView(looping.buffer).setUint32(find(looping, 'udta') - 4, 4);
    expect((await read(looping)).takenAt?.ms).toBe(Date.UTC(2018, 2, 2, 8, 30, 0));
    const huge = clip.slice();
    new DataView(huge.buffer).setUint32(find(huge, 'moov') - 4, 0xffffffff);
    expect(await read(huge)).toMatchObject({ takenAt: { ms: Date.UTC(2018, 2, 2, 8, 30, 0) } });
    const future = clip.slice();
    new DataView(future.buffer).setUint32(find(future, 'mvhd') + 8, 0xfffffff0);
    expect(await read(future)).toEqual({ gps: { lat: 48.8584, lon: 2.2945 }, ignored: ["the video's creation time is in the future"] });
    expect(await read(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0xff]))).toEqual({ ignored: [] });
    expect(await read(new TextEncoder().encode('not a video at all'))).toEqual({ ignored: [] });
  });

  it('random byte flips in every fixture: each read settles with plausible values or none', async () => {
    let seed = 2024;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (const name of ['mvhd-loci.mp4', 'mvhd-xyz.mov', 'quicktime-keys.mov', 'dateutc-location.webm']) {
      const clip = fixture(name);
      for (let round = 0; round < 75; round++) {
        const bad = clip.slice();
        for (let k = 0; k < 8; k++) bad[next() % bad.length] = next() & 0xff;
        const m = await read(bad);
        if (m.takenAt) expect(m.takenAt.ms).toBeLessThanOrEqual(NOW_MS + 24 * 3600_000);
        if (m.gps) expect(Math.abs(m.gps.lat) <= 90 && Math.abs(m.gps.lon) <= 180).toBe(true);
      }
    }
  });

  it('refuses a location out of range', async () => {
    const clip = fixture('mvhd-xyz.mov');
    const at = find(clip, '+48.8584+002.2945');
    const bad = clip.slice();
    bad.set(new TextEncoder().encode('+98.8584+002.2945'), at);
    expect(await read(bad)).toMatchObject({ ignored: ["the video's location is malformed or out of range"] });
    expect((await read(bad)).gps).toBeUndefined();
  });
});

describe('ISO 6709 positions', () => {
  it.each([
    ['+38.7223-009.1393/', { lat: 38.7223, lon: -9.1393 }],
    ['+38.7223-009.1393+010.000/', { lat: 38.7223, lon: -9.1393 }],
    ['-33.8568+151.2153+005.000CRSWGS_84/', { lat: -33.8568, lon: 151.2153 }],
    // ±DDMM.MMM and ±DDMMSS forms
    ['+4030.5-07400.0/', { lat: 40.508333, lon: -74 }],
    ['+403030-0740015/', { lat: 40.508333, lon: -74.004167 }],
  ])('%s', (text, want) => {
    const p = parseIso6709(text)!;
    expect(p.lat).toBeCloseTo(want.lat, 5);
    expect(p.lon).toBeCloseTo(want.lon, 5);
  });

  it.each(['', 'Lisbon', '+38.7223/', '+3.8.7223-009.1393/', '+NaN-009.1393/'])('refuses %j', (text) => {
    expect(parseIso6709(text)).toBeNull();
  });
});
