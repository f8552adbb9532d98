/**
 * Reads a photo's EXIF, GPS and XMP with exifr, from bytes the import already holds, and hands
 * the plain result to `interpretPhotoMetadata` (core), which checks every value. Only the tags the
 * library keeps are parsed; a damaged or hostile block gives no metadata, never a failed import.
 */
import exifr from 'exifr';
import { exifStructureProblem, jpegExifBlock } from '../core/exif-structure';
import { interpretPhotoMetadata, type PhotoMetadata } from '../core/photo-metadata';

const OPTIONS: Parameters<typeof exifr.parse>[1] = {
  ifd0: { pick: ['Make', 'Model'] },
  exif: { pick: ['DateTimeOriginal', 'OffsetTimeOriginal', 'CreateDate', 'OffsetTimeDigitized', 'OffsetTime', 'LensModel'] },
  gps: { pick: ['GPSLatitude', 'GPSLatitudeRef', 'GPSLongitude', 'GPSLongitudeRef', 'GPSDateStamp', 'GPSTimeStamp'] },
  xmp: true,
  ifd1: false,
  interop: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  makerNote: false,
  userComment: false,
  // Raw strings and numbers: exifr's revived Dates would be read in the worker's time zone and
  // lose the offset tags; core interprets the text itself.
  translateValues: false,
  reviveValues: false,
  mergeOutput: false,
};

/** What a note says of a damaged block: the reader kept what it could read before the damage. */
const DAMAGE: Record<'cut-short' | 'loop' | 'unreadable', string> = {
  'cut-short': 'its EXIF block is cut short (what came after the cut was ignored)',
  loop: 'its EXIF block has offsets that loop back (the parts they point to were ignored)',
  unreadable: 'its metadata block is damaged and was ignored',
};

/** The metadata of a photo's bytes (a JPEG, TIFF, HEIC, PNG or WebP); empty when it has none or cannot be read. */
export async function readPhotoMetadata(bytes: ArrayBuffer | Uint8Array, nowMs: number): Promise<PhotoMetadata> {
  // Notes on damage are for a JPEG's EXIF block, checked here: exifr also reports formats it does
  // not read (GIF, BMP) as errors, and those files simply have no metadata to speak of.
  const tiff = jpegExifBlock(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  const structure = tiff ? exifStructureProblem(tiff) : undefined;
  let raw: unknown;
  // exifr skips a block it cannot read (its default `silentErrors`, listing it in `errors`) and
  // throws on a broken file structure: neither fails the import.
  try {
    raw = await exifr.parse(bytes as ArrayBuffer, OPTIONS);
  } catch {
    return { ignored: tiff ? [DAMAGE[structure ?? 'unreadable']] : [] };
  }
  const skipped = typeof raw === 'object' && raw !== null && Array.isArray((raw as { errors?: unknown }).errors) && (raw as { errors: unknown[] }).errors.length > 0;
  const damage = structure ? [DAMAGE[structure]] : tiff && skipped ? [DAMAGE.unreadable] : [];
  const metadata = raw ? interpretPhotoMetadata(raw, nowMs) : { ignored: [] };
  return { ...metadata, ignored: [...damage, ...metadata.ignored] };
}
