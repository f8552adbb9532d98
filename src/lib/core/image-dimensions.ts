/**
 * Reads the pixel size a photo declares, from its headers, before anything decodes it: the
 * check that keeps a "decompression bomb" (a small file declaring a huge frame) from being
 * opened. The whole header is walked wherever it lies in the file, reading only the few bytes
 * each step needs through an async random-access reader, so padding (metadata segments before
 * the frame header) can neither hide the size nor make the scan read the padding.
 *
 * Layouts followed:
 * - JPEG (ITU-T T.81 B.1.1): marker segments after SOI, each skipped by its 16-bit length, to the
 *   first SOFn (C0–CF except C4 DHT, C8 JPG, CC DAC). Skipping by length is what keeps an EXIF
 *   thumbnail's own SOI/SOF inside APP1 from being taken for the frame.
 * - PNG: IHDR, the first chunk. BMP: BITMAPCOREHEADER (16-bit) or larger DIB headers (32-bit signed).
 * - WebP (RIFF): the first chunk, VP8X canvas (24-bit minus one), VP8 key frame (14-bit),
 *   VP8L (14-bit minus one).
 * - GIF: the logical screen and every image descriptor's extent (left + width, top + height);
 *   the largest of them, since decoders grow the canvas to a frame that does not fit.
 * - AVIF and HEIC/HEIF (ISO/IEC 14496-12 boxes, 23008-12 items): meta → iprp → ipco → ispe, the
 *   largest one (a grid's ispe is the whole picture, its tiles' are smaller; of a multi-image
 *   HEIC's images, the largest, though only the primary is decoded); 64-bit `largesize` and
 *   size 0 ("to the end of the file") understood.
 *
 * A file whose size cannot be found, or whose structure lies (lengths past the end of the file,
 * zero-length segments), gets a `problem` instead of a size: it is refused rather than decoded.
 */
import type { DimensionScan, FileKind, PixelSize } from './file-kind';

/** Bytes `[offsetBytes, offsetBytes + lengthBytes)` of the file (fewer only past its end). */
export type ByteReader = (offsetBytes: number, lengthBytes: number) => Promise<Uint8Array>;

export type { DimensionScan, PixelSize };

/**
 * Most segments, boxes or GIF blocks walked before giving up. Real photos have tens (a JPEG with
 * a 10 MB ICC profile split into 64 KB APP2 segments has ~160); a file built to make the walk
 * slow is refused after this many small reads instead.
 */
export const MAX_HEADER_STEPS = 4096;
/** Animated GIFs legitimately have thousands of frames (each a descriptor plus extensions). */
export const MAX_GIF_BLOCKS = 100_000;

/** Bytes fetched per read: one read covers a run of small segments (DQT, DHT, SOF) or a whole `meta` box. */
const WINDOW_BYTES = 4096;
/** GIF frames have no length, so the walk reads the whole file: in larger pieces. */
const GIF_WINDOW_BYTES = 64 * 1024;

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const i32le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

const found = (width: number, height: number): DimensionScan => ({ size: { width, height } });
const problem = (text: string): DimensionScan => ({ problem: text });

/** Serves small reads from one cached window of the file, refilled at the requested offset. */
class WindowedFile {
  readonly sizeBytes: number;
  #read: ByteReader;
  #windowBytes: number;
  #window: Uint8Array = new Uint8Array(0);
  #windowStart = 0;

  constructor(read: ByteReader, sizeBytes: number, windowBytes: number) {
    this.#read = read;
    this.sizeBytes = sizeBytes;
    this.#windowBytes = windowBytes;
  }

  /** The byte at `offsetBytes` when the current window holds it, without waiting; else undefined. */
  cachedByte(offsetBytes: number): number | undefined {
    return this.#window[offsetBytes - this.#windowStart];
  }

  /** Exactly `lengthBytes` bytes at `offsetBytes`, or null when the file ends first. */
  async bytes(offsetBytes: number, lengthBytes: number): Promise<Uint8Array | null> {
    if (offsetBytes < 0 || offsetBytes + lengthBytes > this.sizeBytes) return null;
    const start = offsetBytes - this.#windowStart;
    if (start < 0 || start + lengthBytes > this.#window.length) {
      const wantBytes = Math.min(Math.max(lengthBytes, this.#windowBytes), this.sizeBytes - offsetBytes);
      this.#window = await this.#read(offsetBytes, wantBytes);
      this.#windowStart = offsetBytes;
      // A reader that comes up short (the file changed underneath) is a file that ends here.
      if (this.#window.length < lengthBytes) return null;
      return this.#window.subarray(0, lengthBytes);
    }
    return this.#window.subarray(start, start + lengthBytes);
  }
}

// ---------------------------------------------------------------- JPEG

const isFrameHeader = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
/** Markers that stand alone, without a length: TEM, RST0–7, SOI. */
const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8);

async function jpegSize(file: WindowedFile): Promise<DimensionScan> {
  let at = 2; // after SOI
  for (let step = 0; step < MAX_HEADER_STEPS; step++) {
    const mark = await file.bytes(at, 2);
    if (!mark) return problem('the JPEG ends before its frame header');
    if (mark[0] !== 0xff) return problem(`the JPEG header is damaged (no marker at byte ${at})`);
    const marker = mark[1];
    if (marker === 0xff) {
      at += 1; // fill byte before a marker
      continue;
    }
    if (isStandalone(marker)) {
      at += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return problem('the JPEG has no frame header before its image data');
    // FF 00 is no marker: libjpeg steps over those two bytes, where a walk by length would jump and could miss a frame header.
    if (marker === 0x00) return problem(`the JPEG header is damaged (no marker at byte ${at})`);
    const length = await file.bytes(at + 2, 2);
    if (!length) return problem('the JPEG ends before its frame header');
    const segmentBytes = u16be(length, 0); // counts its own two length bytes
    if (segmentBytes < 2) return problem(`the JPEG header is damaged (a segment of length ${segmentBytes} at byte ${at})`);
    if (isFrameHeader(marker)) {
      // Length, sample precision P, lines Y, samples per line X.
      if (segmentBytes < 8) return problem('the JPEG frame header is damaged');
      const frame = await file.bytes(at + 4, 5);
      if (!frame) return problem('the JPEG ends inside its frame header');
      return found(u16be(frame, 3), u16be(frame, 1));
    }
    if (at + 2 + segmentBytes > file.sizeBytes) return problem('a JPEG segment runs past the end of the file');
    at += 2 + segmentBytes;
  }
  return problem(`the JPEG has more than ${MAX_HEADER_STEPS} segments before its frame header`);
}

// ---------------------------------------------------------------- PNG, BMP, WebP

async function pngSize(file: WindowedFile): Promise<DimensionScan> {
  const h = await file.bytes(8, 16);
  if (!h) return problem('the PNG ends before its header chunk');
  if (ascii(h, 4, 4) !== 'IHDR' || u32be(h, 0) !== 13) return problem('the PNG does not start with its header chunk (IHDR)');
  return found(u32be(h, 8), u32be(h, 12));
}

async function bmpSize(file: WindowedFile): Promise<DimensionScan> {
  const h = await file.bytes(14, 12);
  if (!h) return problem('the BMP ends inside its header');
  if (u16le(h, 0) === 12) return found(u16le(h, 4), u16le(h, 6)); // BITMAPCOREHEADER
  // Height is negative for top-down rows.
  return found(Math.abs(i32le(h, 4)), Math.abs(i32le(h, 8)));
}

async function webpSize(file: WindowedFile): Promise<DimensionScan> {
  const h = await file.bytes(12, 18);
  if (!h) return problem('the WebP ends before its image header');
  const chunk = ascii(h, 0, 4);
  if (chunk === 'VP8X') return found(u24le(h, 12) + 1, u24le(h, 15) + 1);
  if (chunk === 'VP8 ') {
    // Frame tag (3 bytes), then the key frame start code 9D 01 2A.
    if (h[11] !== 0x9d || h[12] !== 0x01 || h[13] !== 0x2a) return problem('the WebP (VP8) frame header is damaged');
    return found(u16le(h, 14) & 0x3fff, u16le(h, 16) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    if (h[8] !== 0x2f) return problem('the WebP (VP8L) header is damaged');
    const bits = (h[9] | (h[10] << 8) | (h[11] << 16) | (h[12] << 24)) >>> 0;
    return found((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  return problem('the WebP has no image header (VP8X, VP8 or VP8L) first');
}

// ---------------------------------------------------------------- GIF

const colourTableBytes = (packed: number) => (packed & 0x80 ? 3 << ((packed & 0x07) + 1) : 0);

/** Offset after a run of data sub-blocks (length byte, data) ended by a zero length; null when the file ends first. */
async function afterSubBlocks(file: WindowedFile, at: number): Promise<number | null> {
  for (;;) {
    // Sub-blocks are at most 256 bytes: most are read from the window in hand, without a promise each.
    const length = file.cachedByte(at) ?? (await file.bytes(at, 1))?.[0];
    if (length === undefined) return null;
    at += 1 + length;
    if (length === 0) return at;
  }
}

async function gifSize(file: WindowedFile): Promise<DimensionScan> {
  const screen = await file.bytes(6, 5);
  if (!screen) return problem('the GIF ends inside its header');
  let width = u16le(screen, 0);
  let height = u16le(screen, 2);
  let at: number | null = 13 + colourTableBytes(screen[4]);
  // A file cut short after some frames still shows those frames: the largest so far is the answer.
  for (let block = 0; block < MAX_GIF_BLOCKS && at !== null; block++) {
    const introducer = await file.bytes(at, 1);
    if (!introducer || introducer[0] === 0x3b) return found(width, height); // end of file or trailer
    if (introducer[0] === 0x21) {
      at = await afterSubBlocks(file, at + 2); // introducer, label
    } else if (introducer[0] === 0x2c) {
      const d = await file.bytes(at + 1, 9); // left, top, width, height, packed
      if (!d) return found(width, height);
      width = Math.max(width, u16le(d, 0) + u16le(d, 4));
      height = Math.max(height, u16le(d, 2) + u16le(d, 6));
      at = await afterSubBlocks(file, at + 10 + colourTableBytes(d[8]) + 1); // + LZW minimum code size
    } else {
      return problem(`the GIF is damaged (unknown block at byte ${at})`);
    }
  }
  if (at === null) return found(width, height);
  return problem(`the GIF has more than ${MAX_GIF_BLOCKS} blocks`);
}

// ---------------------------------------------------------------- AVIF, HEIC/HEIF (ISO-BMFF)

interface Box {
  type: string;
  contentStart: number;
  end: number;
}

/** Counts boxes across the whole walk, nested ones included. */
class BoxWalk {
  readonly file: WindowedFile;
  #steps = 0;

  constructor(file: WindowedFile) {
    this.file = file;
  }

  /** The box at `at` inside a parent ending at `parentEnd`, or the problem with it. */
  async box(at: number, parentEnd: number): Promise<Box | string> {
    if (++this.#steps > MAX_HEADER_STEPS) return `the file has more than ${MAX_HEADER_STEPS} boxes before its image size`;
    const h = await this.file.bytes(at, 8);
    if (!h || at + 8 > parentEnd) return 'the file ends inside a box header';
    const type = ascii(h, 4, 4).replace(/[^\x20-\x7e]/g, '?');
    let sizeBytes = u32be(h, 0);
    let headerBytes = 8;
    if (sizeBytes === 1) {
      const large = await this.file.bytes(at + 8, 8);
      if (!large) return 'the file ends inside a box header';
      sizeBytes = u32be(large, 0) * 2 ** 32 + u32be(large, 4);
      headerBytes = 16;
    } else if (sizeBytes === 0) {
      sizeBytes = this.file.sizeBytes - at; // the last box, to the end of the file
    }
    if (sizeBytes < headerBytes) return `the "${type}" box has an impossible size (${sizeBytes} bytes)`;
    if (at + sizeBytes > parentEnd) return `the "${type}" box runs past the end of ${parentEnd === this.file.sizeBytes ? 'the file' : 'its container'}`;
    return { type, contentStart: at + headerBytes, end: at + sizeBytes };
  }

  /** The first child of type `type` in `[start, end)`, null when there is none. */
  async child(start: number, end: number, type: string): Promise<Box | null | string> {
    for (let at = start; at < end; ) {
      const b = await this.box(at, end);
      if (typeof b === 'string') return b;
      if (b.type === type) return b;
      at = b.end;
    }
    return null;
  }
}

async function heifSize(file: WindowedFile, name: 'AVIF' | 'HEIC'): Promise<DimensionScan> {
  const walk = new BoxWalk(file);
  const meta = await walk.child(0, file.sizeBytes, 'meta');
  if (typeof meta === 'string') return problem(meta);
  if (!meta) return problem(`the ${name} has no "meta" box, where its image size is kept`);
  const iprp = await walk.child(meta.contentStart + 4, meta.end, 'iprp'); // meta is a full box: version and flags first
  if (typeof iprp === 'string') return problem(iprp);
  const ipco = iprp && (await walk.child(iprp.contentStart, iprp.end, 'ipco'));
  if (typeof ipco === 'string') return problem(ipco);
  let largest: PixelSize | null = null;
  for (let at = ipco ? ipco.contentStart : 0; ipco && at < ipco.end; ) {
    const property = await walk.box(at, ipco.end);
    if (typeof property === 'string') return problem(property);
    if (property.type === 'ispe') {
      const s = property.end - property.contentStart >= 12 ? await file.bytes(property.contentStart + 4, 8) : null;
      if (!s) return problem(`the ${name} image size property (ispe) is damaged`);
      const size = { width: u32be(s, 0), height: u32be(s, 4) };
      if (!largest || size.width * size.height > largest.width * largest.height) largest = size;
    }
    at = property.end;
  }
  return largest ? { size: largest } : problem(`the ${name} has no image size property (ispe)`);
}

// ----------------------------------------------------------------

/**
 * Pixel size a photo declares in its headers, read without decoding it (stored orientation,
 * before EXIF rotation); null for what is not an image Shoebox decodes. `read` is called a few
 * times for a few KiB each, except for GIF, whose frames have no length and are walked to the end.
 */
export async function scanImageDimensions(read: ByteReader, fileSizeBytes: number, kind: FileKind): Promise<DimensionScan | null> {
  if (kind.kind !== 'image') return null;
  const file = new WindowedFile(read, fileSizeBytes, kind.format === 'gif' ? GIF_WINDOW_BYTES : WINDOW_BYTES);
  switch (kind.format) {
    case 'jpeg':
      return jpegSize(file);
    case 'png':
      return pngSize(file);
    case 'gif':
      return gifSize(file);
    case 'webp':
      return webpSize(file);
    case 'bmp':
      return bmpSize(file);
    case 'avif':
      return heifSize(file, 'AVIF');
    case 'heic':
      return heifSize(file, 'HEIC');
  }
}

/** A reader over bytes already in memory (tests, tools). */
export const bytesReader =
  (bytes: Uint8Array): ByteReader =>
  async (offsetBytes, lengthBytes) =>
    bytes.subarray(offsetBytes, offsetBytes + lengthBytes);
