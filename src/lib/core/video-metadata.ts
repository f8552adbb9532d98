/**
 * When and where a video was recorded, from its container: MP4/MOV (ISO/IEC 14496-12 boxes,
 * Apple's QuickTime File Format) and WebM/Matroska (EBML, RFC 9559).
 *
 * Date, most trusted first:
 *   1. QuickTime `com.apple.quicktime.creationdate` (moov/meta keys + ilst): ISO 8601 with the
 *      phone's UTC offset, "2019-07-14T12:00:00+0200" (iPhones write it);
 *   2. `©day` (moov/udta or its ilst) when it carries an offset;
 *   3. `mvhd` creation_time: seconds since 1904-01-01 UTC (what `ffmpeg -metadata creation_time=`
 *      and Android phones write); 0 (1904) and 2082844800 (1970, a Unix zero written as if it
 *      were one) are unset clocks;
 *   4. Matroska's Info/DateUTC: ns since 2001-01-01 UTC.
 * An offset of "Z" is read as an instant only: it says nothing of the clock where it was filmed.
 * Position: `com.apple.quicktime.location.ISO6709`, else udta `©xyz` (ISO 6709 text, Android and
 * ffmpeg's MOV), else udta `loci` (3GPP TS 26.244 §8.2.5, ffmpeg's MP4), else Matroska's LOCATION
 * tag; 0, 0 is "no fix".
 *
 * mediabunny 1.61 (the video worker's demuxer) was checked first: its `getMetadataTags()` gives
 * udta and ilst strings raw but parses dates with `new Date` (losing the offset), skips mvhd's
 * creation_time and Matroska's DateUTC, and gives `loci` as bytes; so this small reader, which
 * also runs in the import worker without loading the demuxer.
 *
 * Pure: bytes come through `read(offset, length)`, so a large video is never read whole; only the
 * `moov` box (or Matroska's Info and Tags) is. Every value is checked: the file may be hostile.
 */
import { parseOffsetMin, plausibleTakenAt, type MetadataDate, type PhotoMetadata, type GpsPosition } from './photo-metadata';

export type ReadBytes = (offsetBytes: number, lengthBytes: number) => Promise<Uint8Array>;

/** A `moov` larger than this is read only this far (its mvhd comes first; an hour of video has ~1 MB). */
const MAX_MOOV_BYTES = 16 * 1024 * 1024;
/** Top-level boxes or Matroska elements walked before giving up (a fragmented MP4 has many). */
const MAX_TOP_LEVEL = 4096;
/** Matroska Info and Tags read at most this far. */
const MAX_EBML_ELEMENT_BYTES = 1024 * 1024;
/** Seconds from 1904-01-01 (QuickTime's epoch) to 1970-01-01. */
const QUICKTIME_EPOCH_S = 2_082_844_800;
/** Matroska's epoch, 2001-01-01T00:00:00Z, in ms since 1970. */
const MATROSKA_EPOCH_MS = Date.UTC(2001, 0, 1);
/** Videos recorded before this are not told apart from unset clocks (1904, 1970). */
const EARLIEST_VIDEO_YEAR = 1971;
const MAX_TEXT_CHARS = 64;

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));
const utf8 = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: false }).decode(b).replace(/\0+$/, '');

/** What the walk found, before choosing. */
interface Found {
  creationDate?: string;
  day?: string;
  mvhdSeconds?: number;
  matroskaDateMs?: number;
  iso6709?: string;
  xyz?: string;
  loci?: GpsPosition | null;
  matroskaLocation?: string;
}

interface Box {
  type: string;
  /** Start of the content inside `bytes`. */
  start: number;
  end: number;
}

/** The boxes inside `bytes[from, to)`, cut to what is there. */
function* boxes(bytes: Uint8Array, from: number, to: number): Generator<Box> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = from;
  while (at + 8 <= to) {
    let size = view.getUint32(at);
    const type = ascii(bytes, at + 4, 4);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) return;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header) return;
    const end = Math.min(to, at + size);
    yield { type, start: at + header, end };
    at += size;
  }
}

/** A `data` box's text (type 1, UTF-8) inside an ilst entry. */
function dataText(bytes: Uint8Array, entry: Box): string | undefined {
  for (const b of boxes(bytes, entry.start, entry.end)) {
    if (b.type !== 'data' || b.end - b.start < 8) continue;
    const kind = new DataView(bytes.buffer, bytes.byteOffset + b.start, 4).getUint32(0) & 0xffffff;
    if (kind === 1) return utf8(bytes.subarray(b.start + 8, Math.min(b.end, b.start + 8 + MAX_TEXT_CHARS * 4)));
  }
  return undefined;
}

/** QuickTime `meta`: `keys` names the `ilst` entries by index; iTunes-style ilst names them by type. */
function readMeta(bytes: Uint8Array, meta: Box, found: Found): void {
  // ISO `meta` is a full box (4 bytes of version and flags before its children); QuickTime's is not.
  const first = meta.start + 4 <= meta.end ? ascii(bytes, meta.start + 4, 4) : '';
  const start = first === 'hdlr' || first === 'keys' || first === 'ilst' ? meta.start : meta.start + 4;
  const keys: string[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const b of boxes(bytes, start, meta.end)) {
    if (b.type === 'keys' && b.start + 8 <= b.end) {
      const count = view.getUint32(b.start + 4);
      let at = b.start + 8;
      for (let i = 0; i < count && at + 8 <= b.end; i++) {
        const size = view.getUint32(at);
        if (size < 8) break;
        keys[i + 1] = ascii(bytes, at + 8, Math.min(size - 8, b.end - at - 8, 128));
        at += size;
      }
    }
    if (b.type !== 'ilst') continue;
    for (const entry of boxes(bytes, b.start, b.end)) {
      const index = view.getUint32(entry.start - 4);
      const name = keys[index] ?? entry.type;
      if (name === 'com.apple.quicktime.creationdate') found.creationDate ??= dataText(bytes, entry);
      else if (name === 'com.apple.quicktime.location.ISO6709') found.iso6709 ??= dataText(bytes, entry);
      else if (name === '©day') found.day ??= dataText(bytes, entry);
      else if (name === '©xyz') found.xyz ??= dataText(bytes, entry);
    }
  }
}

/** A udta "international text" box: 2 bytes of length, 2 of language, then the text. */
function shortText(bytes: Uint8Array, b: Box): string | undefined {
  if (b.end - b.start < 4) return undefined;
  const length = new DataView(bytes.buffer, bytes.byteOffset + b.start, 2).getUint16(0);
  return utf8(bytes.subarray(b.start + 4, Math.min(b.end, b.start + 4 + length, b.start + 4 + MAX_TEXT_CHARS * 4)));
}

/** 3GPP `loci`: version/flags, language, a name (NUL-ended), role, then 16.16 fixed longitude, latitude, altitude. */
function lociPosition(bytes: Uint8Array, b: Box): GpsPosition | null {
  let at = b.start + 6;
  while (at < b.end && bytes[at] !== 0) at++;
  at += 2; // the NUL, the role
  if (at + 8 > b.end) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { lon: view.getInt32(at) / 65536, lat: view.getInt32(at + 4) / 65536 };
}

function readMoov(bytes: Uint8Array, from: number, to: number, found: Found): void {
  for (const b of boxes(bytes, from, to)) {
    if (b.type === 'mvhd' && b.end - b.start >= 12) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + b.start, b.end - b.start);
      found.mvhdSeconds ??= view.getUint8(0) === 1 ? Number(view.getBigUint64(4)) : view.getUint32(4);
    } else if (b.type === 'udta') {
      for (const u of boxes(bytes, b.start, b.end)) {
        if (u.type === '©xyz') found.xyz ??= shortText(bytes, u);
        else if (u.type === '©day') found.day ??= shortText(bytes, u);
        else if (u.type === 'loci') found.loci ??= lociPosition(bytes, u);
        else if (u.type === 'meta') readMeta(bytes, u, found);
      }
    } else if (b.type === 'meta') readMeta(bytes, b, found);
  }
}

/** Reads an ISO BMFF file's top-level boxes until `moov`, then the metadata inside it. */
async function readIsoBmff(read: ReadBytes, sizeBytes: number, found: Found): Promise<void> {
  let at = 0;
  for (let n = 0; n < MAX_TOP_LEVEL && at + 8 <= sizeBytes; n++) {
    const head = await read(at, 16);
    if (head.length < 8) return;
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    let size = view.getUint32(0);
    const type = ascii(head, 4, 4);
    let header = 8;
    if (size === 1 && head.length >= 16) {
      size = Number(view.getBigUint64(8));
      header = 16;
    } else if (size === 0) size = sizeBytes - at;
    if (size < header) return;
    if (type === 'moov') {
      const moov = await read(at + header, Math.min(size - header, MAX_MOOV_BYTES, sizeBytes - at - header));
      readMoov(moov, 0, moov.length, found);
      return;
    }
    at += size;
  }
}

/** An EBML variable-length integer at `at`: its value (marker bit cleared unless `keepMarker`) and length. */
function vint(b: Uint8Array, at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | null {
  const first = b[at];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (length > 8 || at + length > b.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i]!;
    if (b[at + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

interface Element {
  id: number;
  /** Start of the data, relative to the buffer read. */
  start: number;
  /** Data size; Infinity when unknown (a live stream). */
  size: number;
}

function element(b: Uint8Array, at: number): Element | null {
  const id = vint(b, at, true);
  if (!id) return null;
  const size = vint(b, at + id.length, false);
  if (!size) return null;
  return { id: id.value, start: at + id.length + size.length, size: size.unknown ? Infinity : size.value };
}

function* children(b: Uint8Array, from: number, to: number): Generator<Element> {
  let at = from;
  while (at < to) {
    const e = element(b, at);
    if (!e || !Number.isFinite(e.size)) return;
    yield e;
    at = e.start + e.size;
  }
}

const EBML = { header: 0x1a45dfa3, segment: 0x18538067, info: 0x1549a966, dateUtc: 0x4461, tags: 0x1254c367, tag: 0x7373, simpleTag: 0x67c8, tagName: 0x45a3, tagString: 0x4487 };

function readMatroskaTags(b: Uint8Array, found: Found): void {
  for (const tag of children(b, 0, b.length)) {
    if (tag.id !== EBML.tag) continue;
    for (const simple of children(b, tag.start, tag.start + tag.size)) {
      if (simple.id !== EBML.simpleTag) continue;
      let name = '';
      let value = '';
      for (const f of children(b, simple.start, simple.start + simple.size)) {
        const text = utf8(b.subarray(f.start, Math.min(f.start + f.size, f.start + MAX_TEXT_CHARS * 4)));
        if (f.id === EBML.tagName) name = text.toUpperCase();
        else if (f.id === EBML.tagString) value = text;
      }
      if (name === 'LOCATION' || name === 'RECORDING_LOCATION') found.matroskaLocation ??= value;
    }
  }
}

/** Walks a Matroska Segment's top-level elements for Info (DateUTC) and Tags (LOCATION). */
async function readMatroska(read: ReadBytes, sizeBytes: number, found: Found): Promise<void> {
  const head = await read(0, 64);
  const ebml = element(head, 0);
  if (!ebml || ebml.id !== EBML.header) return;
  const segAt = ebml.start + ebml.size;
  const segHead = await read(segAt, 16);
  const segment = element(segHead, 0);
  if (!segment || segment.id !== EBML.segment) return;
  let at = segAt + segment.start;
  const end = Number.isFinite(segment.size) ? Math.min(sizeBytes, at + segment.size) : sizeBytes;
  for (let n = 0; n < MAX_TOP_LEVEL && at < end; n++) {
    const e = element(await read(at, 16), 0);
    if (!e || !Number.isFinite(e.size)) return;
    if (e.id === EBML.info || e.id === EBML.tags) {
      const body = await read(at + e.start, Math.min(e.size, MAX_EBML_ELEMENT_BYTES));
      if (e.id === EBML.tags) readMatroskaTags(body, found);
      else {
        for (const f of children(body, 0, body.length)) {
          if (f.id !== EBML.dateUtc || f.size !== 8) continue;
          const ns = new DataView(body.buffer, body.byteOffset + f.start, 8).getBigInt64(0);
          found.matroskaDateMs ??= MATROSKA_EPOCH_MS + Number(ns / 1_000_000n);
        }
      }
    }
    at += e.start + e.size;
  }
}

/** ISO 8601 date-time with seconds and an optional zone, as written by phones and ffmpeg. */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A container date string; `withOffset` when the string gave a numeric UTC offset. */
function isoDate(text: string | undefined, nowMs: number, ignored: string[], label: string): MetadataDate | undefined {
  if (!text) return undefined;
  const m = ISO_DATE_TIME.exec(text.trim().slice(0, MAX_TEXT_CHARS));
  if (!m || m[7] === undefined) {
    // A date without a zone (or a year alone) is not placed in time: not used.
    if (!m && !/^\d{4}$/.test(text.trim())) ignored.push(`${label} is malformed`);
    return undefined;
  }
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  const offsetMin = parseOffsetMin(m[7]);
  if (offsetMin === undefined || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    ignored.push(`${label} is malformed`);
    return undefined;
  }
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - offsetMin * 60_000;
  if (!plausibleTakenAt(ms, nowMs, EARLIEST_VIDEO_YEAR)) {
    ignored.push(`${label} (year ${y}) is out of range`);
    return undefined;
  }
  return { ms, source: 'video-metadata', ...(m[7] === 'Z' ? {} : { offsetMin }) };
}

/** An instant from a clock that counts from an epoch; unset clocks (before 1971) give nothing. */
function instant(ms: number | undefined, nowMs: number, ignored: string[], label: string): MetadataDate | undefined {
  if (ms === undefined || ms <= Date.UTC(EARLIEST_VIDEO_YEAR, 0, 1)) return undefined;
  if (!plausibleTakenAt(ms, nowMs, EARLIEST_VIDEO_YEAR)) {
    ignored.push(`${label} is in the future`);
    return undefined;
  }
  return { ms, source: 'video-metadata' };
}

/** Integer-degree digits of ISO 6709 latitude (2) and longitude (3): ±DD.D, ±DDMM.M, ±DDMMSS.S. */
function iso6709Degrees(text: string, degreeDigits: number): number {
  const sign = text[0] === '-' ? -1 : 1;
  const body = text.slice(1);
  const whole = body.split('.')[0]!.length;
  const n = Number(body);
  if (!Number.isFinite(n)) return NaN;
  if (whole === degreeDigits) return sign * n;
  if (whole === degreeDigits + 2) return sign * (Math.trunc(n / 100) + (n % 100) / 60);
  if (whole === degreeDigits + 4) return sign * (Math.trunc(n / 10000) + (Math.trunc(n / 100) % 100) / 60 + (n % 100) / 3600);
  return NaN;
}

/** "+38.7223-009.1393+010.000/" (ISO 6709, decimal or sexagesimal) as a position, null when malformed. */
export function parseIso6709(text: string): GpsPosition | null {
  const m = /^([+-][\d.]+)([+-][\d.]+)(?:[+-][\d.]+)?(?:CRS[^/]*)?\/?$/.exec(text.trim().slice(0, MAX_TEXT_CHARS));
  if (!m) return null;
  const lat = iso6709Degrees(m[1]!, 2);
  const lon = iso6709Degrees(m[2]!, 3);
  return Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon } : null;
}

function positionOf(found: Found, ignored: string[]): GpsPosition | undefined {
  const texts = [found.iso6709, found.xyz, found.matroskaLocation].filter((t): t is string => !!t);
  const candidates = [...texts.map(parseIso6709), ...(found.loci !== undefined ? [found.loci] : [])];
  if (candidates.length === 0) return undefined;
  const p = candidates[0];
  if (!p || Math.abs(p.lat) > 90 || Math.abs(p.lon) > 180) {
    ignored.push("the video's location is malformed or out of range");
    return undefined;
  }
  return p.lat === 0 && p.lon === 0 ? undefined : p;
}

/**
 * The date and place a video's container records; empty for other files. Never throws: a damaged
 * or hostile container gives what could be read and a note.
 */
export async function readVideoMetadata(read: ReadBytes, sizeBytes: number, nowMs: number): Promise<PhotoMetadata> {
  const found: Found = {};
  const ignored: string[] = [];
  try {
    const head = await read(0, 12);
    if (head.length >= 4 && new DataView(head.buffer, head.byteOffset).getUint32(0) === EBML.header) await readMatroska(read, sizeBytes, found);
    else if (head.length >= 8 && /^(ftyp|moov|mdat|free|skip|wide|pnot)$/.test(ascii(head, 4, 4))) await readIsoBmff(read, sizeBytes, found);
  } catch {
    ignored.push("the video's metadata is damaged");
  }
  const takenAt =
    isoDate(found.creationDate, nowMs, ignored, "the video's creation date") ??
    isoDate(found.day, nowMs, ignored, "the video's date") ??
    instant(found.mvhdSeconds === undefined || found.mvhdSeconds === 0 ? undefined : (found.mvhdSeconds - QUICKTIME_EPOCH_S) * 1000, nowMs, ignored, "the video's creation time") ??
    instant(found.matroskaDateMs, nowMs, ignored, "the video's date");
  const gps = positionOf(found, ignored);
  return { ...(takenAt ? { takenAt } : {}), ...(gps ? { gps } : {}), ignored };
}
