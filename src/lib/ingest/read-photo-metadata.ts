/**
 * Reads a photo's EXIF, GPS and XMP with exifr, from bytes the import already holds, and hands
 * the plain result to `interpretPhotoMetadata` (core), which checks every value. Only the tags the
 * library keeps are parsed; a damaged or hostile block gives no metadata, never a failed import.
 */
import exifr from 'exifr';
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

const NOTHING: PhotoMetadata = { ignored: [] };

/** The metadata of a photo's bytes (a JPEG, TIFF, HEIC, PNG or WebP); empty when it has none or cannot be read. */
export async function readPhotoMetadata(bytes: ArrayBuffer | Uint8Array, nowMs: number): Promise<PhotoMetadata> {
  let raw: unknown;
  // exifr skips a block it cannot read (its default `silentErrors`) and throws on a broken file
  // structure: neither fails the import.
  try {
    raw = await exifr.parse(bytes as ArrayBuffer, OPTIONS);
  } catch {
    return { ignored: ['the metadata block is damaged'] };
  }
  return raw ? interpretPhotoMetadata(raw, nowMs) : NOTHING;
}
