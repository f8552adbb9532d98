/**
 * Google Takeout's JSON sidecars in a drop: taken out of the files to import (a sidecar is never
 * a bad file), read (at most MAX_SIDECAR_BYTES each) and handed to the media file each describes,
 * wherever in the drop it sits (core/takeout.ts). Sidecars are matched within one drop: a
 * sidecar dropped later than its photo is listed as having none.
 */
import { MAX_SIDECAR_BYTES, isJsonName, jsonKind, matchTakeoutSidecars, parseTakeoutSidecar, type TakeoutSidecar } from '../core/takeout';
import { plural } from '../core/plural';

/** Sidecar names listed in the one message about sidecars without media; the rest are counted. */
const LISTED_ORPHANS = 5;

export interface SidecarNote {
  /** The file the message is about ("Shoebox" for the drop as a whole). */
  name: string;
  message: string;
}

export interface SplitDrop<F> {
  /** The files to import, in drop order, without any JSON. */
  media: F[];
  /** Per entry of `media`: what its sidecar says, when it has a readable one. */
  takeoutOf: Array<TakeoutSidecar | undefined>;
  /** Sidecars without media (one message for all) and sidecars that could not be read. */
  notes: SidecarNote[];
}

/** The drop's JSON files set apart and matched; `pathOf` gives a file's path inside the drop. */
export async function splitTakeoutSidecars<F extends { file: File }>(files: readonly F[], pathOf: (f: F) => string, nowMs: number): Promise<SplitDrop<F>> {
  const media: F[] = [];
  const json: F[] = [];
  for (const f of files) (isJsonName(f.file.name) ? json : media).push(f);
  if (json.length === 0) return { media, takeoutOf: media.map(() => undefined), notes: [] };
  const { sidecarOf, unused } = matchTakeoutSidecars(media.map(pathOf), json.map(pathOf));
  const notes: SidecarNote[] = [];
  const readings = new Map<number, TakeoutSidecar | undefined>();
  for (const [m, s] of sidecarOf.entries()) {
    if (s < 0 || readings.has(s)) continue;
    const sidecar = json[s]!.file;
    const { reading, problem } = await readSidecar(sidecar, nowMs);
    readings.set(s, reading);
    if (problem) notes.push({ name: sidecar.name, message: `${problem}; ${media[m]!.file.name} is imported with its own metadata` });
  }
  // Sorted: a folder's listing order is the browser's, not the user's.
  const orphans = unused.map((i) => json[i]!.file.name).filter((name) => jsonKind(name) === 'sidecar-like').sort();
  if (orphans.length) {
    const listed = orphans.slice(0, LISTED_ORPHANS).join(', ');
    const more = orphans.length > LISTED_ORPHANS ? ` and ${orphans.length - LISTED_ORPHANS} more` : '';
    notes.push({
      name: 'Shoebox',
      message: `${plural(orphans.length, 'Google Takeout sidecar')} without a photo or video in this drop (not imported): ${listed}${more}`,
    });
  }
  return { media, takeoutOf: sidecarOf.map((s) => (s < 0 ? undefined : readings.get(s))), notes };
}

/** One sidecar's values; a problem to tell when it is refused or some of its values were. */
async function readSidecar(file: File, nowMs: number): Promise<{ reading?: TakeoutSidecar; problem?: string }> {
  if (file.size > MAX_SIDECAR_BYTES) {
    return { problem: `Takeout sidecar ignored: ${(file.size / 1e6).toFixed(1)} MB is far larger than a sidecar (at most ${MAX_SIDECAR_BYTES / 1e6} MB is read)` };
  }
  let text: string;
  try {
    text = await file.text();
  } catch {
    return { problem: 'Takeout sidecar ignored: it could not be read' };
  }
  const parsed = parseTakeoutSidecar(text, nowMs);
  if ('error' in parsed) return { problem: `Takeout sidecar ignored: ${parsed.error}` };
  const problem = parsed.ignored.length ? `Takeout sidecar values ignored: ${parsed.ignored.join(', ')}` : undefined;
  return { reading: parsed.sidecar, ...(problem ? { problem } : {}) };
}
