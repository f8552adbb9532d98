/**
 * Which files of a drop made it into the library, and which files picked again are the missing ones.
 * A drop's manifest lists every file before any byte is copied; a file is "in" once its job got past
 * staging (its bytes are completely stored and it is queued, stored, a duplicate or failed with a message).
 */
/** One file of a drop, as listed before any byte of it is copied. */
export interface DropEntry {
  name: string;
  sizeBytes: number;
  lastModifiedMs: number;
  /** Path inside a dropped or picked folder, `name` for a loose file. */
  path: string;
  /** Which of the drop's root handles the file came from, when the browser gave handles. */
  root?: number;
}

export interface DropJob {
  entryIndex?: number;
  /** A job's status; 'staging' means its bytes may be incomplete. */
  status: string;
  /** A Live Photo's motion file, taken in with the still under the same job. */
  motion?: { entryIndex: number };
}

/** Entries (with their index) that have no job past staging: they never made it in. */
export function missingEntries(entries: readonly DropEntry[], jobs: readonly DropJob[]): Array<DropEntry & { index: number }> {
  const taken = new Set<number>();
  for (const j of jobs) {
    if (j.status === 'staging') continue;
    if (j.entryIndex !== undefined) taken.add(j.entryIndex);
    if (j.motion) taken.add(j.motion.entryIndex);
  }
  return entries.flatMap((e, index) => (taken.has(index) ? [] : [{ ...e, index }]));
}

export interface Candidate {
  name: string;
  sizeBytes: number;
  lastModifiedMs: number;
  /** Path inside a picked folder, or '' for a loose file. */
  path: string;
}

/** How sure a candidate file is the missing entry: the same path beats the same name; size must match. */
function matchRank(entry: DropEntry, c: Candidate): number {
  if (entry.sizeBytes !== c.sizeBytes || entry.name !== c.name) return 0;
  const samePath = c.path !== '' && (entry.path === c.path || entry.path.endsWith(`/${c.path}`) || c.path.endsWith(`/${entry.path}`));
  const sameTime = entry.lastModifiedMs === c.lastModifiedMs;
  return 1 + (samePath ? 2 : 0) + (sameTime ? 1 : 0);
}

/**
 * Pairs files picked again with the missing entries of a drop: each missing entry takes the best
 * candidate by name and size (then path, then modification time), each candidate is used once.
 * Returns `[entryIndex, candidateIndex]` pairs; candidates that match nothing are left out, so a
 * whole folder picked again adds only what was missing.
 */
export function matchMissing(missing: ReadonlyArray<DropEntry & { index: number }>, candidates: readonly Candidate[]): Array<[number, number]> {
  const byName = new Map<string, number[]>();
  candidates.forEach((c, i) => {
    const list = byName.get(c.name) ?? [];
    list.push(i);
    byName.set(c.name, list);
  });
  const used = new Set<number>();
  const pairs: Array<[number, number]> = [];
  for (const entry of missing) {
    let best = -1;
    let bestRank = 0;
    for (const i of byName.get(entry.name) ?? []) {
      if (used.has(i)) continue;
      const rank = matchRank(entry, candidates[i]);
      if (rank > bestRank) [best, bestRank] = [i, rank];
    }
    if (best >= 0) {
      used.add(best);
      pairs.push([entry.index, best]);
    }
  }
  return pairs;
}

/** Identifies a file of a remembered folder across scans: a changed file (size or time) counts as new. */
export function fileKey(c: Pick<Candidate, 'path' | 'sizeBytes' | 'lastModifiedMs'>): string {
  return `${c.path}\u0000${c.sizeBytes}\u0000${c.lastModifiedMs}`;
}

/** Indexes of the files of a folder scan that were not there, or not like this, at the last scan. */
export function newSinceLastScan(seen: Iterable<string>, candidates: readonly Candidate[]): number[] {
  const known = new Set(seen);
  return candidates.flatMap((c, i) => (known.has(fileKey(c)) ? [] : [i]));
}
