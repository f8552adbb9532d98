/**
 * What a photo's own metadata says about it: when it was taken (with the UTC offset when the
 * camera wrote one), where (GPS) and with what (camera make, model, lens). Pure interpretation of
 * the plain object an EXIF/XMP reader returns (exifr with `mergeOutput: false`, `reviveValues:
 * false`: blocks `ifd0`, `exif`, `gps`, `xmp`, `photoshop` of raw strings and numbers), so every
 * value is checked here: the file may be damaged or hostile, and a bad value is ignored, never
 * thrown.
 *
 * Date taken, most trusted first (EXIF 2.32 §4.6.5, XMP Specification Part 2 §3.2):
 *   1. EXIF DateTimeOriginal + OffsetTimeOriginal
 *   2. EXIF CreateDate (DateTimeDigitized) + OffsetTimeDigitized, else OffsetTime
 *   3. XMP photoshop:DateCreated, then xmp:CreateDate (ISO 8601, offset optional)
 *   4. GPS GPSDateStamp + GPSTimeStamp, which are UTC by definition
 * EXIF dates carry no zone of their own: without an offset tag the wall-clock time is read as
 * the device's local time (what the camera's clock most likely showed where the photo is viewed).
 */

import { safeName } from './display-name';
import type { TakenAtSource } from './records';

/** Stored on a photo whose metadata was read (`AssetRecord.metadataVersion`); raise it to read every photo again. */
export const PHOTO_METADATA_VERSION = 1;

/** A date taken as read: the instant, and the UTC offset of the camera's clock when known. */
export interface MetadataDate {
  ms: number;
  source: 'exif' | 'xmp' | 'gps-time' | 'video-metadata';
  /** Minutes east of UTC the camera's clock was set to (+120 for "+02:00"). */
  offsetMin?: number;
}

export interface Camera {
  make?: string;
  model?: string;
  lens?: string;
}

export interface GpsPosition {
  /** Degrees, −90…90, north positive. */
  lat: number;
  /** Degrees, −180…180, east positive. */
  lon: number;
}

export interface PhotoMetadata {
  takenAt?: MetadataDate;
  gps?: GpsPosition;
  camera?: Camera;
  /**
   * Values present but refused (out of range, malformed) and damaged parts of the block, each a
   * clause the import shows ({@link metadataNote}): "the date taken 9999:12:31 23:59:59 in its
   * EXIF was ignored (year 9999 is out of range)". Values from the file appear as plain text.
   */
  ignored: string[];
}

/** Longest value from a file quoted in a note; a longer one is cut with "…". */
const MAX_QUOTED_CHARS = 40;

/** A value from the file as a note quotes it: visible characters only, cut to length. */
export function quotedValue(v: unknown): string {
  const text = safeName(typeof v === 'string' ? v.slice(0, MAX_QUOTED_CHARS * 4) : String(v)).replace(/\s+/g, ' ').trim();
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
}

/** What an item's date came from when its metadata gave none, as a note says it. */
const FALLBACK_DATE: Partial<Record<TakenAtSource, string>> = {
  'file-name': 'the date in its file name',
  'file-modified': "the file's date",
  added: 'the date it was added',
};

/**
 * The import's note for a photo whose metadata held values it ignored, or undefined when nothing
 * was ignored: the clauses, then the date the photo was given instead when its metadata gave none
 * ("…; using the file's date").
 */
export function metadataNote(ignored: readonly string[], takenAtSource: TakenAtSource): string | undefined {
  if (ignored.length === 0) return undefined;
  const fallback = FALLBACK_DATE[takenAtSource];
  return [...ignored, ...(fallback ? [`using ${fallback}`] : [])].join('; ');
}

/** Cameras are older than this only in scans; year 0 and 1970 defaults are unset clocks. */
const EARLIEST_YEAR = 1900;
/** A date more than a day ahead of the clock is a camera with its clock wrong. */
const FUTURE_SLACK_MS = 24 * 3600 * 1000;
/** Longest make, model or lens name kept; a longer one is cut. */
const MAX_NAME_CHARS = 80;
/** Longest date string looked at: ISO 8601 with fractions and offset fits easily. */
const MAX_DATE_CHARS = 40;
/** Real zones run from UTC−12:00 to UTC+14:00. */
const MAX_OFFSET_MIN = 14 * 60;

type Block = Record<string, unknown>;
const blockOf = (raw: unknown, key: string): Block => {
  if (typeof raw !== 'object' || raw === null) return {};
  const b = (raw as Block)[key];
  return typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Block) : {};
};

/** A wall-clock date and time as written, not yet placed in time. */
interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Minutes east of UTC when the string itself carried a zone ("Z", "+02:00"). */
  offsetMin?: number;
}

const DATE_TIME = /^(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/** Minutes east of UTC from "+02:00", "-0530" or "Z"; undefined for anything else. */
export function parseOffsetMin(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length > 8) return undefined;
  const t = text.trim();
  if (t === 'Z') return 0;
  const m = OFFSET.exec(t);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  if (Number(m[3]) >= 60 || minutes > MAX_OFFSET_MIN) return undefined;
  return m[1] === '-' ? -minutes : minutes;
}

/** "2019:07:14 15:30:12" (EXIF) or "2019-07-14T15:30:12+02:00" (XMP) as written, or null when malformed. */
function parseWallClock(text: unknown): WallClock | null {
  if (typeof text !== 'string' || text.length > MAX_DATE_CHARS) return null;
  const m = DATE_TIME.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  // Day 31 of a 30-day month rolls over in Date.UTC: refuse it rather than move the photo.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
  const offsetMin = m[7] === undefined ? undefined : parseOffsetMin(m[7]);
  if (m[7] !== undefined && offsetMin === undefined) return null;
  return { year, month, day, hour, minute, second, ...(offsetMin !== undefined ? { offsetMin } : {}) };
}

/** The instant of a wall-clock time at `offsetMin` east of UTC, or in the device's local zone without one. */
function instantOf(w: WallClock, offsetMin: number | undefined): number {
  if (offsetMin !== undefined) return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - offsetMin * 60_000;
  const local = new Date(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  // `new Date(y, …)` maps years 0–99 to 1900–1999; set the year again so year 0 stays year 0 (and is refused).
  local.setFullYear(w.year);
  return local.getTime();
}

/** An instant a photo could have been taken at: not an unset clock, not after now (plus a day). */
export function plausibleTakenAt(ms: number, nowMs: number, earliestYear = EARLIEST_YEAR): boolean {
  return Number.isFinite(ms) && ms >= Date.UTC(earliestYear, 0, 1) && ms <= nowMs + FUTURE_SLACK_MS;
}

/**
 * A date string with the offset tags that may qualify it, or undefined when absent or not plausible.
 * @param label what and where, for a note: ["the date taken", "EXIF"]
 */
function dateFrom(
  text: unknown,
  offsetTexts: unknown[],
  source: MetadataDate['source'],
  nowMs: number,
  ignored: string[],
  [what, where]: [string, string],
): MetadataDate | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  // "0000:00:00 00:00:00" and blanks are how cameras say "not set": not worth a note.
  if (typeof text === 'string' && /^[0\s:-]*$/.test(text)) return undefined;
  const w = parseWallClock(text);
  if (!w) {
    ignored.push(`${what} "${quotedValue(text)}" in its ${where} was ignored (not a date)`);
    return undefined;
  }
  const offsetMin = w.offsetMin ?? offsetTexts.map(parseOffsetMin).find((o) => o !== undefined);
  const ms = instantOf(w, offsetMin);
  if (!plausibleTakenAt(ms, nowMs)) {
    const why = ms > nowMs ? 'in the future' : `before ${EARLIEST_YEAR}`;
    ignored.push(`${what} ${quotedValue(text)} in its ${where} was ignored (year ${w.year} is ${why})`);
    return undefined;
  }
  return { ms, source, ...(offsetMin !== undefined ? { offsetMin } : {}) };
}

/** A GPS rational triple [deg, min, sec] (or plain degrees) as decimal degrees; NaN when malformed. */
function degreesOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (!Array.isArray(v) || v.length === 0 || v.length > 3 || !v.every((x) => typeof x === 'number' && x >= 0)) return NaN;
  const [d, m = 0, s = 0] = v as number[];
  if (m >= 60 || s >= 60) return NaN;
  return d + m / 60 + s / 3600;
}

function round4(deg: number): string {
  return String(Number(deg.toFixed(4)));
}

function signed(deg: number, ref: unknown, negative: string): number {
  return typeof ref === 'string' && ref.trim().toUpperCase() === negative ? -Math.abs(deg) : deg;
}

/**
 * The GPS position, or undefined. Refused: missing or non-finite values, |lat| > 90, |lon| > 180,
 * and exactly 0, 0 — the value phones write when they had no fix, far likelier than a photo taken
 * in the Gulf of Guinea on the equator and the prime meridian.
 */
function gpsOf(gps: Block, ignored: string[]): GpsPosition | undefined {
  if (gps.GPSLatitude === undefined && gps.GPSLongitude === undefined) return undefined;
  const lat = signed(degreesOf(gps.GPSLatitude), gps.GPSLatitudeRef, 'S');
  const lon = signed(degreesOf(gps.GPSLongitude), gps.GPSLongitudeRef, 'W');
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) {
    ignored.push('the GPS position in its EXIF was ignored (not a number)');
    return undefined;
  }
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    ignored.push(`the GPS position ${round4(lat)}, ${round4(lon)} in its EXIF was ignored (outside ±90° latitude, ±180° longitude)`);
    return undefined;
  }
  if (lat === 0 && lon === 0) return undefined;
  return { lat, lon };
}

/** GPSDateStamp "2019:07:14" + GPSTimeStamp [13, 30, 12], both UTC. */
function gpsTimeOf(gps: Block, nowMs: number, ignored: string[]): MetadataDate | undefined {
  const stamp = gps.GPSDateStamp;
  const time = gps.GPSTimeStamp;
  if (stamp === undefined || time === undefined) return undefined;
  const w = parseWallClock(stamp);
  const hms = Array.isArray(time) && time.length === 3 && time.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0) ? (time as number[]) : null;
  if (!w || !hms || hms[0] > 23 || hms[1] > 59 || hms[2] >= 61) {
    ignored.push(`the GPS time "${quotedValue(stamp)}" in its EXIF was ignored (not a date and time)`);
    return undefined;
  }
  const ms = Date.UTC(w.year, w.month - 1, w.day) + Math.round((hms[0] * 3600 + hms[1] * 60 + hms[2]) * 1000);
  if (!plausibleTakenAt(ms, nowMs)) {
    ignored.push(`the GPS date ${quotedValue(stamp)} in its EXIF was ignored (year ${w.year} is ${ms > nowMs ? 'in the future' : `before ${EARLIEST_YEAR}`})`);
    return undefined;
  }
  return { ms, source: 'gps-time', offsetMin: 0 };
}

/** A make, model or lens as text a reader can see: control characters gone, trimmed, cut to length. */
function nameOf(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = v.slice(0, MAX_NAME_CHARS * 4).replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return clean ? clean.slice(0, MAX_NAME_CHARS) : undefined;
}

function cameraOf(ifd0: Block, exif: Block): Camera | undefined {
  const make = nameOf(ifd0.Make);
  let model = nameOf(ifd0.Model);
  // Many makers repeat the make in the model ("Canon" + "Canon EOS 5D"): say it once.
  if (make && model && model.toLowerCase().startsWith(make.toLowerCase())) model = model.slice(make.length).trim() || model;
  const lens = nameOf(exif.LensModel);
  if (!make && !model && !lens) return undefined;
  return { ...(make ? { make } : {}), ...(model ? { model } : {}), ...(lens ? { lens } : {}) };
}

/**
 * Everything the library keeps from a photo's metadata. `raw` is whatever the reader returned
 * (anything at all is accepted); `nowMs` bounds dates in the future.
 */
export function interpretPhotoMetadata(raw: unknown, nowMs: number): PhotoMetadata {
  const ifd0 = blockOf(raw, 'ifd0');
  const exif = blockOf(raw, 'exif');
  const gps = blockOf(raw, 'gps');
  const xmp = blockOf(raw, 'xmp');
  const photoshop = blockOf(raw, 'photoshop');
  const ignored: string[] = [];
  const takenAt =
    dateFrom(exif.DateTimeOriginal, [exif.OffsetTimeOriginal], 'exif', nowMs, ignored, ['the date taken', 'EXIF']) ??
    dateFrom(exif.CreateDate, [exif.OffsetTimeDigitized, exif.OffsetTime], 'exif', nowMs, ignored, ['the date created', 'EXIF']) ??
    dateFrom(photoshop.DateCreated, [], 'xmp', nowMs, ignored, ['the date created', 'XMP']) ??
    dateFrom(xmp.CreateDate, [], 'xmp', nowMs, ignored, ['the date created', 'XMP']) ??
    gpsTimeOf(gps, nowMs, ignored);
  const position = gpsOf(gps, ignored);
  const camera = cameraOf(ifd0, exif);
  return {
    ...(takenAt ? { takenAt } : {}),
    ...(position ? { gps: position } : {}),
    ...(camera ? { camera } : {}),
    ignored,
  };
}

/** Camera file names start being common here; an earlier "date" in a name is a counter or an id. */
const EARLIEST_FILE_NAME_YEAR = 1990;

/**
 * Date and time in the names cameras, phones and apps give files, read as local time:
 *   IMG_20230714_153012.jpg, VID_20230714_153012.mp4, PXL_20230714_153012345.jpg,
 *   20230714_153012.jpg, Screenshot_2023-07-14-15-30-12.png,
 *   "WhatsApp Image 2023-07-14 at 15.30.12.jpeg"; and date only (read as noon) in
 *   IMG-20230714-WA0001.jpg (WhatsApp on Android).
 */
const NAME_DATE_TIME = /(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?:[_ -]| at )(\d{2})[-.]?(\d{2})[-.]?(\d{2})(?:\d{3})?(?!\d)/;
const NAME_DATE_ONLY = /^(?:IMG|VID|AUD|PTT)-(\d{4})(\d{2})(\d{2})-WA\d+/i;

/** The date in a camera file name, ms since the epoch (local time), or null when there is none or it is implausible. */
export function dateFromFileName(name: string, nowMs: number): number | null {
  const base = name.slice(name.lastIndexOf('/') + 1).slice(0, 255);
  const full = NAME_DATE_TIME.exec(base);
  const dateOnly = full ? null : NAME_DATE_ONLY.exec(base);
  const m = full ?? dateOnly;
  if (!m) return null;
  const w = parseWallClock(
    full ? `${m[1]}:${m[2]}:${m[3]} ${m[4]}:${m[5]}:${m[6]}` : `${m[1]}:${m[2]}:${m[3]} 12:00:00`,
  );
  if (!w) return null;
  const ms = instantOf(w, undefined);
  return plausibleTakenAt(ms, nowMs, EARLIEST_FILE_NAME_YEAR) ? ms : null;
}
