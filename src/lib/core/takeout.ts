/**
 * Google Takeout's JSON sidecars: which photo or video each one describes, and what it says.
 *
 * Takeout writes one `.json` beside every photo and video of a Google Photos export, named after
 * the media file, and cuts those names to fit (rules gathered from real exports as handled by
 * immich-go's `adapters/googlePhotos/matchers.go` and GooglePhotosTakeoutHelper):
 *   IMG_1234.jpg                      ↔ IMG_1234.jpg.json                       (before 2024)
 *   IMG_1234.jpg                      ↔ IMG_1234.jpg.supplemental-metadata.json (since 2024), the
 *                                       suffix cut to `.supplemental-metad.json`, `.suppl.json`,
 *                                       `.s.json`, `..json` when the path runs long
 *   IMG_1234(1).jpg                   ↔ IMG_1234.jpg(1).json, IMG_1234.jpg.supplemental-metadata(1).json
 *                                       (the copy number moves to the end of the sidecar's name)
 *   <a 47+ character name>.jpg        ↔ its first 46 UTF-16 code units + `.json`
 *                                       (`…_27214_n.j(1).json` for `…_27214_n(1).jpg`)
 *   IMG_1234-edited.jpg               ↔ the original's sidecar (`-bearbeitet`, `-modifié`… by locale)
 *   album folder `metadata.json`      → describes the album, not a photo: ignored
 * The sidecar's `title` is the name the file had when uploaded; Takeout may cut the media file's
 * own name too, so the title is the better name to show then.
 *
 * Pure: names and JSON text in, matches and checked values out; every value from a sidecar is
 * checked, since the file may be damaged or hostile.
 */
import { plausibleTakenAt, type GpsPosition } from './photo-metadata';

/** More than this is not a Takeout sidecar (real ones are 1–3 KB): it is not read. */
export const MAX_SIDECAR_BYTES = 1_000_000;
/** Takeout cuts names to this many UTF-16 code units before `.json`; shorter stems were not cut. */
const TRUNCATED_STEM_UNITS = 40;
/** Cut names are looked up by this many first characters (fewer than any cut stem keeps). */
const CUT_BUCKET_CHARS = 16;
/** A media name shorter than this (before its extension) was not cut by Takeout. */
const MIN_CUT_NAME_UNITS = 30;
/** Longest title kept as a display name (longer ones are not file names). */
const MAX_TITLE_CHARS = 1024;
/** Deepest nesting looked at: real sidecars are 4 levels deep. */
const MAX_DEPTH = 16;

/** What the library keeps from a sidecar, every value checked. */
export interface TakeoutSidecar {
  /** `photoTakenTime`: an instant, ms since the epoch (Takeout gives UTC seconds). */
  takenAtMs?: number;
  /** `creationTime`, when the file reached Google Photos: better only than the file's own time. */
  uploadedAtMs?: number;
  /** `geoDataExif`, else `geoData`; 0, 0 means Google had no position. */
  gps?: GpsPosition;
  /** The name the file was uploaded with, as text. */
  title?: string;
}

export type SidecarReading = { sidecar: TakeoutSidecar; ignored: string[] } | { error: string };

/** Whether a dropped file is JSON by its name (what Takeout writes beside media). */
export const isJsonName = (name: string): boolean => /\.json$/i.test(name);

/**
 * An album's own `metadata.json` (and its localized names, and `(1)` copies): describes a folder,
 * not a file. Takeout writes other JSON too (`print-subscriptions.json`, `shared_album_comments.json`,
 * `user-generated-memory-titles.json`): none of them names a media file.
 */
const ALBUM_METADATA = /^(metadata|metadaten|métadonnées|metadatos|metadati|metadane|metagegevens|метаданные)(\(\d+\))?\.json$/i;

/** Media-file extensions Takeout carries, for telling a sidecar of a file from other JSON. */
const MEDIA_EXTENSION = /\.(jpe?g|png|gif|webp|heic|heif|avif|bmp|tiff?|dng|raw|cr2|nef|arw|mp4|m4v|mov|3gp|avi|mkv|webm|mts|m2ts|mpe?g|wmv)/i;

export type JsonKind = 'album-metadata' | 'sidecar-like' | 'other';

/** What a JSON file that matched no media is: an album's metadata (quiet), a sidecar without its file, or other JSON (quiet). */
export function jsonKind(name: string): JsonKind {
  if (ALBUM_METADATA.test(name)) return 'album-metadata';
  const stem = name.replace(/\.json$/i, '');
  return /\.(s|su|sup|supp|suppl|supplem|supplemental)[a-z-]*(\(\d+\))?$/i.test(stem) || MEDIA_EXTENSION.test(stem) || stem.length >= TRUNCATED_STEM_UNITS ? 'sidecar-like' : 'other';
}

/** Unicode NFC (macOS writes names decomposed) and one case: names are compared this way. */
const fold = (s: string) => s.normalize('NFC').toLowerCase();

const COPY_NUMBER = /^(.*)\((\d{1,4})\)$/;
/** `.supplemental-metadata` and every cut of it Takeout writes, down to a lone dot. */
const SUPPLEMENTAL = 'supplemental-metadata';

export interface SidecarKey {
  /** The media name the sidecar names (folded), possibly cut short. */
  stem: string;
  /** The `(n)` copy number, 0 for none. */
  copy: number;
  /** Long enough that Takeout may have cut the media name in it: a prefix match is allowed. */
  cut: boolean;
}

/** Which media name a sidecar's own name points at. */
export function sidecarKey(jsonName: string): SidecarKey {
  let stem = jsonName.normalize('NFC').replace(/\.json$/i, '');
  let copy = 0;
  const numbered = COPY_NUMBER.exec(stem);
  if (numbered) [stem, copy] = [numbered[1]!, Number(numbered[2])];
  const dot = stem.lastIndexOf('.');
  const suffix = dot > 0 ? stem.slice(dot + 1).toLowerCase() : null;
  // A long name may have been cut inside the media name, unless the whole suffix survived.
  const cut = stem.length >= TRUNCATED_STEM_UNITS && suffix !== SUPPLEMENTAL;
  // `IMG.jpg.supplemental-me` → `IMG.jpg`; `IMG.jpg` keeps its extension (not a cut of the suffix).
  if (suffix !== null && SUPPLEMENTAL.startsWith(suffix)) stem = stem.slice(0, dot);
  return { stem: stem.toLowerCase(), copy, cut };
}

/** Suffixes Google Photos gives an edited copy, by locale; the copy has no sidecar of its own. */
const EDITED = /-(edited|bearbeitet|modifié|modifie|modificato|editado|editada|bewerkt|redigerad|redigeret|redigert|muokattu|edytowane|upraveno|szerkesztett|изменено|編集済み|已编辑|편집됨)$/i;

export interface MediaKey {
  name: string;
  copy: number;
}

/**
 * The names a media file's sidecar may carry, most exact first: its own name; without a copy
 * number (`IMG(1).jpg` → `IMG.jpg` copy 1); without an edited suffix (`IMG-edited.jpg` → `IMG.jpg`).
 */
export function mediaKeys(mediaName: string): MediaKey[] {
  const name = fold(mediaName);
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  const keys: MediaKey[] = [{ name, copy: 0 }];
  const numbered = COPY_NUMBER.exec(stem);
  const base = numbered ? numbered[1]! : stem;
  const copy = numbered ? Number(numbered[2]) : 0;
  if (numbered) keys.push({ name: base + ext, copy });
  const edited = EDITED.exec(base);
  if (edited) {
    // An edited copy of a numbered copy: `IMG(1)-edited.jpg` has `IMG.jpg(1).json`.
    const original = base.slice(0, edited.index);
    const numberedOriginal = copy === 0 ? COPY_NUMBER.exec(original) : null;
    keys.push(numberedOriginal ? { name: numberedOriginal[1]! + ext, copy: Number(numberedOriginal[2]) } : { name: original + ext, copy });
  }
  return keys;
}

const dirOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('/')));
const leafOf = (dir: string) => dir.slice(dir.lastIndexOf('/') + 1);

/**
 * Pairs each media file with its sidecar anywhere in the drop: the sidecar in its own folder
 * first, then one in a folder of the same name (a Takeout split over several archives unpacks
 * `Photos from 2019/` more than once), then any. Within those, an exact name beats a cut one.
 * `paths` are slash-separated paths inside the drop. Returns the sidecar index per media index
 * (or -1), and the sidecars no media file took.
 */
export function matchTakeoutSidecars(mediaPaths: readonly string[], sidecarPaths: readonly string[]): { sidecarOf: number[]; unused: number[] } {
  const exact = new Map<string, number[]>();
  // Cut names by copy number and first characters, so a media name is compared only with the few
  // cut names that can be its prefix (a cut stem keeps at least 18 of its 40+ characters).
  const cut = new Map<string, Array<{ index: number; key: SidecarKey }>>();
  const cutBucket = (stem: string, copy: number) => `${copy}\u0000${stem.slice(0, CUT_BUCKET_CHARS)}`;
  const push = <T>(map: Map<string, T[]>, id: string, value: T) => {
    const list = map.get(id);
    if (list) list.push(value);
    else map.set(id, [value]);
  };
  sidecarPaths.forEach((path, index) => {
    const key = sidecarKey(path.slice(path.lastIndexOf('/') + 1));
    push(exact, `${key.stem}\u0000${key.copy}`, index);
    if (key.cut) push(cut, cutBucket(key.stem, key.copy), { index, key });
  });
  const used = new Set<number>();
  const sidecarOf = mediaPaths.map((path) => {
    const dir = dirOf(path);
    const closeness = (i: number) => {
      const other = dirOf(sidecarPaths[i]!);
      return other === dir ? 2 : leafOf(other) === leafOf(dir) ? 1 : 0;
    };
    const best = (found: number[]) => found.reduce((a, b) => (closeness(b) > closeness(a) ? b : a));
    const keys = mediaKeys(path.slice(path.lastIndexOf('/') + 1));
    for (const k of keys) {
      const found = exact.get(`${k.name}\u0000${k.copy}`);
      if (found?.length) return best(found);
    }
    for (const k of keys) {
      const found = (cut.get(cutBucket(k.name, k.copy)) ?? []).filter((c) => k.name.startsWith(c.key.stem)).map((c) => c.index);
      if (found.length) return best(found);
    }
    return -1;
  });
  for (const i of sidecarOf) if (i >= 0) used.add(i);
  return { sidecarOf, unused: sidecarPaths.flatMap((_, i) => (used.has(i) ? [] : [i])) };
}

/**
 * Items already in the library that sidecars dropped later belong to, by name alone (the library
 * keeps no folders): per sidecar index, the item indexes it describes. A sidecar two items could
 * equally be (two `IMG_0001.jpg` from different cameras) describes none: a wrong date is worse
 * than the date an item has. An original and its edited copy share their sidecar.
 */
export function matchSidecarsToItems(itemNames: readonly string[], sidecarPaths: readonly string[]): Map<number, number[]> {
  const { sidecarOf } = matchTakeoutSidecars(itemNames.map((n) => n.replaceAll('/', '_')), sidecarPaths);
  const groups = new Map<number, number[]>();
  sidecarOf.forEach((s, item) => {
    if (s >= 0) groups.set(s, [...(groups.get(s) ?? []), item]);
  });
  for (const [s, items] of groups) {
    const names = items.map((i) => fold(itemNames[i]!));
    if (new Set(names).size < names.length) groups.delete(s);
  }
  return groups;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Nesting depth of parsed JSON, stopping once past `MAX_DEPTH`. */
function depthOf(v: unknown, depth = 0): number {
  if (depth > MAX_DEPTH || typeof v !== 'object' || v === null) return depth;
  let max = depth;
  for (const child of Object.values(v as Obj)) {
    max = Math.max(max, depthOf(child, depth + 1));
    if (max > MAX_DEPTH) break;
  }
  return max;
}

/** `{ "timestamp": "1563098400" }` (a string of UTC seconds; a number is accepted) as ms, or undefined. */
function timestampMs(v: unknown, nowMs: number, label: string, ignored: string[]): number | undefined {
  if (v === undefined) return undefined;
  const t = isObj(v) ? v.timestamp : undefined;
  const seconds = typeof t === 'string' && /^-?\d{1,12}$/.test(t.trim()) ? Number(t) : typeof t === 'number' ? t : NaN;
  // "0" is how Takeout says it has no date.
  if (seconds === 0) return undefined;
  const ms = seconds * 1000;
  if (!plausibleTakenAt(ms, nowMs)) {
    ignored.push(Number.isFinite(ms) ? `${label} is out of range` : `${label} is malformed`);
    return undefined;
  }
  return Math.round(ms);
}

/** `{ latitude, longitude }` in degrees; 0, 0 is "no position"; anything else out of range is noted. */
function positionOf(v: unknown, label: string, ignored: string[]): GpsPosition | undefined {
  if (v === undefined) return undefined;
  const lat = isObj(v) ? v.latitude : undefined;
  const lon = isObj(v) ? v.longitude : undefined;
  if (typeof lat !== 'number' || typeof lon !== 'number' || !Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    ignored.push(`${label} is malformed or out of range`);
    return undefined;
  }
  return lat === 0 && lon === 0 ? undefined : { lat, lon };
}

/** A title as plain text: control characters gone, trimmed; shown escaped wherever it is shown. */
function titleOf(v: unknown, ignored: string[]): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > MAX_TITLE_CHARS) {
    ignored.push('the title is malformed');
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  const clean = v.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean || undefined;
}

/**
 * Reads a sidecar's text (at most MAX_SIDECAR_BYTES, the caller caps the read). Not JSON, not an
 * object, or nested deeper than any sidecar: an error. Single values of the wrong type or out of
 * range: ignored, and named in `ignored`.
 */
export function parseTakeoutSidecar(text: string, nowMs: number): SidecarReading {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // Also a stack overflow on absurd nesting: JSON.parse throws a RangeError, caught here.
    return { error: 'it is not valid JSON' };
  }
  if (!isObj(raw)) return { error: 'it is not a Takeout sidecar (not a JSON object)' };
  if (depthOf(raw) > MAX_DEPTH) return { error: 'it is nested far deeper than a Takeout sidecar' };
  const ignored: string[] = [];
  const takenAtMs = timestampMs(raw.photoTakenTime, nowMs, 'photoTakenTime', ignored);
  const uploadedAtMs = takenAtMs === undefined ? timestampMs(raw.creationTime, nowMs, 'creationTime', ignored) : undefined;
  const gps = positionOf(raw.geoDataExif, 'geoDataExif', ignored) ?? positionOf(raw.geoData, 'geoData', ignored);
  const title = titleOf(raw.title, ignored);
  return {
    sidecar: {
      ...(takenAtMs !== undefined ? { takenAtMs } : {}),
      ...(uploadedAtMs !== undefined ? { uploadedAtMs } : {}),
      ...(gps ? { gps } : {}),
      ...(title ? { title } : {}),
    },
    ignored,
  };
}

const splitName = (name: string): [string, string] => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
};

/**
 * The sidecar's title when Takeout cut the media file's own name short (the name, without a copy
 * number, is a strict prefix of the title with the same extension, and long enough to have been
 * cut); null otherwise, so an edited copy or a renamed file keeps its own name.
 */
export function titleAsName(fileName: string, title: string | undefined): string | null {
  if (!title || title.includes('/') || title.includes('\\')) return null;
  const [stem, ext] = splitName(fileName.normalize('NFC'));
  const [titleStem, titleExt] = splitName(title.normalize('NFC'));
  const base = COPY_NUMBER.exec(stem)?.[1] ?? stem;
  // Takeout cuts only long names (to 47 characters before the extension): a short name is the user's own.
  if (base.length < MIN_CUT_NAME_UNITS || ext.toLowerCase() !== titleExt.toLowerCase() || base.length >= titleStem.length) return null;
  return titleStem.startsWith(base) ? title : null;
}
