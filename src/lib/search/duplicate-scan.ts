// The library's duplicate scan over the open vector index: candidate pairs from all pairs while
// the index is exact (below HNSW_MIN_ITEMS) and from each item's HNSW neighbours beyond, run in
// slices so searches arriving meanwhile are answered, then grouped in three tiers (core/duplicates.ts).
import type { AssetRecord, JobRecord } from '../db/schema';
import type { VectorIndex } from '../core/vector-index';
import {
  SIMILAR_NEIGHBOURS,
  VIDEO_CANDIDATE_MIN_COSINE,
  allPairSteps,
  buildDuplicateReport,
  neighbourPairSteps,
  type DuplicateReport,
  type ScanProgress,
  type ScoredPair,
} from '../core/duplicates';
import { runInSlices } from '../core/slices';
import { dot } from '../core/vector';

/**
 * HNSW beam of the duplicate scan. The pairs it looks for (cosine ≥ 0.8) are each item's very
 * nearest neighbours, which the greedy search reaches first, so it needs far less beam than a
 * search for the 10th-best match (SEARCH_EF.image): 4 × k.
 */
const DUPLICATE_SCAN_EF = 4 * SIMILAR_NEIGHBOURS;

/**
 * Below the bar, how far an index of int8 codes (core/hnsw.ts: scores within ~0.01 of the cosine)
 * still collects pairs; their stored vectors then decide.
 */
const APPROXIMATE_MARGIN = 0.02;
/** Stored vectors read per transaction when pairs are scored again. */
const RESCORE_BATCH = 500;

export interface DuplicateScanInput {
  index: VectorIndex | null;
  assets: AssetRecord[];
  refused: JobRecord[];
  /** A video's kept keyframe vectors, or undefined when it has none. */
  framesOf(id: string): readonly Float32Array[] | undefined;
  similarMinCosine: number;
  /** A search arriving during the scan waits at most about this long for it. */
  sliceMs: number;
  onProgress?: (p: ScanProgress) => void;
  /** Asked between slices: true ends the scan with a StoppedError. */
  stopped(): boolean;
  /**
   * The stored float vectors of ids, in order, when the index scores approximately (it keeps
   * codes): the pairs it finds are then scored again with them.
   */
  storedVectors?(ids: readonly string[]): Promise<ReadonlyArray<Float32Array | undefined>>;
}

export async function scanDuplicates(input: DuplicateScanInput): Promise<DuplicateReport> {
  const { assets, similarMinCosine, onProgress } = input;
  const stored = input.index;
  const vectorOf = (id: string) => stored?.get?.(id);
  const bar = Math.min(similarMinCosine, VIDEO_CANDIDATE_MIN_COSINE);
  const live = assets.filter((a) => stored?.has(a.id));
  const sliced = <R>(steps: Generator<ScanProgress, R>) =>
    runInSlices(steps, { sliceMs: input.sliceMs, onSlice: (p) => onProgress?.(p), stopped: input.stopped });
  let pairs: ScoredPair[] = [];
  if (stored?.kind === 'exact') {
    const items = live.flatMap((a) => {
      const vector = vectorOf(a.id);
      return vector ? [{ id: a.id, type: a.type, vector }] : [];
    });
    pairs = await sliced(allPairSteps(items, bar));
  } else if (stored) {
    const margin = input.storedVectors ? APPROXIMATE_MARGIN : 0;
    pairs = await sliced(neighbourPairSteps(live, vectorOf, (v, k, filter) => stored.search(v, { k, ef: DUPLICATE_SCAN_EF, filter }), bar - margin, SIMILAR_NEIGHBOURS));
    if (input.storedVectors) pairs = await exactPairs(pairs, input.storedVectors, bar);
  }
  onProgress?.({ done: live.length, total: live.length });
  return buildDuplicateReport({
    assets,
    refused: input.refused.map((j) => ({ jobId: j.id, name: j.name, sizeBytes: j.sizeBytes, refusedAt: j.updatedAt, assetId: j.assetId, message: j.message })),
    pairs,
    framesOf: input.framesOf,
    vectorOf,
    similarMinCosine,
  });
}

/** The pairs scored with their stored vectors, those at or above `bar` kept (a pair missing a vector is dropped). */
async function exactPairs(pairs: ScoredPair[], read: (ids: readonly string[]) => Promise<ReadonlyArray<Float32Array | undefined>>, bar: number): Promise<ScoredPair[]> {
  const ids = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const vectors = new Map<string, Float32Array>();
  for (let i = 0; i < ids.length; i += RESCORE_BATCH) {
    const batch = ids.slice(i, i + RESCORE_BATCH);
    (await read(batch)).forEach((v, j) => v && vectors.set(batch[j]!, v));
  }
  const out: ScoredPair[] = [];
  for (const p of pairs) {
    const a = vectors.get(p.a);
    const b = vectors.get(p.b);
    if (!a || !b) continue;
    const score = dot(a, b);
    if (score >= bar) out.push({ ...p, score });
  }
  return out;
}
