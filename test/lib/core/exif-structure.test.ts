import { describe, expect, it } from 'vitest';
import { exifStructureProblem, jpegExifBlock } from '../../../src/lib/core/exif-structure';

/** A little-endian TIFF block: IFD0 at 8 with `entries` ([tag, value]) and a next-IFD offset. */
function tiff(entries: Array<[number, number]>, next = 0, extra: Uint8Array = new Uint8Array(0)): Uint8Array {
  const ifd0Bytes = 2 + 12 * entries.length + 4;
  const out = new Uint8Array(8 + ifd0Bytes + extra.length);
  const v = new DataView(out.buffer);
  out.set([0x49, 0x49]);
  v.setUint16(2, 42, true);
  v.setUint32(4, 8, true);
  v.setUint16(8, entries.length, true);
  entries.forEach(([tag, value], i) => {
    v.setUint16(10 + 12 * i, tag, true);
    v.setUint16(12 + 12 * i, 4, true); // LONG
    v.setUint32(14 + 12 * i, 1, true);
    v.setUint32(18 + 12 * i, value, true);
  });
  v.setUint32(8 + 2 + 12 * entries.length, next, true);
  out.set(extra, 8 + ifd0Bytes);
  return out;
}

/** An empty IFD (count 0, next 0). */
const emptyIfd = new Uint8Array(6);

describe('exifStructureProblem', () => {
  it('accepts IFD0 pointing to an Exif IFD and a GPS IFD', () => {
    // IFD0 with two entries is 2 + 24 + 4 = 30 bytes at 8: the Exif IFD at 38, GPS at 44.
    const block = tiff([[0x8769, 38], [0x8825, 44]], 0, new Uint8Array([...emptyIfd, ...emptyIfd]));
    expect(exifStructureProblem(block)).toBeUndefined();
  });

  it('finds an IFD whose entries run past the end (truncated)', () => {
    const block = tiff([[0x010f, 0]]);
    new DataView(block.buffer).setUint16(8, 4000, true);
    expect(exifStructureProblem(block)).toBe('cut-short');
    expect(exifStructureProblem(tiff([[0x8769, 38]]).subarray(0, 20))).toBe('cut-short');
    expect(exifStructureProblem(tiff([[0x8769, 5000]]))).toBe('cut-short');
  });

  it('finds offsets that loop: a next-IFD or an Exif pointer back at IFD0, or a long chain', () => {
    expect(exifStructureProblem(tiff([], 8))).toBe('loop');
    expect(exifStructureProblem(tiff([[0x8769, 8]]))).toBe('loop');
  });

  it('is not TIFF at all: cut short', () => {
    expect(exifStructureProblem(new TextEncoder().encode('not a tiff block'))).toBe('cut-short');
    expect(exifStructureProblem(new Uint8Array(3))).toBe('cut-short');
  });
});

describe('jpegExifBlock', () => {
  it('finds the APP1 Exif segment and stops at the scan', () => {
    const body = tiff([]);
    const app1 = [0xff, 0xe1, 0, 8 + body.length, ...new TextEncoder().encode('Exif\0\0'), ...body];
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, ...app1, 0xff, 0xda, 0, 2]);
    expect(jpegExifBlock(jpeg)).toEqual(body);
    expect(jpegExifBlock(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2, ...app1]))).toBeNull();
    expect(jpegExifBlock(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBeNull();
  });
});
