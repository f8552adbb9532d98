import { describe, expect, it } from 'vitest';
import { MAX_SIDECAR_BYTES, jsonKind, matchSidecarsToItems, matchTakeoutSidecars, parseTakeoutSidecar, sidecarKey, titleAsName } from '../../../src/lib/core/takeout';

const NOW_MS = Date.UTC(2026, 11, 6, 12, 0, 0);

/** One media file and one sidecar in the same folder: does the sidecar belong to it? */
const pairs = (media: string, json: string) => matchTakeoutSidecars([`Photos from 2019/${media}`], [`Photos from 2019/${json}`]).sidecarOf[0] === 0;

describe('Takeout sidecar names', () => {
  // Name pairs as real exports write them (immich-go's matcher tests, GooglePhotosTakeoutHelper's notes).
  it.each([
    ['IMG_1234.jpg', 'IMG_1234.jpg.json'],
    ['PXL_20211013_220651983.jpg', 'PXL_20211013_220651983.jpg.json'],
    ['PXL_20231118_035751175.MP.jpg', 'PXL_20231118_035751175.MP.jpg.json'],
    ['PXL_20210102_221126856.MP~2.jpg', 'PXL_20210102_221126856.MP~2.jpg.json'],
    ['IMG_20200920_131207.jpg', 'IMG_20200920_131207.jpg.supplemental-metadata.json'],
    ['IMG_20200920_131207.jpg', 'IMG_20200920_131207.jpg.supplemental-metad.json'],
    ['IMG_20200920_131207.jpg', 'IMG_20200920_131207.jpg.supplemental-me.json'],
    ['IMG_20200920_131207.jpg', 'IMG_20200920_131207.jpg.suppl.json'],
    ['IMG_20200920_131207.jpg', 'IMG_20200920_131207.jpg.s.json'],
    ['IMG_20200920_131207.jpg', 'IMG_20200920_131207.jpg..json'],
    ['VID_20200930_155021.mp4', 'VID_20200930_155021.mp4.supplemental-metadata.json'],
    // `(1)` copies: the number moves to the end of the sidecar's name.
    ['DSC_0101(1).JPG', 'DSC_0101.JPG(1).json'],
    ['IMG_2710(1).HEIC', 'IMG_2710.HEIC(1).json'],
    ['image(1).png', 'image.png.supplemental-metadata(1).json'],
    ['13039_327707840323_537645323_9470255_27214_n(1).jpg', '13039_327707840323_537645323_9470255_27214_n.j(1).json'],
    // Names cut to 46 UTF-16 code units before `.json`.
    ['05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg', '05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jp.json'],
    ['Screenshot_2024-01-14-14-13-33-16_948cd9899890cbd5c2798760b2b95377.jpg', 'Screenshot_2024-01-14-14-13-33-16_948cd9899890.json'],
    ['original_1d4caa6f-16c6-4c3d-901b-9387de10e528_P.jpg', 'original_1d4caa6f-16c6-4c3d-901b-9387de10e528_.json'],
    ['PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINAL.jpg', 'PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGIN.json'],
    ['😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛.jpg', '😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋.json'],
    ['Backyard_ceremony_wedding_photography_xxxxxxx_m(494).jpg', 'Backyard_ceremony_wedding_photography_xxxxxxx_(494).json'],
    // Edited copies share the original's sidecar.
    ['IMG_1234-edited.jpg', 'IMG_1234.jpg.json'],
    ['PXL_20220405_090123740.PORTRAIT-modifié.jpg', 'PXL_20220405_090123740.PORTRAIT.jpg.json'],
    ['IMG_5678-bearbeitet.JPG', 'IMG_5678.JPG.supplemental-metadata.json'],
    ['IMG_5678(1)-edited.jpg', 'IMG_5678.jpg(1).json'],
    ['IMG_5678-edited(1).jpg', 'IMG_5678.jpg(1).json'],
    // A name that really ends in "(1)" has a sidecar of its own name.
    ['Photo (1).jpg', 'Photo (1).jpg.json'],
    // Case and Unicode normalisation (macOS writes names decomposed).
    ['Café.JPG', 'Cafe\u0301.JPG.json'],
  ])('%s ↔ %s', (media, json) => {
    expect(pairs(media, json)).toBe(true);
  });

  it.each([
    ['PXL_20211013_220651958.jpg', 'PXL_20211013_220651983.jpg.json'],
    ['DSC_0102(1).JPG', 'DSC_0102.JPG(2).json'],
    ['DSC_0103.JPG', 'DSC_0103.JPG(1).json'],
    ['DSC_0104(1).JPG', 'DSC_0104.JPG.json'],
    ['Backyard_ceremony_wedding_photography_xxxxxxx_m(185).jpg', 'Backyard_ceremony_wedding_photography_xxxxxxx_(494).json'],
    ['IMG_1234.MOV', 'IMG_1234.HEIC.json'],
    // A short name is never matched by prefix: IMG_12.jpg.json is not IMG_123.jpg's.
    ['IMG_123.jpg', 'IMG_12.json'],
  ])('%s does not take %s', (media, json) => {
    expect(pairs(media, json)).toBe(false);
  });

  it('finds a sidecar in another folder, preferring its own folder, then a folder of the same name', () => {
    const media = ['t1/Takeout/Google Photos/Photos from 2019/IMG_1.jpg', 'Trip/IMG_2.jpg', 'x/IMG_3.jpg'];
    const sidecars = [
      't2/Takeout/Google Photos/Photos from 2019/IMG_1.jpg.json', // 0: same folder name, other archive
      'elsewhere/IMG_1.jpg.json', // 1
      'Trip/IMG_2.jpg.json', // 2: same folder
      'Photos from 2019/IMG_2.jpg.json', // 3
      'y/IMG_3.jpg.json', // 4: the only one
      'y/IMG_9.jpg.json', // 5: no media
    ];
    const { sidecarOf, unused } = matchTakeoutSidecars(media, sidecars);
    expect(sidecarOf).toEqual([0, 2, 4]);
    expect(unused).toEqual([1, 3, 5]);
  });

  it('gives one sidecar to an original and its edited copy', () => {
    const { sidecarOf, unused } = matchTakeoutSidecars(['a/IMG_1.jpg', 'a/IMG_1-edited.jpg'], ['a/IMG_1.jpg.json']);
    expect(sidecarOf).toEqual([0, 0]);
    expect(unused).toEqual([]);
  });

  it('matches sidecars of a later drop to library items by name, only where one name can be meant', () => {
    const items = ['IMG_1.jpg', 'IMG_1-edited.jpg', 'IMG_2.jpg', 'img_2.JPG', 'IMG_3(1).jpg', 'a/b.jpg'];
    const groups = matchSidecarsToItems(items, ['x/IMG_1.jpg.json', 'y/IMG_2.jpg.json', 'IMG_3.jpg(1).json', 'IMG_4.jpg.json', 'a/b.jpg.json']);
    expect([...groups.entries()]).toEqual([
      [0, [0, 1]],
      [2, [4]],
    ]);
  });

  it('reads copy numbers and cut suffixes out of a sidecar name', () => {
    expect(sidecarKey('image.png.supplemental-metadata(2).json')).toEqual({ stem: 'image.png', copy: 2, cut: false });
    expect(sidecarKey('IMG.JPG(1).json')).toEqual({ stem: 'img.jpg', copy: 1, cut: false });
    expect(sidecarKey('05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jp.json').cut).toBe(true);
  });

  it('tells album metadata, sidecars without media and other JSON apart', () => {
    expect(jsonKind('metadata.json')).toBe('album-metadata');
    expect(jsonKind('metadata(1).json')).toBe('album-metadata');
    expect(jsonKind('Metadaten.json')).toBe('album-metadata');
    expect(jsonKind('IMG_9.jpg.json')).toBe('sidecar-like');
    expect(jsonKind('IMG_9.jpg.suppl.json')).toBe('sidecar-like');
    expect(jsonKind('print-subscriptions.json')).toBe('other');
    expect(jsonKind('package.json')).toBe('other');
  });
});

describe('Takeout sidecar contents', () => {
  const sidecar = {
    title: 'IMG_20190714_100000.jpg',
    creationTime: { timestamp: '1600598769', formatted: 'Sep 20, 2020, 10:46:09 AM UTC' },
    photoTakenTime: { timestamp: '1563098400', formatted: 'Jul 14, 2019, 10:00:00 AM UTC' },
    geoData: { latitude: 38.7223, longitude: -9.1393, altitude: 12.5, latitudeSpan: 0, longitudeSpan: 0 },
    geoDataExif: { latitude: 0, longitude: 0, altitude: 0, latitudeSpan: 0, longitudeSpan: 0 },
  };
  const read = (v: unknown) => parseTakeoutSidecar(typeof v === 'string' ? v : JSON.stringify(v), NOW_MS);

  it('reads photoTakenTime (UTC seconds), the position (0, 0 is none) and the title', () => {
    expect(read(sidecar)).toEqual({
      sidecar: { takenAtMs: Date.UTC(2019, 6, 14, 10, 0, 0), gps: { lat: 38.7223, lon: -9.1393 }, title: 'IMG_20190714_100000.jpg' },
      ignored: [],
    });
  });

  it('prefers geoDataExif when it has a position; without photoTakenTime keeps creationTime as the upload time', () => {
    const r = read({ ...sidecar, photoTakenTime: undefined, geoDataExif: { latitude: 48.8584, longitude: 2.2945 } });
    expect(r).toEqual({ sidecar: { uploadedAtMs: 1600598769000, gps: { lat: 48.8584, lon: 2.2945 }, title: sidecar.title }, ignored: [] });
  });

  it('ignores values of the wrong type or out of range, and says which', () => {
    const r = read({ title: 42, photoTakenTime: { timestamp: 'soon' }, geoData: { latitude: 123, longitude: 'NaN' }, geoDataExif: { latitude: 1e999, longitude: 0 } });
    expect(r).toEqual({
      sidecar: {},
      ignored: ['photoTakenTime is malformed', 'geoDataExif is malformed or out of range', 'geoData is malformed or out of range', 'the title is malformed'],
    });
    expect(read({ photoTakenTime: { timestamp: '99999999999' } })).toEqual({ sidecar: {}, ignored: ['photoTakenTime is out of range'] });
    expect(read({ photoTakenTime: { timestamp: '0' } })).toEqual({ sidecar: {}, ignored: [] });
  });

  it('keeps markup in a title as plain text, without control characters', () => {
    const r = read({ title: '<img src=x onerror=alert(1)>\u0007.jpg' });
    expect(r).toEqual({ sidecar: { title: '<img src=x onerror=alert(1)> .jpg' }, ignored: [] });
  });

  it('refuses text that is not a JSON object, or nested absurdly deep', () => {
    expect(read('{"title": "IMG')).toEqual({ error: 'it is not valid JSON' });
    expect(read('[1, 2]')).toEqual({ error: 'it is not a Takeout sidecar (not a JSON object)' });
    expect(read('"text"')).toEqual({ error: 'it is not a Takeout sidecar (not a JSON object)' });
    expect(read(`{"a":${'['.repeat(40)}${']'.repeat(40)}}`)).toEqual({ error: 'it is nested far deeper than a Takeout sidecar' });
    // Deep enough to overflow the parser's stack on some engines: refused either way, never thrown.
    const deep = `${'['.repeat(MAX_SIDECAR_BYTES / 2)}${']'.repeat(MAX_SIDECAR_BYTES / 2)}`;
    expect('error' in read(deep)).toBe(true);
  });
});

describe("a sidecar's title as the name shown", () => {
  it.each([
    ['Screenshot_2024-01-14-14-13-33-16_948cd9899890cb.jpg', 'Screenshot_2024-01-14-14-13-33-16_948cd9899890cbd5c2798760b2b95377.jpg', true],
    ['Screenshot_2024-01-14-14-13-33-16_948cd9899890cb(1).jpg', 'Screenshot_2024-01-14-14-13-33-16_948cd9899890cbd5c2798760b2b95377.jpg', true],
    ['IMG_1234.jpg', 'IMG_1234.jpg', false],
    ['IMG_1234(1).jpg', 'IMG_1234.jpg', false],
    ['IMG_1234-edited.jpg', 'IMG_1234.jpg', false],
    ['holiday.jpg', 'something else.jpg', false],
    ['IMG_12.jpg', 'IMG_1234.png', false],
    ['a.jpg', 'a/../../b.jpg', false],
    // A short name is the user's own, even when the title starts with it.
    ['beach.jpg', 'beach at sunset.jpg', false],
  ])('%s with title %s', (file, title, used) => {
    expect(titleAsName(file, title)).toBe(used ? title : null);
  });
});
