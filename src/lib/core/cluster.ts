/**
 * Grouping of similar media by their L2-normalised CLIP vectors (cosine similarity).
 *
 * Algorithm: average-linkage agglomerative clustering (Sokal & Michener 1958, "UPGMA") with a
 * similarity threshold, run exactly on a k-nearest-neighbour candidate graph of a sample, then
 * extended to the rest of the library by nearest-centroid assignment (the "cluster a sample,
 * assign the rest" scheme of CURE, Guha, Rastogi & Shim, SIGMOD 1998), repeated on what is left,
 * and finished by one k-means step (Lloyd 1982, spherical) and a merge of clusters whose average
 * linkage still reaches the threshold.
 *
 * The identity that makes this cheap: for unit vectors the mean cosine over all pairs of two groups
 * A and B is (ΣA · ΣB) / (|A|·|B|), and the mean cosine of an item x to a group is x · ΣA / |A|.
 * So average linkage needs only a sum vector per cluster, never a pairwise matrix: memory is
 * O(n + k·dim + sample·knn), time about O(n·k·dim) for n items and k clusters.
 *
 * Why this algorithm (bench/cluster.mjs, bench/results/cluster.md, measured side by side in every
 * run): on synthetic CLIP-like photos around the real ViT-B/32 ImageNet class prototypes (29 classes
 * incl. dog breeds, cat breeds, birds; n = 3000), average linkage scored an ARI at least as high as
 * a leader pass with k-means refinement and centroid merging (`method: 'leader'`) at 6 of 8
 * thresholds, by up to 0.015 (0.924 vs 0.909 at τ = 0.22), and the same on well-separated sets;
 * the leader pass also depends on the order photos arrive in. Its price is the kNN scan of the
 * sample, 1.5–3 s for 3000 items, which does not grow with the library. Whole runs on the bench
 * machine: 10k items ~2–3.5 s; 100k items ~6–9 s with 29 classes and ~23–27 s with 262 (the
 * assignment pass is O(n·k·dim)); peak extra memory ~25–45 MB besides the vectors.
 *
 * Threshold. CLIP vectors sit in a narrow cone: unrelated photos often have cosine 0.4–0.6. A fixed
 * raw threshold would therefore mean different things for different models and libraries. The
 * threshold is set relative to the library's background similarity b (the mean cosine of two
 * random items): T = b + (1 − b)·τ. To first order this is the same as thresholding τ after
 * centring the vectors on the library mean (x·y − b)/(1 − b). b is estimated from the library
 * itself, (‖Σx‖² − n) / (n(n − 1)), shrunk towards a prior of 0.5 (CLIP ViT-B/32 photos) with the
 * weight of 20 items, because a library of a few similar photos cannot tell its own background.
 *
 * Pure and synchronous: no DOM, idb, wasm or worker globals.
 */

import { mulberry32 } from './random';
import { dot, dotF64 } from './vector';

export type ClusterMethod = 'average-linkage' | 'leader';

export interface ClusterOptions {
  /** Relative threshold τ in [0, 1] on the mean pairwise cosine, above the background. */
  tau?: number;
  /** Items clustered exactly per round; the rest of a round is assigned to the clusters found. */
  sampleSize?: number;
  /** Neighbours per item in the candidate graph. */
  knn?: number;
  /** Background similarity b to use instead of estimating it. */
  background?: number;
  method?: ClusterMethod;
  seed?: number;
  onProgress?: (p: { done: number; total: number; phase: string }) => void;
}

export interface ClusterResult {
  /** Cluster index per input item, 0..clusterCount−1; clusters numbered by size, largest first. */
  labels: Int32Array;
  clusterCount: number;
  /** Absolute cosine threshold T used (mean pairwise cosine within a cluster ≥ T when formed). */
  threshold: number;
  background: number;
}

/**
 * τ chosen by the sweep in bench/cluster.mjs on the realistic set: ARI peaks at τ = 0.14 (0.996,
 * 30 clusters for 29 classes); 0.1 merges sibling classes (ARI 0.94), 0.22 splits classes into
 * scenes (0.92, 57 clusters), 0.3 and above splits them much further.
 */
export const DEFAULT_TAU = 0.14;
export const DEFAULT_SAMPLE_SIZE = 3000;
export const DEFAULT_KNN = 12;
/** Prior background cosine of two unrelated photos for CLIP ViT-B/32, and its weight in items. */
export const PRIOR_BACKGROUND = 0.5;
export const PRIOR_WEIGHT_ITEMS = 20;

function addInto(sum: Float64Array, v: Float32Array | Float64Array, sign = 1): void {
  for (let i = 0; i < sum.length; i++) sum[i]! += sign * v[i]!;
}

/**
 * Background similarity b: the mean cosine of two distinct items, shrunk towards the prior.
 * @param vectors unit vectors
 * @returns b in [−1, 1]
 */
export function backgroundSimilarity(vectors: readonly Float32Array[], prior = PRIOR_BACKGROUND, priorWeight = PRIOR_WEIGHT_ITEMS): number {
  const n = vectors.length;
  if (n < 2) return prior;
  const sum = new Float64Array(vectors[0]!.length);
  for (const v of vectors) addInto(sum, v);
  const measured = (dotF64(sum, sum) - n) / (n * (n - 1));
  return (n * measured + priorWeight * prior) / (n + priorWeight);
}

/** Absolute cosine threshold T = b + (1 − b)·τ. */
export function thresholdFor(background: number, tau = DEFAULT_TAU): number {
  return background + (1 - background) * tau;
}

/** Max-heap of candidate merges with lazy invalidation (a stale entry's version no longer matches). */
class MergeHeap {
  sim: number[] = [];
  a: number[] = [];
  b: number[] = [];
  va: number[] = [];
  vb: number[] = [];
  get size(): number {
    return this.sim.length;
  }
  push(sim: number, a: number, b: number, va: number, vb: number): void {
    let i = this.sim.length;
    this.sim.push(sim);
    this.a.push(a);
    this.b.push(b);
    this.va.push(va);
    this.vb.push(vb);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.sim[p]! >= sim) break;
      this.swap(i, p);
      i = p;
    }
  }
  private swap(i: number, j: number): void {
    for (const arr of [this.sim, this.a, this.b, this.va, this.vb]) {
      const t = arr[i]!;
      arr[i] = arr[j]!;
      arr[j] = t;
    }
  }
  /** Removes the top entry; read it first through the arrays at index 0. */
  pop(): void {
    const last = this.sim.length - 1;
    this.swap(0, last);
    for (const arr of [this.sim, this.a, this.b, this.va, this.vb]) arr.pop();
    let i = 0;
    const n = this.sim.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.sim[r]! > this.sim[l]! ? r : l;
      if (this.sim[c]! <= this.sim[i]!) break;
      this.swap(i, c);
      i = c;
    }
  }
}

/** Working set of clusters: a sum vector and member count each. */
interface Groups {
  sums: Float64Array[];
  sizes: number[];
}

/**
 * Average linkage on the kNN candidate graph of `idx`: two clusters merge while the mean cosine
 * over all their cross pairs is ≥ T, best pair first. Clusters only become candidates through
 * a graph edge between their members, which is what bounds the work.
 * @returns local label per position of `idx`
 */
function averageLinkage(vectors: readonly Float32Array[], idx: readonly number[], threshold: number, knn: number): Int32Array {
  const s = idx.length;
  const k = Math.min(knn, s - 1);
  const dim = vectors[0]!.length;
  const parent = new Int32Array(s);
  for (let i = 0; i < s; i++) parent[i] = i;
  if (k <= 0) return parent;
  // kNN by exact scan of the sample, each pair scored once: O(s²·dim/2) time, O(s·k) memory.
  const nbr = new Int32Array(s * k).fill(-1);
  const nbrSim = new Float64Array(s * k).fill(-Infinity);
  const worst = new Int32Array(s); // slot of each item's worst kept neighbour
  const offer = (i: number, j: number, sim: number) => {
    const base = i * k;
    if (sim <= nbrSim[base + worst[i]!]!) return;
    nbrSim[base + worst[i]!] = sim;
    nbr[base + worst[i]!] = j;
    let w = 0;
    for (let t = 1; t < k; t++) if (nbrSim[base + t]! < nbrSim[base + w]!) w = t;
    worst[i] = w;
  };
  for (let i = 0; i < s; i++) {
    const vi = vectors[idx[i]!]!;
    for (let j = i + 1; j < s; j++) {
      const sim = dot(vi, vectors[idx[j]!]!);
      offer(i, j, sim);
      offer(j, i, sim);
    }
  }
  const sums: Float64Array[] = [];
  const sizes = new Int32Array(s).fill(1);
  const version = new Int32Array(s);
  const alive = new Uint8Array(s).fill(1);
  const adj: Array<Set<number>> = [];
  for (let i = 0; i < s; i++) {
    const sum = new Float64Array(dim);
    addInto(sum, vectors[idx[i]!]!);
    sums.push(sum);
    adj.push(new Set());
  }
  const heap = new MergeHeap();
  for (let i = 0; i < s; i++) {
    for (let t = 0; t < k; t++) {
      const j = nbr[i * k + t]!;
      if (j < 0 || adj[i]!.has(j)) continue;
      adj[i]!.add(j);
      adj[j]!.add(i);
      const sim = nbrSim[i * k + t]!;
      if (sim >= threshold) heap.push(sim, i, j, 0, 0);
    }
  }
  while (heap.size) {
    const sim = heap.sim[0]!;
    let a = heap.a[0]!;
    let b = heap.b[0]!;
    const stale = !alive[a] || !alive[b] || heap.va[0] !== version[a] || heap.vb[0] !== version[b];
    heap.pop();
    if (stale) continue;
    if (sim < threshold) break;
    if (sizes[b]! > sizes[a]!) [a, b] = [b, a];
    addInto(sums[a]!, sums[b]!);
    sizes[a]! += sizes[b]!;
    alive[b] = 0;
    parent[b] = a;
    version[a]!++;
    const na = adj[a]!;
    for (const c of adj[b]!) {
      adj[c]!.delete(b);
      if (c !== a) {
        na.add(c);
        adj[c]!.add(a);
      }
    }
    na.delete(b);
    adj[b] = new Set();
    sums[b] = new Float64Array(0);
    for (const c of na) {
      const avg = dotF64(sums[a]!, sums[c]!) / (sizes[a]! * sizes[c]!);
      if (avg >= threshold) heap.push(avg, a, c, version[a]!, version[c]!);
    }
  }
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const out = new Int32Array(s);
  for (let i = 0; i < s; i++) out[i] = find(i);
  return out;
}

/**
 * Leader clustering (Hartigan 1975) in the given order, then two spherical k-means steps and a
 * merge of clusters whose average linkage reaches T. Kept as the measured alternative.
 */
function leader(vectors: readonly Float32Array[], idx: readonly number[], threshold: number): Int32Array {
  const dim = vectors[0]!.length;
  const g: Groups = { sums: [], sizes: [] };
  const label = new Int32Array(idx.length);
  idx.forEach((item, p) => {
    const v = vectors[item]!;
    let best = -1;
    let bestSim = -Infinity;
    for (let c = 0; c < g.sums.length; c++) {
      const sim = dotF64(v, g.sums[c]!) / g.sizes[c]!;
      if (sim > bestSim) {
        bestSim = sim;
        best = c;
      }
    }
    if (best < 0 || bestSim < threshold) {
      best = g.sums.length;
      g.sums.push(new Float64Array(dim));
      g.sizes.push(0);
    }
    addInto(g.sums[best]!, v);
    g.sizes[best]!++;
    label[p] = best;
  });
  for (let pass = 0; pass < 2; pass++) {
    const means = g.sums.map((s, c) => s.map((x) => x / Math.max(1, g.sizes[c]!)));
    const next: Groups = { sums: means.map(() => new Float64Array(dim)), sizes: means.map(() => 0) };
    idx.forEach((item, p) => {
      const v = vectors[item]!;
      let best = label[p]!;
      let bestSim = g.sizes[best]! > 0 ? dotF64(v, means[best]!) : -Infinity;
      for (let c = 0; c < means.length; c++) {
        if (g.sizes[c]! < 2) continue;
        const sim = dotF64(v, means[c]!);
        if (sim > bestSim && sim >= threshold) {
          bestSim = sim;
          best = c;
        }
      }
      label[p] = best;
      addInto(next.sums[best]!, v);
      next.sizes[best]!++;
    });
    g.sums = next.sums;
    g.sizes = next.sizes;
  }
  const merged = mergeGroups(g, threshold);
  for (let p = 0; p < idx.length; p++) label[p] = merged[label[p]!]!;
  return label;
}

/**
 * Average-linkage merge of whole groups (size ≥ 2 only, so singletons cost nothing), best pair
 * first, over all pairs: k²·dim time, fine for the few thousand groups a library has.
 * @returns for each group, the group it ends up in
 */
function mergeGroups(g: Groups, threshold: number, maxGroups = 6000): Int32Array {
  const k = g.sums.length;
  const into = new Int32Array(k);
  for (let i = 0; i < k; i++) into[i] = i;
  const live = [];
  for (let i = 0; i < k; i++) if (g.sizes[i]! >= 2) live.push(i);
  if (live.length < 2 || live.length > maxGroups) return into;
  const sums = g.sums.map((s) => Float64Array.from(s));
  const sizes = [...g.sizes];
  const version = new Int32Array(k);
  const alive = new Uint8Array(k);
  for (const i of live) alive[i] = 1;
  const heap = new MergeHeap();
  for (let x = 0; x < live.length; x++) {
    for (let y = x + 1; y < live.length; y++) {
      const a = live[x]!;
      const b = live[y]!;
      const avg = dotF64(sums[a]!, sums[b]!) / (sizes[a]! * sizes[b]!);
      if (avg >= threshold) heap.push(avg, a, b, 0, 0);
    }
  }
  while (heap.size) {
    let a = heap.a[0]!;
    let b = heap.b[0]!;
    const stale = !alive[a] || !alive[b] || heap.va[0] !== version[a] || heap.vb[0] !== version[b];
    heap.pop();
    if (stale) continue;
    if (sizes[b]! > sizes[a]!) [a, b] = [b, a];
    addInto(sums[a]!, sums[b]!);
    sizes[a]! += sizes[b]!;
    alive[b] = 0;
    into[b] = a;
    version[a]!++;
    for (const c of live) {
      if (!alive[c] || c === a) continue;
      const avg = dotF64(sums[a]!, sums[c]!) / (sizes[a]! * sizes[c]!);
      if (avg >= threshold) heap.push(avg, a, c, version[a]!, version[c]!);
    }
  }
  for (let i = 0; i < k; i++) {
    let r = i;
    while (into[r] !== r) r = into[r]!;
    into[i] = r;
  }
  return into;
}

/**
 * Clusters unit vectors (see the file comment).
 * @param vectors L2-normalised vectors of one length
 * @returns labels per item (largest cluster 0), the threshold and background used
 */
export function clusterVectors(vectors: readonly Float32Array[], opts: ClusterOptions = {}): ClusterResult {
  const n = vectors.length;
  const tau = opts.tau ?? DEFAULT_TAU;
  const background = opts.background ?? backgroundSimilarity(vectors);
  const threshold = thresholdFor(background, tau);
  if (n === 0) return { labels: new Int32Array(0), clusterCount: 0, threshold, background };
  const dim = vectors[0]!.length;
  const sampleSize = Math.max(2, opts.sampleSize ?? DEFAULT_SAMPLE_SIZE);
  const knn = opts.knn ?? DEFAULT_KNN;
  const method = opts.method ?? 'average-linkage';
  const rand = mulberry32(opts.seed ?? 1);
  const report = opts.onProgress ?? (() => {});

  // A seeded shuffle, so each round's sample is a fair sample of what is left.
  let remaining = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [remaining[i], remaining[j]] = [remaining[j]!, remaining[i]!];
  }
  const label = new Int32Array(n).fill(-1);
  const g: Groups = { sums: [], sizes: [] };
  let done = 0;
  while (remaining.length) {
    const sample = remaining.slice(0, sampleSize);
    const rest = remaining.slice(sampleSize);
    report({ done, total: n, phase: 'grouping' });
    const local = method === 'leader' ? leader(vectors, sample, threshold) : averageLinkage(vectors, sample, threshold, knn);
    const firstNew = g.sums.length;
    const groupOf = new Map<number, number>();
    sample.forEach((item, p) => {
      let c = groupOf.get(local[p]!);
      if (c === undefined) {
        c = g.sums.length;
        groupOf.set(local[p]!, c);
        g.sums.push(new Float64Array(dim));
        g.sizes.push(0);
      }
      addInto(g.sums[c]!, vectors[item]!);
      g.sizes[c]!++;
      label[item] = c;
    });
    done += sample.length;
    // Assign the rest of this round to clusters of ≥ 2 (and this round's singletons): comparing
    // with every older singleton would make a library of outliers quadratic.
    const targets: number[] = [];
    for (let c = 0; c < g.sums.length; c++) if (g.sizes[c]! >= 2 || c >= firstNew) targets.push(c);
    const means = targets.map((c) => Float32Array.from(g.sums[c]!, (x) => x / g.sizes[c]!));
    const left: number[] = [];
    const joins: Array<[number, number]> = [];
    for (let r = 0; r < rest.length; r++) {
      const item = rest[r]!;
      const v = vectors[item]!;
      let best = -1;
      let bestSim = threshold;
      for (let t = 0; t < means.length; t++) {
        const sim = dot(v, means[t]!);
        if (sim >= bestSim) {
          bestSim = sim;
          best = t;
        }
      }
      if (best < 0) left.push(item);
      else joins.push([item, targets[best]!]);
      if ((r & 4095) === 4095) report({ done: done + r, total: n, phase: 'assigning' });
    }
    for (const [item, c] of joins) {
      addInto(g.sums[c]!, vectors[item]!);
      g.sizes[c]!++;
      label[item] = c;
    }
    done += joins.length;
    remaining = left;
  }

  report({ done: n, total: n, phase: 'refining' });
  // One spherical k-means step over clusters of ≥ 2: an item moves only to a cluster it is
  // on average at least T similar to, and only if that beats its own.
  const big: number[] = [];
  for (let c = 0; c < g.sums.length; c++) if (g.sizes[c]! >= 2) big.push(c);
  if (big.length > 1) {
    const means = big.map((c) => Float32Array.from(g.sums[c]!, (x) => x / g.sizes[c]!));
    const meanOf = new Map<number, Float32Array>();
    big.forEach((c, t) => meanOf.set(c, means[t]!));
    const moves: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) {
      const v = vectors[i]!;
      const own = meanOf.get(label[i]!);
      let bestSim = own ? dot(v, own) : threshold;
      let best = -1;
      for (let t = 0; t < means.length; t++) {
        if (big[t] === label[i]) continue;
        const sim = dot(v, means[t]!);
        if (sim > bestSim && sim >= threshold) {
          bestSim = sim;
          best = big[t]!;
        }
      }
      if (best >= 0) moves.push([i, best]);
    }
    for (const [i, c] of moves) {
      const from = label[i]!;
      if (g.sizes[from]! <= 1) continue; // a cluster is not emptied by the refinement
      addInto(g.sums[from]!, vectors[i]!, -1);
      g.sizes[from]!--;
      addInto(g.sums[c]!, vectors[i]!);
      g.sizes[c]!++;
      label[i] = c;
    }
  }
  report({ done: n, total: n, phase: 'merging' });
  const into = mergeGroups(g, threshold);
  for (let i = 0; i < n; i++) label[i] = into[label[i]!]!;

  // Renumber: largest first, ties by first item, so labels are deterministic.
  const count = new Map<number, { size: number; first: number }>();
  for (let i = 0; i < n; i++) {
    const e = count.get(label[i]!);
    if (e) e.size++;
    else count.set(label[i]!, { size: 1, first: i });
  }
  const order = [...count.entries()].sort((a, b) => b[1].size - a[1].size || a[1].first - b[1].first);
  const renum = new Map<number, number>();
  order.forEach(([c], r) => renum.set(c, r));
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = renum.get(label[i]!)!;
  return { labels, clusterCount: order.length, threshold, background };
}

/**
 * Best cluster for a new item by mean cosine to the members (x·Σ/|c|), if it reaches `threshold`.
 * @param clusters sum vector and member count per cluster id
 * @returns the cluster id and its mean cosine, or null
 */
export function nearestCluster(
  vector: Float32Array,
  clusters: Iterable<{ id: string; sum: Float64Array; size: number }>,
  threshold: number,
): { id: string; similarity: number } | null {
  let best: { id: string; similarity: number } | null = null;
  for (const c of clusters) {
    if (c.size <= 0) continue;
    const sim = dotF64(vector, c.sum) / c.size;
    if (sim >= threshold && (!best || sim > best.similarity || (sim === best.similarity && c.id < best.id))) best = { id: c.id, similarity: sim };
  }
  return best;
}

/** Sum of unit vectors, in float64 so a cluster of 100k items keeps its precision. */
export function sumVectors(vectors: Iterable<Float32Array>, dim: number): Float64Array {
  const sum = new Float64Array(dim);
  for (const v of vectors) addInto(sum, v);
  return sum;
}

export { addInto as addToSum };

/** L2-normalised centroid (float32) of a sum vector. */
export function centroidOf(sum: Float64Array): Float32Array {
  const norm = Math.sqrt(dotF64(sum, sum));
  const out = new Float32Array(sum.length);
  if (!(norm > 0)) return out;
  for (let i = 0; i < sum.length; i++) out[i] = sum[i]! / norm;
  return out;
}

/** Greedy one-to-one matching of new clusters to old ones by Jaccard overlap of members, best first. */
export function matchByOverlap(
  fresh: ReadonlyArray<readonly string[]>,
  old: ReadonlyArray<{ id: string; memberIds: readonly string[] }>,
): Array<string | null> {
  const oldOf = new Map<string, number>();
  old.forEach((c, o) => c.memberIds.forEach((m) => oldOf.set(m, o)));
  const pairs: Array<{ j: number; f: number; o: number }> = [];
  fresh.forEach((members, f) => {
    const overlap = new Map<number, number>();
    for (const m of members) {
      const o = oldOf.get(m);
      if (o !== undefined) overlap.set(o, (overlap.get(o) ?? 0) + 1);
    }
    for (const [o, x] of overlap) pairs.push({ j: x / (members.length + old[o]!.memberIds.length - x), f, o });
  });
  pairs.sort((a, b) => b.j - a.j || a.f - b.f || a.o - b.o);
  const out: Array<string | null> = fresh.map(() => null);
  const taken = new Set<number>();
  for (const p of pairs) {
    if (out[p.f] !== null || taken.has(p.o)) continue;
    out[p.f] = old[p.o]!.id;
    taken.add(p.o);
  }
  return out;
}
