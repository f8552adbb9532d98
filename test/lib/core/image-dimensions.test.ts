import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, rejectionReason, sniffFileKind, type FileKind } from '../../../src/lib/core/file-kind';
import { MAX_HEADER_STEPS, scanImageDimensions, type ByteReader, type DimensionScan } from '../../../src/lib/core/image-dimensions';

type Part = number | string | number[] | Uint8Array;
/** Concatenates byte values, ASCII strings and byte arrays, in order. */
function bytes(...parts: Part[]): Uint8Array {
  const chunks = parts.map((p) =>
    typeof p === 'number' ? Uint8Array.of(p) : typeof p === 'string' ? Uint8Array.from(p, (c) => c.charCodeAt(0)) : Uint8Array.from(p),
  );
  return new Uint8Array(Buffer.concat(chunks));
}
const u16be = (n: number) => [(n >>> 8) & 0xff, n & 0xff];
const u16le = (n: number) => u16be(n).reverse();
const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u32le = (n: number) => u32be(n).reverse();
const filled = (length: number, value: number) => new Uint8Array(length).fill(value);
const repeated = (unit: Uint8Array, times: number) => {
  const out = new Uint8Array(unit.length * times);
  for (let i = 0; i < times; i++) out.set(unit, i * unit.length);
  return out;
};

/** A reader over `file` that counts what it is asked for. */
function countingReader(file: Uint8Array) {
  const stats = { reads: 0, bytesRead: 0 };
  const read: ByteReader = async (offsetBytes, lengthBytes) => {
    const got = file.subarray(offsetBytes, offsetBytes + lengthBytes);
    stats.reads++;
    stats.bytesRead += got.length;
    return got;
  };
  return { read, stats };
}

async function scan(file: Uint8Array, kind: FileKind = sniffFileKind(file.subarray(0, 512))): Promise<DimensionScan | null> {
  return scanImageDimensions(countingReader(file).read, file.length, kind);
}
const size = (width: number, height: number) => ({ size: { width, height } });

// ---------------------------------------------------------------- JPEG

const segment = (marker: number, payload: Part = []) => {
  const body = bytes(payload);
  return bytes(0xff, marker, u16be(body.length + 2), body);
};
/** Frame header: precision 8, Y lines, X samples, three components. */
const sof = (marker: number, width: number, height: number) =>
  segment(marker, [8, ...u16be(height), ...u16be(width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
const SOI = [0xff, 0xd8];
const EOI = [0xff, 0xd9];
const JFIF = segment(0xe0, bytes('JFIF', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0));
const DQT = segment(0xdb, bytes(0, filled(64, 1)));
const DHT = segment(0xc4, bytes(0, filled(16, 0), 0));
const SOS_AND_DATA = bytes(segment(0xda, [1, 1, 0, 0, 0x3f, 0]), filled(2000, 0x55), EOI);
/** An EXIF block whose TIFF part carries its own small JPEG thumbnail, with its own SOF0. */
const EXIF_WITH_THUMBNAIL = segment(0xe1, bytes('Exif', 0, 0, 'MM', 0, 0x2a, u32be(8), filled(40, 0), SOI, DQT, sof(0xc0, 160, 120), SOS_AND_DATA));
/** About 320 KB of metadata before the frame header: five full-size APPn segments and COM segments. */
const PADDING = bytes(
  ...[0xe2, 0xe2, 0xed, 0xeb, 0xe1].map((marker, i) => segment(marker, filled(65533, 0x41 + i))),
  segment(0xfe, filled(1000, 0x20)),
  segment(0xfe, 'made by a test'),
);

const jpegKind: FileKind = { kind: 'image', format: 'jpeg' };

describe('scanImageDimensions: JPEG', () => {
  it('finds the frame header after 320 KB of APP/COM segments, reading a few KiB', async () => {
    const file = bytes(SOI, JFIF, PADDING, DQT, sof(0xc0, 16000, 10000), DHT, SOS_AND_DATA);
    const sofAt = file.length - SOS_AND_DATA.length - DHT.length - 19;
    expect(sofAt).toBeGreaterThan(320_000);
    const { read, stats } = countingReader(file);
    expect(await scanImageDimensions(read, file.length, jpegKind)).toEqual(size(16000, 10000));
    // One window per segment hop (JFIF, 5 APPn, 2 COM …), never the padding itself.
    expect(stats.reads).toBeLessThanOrEqual(8);
    expect(stats.bytesRead).toBeLessThan(8 * 4096);
  });

  it('an EXIF thumbnail inside APP1 is not taken for the frame', async () => {
    const file = bytes(SOI, EXIF_WITH_THUMBNAIL, DQT, sof(0xc0, 4000, 3000), DHT, SOS_AND_DATA);
    // A search for the first FF C0 would find the thumbnail's 160 × 120.
    const firstSof0 = file.findIndex((b, i) => b === 0xff && file[i + 1] === 0xc0);
    expect(firstSof0).toBeLessThan(EXIF_WITH_THUMBNAIL.length);
    expect(await scan(file)).toEqual(size(4000, 3000));
  });

  it.each([
    { name: 'baseline SOF0 after JFIF', file: bytes(SOI, JFIF, DQT, sof(0xc0, 640, 480), SOS_AND_DATA), want: size(640, 480) },
    { name: 'progressive SOF2 after DQT and DHT', file: bytes(SOI, JFIF, DQT, DHT, sof(0xc2, 6000, 4000), SOS_AND_DATA), want: size(6000, 4000) },
    { name: 'extended SOF1', file: bytes(SOI, sof(0xc1, 1234, 567), SOS_AND_DATA), want: size(1234, 567) },
    { name: 'arithmetic SOF9 (DAC before it is skipped)', file: bytes(SOI, segment(0xcc, [0, 0x10]), sof(0xc9, 800, 600), SOS_AND_DATA), want: size(800, 600) },
    { name: 'fill bytes before a marker', file: bytes(SOI, JFIF, 0xff, 0xff, 0xff, sof(0xc0, 320, 240), SOS_AND_DATA), want: size(320, 240) },
    { name: 'a frame declaring 0 lines (DNL) reads as 0 high', file: bytes(SOI, sof(0xc0, 320, 0), SOS_AND_DATA), want: size(320, 0) },
  ])('$name', async ({ file, want }) => {
    expect(await scan(file)).toEqual(want);
  });

  it.each([
    { name: 'zero-length segment', file: bytes(SOI, JFIF, 0xff, 0xe1, 0x00, 0x00, filled(64, 0)), want: /segment of length 0/ },
    { name: 'segment of length 1', file: bytes(SOI, 0xff, 0xfe, 0x00, 0x01, filled(64, 0)), want: /segment of length 1/ },
    { name: 'segment length running past the end of the file', file: bytes(SOI, JFIF, 0xff, 0xe1, 0xff, 0xf0, filled(1000, 0)), want: /runs past the end/ },
    { name: 'cut before the frame header', file: bytes(SOI, JFIF, DQT), want: /ends before its frame header/ },
    { name: 'cut inside the frame header', file: bytes(SOI, JFIF, sof(0xc0, 640, 480).subarray(0, 6)), want: /ends inside its frame header/ },
    { name: 'image data (SOS) before any frame header', file: bytes(SOI, JFIF, DQT, SOS_AND_DATA, sof(0xc0, 640, 480)), want: /no frame header before its image data/ },
    { name: 'end of image (EOI) before any frame header', file: bytes(SOI, JFIF, EOI, sof(0xc0, 640, 480)), want: /no frame header/ },
    { name: 'garbage where a marker should be', file: bytes(SOI, JFIF, 'hello', sof(0xc0, 640, 480)), want: /damaged \(no marker at byte 20\)/ },
    {
      // Read as a segment, FF 00 would skip 0x0013 bytes: the giant frame header that decoders see, which steps over FF 00 alone.
      name: 'FF 00 where a marker should be',
      file: bytes(SOI, JFIF, 0xff, 0x00, 0x00, 0x13, sof(0xc0, 16000, 10000).subarray(0, 15), sof(0xc0, 640, 480), SOS_AND_DATA),
      want: /damaged \(no marker at byte 20\)/,
    },
    { name: 'frame header too short to hold a size', file: bytes(SOI, 0xff, 0xc0, 0x00, 0x05, 8, 1, 2), want: /frame header is damaged/ },
  ])('refused: $name', async ({ file, want }) => {
    const got = await scan(file, jpegKind);
    expect(got).toHaveProperty('problem');
    expect((got as { problem: string }).problem).toMatch(want);
  });

  it(`refuses quickly after ${MAX_HEADER_STEPS} segments instead of walking 100,000`, async () => {
    const tinyComment = bytes(0xff, 0xfe, 0x00, 0x02);
    const file = bytes(SOI, repeated(tinyComment, 100_000), sof(0xc0, 640, 480), SOS_AND_DATA);
    const { read, stats } = countingReader(file);
    const startMs = performance.now();
    const got = await scanImageDimensions(read, file.length, jpegKind);
    expect(got).toEqual({ problem: `the JPEG has more than ${MAX_HEADER_STEPS} segments before its frame header` });
    expect(performance.now() - startMs).toBeLessThan(500);
    expect(stats.bytesRead).toBeLessThanOrEqual(MAX_HEADER_STEPS * 4 + 4096);
  });
});

// ---------------------------------------------------------------- PNG, WebP, BMP

const pngHeader = (width: number, height: number) => bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, u32be(13), 'IHDR', u32be(width), u32be(height), 8, 6, 0, 0, 0, u32be(0));
const riff = (chunks: Uint8Array) => bytes('RIFF', u32le(chunks.length + 4), 'WEBP', chunks);

describe('scanImageDimensions: PNG, WebP, BMP', () => {
  it.each([
    { name: 'PNG IHDR', file: bytes(pngHeader(30000, 20000), u32be(0), 'IEND', u32be(0)), want: size(30000, 20000) },
    { name: 'WebP lossy VP8 (14-bit sizes)', file: riff(bytes('VP8 ', u32le(30), 0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, u16le(4000), u16le(3000), filled(20, 0))), want: size(4000, 3000) },
    { name: 'WebP lossy VP8: the scale bits are not size', file: riff(bytes('VP8 ', u32le(30), 0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, u16le(0xc000 | 640), u16le(0x4000 | 480), filled(20, 0))), want: size(640, 480) },
    { name: 'WebP lossless VP8L (sizes minus one)', file: riff(bytes('VP8L', u32le(20), 0x2f, u32le(15999 | (9999 << 14)), filled(15, 0))), want: size(16000, 9999 + 1) },
    { name: 'WebP extended VP8X canvas (24-bit sizes minus one)', file: riff(bytes('VP8X', u32le(10), u32le(0x10), [0x7f, 0x3e, 0x00], [0x0f, 0x27, 0x00], 'ANIM', u32le(6), filled(6, 0))), want: size(16000, 10000) },
    { name: 'BMP with a 40-byte header, top-down (negative height)', file: bytes('BM', u32le(0), u32le(0), u32le(54), u32le(40), u32le(16000), u32le(-10000 >>> 0), 1, 0, 24, 0, filled(24, 0)), want: size(16000, 10000) },
    { name: 'BMP with a 12-byte OS/2 header (16-bit sizes)', file: bytes('BM', u32le(0), u32le(0), u32le(26), u32le(12), u16le(320), u16le(240), 1, 0, 24, 0), want: size(320, 240) },
  ])('$name', async ({ file, want }) => {
    expect(await scan(file)).toEqual(want);
  });

  it.each([
    { name: 'PNG whose first chunk is not IHDR', file: bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, u32be(13), 'tEXt', filled(30, 0x41)), kind: 'png', want: /IHDR/ },
    { name: 'PNG cut inside IHDR', file: pngHeader(640, 480).subarray(0, 20), kind: 'png', want: /ends before its header chunk/ },
    { name: 'WebP VP8 without its start code', file: riff(bytes('VP8 ', u32le(30), 0x30, 0x01, 0x00, 0x00, 0x00, 0x00, u16le(4000), u16le(3000), filled(20, 0))), kind: 'webp', want: /VP8\) frame header is damaged/ },
    { name: 'WebP VP8L without its signature', file: riff(bytes('VP8L', u32le(20), 0x00, u32le(0), filled(15, 0))), kind: 'webp', want: /VP8L\) header is damaged/ },
    { name: 'WebP starting with another chunk', file: riff(bytes('EXIF', u32le(20), filled(20, 0))), kind: 'webp', want: /no image header/ },
    { name: 'WebP cut inside its first chunk', file: riff(bytes('VP8X', u32le(10), 0)), kind: 'webp', want: /ends before its image header/ },
    { name: 'BMP cut inside its header', file: bytes('BM', u32le(0), u32le(0), u32le(54), u32le(40), u32le(16000)), kind: 'bmp', want: /ends inside its header/ },
  ] as const)('refused: $name', async ({ file, kind, want }) => {
    const got = await scan(file, { kind: 'image', format: kind });
    expect((got as { problem: string }).problem).toMatch(want);
  });
});

// ---------------------------------------------------------------- GIF

/** Graphic control extension, then an image descriptor at (left, top) with a 2-colour local table and two data sub-blocks. */
const gifFrame = (left: number, top: number, width: number, height: number) =>
  bytes(0x21, 0xf9, 4, 0, u16le(10), 0, 0, 0x2c, u16le(left), u16le(top), u16le(width), u16le(height), 0x80, filled(6, 0), 2, 255, filled(255, 0x11), 3, 1, 2, 3, 0);
const gif = (width: number, height: number, ...frames: Uint8Array[]) =>
  bytes('GIF89a', u16le(width), u16le(height), 0x81, 0, 0, filled(12, 0), 0x21, 0xff, 11, 'NETSCAPE2.0', 3, 1, 0, 0, 0, ...frames, 0x3b);

describe('scanImageDimensions: GIF', () => {
  it.each([
    { name: 'logical screen holding its frame', file: gif(320, 240, gifFrame(0, 0, 320, 240)), want: size(320, 240) },
    { name: 'a later frame larger than the logical screen', file: gif(100, 100, gifFrame(0, 0, 100, 100), gifFrame(10000, 0, 6000, 10000)), want: size(16000, 10000) },
    { name: 'a frame offset past the screen, each axis taken on its own', file: gif(640, 480, gifFrame(0, 400, 200, 9600), gifFrame(15000, 0, 1000, 10)), want: size(16000, 10000) },
    { name: 'no trailer: the frames present count', file: gif(100, 100, gifFrame(0, 0, 100, 100), gifFrame(0, 0, 16000, 10000)).slice(0, -1), want: size(16000, 10000) },
  ])('$name', async ({ file, want }) => {
    expect(await scan(file)).toEqual(want);
  });

  it('walks 10 MB of one-byte data sub-blocks to a later frame, in large reads', async () => {
    const first = gifFrame(0, 0, 100, 100);
    const slowData = new Uint8Array(10_000_000).fill(1); // 5,000,000 sub-blocks of one byte: 01 01 01 01 …
    const file = gif(100, 100, first.subarray(0, first.length - 1), slowData, Uint8Array.of(0), gifFrame(0, 0, 16000, 10000));
    const { read, stats } = countingReader(file);
    const startMs = performance.now();
    expect(await scanImageDimensions(read, file.length, { kind: 'image', format: 'gif' })).toEqual(size(16000, 10000));
    expect(performance.now() - startMs).toBeLessThan(3000);
    expect(stats.reads).toBeLessThan(200);
  });

  it('refused: an unknown block where a frame should be', async () => {
    const file = gif(100, 100, bytes(0x99, filled(20, 0)));
    expect(await scan(file)).toEqual({ problem: 'the GIF is damaged (unknown block at byte 44)' });
  });
});

// ---------------------------------------------------------------- AVIF / HEIF (ISO-BMFF)

const box = (type: string, ...content: Part[]) => {
  const body = bytes(...content);
  return bytes(u32be(body.length + 8), type, body);
};
const fullBox = (type: string, ...content: Part[]) => box(type, u32be(0), ...content);
const ispe = (width: number, height: number) => fullBox('ispe', u32be(width), u32be(height));
const FTYP_AVIF = box('ftyp', 'avif', u32be(0), 'avif', 'mif1', 'miaf');
const HDLR = fullBox('hdlr', u32be(0), 'pict', filled(12, 0), 0);
const ipco = (...properties: Uint8Array[]) => box('iprp', box('ipco', box('av1C', 0x81, 0, 0, 0), ...properties, fullBox('pixi', 3, 8, 8, 8)), fullBox('ipma', u32be(0)));
const meta = (...children: Uint8Array[]) => fullBox('meta', HDLR, fullBox('pitm', u16be(1)), ...children);
const MDAT = box('mdat', filled(3000, 0x5a));
const avifKind: FileKind = { kind: 'image', format: 'avif' };

describe('scanImageDimensions: AVIF / HEIF', () => {
  it.each([
    { name: 'a single image', file: bytes(FTYP_AVIF, meta(ipco(ispe(4000, 3000))), MDAT), want: size(4000, 3000) },
    { name: 'a grid: the largest ispe (the whole picture), not a tile', file: bytes(FTYP_AVIF, meta(ipco(ispe(512, 512), ispe(16000, 10000), ispe(256, 256))), MDAT), want: size(16000, 10000) },
    { name: 'HEIF brands (mif1) with free boxes before meta', file: bytes(box('ftyp', 'mif1', u32be(0), 'mif1', 'avif'), box('free', filled(100, 0)), meta(ipco(ispe(1920, 1080))), MDAT), want: size(1920, 1080) },
    {
      name: 'meta with a 64-bit largesize',
      file: (() => {
        const inner = meta(ipco(ispe(8000, 6000))).subarray(8);
        return bytes(FTYP_AVIF, u32be(1), 'meta', u32be(0), u32be(inner.length + 16), inner, MDAT);
      })(),
      want: size(8000, 6000),
    },
    { name: 'meta of size 0: the last box, to the end of the file', file: bytes(FTYP_AVIF, MDAT, u32be(0), meta(ipco(ispe(7000, 5000))).subarray(4)), want: size(7000, 5000) },
  ])('$name', async ({ file, want }) => {
    expect(await scan(file, avifKind)).toEqual(want);
  });

  it('reads one window for a whole small meta box', async () => {
    const file = bytes(FTYP_AVIF, meta(ipco(ispe(4000, 3000))), MDAT);
    const { read, stats } = countingReader(file);
    expect(await scanImageDimensions(read, file.length, avifKind)).toEqual(size(4000, 3000));
    expect(stats.reads).toBe(1);
  });

  const lyingIpco = box('iprp', bytes(u32be(8 + 20), 'ipco', u32be(4000), 'ispe', u32be(0), u32be(16000), u32be(10000)));
  it.each([
    { name: 'no meta box', file: bytes(FTYP_AVIF, MDAT), want: /no "meta" box/ },
    { name: 'no ispe property', file: bytes(FTYP_AVIF, meta(ipco()), MDAT), want: /no image size property/ },
    { name: 'meta box running past the end of the file', file: bytes(FTYP_AVIF, u32be(1_000_000), 'meta', u32be(0), HDLR), want: /"meta" box runs past the end of the file/ },
    { name: 'a property running past its container', file: bytes(FTYP_AVIF, meta(lyingIpco), MDAT), want: /"ispe" box runs past the end of its container/ },
    { name: 'box size 1 with a largesize smaller than its header', file: bytes(FTYP_AVIF, u32be(1), 'meta', u32be(0), u32be(4), MDAT), want: /impossible size \(4 bytes\)/ },
    { name: 'box size 1 with a largesize beyond the file (2^40)', file: bytes(FTYP_AVIF, u32be(1), 'meta', u32be(0x100), u32be(0), MDAT), want: /runs past the end of the file/ },
    { name: 'box size 0 inside a container that ends before the file', file: bytes(FTYP_AVIF, meta(box('iprp', u32be(0), 'ipco', ispe(9000, 9000))), MDAT), want: /"ipco" box runs past the end of its container/ },
    { name: 'box size 4 (smaller than its own header)', file: bytes(FTYP_AVIF, u32be(4), 'free', meta(ipco(ispe(640, 480)))), want: /"free" box has an impossible size/ },
    { name: 'cut inside a box header', file: bytes(FTYP_AVIF, u32be(100), 'me'), want: /ends inside a box header/ },
    { name: 'ispe too short to hold a size', file: bytes(FTYP_AVIF, meta(box('iprp', box('ipco', fullBox('ispe', u32be(640))))), MDAT), want: /ispe\) is damaged/ },
  ])('refused: $name', async ({ file, want }) => {
    const got = await scan(file, avifKind);
    expect((got as { problem: string }).problem).toMatch(want);
  });

  it(`refuses quickly after ${MAX_HEADER_STEPS} boxes instead of walking 100,000`, async () => {
    const free = box('free');
    const file = bytes(FTYP_AVIF, repeated(free, 100_000), meta(ipco(ispe(640, 480))));
    const startMs = performance.now();
    expect(await scan(file, avifKind)).toEqual({ problem: `the file has more than ${MAX_HEADER_STEPS} boxes before its image size` });
    expect(performance.now() - startMs).toBeLessThan(500);
  });
});

describe('scanImageDimensions: HEIC', () => {
  const heicKind: FileKind = { kind: 'image', format: 'heic' };
  const FTYP_HEIC = box('ftyp', 'heic', u32be(0), 'mif1', 'heic', 'miaf');
  const hvcc = box('hvcC', filled(23, 0));

  it('reads the ispe of an iPhone-style grid (tiles of 512 × 512, the whole picture 4032 × 3024)', async () => {
    const file = bytes(FTYP_HEIC, meta(box('iprp', box('ipco', hvcc, ispe(512, 512), ispe(4032, 3024)), fullBox('ipma', u32be(0)))), MDAT);
    expect(await scan(file, heicKind)).toEqual(size(4032, 3024));
  });

  it('names the format in its problems', async () => {
    expect(await scan(bytes(FTYP_HEIC, MDAT), heicKind)).toEqual({ problem: 'the HEIC has no "meta" box, where its image size is kept' });
  });

  // Real encoder output, committed with its provenance (test/fixtures/heif/SOURCES.md).
  const heif = (name: string) => new Uint8Array(readFileSync(fileURLToPath(new URL(`../../fixtures/heif/${name}`, import.meta.url))));
  it.each([
    { file: 'red-ball.heic', kind: heicKind, want: size(320, 240) },
    { file: 'yellow-multi.heic', kind: heicKind, want: size(320, 240) },
    { file: 'damaged.heic', kind: heicKind, want: size(320, 240) },
    { file: 'huge.heic', kind: heicKind, want: size(16000, 12500) },
    { file: 'green-leaf.avif', kind: avifKind, want: size(320, 240) },
  ])('$file (heif-enc) → its declared size', async ({ file, kind, want }) => {
    const bytesOf = heif(file);
    expect(sniffFileKind(bytesOf.subarray(0, SNIFF_BYTES))).toEqual(kind);
    expect(await scan(bytesOf, kind)).toEqual(want);
  });

  it('a 200-megapixel HEIC is refused from its header, before any decoding', async () => {
    const file = heif('huge.heic');
    const reason = rejectionReason(heicKind, file.length, await scan(file, heicKind));
    expect(reason).toBe('the photo is too large to open: 16000 × 12500 px is 200 megapixels (up to 150 megapixels can be added)');
  });
});

describe('scanImageDimensions: what is not a decodable image', () => {
  it.each<FileKind>([{ kind: 'video', format: 'mp4' }, { kind: 'unsupported-image', format: 'tiff' }, { kind: 'unknown' }])('$kind $format → null', async (kind) => {
    expect(await scan(bytes(FTYP_AVIF, meta(ipco(ispe(640, 480)))), kind)).toBeNull();
  });
});

// Real encoder output (scripts/make-bad-inputs.mjs, sizes as written there), when generated.
const CORPUS = fileURLToPath(new URL('../../fixtures/generated/bad-inputs/', import.meta.url));
describe.skipIf(!existsSync(`${CORPUS}expected.json`))('scanImageDimensions on the generated corpus', () => {
  it.each([
    { file: 'huge-10000x10000.jpg', want: size(10000, 10000) },
    { file: 'progressive.jpg', want: size(320, 240) },
    { file: 'exif-orientation-6.jpg', want: size(320, 160) },
    { file: 'cmyk.jpg', want: size(320, 240) },
    { file: 'panorama-8000x40.jpg', want: size(8000, 40) },
    { file: 'truncated.jpg', want: size(320, 240) },
    { file: 'bomb-30000x30000.png', want: size(30000, 30000) },
    { file: 'sixteen-bit.png', want: size(320, 240) },
    { file: 'one-pixel.png', want: size(1, 1) },
    { file: 'lossless.webp', want: size(320, 240) },
    { file: 'truncated.webp', want: size(320, 240) },
    { file: 'animated.gif', want: size(160, 120) },
    { file: 'photo.avif', want: size(320, 240) },
    { file: 'photo.bmp', want: size(320, 240) },
  ])('$file', async ({ file, want }) => {
    expect(await scan(new Uint8Array(readFileSync(`${CORPUS}${file}`)))).toEqual(want);
  });
});
