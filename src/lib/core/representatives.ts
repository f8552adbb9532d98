/**
 * Members that show a cluster: the medoid first (the member with the highest mean cosine to all
 * members, x·Σ/|c| — for unit vectors the same as the member closest to the centroid), then
 * farthest-point picks (T. F. Gonzalez, "Clustering to minimize the maximum intercluster
 * distance", Theoretical Computer Science 38 (1985)): each next pick is the member whose highest
 * cosine to the picks so far is lowest, so the cover and what the VLM sees span the cluster
 * instead of showing six near-copies. O(m·r·dim) for m members and r picks.
 *
 * Pure and synchronous.
 */
import { dot, dotF64 } from './vector';

/** Cover mosaic and VLM input size; fewer when the cluster is smaller. */
export const REPRESENTATIVE_COUNT = 6;

/**
 * @param members ids and L2-normalised vectors of one cluster
 * @param count   picks wanted, ≥ 1
 * @returns up to `count` ids: medoid first, then the most different members; ties by id
 */
export function pickRepresentatives(members: ReadonlyArray<{ id: string; vector: Float32Array }>, count = REPRESENTATIVE_COUNT): string[] {
  const m = members.length;
  if (m === 0 || count < 1) return [];
  const dim = members[0]!.vector.length;
  const sum = new Float64Array(dim);
  for (const { vector } of members) for (let i = 0; i < dim; i++) sum[i]! += vector[i]!;
  let medoid = 0;
  let bestScore = -Infinity;
  members.forEach((x, i) => {
    const s = dotF64(x.vector, sum);
    if (s > bestScore || (s === bestScore && x.id < members[medoid]!.id)) {
      bestScore = s;
      medoid = i;
    }
  });
  const picks = [medoid];
  const closest = new Float64Array(m).fill(-Infinity);
  const taken = new Uint8Array(m);
  taken[medoid] = 1;
  while (picks.length < Math.min(count, m)) {
    const last = members[picks[picks.length - 1]!]!.vector;
    let next = -1;
    for (let i = 0; i < m; i++) {
      if (taken[i]) continue;
      const s = dot(members[i]!.vector, last);
      if (s > closest[i]!) closest[i] = s;
      if (next < 0 || closest[i]! < closest[next]! || (closest[i] === closest[next] && members[i]!.id < members[next]!.id)) next = i;
    }
    taken[next] = 1;
    picks.push(next);
  }
  return picks.map((i) => members[i]!.id);
}
