import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_PIXELS, SNIFF_BYTES, pixelLimitReason, rejectionReason, sniffFileKind, type FileKind } from '../../../src/lib/core/file-kind';

/** Builds a header from byte values and ASCII strings, in order. */
function bytes(...parts: Array<number | string | number[]>): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}
const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u32le = (n: number) => u32be(n).reverse();
const utf8 = (s: string) => new TextEncoder().encode(s);

// Headers as real encoders write them (first box / chunk / segment, not just the magic).
const HEADERS: Array<{ name: string; head: Uint8Array; want: FileKind }> = [
  { name: 'JPEG (JFIF APP0)', head: bytes(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'JFIF', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0), want: { kind: 'image', format: 'jpeg' } },
  { name: 'JPEG (Exif APP1)', head: bytes(0xff, 0xd8, 0xff, 0xe1, 0x1c, 0x45, 'Exif', 0, 0, 'MM', 0, 0x2a), want: { kind: 'image', format: 'jpeg' } },
  { name: 'JPEG (bare DQT, no APPn)', head: bytes(0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00), want: { kind: 'image', format: 'jpeg' } },
  {
    name: 'PNG',
    head: bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, u32be(13), 'IHDR', u32be(320), u32be(240), 8, 6, 0, 0, 0),
    want: { kind: 'image', format: 'png' },
  },
  { name: 'GIF89a', head: bytes('GIF89a', 0x40, 0x01, 0xf0, 0x00, 0xf7, 0, 0), want: { kind: 'image', format: 'gif' } },
  { name: 'GIF87a', head: bytes('GIF87a', 0x01, 0x00, 0x01, 0x00, 0x80, 0, 0), want: { kind: 'image', format: 'gif' } },
  { name: 'WebP (lossy VP8)', head: bytes('RIFF', u32le(0x1a2c), 'WEBP', 'VP8 ', u32le(0x1a20)), want: { kind: 'image', format: 'webp' } },
  { name: 'WebP (lossless VP8L)', head: bytes('RIFF', u32le(0x0400), 'WEBP', 'VP8L', u32le(0x03f4)), want: { kind: 'image', format: 'webp' } },
  {
    name: 'BMP (BITMAPINFOHEADER)',
    head: bytes('BM', u32le(230454), 0, 0, 0, 0, u32le(54), u32le(40), u32le(320), u32le(240), 1, 0, 24, 0),
    want: { kind: 'image', format: 'bmp' },
  },
  { name: 'AVIF still', head: bytes(u32be(0x20), 'ftyp', 'avif', u32be(0), 'avif', 'mif1', 'miaf', 'MA1B'), want: { kind: 'image', format: 'avif' } },
  { name: 'AVIF sequence', head: bytes(u32be(0x20), 'ftyp', 'avis', u32be(0), 'avis', 'avif', 'msf1', 'miaf'), want: { kind: 'image', format: 'avif' } },
  { name: 'HEIC (iPhone, ftypheic)', head: bytes(u32be(0x18), 'ftyp', 'heic', u32be(0), 'mif1', 'heic'), want: { kind: 'image', format: 'heic' } },
  { name: 'HEIF (ftypmif1)', head: bytes(u32be(0x1c), 'ftyp', 'mif1', u32be(0), 'mif1', 'heic', 'miaf'), want: { kind: 'image', format: 'heic' } },
  { name: 'HEIF sequence (ftyphevc)', head: bytes(u32be(0x18), 'ftyp', 'hevc', u32be(0), 'msf1', 'hevc'), want: { kind: 'image', format: 'heic' } },
  { name: 'MP4 (ftypisom)', head: bytes(u32be(0x20), 'ftyp', 'isom', u32be(0x200), 'isom', 'iso2', 'avc1', 'mp41'), want: { kind: 'video', format: 'mp4' } },
  { name: 'MP4 (ftypmp42)', head: bytes(u32be(0x18), 'ftyp', 'mp42', u32be(0), 'mp42', 'isom'), want: { kind: 'video', format: 'mp4' } },
  { name: 'MOV (ftypqt)', head: bytes(u32be(0x14), 'ftyp', 'qt  ', u32be(0x200), 'qt  ', u32be(0x08), 'wide'), want: { kind: 'video', format: 'mov' } },
  { name: 'WebM (EBML)', head: bytes(0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84, 'webm'), want: { kind: 'video', format: 'webm' } },
  { name: 'AVI', head: bytes('RIFF', u32le(0x0012_3456), 'AVI ', 'LIST', u32le(0x2000), 'hdrl'), want: { kind: 'video', format: 'avi' } },
  { name: 'TIFF little-endian (II*)', head: bytes('II', 0x2a, 0x00, u32le(8)), want: { kind: 'unsupported-image', format: 'tiff' } },
  { name: 'TIFF big-endian (MM*)', head: bytes('MM', 0x00, 0x2a, u32be(8)), want: { kind: 'unsupported-image', format: 'tiff' } },
  { name: 'SVG', head: utf8('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), want: { kind: 'unsupported-image', format: 'svg' } },
  {
    name: 'SVG with XML declaration and leading whitespace',
    head: utf8('\n  <?xml version="1.0" encoding="UTF-8"?>\n<SVG xmlns="http://www.w3.org/2000/svg"></SVG>'),
    want: { kind: 'unsupported-image', format: 'svg' },
  },
  { name: 'XML that is not SVG', head: utf8('<?xml version="1.0"?><rss version="2.0"></rss>'), want: { kind: 'unknown' } },
  { name: 'plain text', head: utf8('These are my holiday notes.\nDay 1: beach.\n'), want: { kind: 'unknown' } },
  { name: 'HTML', head: utf8('<!doctype html><html><body>hi</body></html>'), want: { kind: 'unknown' } },
  { name: 'PDF', head: utf8('%PDF-1.7\n%\u00e2\u00e3'), want: { kind: 'not-media', format: 'pdf' } },
  { name: 'ZIP', head: bytes('PK', 0x03, 0x04, 0x14, 0, 0, 0), want: { kind: 'not-media', format: 'zip' } },
  { name: 'text starting with PK', head: utf8('PKG notes: photos to sort\n'), want: { kind: 'unknown' } },
  { name: 'RIFF that is neither WebP nor AVI (WAV)', head: bytes('RIFF', u32le(36), 'WAVE', 'fmt '), want: { kind: 'unknown' } },
  { name: 'empty', head: new Uint8Array(0), want: { kind: 'unknown' } },
  { name: 'truncated JPEG magic (2 bytes)', head: bytes(0xff, 0xd8), want: { kind: 'unknown' } },
  { name: 'truncated PNG magic (4 bytes)', head: bytes(0x89, 'PNG'), want: { kind: 'unknown' } },
  { name: 'all zeros', head: new Uint8Array(64), want: { kind: 'unknown' } },
];

describe('sniffFileKind', () => {
  it.each(HEADERS)('$name', ({ head, want }) => {
    expect(sniffFileKind(head)).toEqual(want);
  });

  it.each(HEADERS)('$name: trailing bytes up to SNIFF_BYTES do not change the answer', ({ head, want }) => {
    if (head.length === 0) return;
    const padded = new Uint8Array(SNIFF_BYTES);
    padded.set(head);
    padded.fill(0x20, head.length);
    expect(sniffFileKind(padded)).toEqual(want);
  });
});

// The generated fixture images (scripts/make-fixture-images.mjs, run by `npm test`) are real
// encoder output; when present they cross-check the hand-written headers above.
const FIXTURES = fileURLToPath(new URL('../../fixtures/generated/images/', import.meta.url));
const FIXTURE_CASES: Array<{ file: string; want: FileKind['kind']; format?: string }> = [
  { file: 'red-square.png', want: 'image', format: 'png' },
  { file: 'blue-sky.jpg', want: 'image', format: 'jpeg' },
  { file: 'rotated/tall-red-exif6.jpg', want: 'image', format: 'jpeg' },
  // Truncated JPEG: the header is fine, decoding is what fails later.
  { file: 'bad/corrupt.jpg', want: 'image', format: 'jpeg' },
  { file: 'bad/notes.jpg', want: 'unknown' },
  { file: 'bad/readme.txt', want: 'unknown' },
  { file: 'bad/empty.jpg', want: 'unknown' },
];
describe.skipIf(!existsSync(`${FIXTURES}manifest.json`))('sniffFileKind on generated fixtures', () => {
  it.each(FIXTURE_CASES)('$file → $want $format', ({ file, want, format }) => {
    const head = readFileSync(`${FIXTURES}${file}`).subarray(0, SNIFF_BYTES);
    const got = sniffFileKind(new Uint8Array(head));
    expect(got.kind).toBe(want);
    if (format) expect(got).toHaveProperty('format', format);
  });
});

describe('rejectionReason', () => {
  const jpeg: FileKind = { kind: 'image', format: 'jpeg' };
  it.each<{ name: string; kind: FileKind; size: number; want: RegExp | null }>([
    { name: 'a JPEG', kind: jpeg, size: 1234, want: null },
    { name: 'an AVIF', kind: { kind: 'image', format: 'avif' }, size: 1, want: null },
    { name: 'an empty file', kind: { kind: 'unknown' }, size: 0, want: /\b0 bytes\b/ },
    { name: 'an empty file even if the name said JPEG', kind: jpeg, size: 0, want: /empty.*0 bytes/ },
    { name: 'a HEIC (decoded by libheif when the browser cannot)', kind: { kind: 'image', format: 'heic' }, size: 10, want: null },
    { name: 'TIFF', kind: { kind: 'unsupported-image', format: 'tiff' }, size: 10, want: /^TIFF images cannot be decoded by this browser; export them as JPEG or PNG first$/ },
    { name: 'SVG', kind: { kind: 'unsupported-image', format: 'svg' }, size: 10, want: /^SVG drawings are not added/ },
    { name: 'PDF', kind: { kind: 'not-media', format: 'pdf' }, size: 10, want: /^this is a PDF document, not a photo or video$/ },
    { name: 'ZIP', kind: { kind: 'not-media', format: 'zip' }, size: 10, want: /^this is a ZIP archive: unzip it/ },
    { name: 'MP4', kind: { kind: 'video', format: 'mp4' }, size: 10, want: null },
    { name: 'WebM', kind: { kind: 'video', format: 'webm' }, size: 10, want: null },
    { name: 'an empty video', kind: { kind: 'video', format: 'mp4' }, size: 0, want: /\b0 bytes\b/ },
    { name: 'unknown', kind: { kind: 'unknown' }, size: 10, want: /^not a photo or video Shoebox can read$/ },
  ])('$name', ({ kind, size, want }) => {
    const got = rejectionReason(kind, size);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });

  it.each(HEADERS.filter((h) => h.head.length > 0))('$name: accepted exactly when sniffed as an image or a video', ({ head }) => {
    const kind = sniffFileKind(head);
    expect(rejectionReason(kind, head.length) === null).toBe(kind.kind === 'image' || kind.kind === 'video');
  });
});

describe('rejectionReason for the pixel size', () => {
  const png: FileKind = { kind: 'image', format: 'png' };
  const size = (width: number, height: number) => ({ size: { width, height } });
  it('refuses a decompression bomb before decoding, naming its size', () => {
    expect(rejectionReason(png, 109_445, size(30000, 30000))).toBe(
      'the photo is too large to open: 30000 × 30000 px is 900 megapixels (up to 150 megapixels can be added)',
    );
  });
  it('names a 160-megapixel photo just over the limit', () => {
    expect(rejectionReason(png, 937_767, size(16000, 10000))).toBe(
      'the photo is too large to open: 16000 × 10000 px is 160 megapixels (up to 150 megapixels can be added)',
    );
  });
  it('accepts a 100-megapixel photo', () => {
    expect(rejectionReason(png, 800_000, size(10000, 10000))).toBeNull();
  });
  it('the limit is inclusive', () => {
    expect(rejectionReason(png, 1, size(MAX_IMAGE_PIXELS, 1))).toBeNull();
    expect(rejectionReason(png, 1, size(MAX_IMAGE_PIXELS + 1, 1))).toMatch(/too large/);
  });
  it('a header that declares no pixels cannot be decoded', () => {
    expect(rejectionReason(png, 100, size(0, 240))).toMatch(/no pixels/);
  });
  it('a photo whose size cannot be read is refused, saying why', () => {
    expect(rejectionReason(png, 100, { problem: 'the JPEG ends before its frame header' })).toBe(
      'could not be decoded: the JPEG ends before its frame header, so its pixel size is unknown',
    );
  });
  it('a video is not judged by an image header', () => {
    expect(rejectionReason({ kind: 'video', format: 'mp4' }, 100, null)).toBeNull();
  });
});

describe('pixelLimitReason (the check after decoding)', () => {
  it.each([
    { width: 12000, height: 12500, want: null },
    { width: 12500, height: 12001, want: /12500 × 12001 px is 150 megapixels/ },
    { width: 16000, height: 10000, want: /16000 × 10000 px is 160 megapixels/ },
  ])('$width × $height', ({ width, height, want }) => {
    const got = pixelLimitReason({ width, height });
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });
});
