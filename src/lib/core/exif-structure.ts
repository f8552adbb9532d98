/**
 * A check of the structure of a JPEG's EXIF block (TIFF 6.0 §2 "Image File Directory", EXIF 2.32
 * §4.6.2), so the import can say when a photo's metadata was damaged: an IFD whose entries run past
 * the end of the block (a truncated file or a lying entry count), or offsets that point back at a
 * directory already read (a loop, which a naive reader follows for ever). The EXIF reader itself
 * reads what it can and stops; this only tells which of the two happened. Values are not read.
 *
 * Pure and synchronous: safe in workers and in Node.
 */

/** What is wrong with the block's structure. */
export type ExifStructureProblem = 'cut-short' | 'loop';

/** IFD pointers inside IFD0: the Exif IFD, the GPS IFD, and the Interoperability IFD (inside the Exif IFD). */
const POINTER_TAGS = new Set([0x8769, 0x8825, 0xa005]);
/** A real file has IFD0, IFD1, Exif, GPS and Interop: more directories than this is a chain gone wrong. */
const MAX_IFDS = 16;
/** JPEG markers read before giving up on finding the EXIF segment: it comes first in real files. */
const MAX_SEGMENTS = 64;

/** The TIFF bytes of a JPEG's first "Exif\0\0" APP1 segment, or null when there is none. */
export function jpegExifBlock(jpeg: Uint8Array): Uint8Array | null {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return null;
  let at = 2;
  for (let n = 0; n < MAX_SEGMENTS && at + 4 <= jpeg.length; n++) {
    if (jpeg[at] !== 0xff) return null;
    const marker = jpeg[at + 1]!;
    // Start of scan or end of image: no metadata after this point.
    if (marker === 0xda || marker === 0xd9) return null;
    const length = (jpeg[at + 2]! << 8) | jpeg[at + 3]!;
    if (length < 2) return null;
    const end = Math.min(jpeg.length, at + 2 + length);
    if (marker === 0xe1 && end - at >= 10 && String.fromCharCode(...jpeg.subarray(at + 4, at + 10)) === 'Exif\0\0') return jpeg.subarray(at + 10, end);
    at = at + 2 + length;
  }
  return null;
}

/**
 * The first problem found walking the block's directories (IFD0, its chain, and the Exif, GPS and
 * Interop IFDs they point to), or undefined when the structure holds. A block that is not TIFF at
 * all is "cut-short": nothing of it can be read.
 *
 * @param tiff the EXIF block from its "II"/"MM" byte-order mark on
 */
export function exifStructureProblem(tiff: Uint8Array): ExifStructureProblem | undefined {
  if (tiff.length < 8) return 'cut-short';
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return 'cut-short';
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);
  if (u16(2) !== 42) return 'cut-short';
  const pending = [u32(4)];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const ifd = pending.shift()!;
    if (seen.has(ifd) || seen.size >= MAX_IFDS) return 'loop';
    seen.add(ifd);
    if (ifd < 8 || ifd + 2 > tiff.length) return 'cut-short';
    const count = u16(ifd);
    // Entries, then the 4-byte offset of the next IFD.
    if (ifd + 2 + 12 * count + 4 > tiff.length) return 'cut-short';
    for (let i = 0; i < count; i++) {
      const entry = ifd + 2 + 12 * i;
      if (POINTER_TAGS.has(u16(entry))) pending.push(u32(entry + 8));
    }
    const next = u32(ifd + 2 + 12 * count);
    if (next !== 0) pending.push(next);
  }
  return undefined;
}
