/**
 * Live Photos and Motion Photos: a still with a few seconds of motion, kept as ONE item.
 *
 * Apple Live Photo: the phone writes `IMG_1234.HEIC` (or `.JPG`) and `IMG_1234.MOV` side by side;
 * Google Takeout exports the motion as `IMG_1234.MP4`. Pairing here is by base name
 * (case-insensitive) in the same folder of the same drop. Apple's content identifier
 * (MakerNotes/XMP `ContentIdentifier` = the MOV's `com.apple.quicktime.content.identifier`) is not
 * read: exifr keeps Apple's MakerNote opaque and the MOV's `meta` keys would need a second parser,
 * while every export path (Image Capture, Photos, AirDrop, Takeout) keeps the shared base name.
 * A motion file must also say, in its own `mvhd` box, that it is short (≤ LIVE_MOTION_MAX_SEC):
 * `IMG_0042.JPG` beside a real 40-second `IMG_0042.MOV` stays two items.
 *
 * Android Motion Photo: one JPEG with an MP4 appended. Its XMP says where the MP4 starts, either
 * `GCamera:MotionPhoto="1"` with a `Container:Directory` whose MotionPhoto item gives the video's
 * length (Motion Photo format 1.0: items follow the primary image in order, each item's bytes end
 * where the next one's begin after the item's padding, the last ends at the end of the file), or the
 * older `GCamera:MicroVideo="1"` with `GCamera:MicroVideoOffset` = bytes from the video's start to
 * the end of the file. An offset is trusted only when it lies inside the file, after the JPEG's
 * own start, and the bytes there open an ISO-BMFF `ftyp` box that fits in what follows.
 *
 * Storage (see `ItemMotion` in records.ts): a Live Photo's motion file is a second original stored
 * under `motionOriginalId(assetId)` (`<assetId>#motion`, so the leftover sweep counts it as the
 * item's); a Motion Photo's video stays inside the still's own original and is served as a slice of it.
 * Neither is a timeline item or indexed as a video: the still is what is shown and searched.
 */

/** Longest motion file that pairs with a still, seconds: Live Photos last about 3 s. */
export const LIVE_MOTION_MAX_SEC = 5;

const STILL_EXTENSIONS = ['heic', 'heif', 'jpg', 'jpeg'];
const MOTION_EXTENSIONS = ['mov', 'mp4'];

/** The stored original of a Live Photo's motion file: owned by the asset (`ownerId` reads up to `#`). */
export const motionOriginalId = (assetId: string): string => `${assetId}#motion`;

/** A file of a drop as pairing sees it: its name and its path inside the drop (the name for a loose file). */
export interface NamedFile {
  name: string;
  path: string;
}

/** A still and the motion file that may go with it, as indexes into the list given. */
export interface LivePair {
  still: number;
  motion: number;
}

function splitName(file: NamedFile): { folder: string; base: string; ext: string } | null {
  const slash = file.path.lastIndexOf('/');
  const folder = slash < 0 ? '' : file.path.slice(0, slash);
  const dot = file.name.lastIndexOf('.');
  if (dot <= 0) return null;
  return { folder, base: file.name.slice(0, dot).toLowerCase(), ext: file.name.slice(dot + 1).toLowerCase() };
}

/**
 * Stills and motion files with the same base name in the same folder, each file in one pair at
 * most. When several of a kind share a name, the order of the extension lists decides (HEIC before
 * JPEG: an iPhone's "most compatible" copy stays a photo of its own; MOV before MP4).
 */
export function pairLivePhotos(files: readonly NamedFile[]): LivePair[] {
  const groups = new Map<string, { still: number; stillRank: number; motion: number; motionRank: number }>();
  files.forEach((file, i) => {
    const parts = splitName(file);
    if (!parts) return;
    const stillRank = STILL_EXTENSIONS.indexOf(parts.ext);
    const motionRank = MOTION_EXTENSIONS.indexOf(parts.ext);
    if (stillRank < 0 && motionRank < 0) return;
    const key = `${parts.folder}\u0000${parts.base}`;
    const g = groups.get(key) ?? { still: -1, stillRank: Infinity, motion: -1, motionRank: Infinity };
    if (stillRank >= 0 && stillRank < g.stillRank) Object.assign(g, { still: i, stillRank });
    if (motionRank >= 0 && motionRank < g.motionRank) Object.assign(g, { motion: i, motionRank });
    groups.set(key, g);
  });
  const pairs: LivePair[] = [];
  for (const g of groups.values()) if (g.still >= 0 && g.motion >= 0) pairs.push({ still: g.still, motion: g.motion });
  return pairs.sort((a, b) => a.still - b.still);
}

// ------------------------------------------------------------------ ISO-BMFF

/** Reads `lengthBytes` from `offsetBytes` (fewer at the end of the file). */
export type ReadBytes = (offsetBytes: number, lengthBytes: number) => Promise<Uint8Array>;

/** Top-level boxes looked at before giving up: a real MOV/MP4 has a handful before `moov`. */
const MAX_BOXES = 64;

const ascii4 = (b: Uint8Array, at: number): string => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
const u32 = (b: Uint8Array, at: number): number => ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
const u64 = (b: Uint8Array, at: number): number => u32(b, at) * 2 ** 32 + u32(b, at + 4);

interface BoxHeader {
  type: string;
  /** Whole box, header included. */
  sizeBytes: number;
  headerBytes: number;
}

/** The box header at the start of `b`, or null when it is malformed or runs past `limitBytes`. */
function boxHeader(b: Uint8Array, limitBytes: number): BoxHeader | null {
  if (b.length < 8) return null;
  let sizeBytes = u32(b, 0);
  let headerBytes = 8;
  if (sizeBytes === 1) {
    if (b.length < 16) return null;
    sizeBytes = u64(b, 8);
    headerBytes = 16;
  } else if (sizeBytes === 0) sizeBytes = limitBytes;
  if (sizeBytes < headerBytes || sizeBytes > limitBytes) return null;
  return { type: ascii4(b, 4), sizeBytes, headerBytes };
}

/**
 * A MOV/MP4's duration from its movie header (`moov/mvhd`, ISO/IEC 14496-12 §8.2.2), in seconds,
 * reading only box headers; null when the file does not say (no `moov`, a malformed box, a zero
 * timescale). Every box must fit inside its parent, so no offset can point outside the file.
 */
export async function movieDurationSec(read: ReadBytes, sizeBytes: number): Promise<number | null> {
  let at = 0;
  for (let n = 0; n < MAX_BOXES && at + 8 <= sizeBytes; n++) {
    const box = boxHeader(await read(at, 16), sizeBytes - at);
    if (!box) return null;
    if (box.type === 'moov') {
      const end = at + box.sizeBytes;
      let child = at + box.headerBytes;
      for (let m = 0; m < MAX_BOXES && child + 8 <= end; m++) {
        const head = await read(child, 40);
        const inner = boxHeader(head, end - child);
        if (!inner) return null;
        if (inner.type === 'mvhd') {
          const body = head.subarray(inner.headerBytes);
          const version = body[0];
          const need = version === 1 ? 32 : 20;
          if (body.length < need || inner.sizeBytes - inner.headerBytes < need) return null;
          const timescale = version === 1 ? u32(body, 20) : u32(body, 12);
          const duration = version === 1 ? u64(body, 24) : u32(body, 16);
          return timescale > 0 ? duration / timescale : null;
        }
        child += inner.sizeBytes;
      }
      return null;
    }
    at += box.sizeBytes;
  }
  return null;
}

// ------------------------------------------------------------------ Motion Photo

/** Where a Motion Photo's video lies inside its JPEG. */
export interface EmbeddedVideo {
  offsetBytes: number;
  sizeBytes: number;
  /** Which XMP convention located it. */
  via: 'container' | 'micro-video';
}

const XMP_HEADER = 'http://ns.adobe.com/xap/1.0/\u0000';
/** APP1 segments looked at: a JPEG has a few; a hostile one could chain thousands. */
const MAX_SEGMENTS = 64;

/** The JPEG's XMP packet text (standard XMP in APP1), or null; walks markers only up to the scan data. */
export function jpegXmp(bytes: Uint8Array): string | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let at = 2;
  for (let n = 0; n < MAX_SEGMENTS && at + 4 <= bytes.length; n++) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    // Start of scan or end of image: metadata segments all come before.
    if (marker === 0xda || marker === 0xd9) return null;
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (length < 2 || at + 2 + length > bytes.length) return null;
    if (marker === 0xe1 && length > 2 + XMP_HEADER.length) {
      const head = new TextDecoder('latin1').decode(bytes.subarray(at + 4, at + 4 + XMP_HEADER.length));
      if (head === XMP_HEADER) return new TextDecoder().decode(bytes.subarray(at + 4 + XMP_HEADER.length, at + 2 + length));
    }
    at += 2 + length;
  }
  return null;
}

/** A property's value, written as an attribute (`ns:Name="v"`) or an element (`<ns:Name>v</ns:Name>`). */
function xmpProperty(text: string, qualifiedName: string): string | null {
  const name = qualifiedName.replace(':', '\\:');
  const m = new RegExp(`${name}\\s*=\\s*["']([^"']*)["']|<${name}>([^<]*)</${name}>`).exec(text);
  return m ? (m[1] ?? m[2]).trim() : null;
}

/** A non-negative whole number written in decimal, or null. */
function wholeNumber(value: string | null): number | null {
  if (value === null || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}

/** `at` begins an ISO-BMFF file inside `bytes`: an `ftyp` box that fits before `end`. */
function startsIsoBmff(bytes: Uint8Array, at: number, end: number): boolean {
  if (!Number.isInteger(at) || at < 2 || at + 8 > end || end > bytes.length) return false;
  const size = u32(bytes, at);
  return ascii4(bytes, at + 4) === 'ftyp' && size >= 8 && at + size <= end;
}

/** Offsets of the Container:Directory's MotionPhoto item, counted back from the end of the file. */
function containerVideo(xmp: string, fileBytes: number): { offsetBytes: number; sizeBytes: number } | null {
  const directory = /<Container:Directory>([\s\S]*?)<\/Container:Directory>/.exec(xmp);
  if (!directory) return null;
  const items = directory[1].split(/<rdf:li\b/).slice(1);
  let end = fileBytes;
  // From the last item back: each ends where the next begins, less its padding.
  for (let i = items.length - 1; i >= 1; i--) {
    const length = wholeNumber(xmpProperty(items[i], 'Item:Length'));
    const padding = wholeNumber(xmpProperty(items[i], 'Item:Padding')) ?? 0;
    if (length === null || length + padding > end) return null;
    if (i < items.length - 1) end -= padding;
    const start = end - length;
    if (xmpProperty(items[i], 'Item:Semantic') === 'MotionPhoto') return { offsetBytes: start, sizeBytes: length };
    end = start;
  }
  return null;
}

/**
 * The MP4 inside an Android Motion Photo, from its XMP; null when the JPEG is not one, or when
 * what its XMP says does not point at an MP4 inside this file (a hostile or damaged offset).
 */
export function findMotionPhotoVideo(bytes: Uint8Array): EmbeddedVideo | null {
  const xmp = jpegXmp(bytes);
  if (!xmp) return null;
  const size = bytes.length;
  if (xmpProperty(xmp, 'GCamera:MotionPhoto') === '1') {
    const found = containerVideo(xmp, size);
    if (found && startsIsoBmff(bytes, found.offsetBytes, found.offsetBytes + found.sizeBytes)) return { ...found, via: 'container' };
  }
  if (xmpProperty(xmp, 'GCamera:MicroVideo') === '1') {
    const fromEnd = wholeNumber(xmpProperty(xmp, 'GCamera:MicroVideoOffset'));
    if (fromEnd !== null && fromEnd <= size && startsIsoBmff(bytes, size - fromEnd, size)) return { offsetBytes: size - fromEnd, sizeBytes: fromEnd, via: 'micro-video' };
  }
  return null;
}
