import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readPhotoMetadata } from '../../../src/lib/ingest/read-photo-metadata';
import { damagedExif, gpsRational, jpegWithExif } from '../../helpers/exif-jpeg.mjs';
import { rng } from '../../helpers/random';

const NOW_MS = Date.UTC(2026, 11, 6);

const paris = {
  IFD0: { Make: 'Canon', Model: 'Canon EOS 5D' },
  IFD2: { DateTimeOriginal: '2019:07:14 15:30:12', OffsetTimeOriginal: '+02:00', LensModel: 'EF 50mm f/1.8' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: gpsRational(48.8584), GPSLongitudeRef: 'E', GPSLongitude: gpsRational(2.2945) },
};

/** The pixels still decode: a damaged EXIF block does not make the photo unusable. */
const decodes = async (bytes: Uint8Array) => (await sharp(bytes).stats()).channels.length === 3;

describe('readPhotoMetadata: a JPEG written with EXIF', () => {
  it('reads the date with its offset, the camera, the lens and the position', async () => {
    const m = await readPhotoMetadata(await jpegWithExif({ exif: paris }), NOW_MS);
    expect(m.takenAt).toEqual({ ms: Date.UTC(2019, 6, 14, 13, 30, 12), source: 'exif', offsetMin: 120 });
    expect(m.camera).toEqual({ make: 'Canon', model: 'EOS 5D', lens: 'EF 50mm f/1.8' });
    expect(m.gps!.lat).toBeCloseTo(48.8584, 4);
    expect(m.gps!.lon).toBeCloseTo(2.2945, 4);
    expect(m.ignored).toEqual([]);
  });

  it('reads an XMP date when there is no EXIF date', async () => {
    const xmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreateDate="2018-01-02T03:04:05+01:00"/></rdf:RDF></x:xmpmeta>';
    const m = await readPhotoMetadata(await jpegWithExif({ exif: { IFD0: { Make: 'Sony' } }, xmp }), NOW_MS);
    expect(m.takenAt).toEqual({ ms: Date.UTC(2018, 0, 2, 2, 4, 5), source: 'xmp', offsetMin: 60 });
  });

  it('gives nothing for a JPEG without metadata and for bytes that are no image', async () => {
    const plain = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#333' } }).jpeg().toBuffer();
    expect(await readPhotoMetadata(plain, NOW_MS)).toEqual({ ignored: [] });
    expect((await readPhotoMetadata(new TextEncoder().encode('not a photo at all'), NOW_MS)).takenAt).toBeUndefined();
  });

  it('ignores year 9999, GPS outside ±90/±180 and huge strings, keeping the rest', async () => {
    const m = await readPhotoMetadata(
      await jpegWithExif({
        exif: {
          IFD0: { Make: 'M'.repeat(20_000), Model: 'X1' },
          IFD2: { DateTimeOriginal: '9999:12:31 23:59:59', DateTimeDigitized: '2020:02:02 10:00:00', OffsetTimeDigitized: '+00:00' },
          IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '95/1 0/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 0/1 0/1' },
        },
      }),
      NOW_MS,
    );
    expect(m.takenAt).toEqual({ ms: Date.UTC(2020, 1, 2, 10), source: 'exif', offsetMin: 0 });
    expect(m.gps).toBeUndefined();
    expect(m.camera).toEqual({ make: 'M'.repeat(80), model: 'X1' });
    expect(m.ignored).toEqual([
      'the date taken 9999:12:31 23:59:59 in its EXIF was ignored (year 9999 is in the future)',
      'the GPS position 95, 2 in its EXIF was ignored (outside ±90° latitude, ±180° longitude)',
    ]);
  });
});

describe('readPhotoMetadata: damaged EXIF never throws and the photo still decodes', () => {
  it.each(['ifd-past-end', 'offset-loop', 'garbage'] as const)('%s', async (how) => {
    const bytes = damagedExif(await jpegWithExif({ exif: paris }), how);
    const m = await readPhotoMetadata(bytes, NOW_MS);
    expect(Array.isArray(m.ignored)).toBe(true);
    // Whatever survived is within range.
    if (m.takenAt) expect(m.takenAt.ms).toBeLessThanOrEqual(NOW_MS);
    if (m.gps) expect(Math.abs(m.gps.lat)).toBeLessThanOrEqual(90);
    expect(await decodes(bytes)).toBe(true);
  });

  it.each([
    ['ifd-past-end', 'its EXIF block is cut short (what came after the cut was ignored)'],
    ['offset-loop', 'its EXIF block has offsets that loop back (the parts they point to were ignored)'],
    ['garbage', 'its EXIF block is cut short (what came after the cut was ignored)'],
  ] as const)('%s: says so in a note, first', async (how, note) => {
    const m = await readPhotoMetadata(damagedExif(await jpegWithExif({ exif: paris }), how), NOW_MS);
    expect(m.ignored[0]).toBe(note);
  });

  it('a truncated IFD keeps what could be read: the date and the position', async () => {
    const m = await readPhotoMetadata(damagedExif(await jpegWithExif({ exif: paris }), 'ifd-past-end'), NOW_MS);
    expect(m.takenAt).toEqual({ ms: Date.UTC(2019, 6, 14, 13, 30, 12), source: 'exif', offsetMin: 120 });
    expect(m.gps!.lat).toBeCloseTo(48.8584, 4);
  });

  it('GPS of 0/0 rationals (NaN) and year 0: both ignored, each with a note; the camera is kept', async () => {
    const m = await readPhotoMetadata(
      await jpegWithExif({
        exif: {
          IFD0: { Make: 'Nikon' },
          IFD2: { DateTimeOriginal: '0000:06:15 12:00:00' },
          IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '0/0 0/0 0/0', GPSLongitudeRef: 'E', GPSLongitude: '2/1 0/1 0/1' },
        },
      }),
      NOW_MS,
    );
    expect(m.takenAt).toBeUndefined();
    expect(m.gps).toBeUndefined();
    expect(m.camera).toEqual({ make: 'Nikon' });
    expect(m.ignored).toEqual(['the date taken 0000:06:15 12:00:00 in its EXIF was ignored (year 0 is before 1900)', 'the GPS position in its EXIF was ignored (not a number)']);
  });

  it.each(['gif', 'png', 'webp'] as const)('a %s (no EXIF block to damage) gets no note', async (format) => {
    const bytes = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#a33' } })[format]().toBuffer();
    expect((await readPhotoMetadata(bytes, NOW_MS)).ignored).toEqual([]);
  });

  it('300 random byte flips in the EXIF block: every read settles', async () => {
    const valid = await jpegWithExif({ exif: paris });
    const start = valid.indexOf(Buffer.from('Exif\0\0', 'latin1'));
    const length = valid.readUInt16BE(start - 2);
    const r = rng(15);
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(valid);
      for (let k = 0; k < 4; k++) bytes[start + Math.floor(r() * (length - 2))] = Math.floor(r() * 256);
      const m = await readPhotoMetadata(bytes, NOW_MS);
      if (m.takenAt) expect(Number.isFinite(m.takenAt.ms)).toBe(true);
      if (m.gps) expect(Number.isFinite(m.gps.lat) && Number.isFinite(m.gps.lon)).toBe(true);
    }
  });
});
