// JPEGs with EXIF for the metadata tests: valid ones written by sharp (libvips), and damaged
// ones made by patching the bytes of a valid one, so the pixels still decode while the EXIF
// block is broken the ways real files break (IFD counts past the end, offsets that loop).
import sharp from 'sharp';

/**
 * A small JPEG of one colour with the given EXIF. `exif` is sharp's shape: `{ IFD0: { Make,
 * Model }, IFD2: { DateTimeOriginal, OffsetTimeOriginal, LensModel }, IFD3: { GPSLatitude… } }`
 * (IFD2 is the Exif IFD, IFD3 the GPS IFD; values are strings, rationals as "48/1 51/1 3024/100").
 * `pixelsOf`: another image whose pixels to use instead (solid colours are near-duplicates of each other).
 */
export async function jpegWithExif({ width = 96, height = 72, colour = { r: 200, g: 60, b: 40 }, pixelsOf, exif = {}, xmp } = {}) {
  let image = (pixelsOf ? sharp(pixelsOf) : sharp({ create: { width, height, channels: 3, background: colour } })).withExif(exif);
  if (xmp) image = image.withXmp(xmp);
  return image.jpeg({ quality: 85 }).toBuffer();
}

/** Degrees as the EXIF rational triple sharp writes: 48.8584 → "48/1 51/1 3024/100". */
export function gpsRational(deg) {
  // Rounded once, in hundredths of a second, so 41.15° is 41° 9' 0" and never 41° 8' 60".
  const hundredths = Math.round(Math.abs(deg) * 360_000);
  const d = Math.floor(hundredths / 360_000);
  const m = Math.floor((hundredths % 360_000) / 6_000);
  const s = hundredths % 6_000;
  return `${d}/1 ${m}/1 ${s}/100`;
}

/** Byte offset of the TIFF header inside a JPEG's EXIF segment (libvips writes little-endian "II"). */
function tiffStart(buf) {
  const at = buf.indexOf(Buffer.from('Exif\0\0', 'latin1'));
  if (at < 0 || buf.toString('latin1', at + 6, at + 8) !== 'II') throw new Error('no little-endian EXIF block');
  return at + 6;
}

/**
 * The same JPEG with its EXIF broken:
 *   'ifd-past-end'  IFD0 claims 4,000 entries, far past the end of the segment (a truncated IFD);
 *   'offset-loop'   IFD0's next-IFD and Exif-IFD pointers point back at IFD0;
 *   'garbage'       everything after the TIFF header overwritten with 0xFF.
 */
export function damagedExif(jpeg, how) {
  const buf = Buffer.from(jpeg);
  const tiff = tiffStart(buf);
  const ifd0 = buf.readUInt32LE(tiff + 4);
  const count = buf.readUInt16LE(tiff + ifd0);
  if (how === 'ifd-past-end') {
    buf.writeUInt16LE(4000, tiff + ifd0);
  } else if (how === 'offset-loop') {
    for (let i = 0; i < count; i++) {
      const entry = tiff + ifd0 + 2 + 12 * i;
      if (buf.readUInt16LE(entry) === 0x8769) buf.writeUInt32LE(ifd0, entry + 8);
    }
    buf.writeUInt32LE(ifd0, tiff + ifd0 + 2 + 12 * count);
  } else if (how === 'garbage') {
    const segmentLength = buf.readUInt16BE(tiff - 8);
    const end = tiff - 8 + segmentLength;
    buf.fill(0xff, tiff + 8, end);
  } else {
    throw new Error(`unknown damage ${how}`);
  }
  return buf;
}
