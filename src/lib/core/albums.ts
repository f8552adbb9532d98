/**
 * Rules for albums: what a name may be, and how an album item is keyed. Names are the user's own
 * text and are only ever shown as text.
 */

/** Longest album name kept, in UTF-16 code units (a long name is cut, not refused). */
export const MAX_ALBUM_NAME_LENGTH = 100;

/**
 * The name as stored: control characters and line breaks become spaces, runs of white space one
 * space, the ends trimmed, cut to MAX_ALBUM_NAME_LENGTH (never inside a surrogate pair). Markup is
 * kept as typed: it is text, and the page shows it as text. Empty means "no name".
 */
export function cleanAlbumName(raw: string): string {
  const flat = raw.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(/\s+/g, ' ').trim();
  if (flat.length <= MAX_ALBUM_NAME_LENGTH) return flat;
  let cut = flat.slice(0, MAX_ALBUM_NAME_LENGTH);
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return cut.trimEnd();
}

/** Why a name cannot be used, or null when it can. */
export function albumNameProblem(raw: string): string | null {
  return cleanAlbumName(raw) ? null : 'An album needs a name.';
}

/** The key of one item's membership of one album. */
export const albumItemId = (albumId: string, assetId: string): string => `${albumId}:${assetId}`;
