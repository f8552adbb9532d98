import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findMotionPhotoVideo, jpegXmp, motionOriginalId, movieDurationSec, pairLivePhotos, type NamedFile } from '../../../src/lib/core/live-photos';
import { ownerId } from '../../../src/lib/core/leftover-sweep';

const FIXTURES = new URL('../../fixtures/live/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

const files = (...paths: string[]): NamedFile[] => paths.map((path) => ({ path, name: path.slice(path.lastIndexOf('/') + 1) }));
const pairedNames = (list: NamedFile[]) => pairLivePhotos(list).map(({ still, motion }) => `${list[still].path} + ${list[motion].path}`);

describe('pairLivePhotos', () => {
  it.each([
    [['IMG_1234.HEIC', 'IMG_1234.MOV'], ['IMG_1234.HEIC + IMG_1234.MOV']],
    [['IMG_1234.JPG', 'IMG_1234.MOV'], ['IMG_1234.JPG + IMG_1234.MOV']],
    [['img_1234.heif', 'IMG_1234.mov'], ['img_1234.heif + IMG_1234.mov']],
    [['IMG_1234.jpeg', 'img_1234.MP4'], ['IMG_1234.jpeg + img_1234.MP4']],
    // Google Takeout: the motion comes out as .MP4, next to the JSON sidecars.
    [['Takeout/Photos/IMG_1234.HEIC', 'Takeout/Photos/IMG_1234.HEIC.json', 'Takeout/Photos/IMG_1234.MP4'], ['Takeout/Photos/IMG_1234.HEIC + Takeout/Photos/IMG_1234.MP4']],
    // The same name in two folders: two pairs, never across folders.
    [['a/IMG_1.JPG', 'b/IMG_1.MOV', 'b/IMG_1.JPG', 'a/IMG_1.MOV'], ['a/IMG_1.JPG + a/IMG_1.MOV', 'b/IMG_1.JPG + b/IMG_1.MOV']],
    [['a/IMG_1.JPG', 'b/IMG_1.MOV'], []],
    // An iPhone's HEIC and its "most compatible" JPEG: the HEIC pairs, the JPEG stays a photo; MOV before MP4.
    [['IMG_7.JPG', 'IMG_7.HEIC', 'IMG_7.MP4', 'IMG_7.MOV'], ['IMG_7.HEIC + IMG_7.MOV']],
    // Not a pair: other base names, an edited copy, other kinds, a name that is only an extension.
    [['IMG_1234.JPG', 'IMG_1235.MOV'], []],
    [['IMG_E1234.HEIC', 'IMG_1234.MOV'], []],
    [['IMG_1234.PNG', 'IMG_1234.MOV'], []],
    [['IMG_1234.JPG', 'IMG_1234.WEBM'], []],
    [['IMG_1234.JPG', 'IMG_1234.JPG.MOV'], []],
    [['.jpg', '.mov'], []],
    [['IMG_1234.MOV'], []],
    [['IMG_1234.JPG'], []],
  ])('%j pairs as %j', (paths, expected) => {
    expect(pairedNames(files(...paths))).toEqual(expected);
  });

  it('uses each file once among many', () => {
    const list = files(...Array.from({ length: 50 }, (_, i) => [`IMG_${i}.JPG`, `IMG_${i}.MOV`]).flat());
    const pairs = pairLivePhotos(list);
    expect(pairs).toHaveLength(50);
    expect(new Set(pairs.flatMap((p) => [p.still, p.motion])).size).toBe(100);
  });
});

describe('motionOriginalId', () => {
  it('is owned by the still, so the leftover sweep keeps it while the item exists', () => {
    expect(ownerId(motionOriginalId('abc-123'))).toBe('abc-123');
  });
});

// ------------------------------------------------------------------ ISO-BMFF boxes

function box(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setUint32(0, out.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(body, 8);
  return out;
}
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
function mvhd(version: 0 | 1, timescale: number, duration: number): Uint8Array {
  const body = new Uint8Array(version === 1 ? 108 : 96);
  const v = new DataView(body.buffer);
  body[0] = version;
  if (version === 1) {
    v.setUint32(20, timescale);
    v.setBigUint64(24, BigInt(duration));
  } else {
    v.setUint32(12, timescale);
    v.setUint32(16, duration);
  }
  return box('mvhd', body);
}
const ftyp = (brand = 'qt  ') => box('ftyp', new TextEncoder().encode(`${brand}\0\0\0\0${brand}`));
const reader = (bytes: Uint8Array) => async (offset: number, length: number) => bytes.slice(offset, offset + length);
const durationOf = (bytes: Uint8Array) => movieDurationSec(reader(bytes), bytes.length);

describe('movieDurationSec', () => {
  it('reads the fixture MOV (2 s)', async () => {
    expect(await durationOf(fixture('IMG_0101.MOV'))).toBeCloseTo(2, 1);
  });

  it.each([
    ['v0, moov after mdat', concat(ftyp(), box('mdat', new Uint8Array(1000)), box('moov', mvhd(0, 600, 1800))), 3],
    ['v1 (64-bit times)', concat(ftyp('isom'), box('moov', concat(box('trak', new Uint8Array(20)), mvhd(1, 1000, 41_500)))), 41.5],
  ])('%s', async (_, bytes, seconds) => {
    expect(await durationOf(bytes)).toBeCloseTo(seconds, 6);
  });

  it.each([
    ['no moov', concat(ftyp(), box('mdat', new Uint8Array(64)))],
    ['zero timescale', concat(ftyp(), box('moov', mvhd(0, 0, 100)))],
    ['a box larger than the file', (() => { const b = concat(ftyp(), box('moov', mvhd(0, 600, 600))); new DataView(b.buffer).setUint32(ftyp().length, 1 << 30); return b; })()],
    ['a box of size 4 (would loop)', (() => { const b = concat(ftyp(), box('moov', mvhd(0, 600, 600))); new DataView(b.buffer).setUint32(0, 4); return b; })()],
    ['mvhd cut short', concat(ftyp(), box('moov', box('mvhd', new Uint8Array(6))))],
    ['text', new TextEncoder().encode('not a movie at all, just some words in a file')],
    ['empty', new Uint8Array(0)],
  ])('%s: unknown', async (_, bytes) => {
    expect(await durationOf(bytes)).toBeNull();
  });
});

// ------------------------------------------------------------------ Motion Photos

const SOI = new Uint8Array([0xff, 0xd8]);
const EOI_SCAN = new Uint8Array([0xff, 0xda, 0x00, 0x02, 0xff, 0xd9]);
function app1Xmp(xmp: string): Uint8Array {
  const payload = new TextEncoder().encode(`http://ns.adobe.com/xap/1.0/\0${xmp}`);
  const head = new Uint8Array([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  return concat(head, payload);
}
const video = concat(ftyp('mp42'), box('moov', mvhd(0, 1000, 1500)));
const containerXmp = (length: number, semantic = 'MotionPhoto') =>
  `<x:xmpmeta><rdf:Description GCamera:MotionPhoto="1"><Container:Directory><rdf:Seq>` +
  `<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" Item:Length="0" Item:Padding="0"/></rdf:li>` +
  `<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="${semantic}" Item:Length="${length}"/></rdf:li>` +
  `</rdf:Seq></Container:Directory></rdf:Description></x:xmpmeta>`;
const microXmp = (offset: number | string) => `<x:xmpmeta><rdf:Description><GCamera:MicroVideo>1</GCamera:MicroVideo><GCamera:MicroVideoOffset>${offset}</GCamera:MicroVideoOffset></rdf:Description></x:xmpmeta>`;
const motionJpeg = (xmp: string, tail = video) => concat(SOI, app1Xmp(xmp), EOI_SCAN, tail);

describe('findMotionPhotoVideo', () => {
  it('finds the MP4 of the fixture Motion Photo (made by exiftool and ffmpeg)', async () => {
    const bytes = fixture('PXL_0103.MP.jpg');
    const found = findMotionPhotoVideo(bytes);
    expect(found?.via).toBe('container');
    expect(found!.offsetBytes + found!.sizeBytes).toBe(bytes.length);
    const mp4 = bytes.slice(found!.offsetBytes);
    expect(new TextDecoder().decode(mp4.subarray(4, 8))).toBe('ftyp');
    expect(await durationOf(mp4)).toBeCloseTo(2, 1);
  });

  it('reads Container:Directory items written as attributes or elements', () => {
    const bytes = motionJpeg(containerXmp(video.length));
    expect(findMotionPhotoVideo(bytes)).toEqual({ offsetBytes: bytes.length - video.length, sizeBytes: video.length, via: 'container' });
    const elements = containerXmp(video.length).replace(/<Container:Item Item:Mime="video\/mp4" Item:Semantic="MotionPhoto" Item:Length="(\d+)"\/>/, '<Container:Item><Item:Semantic>MotionPhoto</Item:Semantic><Item:Length>$1</Item:Length></Container:Item>');
    expect(findMotionPhotoVideo(motionJpeg(elements))?.sizeBytes).toBe(video.length);
  });

  it('counts back over an item that follows the video, and its padding', () => {
    const gainMap = new Uint8Array(40).fill(7);
    const xmp = containerXmp(video.length).replace('</rdf:Seq>', `<rdf:li><Container:Item Item:Semantic="GainMap" Item:Length="40"/></rdf:li></rdf:Seq>`).replace(`Item:Length="${video.length}"`, `Item:Length="${video.length}" Item:Padding="4"`);
    const bytes = motionJpeg(xmp, concat(video, new Uint8Array(4), gainMap));
    expect(findMotionPhotoVideo(bytes)).toMatchObject({ offsetBytes: bytes.length - 40 - 4 - video.length, sizeBytes: video.length });
  });

  it('reads the older MicroVideo offset (bytes from the video to the end)', () => {
    const bytes = motionJpeg(microXmp(video.length));
    expect(findMotionPhotoVideo(bytes)).toEqual({ offsetBytes: bytes.length - video.length, sizeBytes: video.length, via: 'micro-video' });
  });

  it.each([
    ['an offset past the start of the file', microXmp(10_000_000)],
    ['an offset that lands inside the JPEG', microXmp(video.length + 20)],
    ['a zero offset', microXmp(0)],
    ['a negative offset', microXmp(-16)],
    ['a fractional offset', microXmp('12.5')],
    ['a huge number', microXmp('1e300')],
    ['not a number', microXmp('<script>')],
    ['a length longer than the file', containerXmp(10_000_000)],
    ['a length that misses the ftyp box by one byte', containerXmp(video.length - 1)],
    ['no MotionPhoto item', containerXmp(video.length, 'GainMap')],
    ['MotionPhoto="0"', containerXmp(video.length).replace('MotionPhoto="1"', 'MotionPhoto="0"')],
  ])('refuses %s', (_, xmp) => {
    expect(findMotionPhotoVideo(motionJpeg(xmp))).toBeNull();
  });

  it('refuses an MP4 whose ftyp box claims to run past the file', () => {
    const lying = video.slice();
    new DataView(lying.buffer).setUint32(0, 1 << 20);
    expect(findMotionPhotoVideo(motionJpeg(microXmp(lying.length), lying))).toBeNull();
  });

  it('finds nothing in a plain JPEG, a PNG, a truncated segment or endless segments', () => {
    expect(findMotionPhotoVideo(fixture('IMG_0101.JPG'))).toBeNull();
    expect(findMotionPhotoVideo(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBeNull();
    const cut = motionJpeg(microXmp(video.length)).slice(0, 30);
    expect(jpegXmp(cut)).toBeNull();
    // Thousands of empty APP2 segments before the XMP: the walk gives up rather than read on.
    const many = concat(SOI, ...Array.from({ length: 5000 }, () => new Uint8Array([0xff, 0xe2, 0, 2])), app1Xmp(microXmp(video.length)), EOI_SCAN, video);
    expect(findMotionPhotoVideo(many)).toBeNull();
  });
});
