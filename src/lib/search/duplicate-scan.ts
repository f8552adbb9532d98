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

/**
 * HNSW beam of the duplicate scan. The pairs it looks for (cosine ≥ 0.8) are each item's very
 * nearest neighbours, which the greedy search reaches first, so it needs far less beam than a
 * search for the 10th-best match (SEARCH_EF.image): 4 × k.
 */
const DUPLICATE_SCAN_EF = 4 * SIMILAR_NEIGHBOURS;

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
    pairs = await sliced(neighbourPairSteps(live, vectorOf, (v, k, filter) => stored.search(v, { k, ef: DUPLICATE_SCAN_EF, filter }), bar, SIMILAR_NEIGHBOURS));
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
