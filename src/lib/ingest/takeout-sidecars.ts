/**
 * Google Takeout's JSON sidecars in a drop: taken out of the files to import (a sidecar is never
 * a bad file), read (at most MAX_SIDECAR_BYTES each) and handed to the media file each describes,
 * wherever in the drop it sits (core/takeout.ts).
 *
 * Across drops (a Takeout split over several archives, dropped one at a time): a sidecar whose
 * file is already in the library updates that item (matched by name, only when one item can be
 * meant); one whose file has not come yet waits (db/waiting-sidecars.ts) and a file dropped later
 * takes it. Either way the user is told once per drop.
 */
import { MAX_SIDECAR_BYTES, isJsonName, jsonKind, matchSidecarsToItems, matchTakeoutSidecars, parseTakeoutSidecar, type TakeoutSidecar } from '../core/takeout';
import { plural } from '../core/plural';
import type { Db } from '../db/db';
import { listAssets, updateAsset } from '../db/repo';
import { updateWaitingSidecars, waitingSidecars, type WaitingSidecar } from '../db/waiting-sidecars';
import { withTakeoutSidecar } from './asset-records';

/** Sidecar names listed in the one message about sidecars without media; the rest are counted. */
const LISTED_ORPHANS = 5;

export interface SidecarNote {
  /** The file the message is about ("Shoebox" for the drop as a whole). */
  name: string;
  message: string;
}

/** A drop's files to import (in drop order) and its JSON files, apart; nothing is read. */
export function separateJson<F extends { file: File }>(files: readonly F[]): { media: F[]; json: F[] } {
  const media: F[] = [];
  const json: F[] = [];
  for (const f of files) (isJsonName(f.file.name) ? json : media).push(f);
  return { media, json };
}

export interface SplitDrop<F> {
  /** The files to import, in drop order, without any JSON. */
  media: F[];
  /** Per entry of `media`: what its sidecar says, when it has a readable one. */
  takeoutOf: Array<TakeoutSidecar | undefined>;
  /** Sidecars that could not be read, or some of whose values were refused. */
  notes: SidecarNote[];
  /** Sidecars no file of the drop took (album metadata and other JSON left out). */
  orphans: F[];
}

/** The drop's JSON files set apart and matched within the drop; `pathOf` gives a file's path inside it. */
export async function splitTakeoutSidecars<F extends { file: File }>(files: readonly F[], pathOf: (f: F) => string, nowMs: number): Promise<SplitDrop<F>> {
  const { media, json } = separateJson(files);
  return matchWithinDrop(media, json, pathOf, nowMs);
}

async function matchWithinDrop<F extends { file: File }>(media: F[], json: readonly F[], pathOf: (f: F) => string, nowMs: number): Promise<SplitDrop<F>> {
  if (json.length === 0) return { media, takeoutOf: media.map(() => undefined), notes: [], orphans: [] };
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
  const orphans = unused.map((i) => json[i]!).filter((f) => jsonKind(f.file.name) === 'sidecar-like');
  return { media, takeoutOf: sidecarOf.map((s) => (s < 0 ? undefined : readings.get(s))), notes, orphans };
}

export interface TakeoutOfDrop {
  takeoutOf: Array<TakeoutSidecar | undefined>;
  notes: SidecarNote[];
  /** Items already in the library that sidecars of this drop dated, placed or named. */
  changedIds: string[];
}

/**
 * Sidecars of a drop (`json`, as separateJson left them) matched with its `media`, then with
 * sidecars earlier drops left waiting, then with items already in the library; what is still
 * without its file waits for a later drop.
 */
export async function takeoutOfDrop<F extends { file: File }>(db: Db, media: F[], json: readonly F[], pathOf: (f: F) => string, nowMs: number): Promise<TakeoutOfDrop> {
  const { takeoutOf, notes, orphans } = await matchWithinDrop(media, json, pathOf, nowMs);
  // Files without a sidecar in this drop take one an earlier drop left waiting.
  const waiting = await waitingSidecars(db);
  const taken = new Set<string>();
  const open = media.flatMap((_, i) => (takeoutOf[i] ? [] : [i]));
  if (waiting.length && open.length) {
    const { sidecarOf } = matchTakeoutSidecars(open.map((i) => pathOf(media[i]!)), waiting.map((w) => w.path));
    sidecarOf.forEach((w, k) => {
      if (w < 0) return;
      takeoutOf[open[k]!] = waiting[w]!.sidecar;
      taken.add(waiting[w]!.id);
    });
  }
  const readable: Array<{ path: string; name: string; sidecar: TakeoutSidecar }> = [];
  for (const f of orphans) {
    const { reading, problem } = await readSidecar(f.file, nowMs);
    if (problem) notes.push({ name: f.file.name, message: reading ? problem : `${problem}; it matches no file in this drop` });
    if (reading) readable.push({ path: pathOf(f), name: f.file.name, sidecar: reading });
  }
  // Sidecars whose file an earlier drop brought: that item is updated.
  const changedIds: string[] = [];
  let left = readable;
  if (readable.length) {
    const assets = await listAssets(db);
    const groups = matchSidecarsToItems(assets.map((a) => a.fileName ?? a.name), readable.map((r) => r.path));
    for (const [s, items] of groups) {
      for (const i of items) if (await applyTakeoutSidecar(db, assets[i]!.id, readable[s]!.sidecar)) changedIds.push(assets[i]!.id);
    }
    left = readable.filter((_, s) => !groups.has(s));
  }
  await updateWaitingSidecars(db, taken, left.map((r) => ({ id: crypto.randomUUID(), path: r.path, sidecar: r.sidecar, droppedAtMs: nowMs }) satisfies WaitingSidecar));
  if (changedIds.length) {
    notes.push({ name: 'Shoebox', message: `Google Takeout sidecars in this drop dated, placed or named ${plural(changedIds.length, 'item')} already in your library` });
  }
  if (left.length) {
    // Sorted: a folder's listing order is the browser's, not the user's.
    const names = left.map((r) => r.name).sort();
    const more = names.length > LISTED_ORPHANS ? ` and ${names.length - LISTED_ORPHANS} more` : '';
    notes.push({
      name: 'Shoebox',
      message: `${plural(names.length, 'Google Takeout sidecar')} without a photo or video in this drop or your library (kept for a later drop): ${names.slice(0, LISTED_ORPHANS).join(', ')}${more}`,
    });
  }
  return { takeoutOf, notes, changedIds };
}

/** An item with a sidecar's values (withTakeoutSidecar); says whether its record changed. */
export async function applyTakeoutSidecar(db: Db, id: string, sidecar: TakeoutSidecar): Promise<boolean> {
  let changed = false;
  await updateAsset(db, id, (current) => {
    const next = withTakeoutSidecar(current, sidecar);
    changed = JSON.stringify(next) !== JSON.stringify(current);
    return next;
  });
  return changed;
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
