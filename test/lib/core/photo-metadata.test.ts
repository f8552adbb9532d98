import { describe, expect, it } from 'vitest';
import { dateFromFileName, interpretPhotoMetadata, metadataNote, parseOffsetMin, quotedValue } from '../../../src/lib/core/photo-metadata';

const NOW_MS = Date.UTC(2026, 11, 6, 12, 0, 0);
const read = (raw: unknown) => interpretPhotoMetadata(raw, NOW_MS);
const localMs = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo - 1, d, h, mi, s).getTime();

describe('date taken from EXIF', () => {
  it('applies OffsetTimeOriginal: 15:30:12 at +02:00 is 13:30:12 UTC', () => {
    const m = read({ exif: { DateTimeOriginal: '2019:07:14 15:30:12', OffsetTimeOriginal: '+02:00' } });
    expect(m.takenAt).toEqual({ ms: Date.UTC(2019, 6, 14, 13, 30, 12), source: 'exif', offsetMin: 120 });
  });

  it('applies negative and compact offsets', () => {
    expect(read({ exif: { DateTimeOriginal: '2019:07:14 15:30:12', OffsetTimeOriginal: '-0530' } }).takenAt).toEqual({
      ms: Date.UTC(2019, 6, 14, 21, 0, 12), source: 'exif', offsetMin: -330,
    });
  });

  it("without an offset reads the time as the device's local time", () => {
    const m = read({ exif: { DateTimeOriginal: '2019:07:14 15:30:12' } });
    expect(m.takenAt).toEqual({ ms: localMs(2019, 7, 14, 15, 30, 12), source: 'exif' });
  });

  it('falls back to CreateDate with OffsetTimeDigitized, then OffsetTime', () => {
    expect(read({ exif: { CreateDate: '2020:01:02 03:04:05', OffsetTimeDigitized: '+01:00', OffsetTime: '+05:00' } }).takenAt).toEqual({
      ms: Date.UTC(2020, 0, 2, 2, 4, 5), source: 'exif', offsetMin: 60,
    });
    expect(read({ exif: { CreateDate: '2020:01:02 03:04:05', OffsetTime: '+05:00' } }).takenAt?.ms).toBe(Date.UTC(2020, 0, 1, 22, 4, 5));
  });

  it('prefers DateTimeOriginal over CreateDate and EXIF over XMP and GPS', () => {
    const m = read({
      exif: { DateTimeOriginal: '2019:07:14 15:30:12', OffsetTimeOriginal: 'Z', CreateDate: '2020:01:01 00:00:00' },
      xmp: { CreateDate: '2021-01-01T00:00:00Z' },
      gps: { GPSDateStamp: '2022:01:01', GPSTimeStamp: [1, 2, 3] },
    });
    expect(m.takenAt).toEqual({ ms: Date.UTC(2019, 6, 14, 15, 30, 12), source: 'exif', offsetMin: 0 });
  });

  it('reads XMP dates with their own offset, DateCreated before CreateDate', () => {
    expect(read({ xmp: { CreateDate: '2018-01-02T03:04:05+01:00' } }).takenAt).toEqual({ ms: Date.UTC(2018, 0, 2, 2, 4, 5), source: 'xmp', offsetMin: 60 });
    expect(read({ photoshop: { DateCreated: '2017-05-06T07:08:09.250Z' }, xmp: { CreateDate: '2018-01-02T03:04:05+01:00' } }).takenAt).toEqual({
      ms: Date.UTC(2017, 4, 6, 7, 8, 9), source: 'xmp', offsetMin: 0,
    });
    expect(read({ xmp: { CreateDate: '2018-01-02' } }).takenAt).toEqual({ ms: localMs(2018, 1, 2), source: 'xmp' });
  });

  it('uses the GPS date and time as UTC when nothing else dates the photo', () => {
    expect(read({ gps: { GPSDateStamp: '2019:07:14', GPSTimeStamp: [13, 30, 12.5] } }).takenAt).toEqual({
      ms: Date.UTC(2019, 6, 14, 13, 30, 12, 500), source: 'gps-time', offsetMin: 0,
    });
  });

  it.each([
    ['year 0', { DateTimeOriginal: '0000:01:01 00:00:00' }, true],
    ['all zeros (unset)', { DateTimeOriginal: '0000:00:00 00:00:00' }, false],
    ['year 9999', { DateTimeOriginal: '9999:12:31 23:59:59' }, true],
    ['month 13', { DateTimeOriginal: '2019:13:01 00:00:00' }, true],
    ['31 April', { DateTimeOriginal: '2019:04:31 10:00:00' }, true],
    ['hour 25', { DateTimeOriginal: '2019:04:01 25:00:00' }, true],
    ['a number', { DateTimeOriginal: 20190401 }, true],
    ['a huge string', { DateTimeOriginal: '2019:04:01 10:00:00'.padEnd(100_000, 'x') }, true],
    ['an offset of +99:00', { DateTimeOriginal: '2019:04:01 10:00:00', OffsetTimeOriginal: '+99:00' }, false],
    ['markup', { DateTimeOriginal: '<img src=x onerror=alert(1)>' }, true],
  ])('refuses %s', (_label, exif, noted) => {
    const m = read({ exif });
    if ('OffsetTimeOriginal' in exif) {
      // A bad offset leaves the local reading of a good date.
      expect(m.takenAt).toEqual({ ms: localMs(2019, 4, 1, 10), source: 'exif' });
      return;
    }
    expect(m.takenAt).toBeUndefined();
    expect(m.ignored.length > 0).toBe(noted);
  });

  it('refuses a date in the future and falls back to the next source', () => {
    const m = read({ exif: { DateTimeOriginal: '2031:01:01 00:00:00', CreateDate: '2019:01:01 00:00:00', OffsetTime: '+00:00' } });
    expect(m.takenAt).toEqual({ ms: Date.UTC(2019, 0, 1), source: 'exif', offsetMin: 0 });
    expect(m.ignored).toEqual(['the date taken 2031:01:01 00:00:00 in its EXIF was ignored (year 2031 is in the future)']);
  });

  it('accepts anything as input without throwing', () => {
    for (const raw of [null, undefined, 42, 'x', [], { exif: [] }, { exif: null, gps: 'x' }, { gps: { GPSTimeStamp: [NaN, 1, 1], GPSDateStamp: '2019:01:01' } }]) {
      expect(() => read(raw)).not.toThrow();
      expect(read(raw).takenAt).toBeUndefined();
    }
  });
});

describe('GPS position', () => {
  it('turns degrees, minutes, seconds and references into signed degrees', () => {
    const m = read({ gps: { GPSLatitude: [48, 51, 30.24], GPSLatitudeRef: 'N', GPSLongitude: [2, 17, 40.2], GPSLongitudeRef: 'E' } });
    expect(m.gps!.lat).toBeCloseTo(48.8584, 6);
    expect(m.gps!.lon).toBeCloseTo(2.2945, 6);
    const south = read({ gps: { GPSLatitude: [33, 52, 4], GPSLatitudeRef: 'S', GPSLongitude: [151, 12, 36], GPSLongitudeRef: 'W' } });
    expect(south.gps!.lat).toBeCloseTo(-(33 + 52 / 60 + 4 / 3600), 9);
    expect(south.gps!.lon).toBeCloseTo(-(151 + 12 / 60 + 36 / 3600), 9);
  });

  it.each([
    ['latitude 91', { GPSLatitude: [91, 0, 0], GPSLongitude: [2, 0, 0] }],
    ['longitude 181', { GPSLatitude: [1, 0, 0], GPSLongitude: [181, 0, 0] }],
    ['NaN', { GPSLatitude: [NaN, 0, 0], GPSLongitude: [2, 0, 0] }],
    ['Infinity', { GPSLatitude: Infinity, GPSLongitude: 2 }],
    ['minutes 75', { GPSLatitude: [10, 75, 0], GPSLongitude: [2, 0, 0] }],
    ['strings', { GPSLatitude: ['48', '51', '30'], GPSLongitude: [2, 0, 0] }],
    ['a latitude only', { GPSLatitude: [48, 0, 0] }],
  ])('refuses %s', (_label, gps) => {
    const m = read({ gps });
    expect(m.gps).toBeUndefined();
    expect(m.ignored).toHaveLength(1);
    expect(m.ignored[0]).toMatch(/^the GPS position .*in its EXIF was ignored \((not a number|outside ±90° latitude, ±180° longitude)\)$/);
  });

  it('says which position was refused, and NaN as "not a number"', () => {
    expect(read({ gps: { GPSLatitude: [95, 30, 0], GPSLatitudeRef: 'S', GPSLongitude: [2, 0, 0] } }).ignored).toEqual([
      'the GPS position -95.5, 2 in its EXIF was ignored (outside ±90° latitude, ±180° longitude)',
    ]);
    expect(read({ gps: { GPSLatitude: [1, 0, 0], GPSLongitude: [200, 0, 0], GPSLongitudeRef: 'W' } }).ignored).toEqual([
      'the GPS position 1, -200 in its EXIF was ignored (outside ±90° latitude, ±180° longitude)',
    ]);
    expect(read({ gps: { GPSLatitude: [NaN, NaN, NaN], GPSLongitude: [2, 0, 0] } }).ignored).toEqual(['the GPS position in its EXIF was ignored (not a number)']);
  });

  it('treats exactly 0, 0 as "no fix", without a note', () => {
    const m = read({ gps: { GPSLatitude: [0, 0, 0], GPSLatitudeRef: 'N', GPSLongitude: [0, 0, 0], GPSLongitudeRef: 'E' } });
    expect(m.gps).toBeUndefined();
    expect(m.ignored).toEqual([]);
  });
});

describe('notes on ignored values', () => {
  it.each([
    ['year 0', '0000:01:01 00:00:00', 'the date taken 0000:01:01 00:00:00 in its EXIF was ignored (year 0 is before 1900)'],
    ['year 9999', '9999:01:01 00:00:00', 'the date taken 9999:01:01 00:00:00 in its EXIF was ignored (year 9999 is in the future)'],
    ['month 13', '2019:13:01 00:00:00', 'the date taken "2019:13:01 00:00:00" in its EXIF was ignored (not a date)'],
    ['markup, as text', '<img src=x onerror=alert(1)>', 'the date taken "<img src=x onerror=alert(1)>" in its EXIF was ignored (not a date)'],
    ['a huge string, cut', '2019:04:01 10:00:00'.padEnd(100_000, 'x'), `the date taken "2019:04:01 10:00:00${'x'.repeat(21)}…" in its EXIF was ignored (not a date)`],
  ])('%s', (_label, DateTimeOriginal, note) => {
    expect(read({ exif: { DateTimeOriginal } }).ignored).toEqual([note]);
  });

  it('says which date was used instead when the metadata gave none', () => {
    const ignored = ['the date taken 9999:01:01 00:00:00 in its EXIF was ignored (year 9999 is in the future)'];
    expect(metadataNote(ignored, 'file-modified')).toBe(`${ignored[0]}; using the file's date`);
    expect(metadataNote(ignored, 'file-name')).toBe(`${ignored[0]}; using the date in its file name`);
    expect(metadataNote(ignored, 'added')).toBe(`${ignored[0]}; using the date it was added`);
    // Another metadata date was good: nothing to add.
    expect(metadataNote(ignored, 'exif')).toBe(ignored[0]);
    expect(metadataNote([], 'file-modified')).toBeUndefined();
  });

  it('quotes values without control or direction characters', () => {
    expect(quotedValue('2019\u0000:01\u202e:01')).not.toMatch(/[\u0000\u202e]/);
    expect(quotedValue(12345)).toBe('12345');
  });
});

describe('camera', () => {
  it('keeps make, model and lens, saying the make once', () => {
    expect(read({ ifd0: { Make: 'Canon', Model: 'Canon EOS 5D Mark IV' }, exif: { LensModel: 'EF24-70mm f/2.8L II USM' } }).camera).toEqual({
      make: 'Canon', model: 'EOS 5D Mark IV', lens: 'EF24-70mm f/2.8L II USM',
    });
    expect(read({ ifd0: { Make: 'Apple', Model: 'iPhone 12' } }).camera).toEqual({ make: 'Apple', model: 'iPhone 12' });
  });

  it('strips control characters, cuts huge strings and drops non-strings', () => {
    const m = read({ ifd0: { Make: 'NIKON\u0000\u0000 ', Model: 'x'.repeat(10_000) }, exif: { LensModel: 42 } });
    expect(m.camera).toEqual({ make: 'NIKON', model: 'x'.repeat(80) });
    expect(read({ ifd0: { Make: '\u0000\u0000' } }).camera).toBeUndefined();
  });
});

describe('offsets', () => {
  it.each([
    ['+02:00', 120], ['-05:30', -330], ['+0100', 60], ['Z', 0], ['+14:00', 840],
    ['+15:00', undefined], ['+01:75', undefined], ['2', undefined], [2, undefined], ['', undefined],
  ])('%s → %s', (text, min) => expect(parseOffsetMin(text)).toBe(min));
});

describe('dates in camera file names', () => {
  it.each([
    ['IMG_20230714_153012.jpg', localMs(2023, 7, 14, 15, 30, 12)],
    ['VID_20230714_153012.mp4', localMs(2023, 7, 14, 15, 30, 12)],
    ['PXL_20230714_153012345.jpg', localMs(2023, 7, 14, 15, 30, 12)],
    ['PXL_20230714_153012345.MP.jpg', localMs(2023, 7, 14, 15, 30, 12)],
    ['20230714_153012.jpg', localMs(2023, 7, 14, 15, 30, 12)],
    ['Screenshot_2023-07-14-15-30-12.png', localMs(2023, 7, 14, 15, 30, 12)],
    ['Screenshot_20230714-153012_Chrome.jpg', localMs(2023, 7, 14, 15, 30, 12)],
    ['WhatsApp Image 2023-07-14 at 15.30.12.jpeg', localMs(2023, 7, 14, 15, 30, 12)],
    ['IMG-20230714-WA0001.jpg', localMs(2023, 7, 14, 12)],
    ['holiday/IMG_20180301_101010.jpg', localMs(2018, 3, 1, 10, 10, 10)],
    ['IMG_19890714_153012.jpg', null],
    ['IMG_20231314_153012.jpg', null],
    ['IMG_20230231_153012.jpg', null],
    ['IMG_20230714_253012.jpg', null],
    ['IMG_20310714_153012.jpg', null],
    ['IMG_1234.jpg', null],
    ['DSC01234.JPG', null],
    ['123456789012345.jpg', null],
    ['beach.jpg', null],
  ])('%s → %s', (name, ms) => expect(dateFromFileName(name, NOW_MS)).toBe(ms));
});
