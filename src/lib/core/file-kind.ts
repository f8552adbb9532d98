
/**
 * Tells what a file is from its first bytes ("magic numbers"), not from its name or the
 * browser's guessed MIME type, which both lie (a text file renamed .jpg, a .JPG that is a PNG).
 * Signatures: JPEG FF D8 FF; PNG 89 50 4E 47 0D 0A 1A 0A; GIF "GIF8"; WebP "RIFF"…"WEBP";
 * BMP "BM"; ISO-BMFF "ftyp" brands at offset 4 (AVIF, HEIC/HEIF, MP4/MOV); Matroska/WebM 1A 45 DF A3;
 * AVI "RIFF"…"AVI ". Documents and archives people drop by mistake: PDF "%PDF-", ZIP "PK" 03 04.
 */
export interface PixelSize {
  width: number;
  height: number;
}

/**
 * What a photo's header says (core/image-dimensions.ts reads it): a size, or why none can be
 * trusted (a phrase, e.g. "the JPEG ends before its frame header").
 */
export type DimensionScan = { size: PixelSize } | { problem: string };

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'bmp' | 'avif' | 'heic';

export type FileKind =
  | { kind: 'image'; format: ImageFormat }
  | { kind: 'unsupported-image'; format: 'tiff' | 'svg' }
  | { kind: 'video'; format: 'mp4' | 'mov' | 'webm' | 'avi' }
  | { kind: 'not-media'; format: 'pdf' | 'zip' }
  | { kind: 'unknown' };

/** Bytes needed by {@link sniffFileKind}. */
export const SNIFF_BYTES = 512;

function ascii(b: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let i = start; i < Math.min(b.length, start + length); i++) s += String.fromCharCode(b[i]);
  return s;
}

export function sniffFileKind(head: Uint8Array): FileKind {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { kind: 'image', format: 'jpeg' };
  if (head.length >= 8 && head[0] === 0x89 && ascii(head, 1, 3) === 'PNG' && head[4] === 0x0d && head[5] === 0x0a)
    return { kind: 'image', format: 'png' };
  if (ascii(head, 0, 4) === 'GIF8') return { kind: 'image', format: 'gif' };
  if (ascii(head, 0, 4) === 'RIFF') {
    const type = ascii(head, 8, 4);
    if (type === 'WEBP') return { kind: 'image', format: 'webp' };
    if (type === 'AVI ') return { kind: 'video', format: 'avi' };
  }
  // "BM" alone matches text such as "BMW notes": also require a known DIB header size.
  if (ascii(head, 0, 2) === 'BM' && head.length >= 18 && [12, 40, 52, 56, 64, 108, 124].includes(head[14] | (head[15] << 8)))
    return { kind: 'image', format: 'bmp' };
  if ((head[0] === 0x49 && head[1] === 0x49 && head[2] === 0x2a) || (head[0] === 0x4d && head[1] === 0x4d && head[3] === 0x2a))
    return { kind: 'unsupported-image', format: 'tiff' };
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return { kind: 'video', format: 'webm' };
  if (ascii(head, 4, 4) === 'ftyp') {
    const brand = ascii(head, 8, 4);
    const boxBytes = (head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3];
    const compatible = ascii(head, 16, Math.max(0, Math.min(boxBytes, head.length) - 16));
    if (brand === 'avif' || brand === 'avis' || (brand === 'mif1' && compatible.includes('avif'))) return { kind: 'image', format: 'avif' };
    if (['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return { kind: 'image', format: 'heic' };
    if (brand === 'qt  ') return { kind: 'video', format: 'mov' };
    return { kind: 'video', format: 'mp4' };
  }
  if (ascii(head, 0, 5) === '%PDF-') return { kind: 'not-media', format: 'pdf' };
  if (ascii(head, 0, 2) === 'PK' && head[2] === 0x03 && head[3] === 0x04) return { kind: 'not-media', format: 'zip' };
  const text = ascii(head, 0, Math.min(head.length, 256)).replace(/^\xEF\xBB\xBF/, '').trimStart().toLowerCase();
  if (text.startsWith('<svg') || ((text.startsWith('<?xml') || text.startsWith('<!doctype svg')) && text.includes('<svg')))
    return { kind: 'unsupported-image', format: 'svg' };
  return { kind: 'unknown' };
}

/**
 * Largest photo Shoebox decodes, in pixels. Decoding needs 4 bytes a pixel at once (400 MB at
 * 100 MP, measured fine in a worker here); 150 MP covers the largest camera sensors sold, while a
 * "decompression bomb" (a tiny file declaring 30000 × 30000 px, 3.6 GB decoded) is refused
 * before any decoding starts.
 */
export const MAX_IMAGE_PIXELS = 150_000_000;

const megapixels = (pixels: number) => `${Math.round(pixels / 1e6)} megapixels`;

/** Why a photo of this many pixels is not opened, or null when it can be. */
export function pixelLimitReason(size: PixelSize): string | null {
  const pixels = size.width * size.height;
  if (pixels > MAX_IMAGE_PIXELS)
    return `the photo is too large to open: ${size.width} × ${size.height} px is ${megapixels(pixels)} (up to ${megapixels(MAX_IMAGE_PIXELS)} can be added)`;
  if (pixels === 0) return 'could not be decoded: the image header says it has no pixels';
  return null;
}

/**
 * The sentence shown next to a file Shoebox cannot add, or null when it can try.
 * `header` is what `scanImageDimensions` found in the file's headers, when it was asked.
 */
export function rejectionReason(kind: FileKind, sizeBytes: number, header?: DimensionScan | null): string | null {
  if (sizeBytes === 0) return 'the file is empty (0 bytes)';
  switch (kind.kind) {
    case 'image':
      if (!header) return null;
      // Without a size it can trust, Shoebox does not decode: the decoder would find out the hard way.
      if ('problem' in header) return `could not be decoded: ${header.problem}, so its pixel size is unknown`;
      return pixelLimitReason(header.size);
    case 'unsupported-image':
      switch (kind.format) {
        case 'tiff':
          return 'TIFF images cannot be decoded by this browser; export them as JPEG or PNG first';
        case 'svg':
          // Never rendered: an SVG can carry scripts, and drawings are not what photo search is for.
          return 'SVG drawings are not added (only photos and videos are)';
      }
      break;
    case 'not-media':
      return kind.format === 'pdf'
        ? 'this is a PDF document, not a photo or video'
        : 'this is a ZIP archive: unzip it and add the photos and videos inside';
    case 'video':
      return null;
    case 'unknown':
      return 'not a photo or video Shoebox can read';
  }
  return null;
}
