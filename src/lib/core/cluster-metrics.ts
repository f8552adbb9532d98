/**
 * Agreement of two labelings of the same items, for measuring clustering against a known truth.
 *
 * - Adjusted Rand index: L. Hubert, P. Arabie, "Comparing partitions", Journal of Classification
 *   2 (1985) 193–218. 1 for identical partitions, about 0 for chance, can be negative.
 * - Normalised mutual information with the arithmetic-mean normaliser, NMI = I(U;V) / ((H(U)+H(V))/2)
 *   (A. Strehl, J. Ghosh, JMLR 3 (2002); the default of scikit-learn ≥ 0.22). In [0, 1].
 *
 * Both are computed from the contingency table, O(n) time; natural logarithms (NMI is base-free).
 */

type Labels = ArrayLike<number | string>;

interface Table {
  n: number;
  cells: Map<string, { a: number | string; b: number | string; count: number }>;
  rows: Map<number | string, number>;
  cols: Map<number | string, number>;
}

function contingency(a: Labels, b: Labels): Table {
  if (a.length !== b.length) throw new RangeError(`labelings differ in length: ${a.length} vs ${b.length}`);
  const cells: Table['cells'] = new Map();
  const rows = new Map<number | string, number>();
  const cols = new Map<number | string, number>();
  for (let i = 0; i < a.length; i++) {
    const key = `${String(a[i])}\u0000${String(b[i])}`;
    const cell = cells.get(key);
    if (cell) cell.count++;
    else cells.set(key, { a: a[i]!, b: b[i]!, count: 1 });
    rows.set(a[i]!, (rows.get(a[i]!) ?? 0) + 1);
    cols.set(b[i]!, (cols.get(b[i]!) ?? 0) + 1);
  }
  return { n: a.length, cells, rows, cols };
}

const pairs = (x: number) => (x * (x - 1)) / 2;

/** Adjusted Rand index of two labelings; 1 when both put every item in one cluster or in singletons alike. */
export function adjustedRandIndex(truth: Labels, predicted: Labels): number {
  const t = contingency(truth, predicted);
  if (t.n < 2) return 1;
  let index = 0;
  for (const c of t.cells.values()) index += pairs(c.count);
  let sumA = 0;
  let sumB = 0;
  for (const c of t.rows.values()) sumA += pairs(c);
  for (const c of t.cols.values()) sumB += pairs(c);
  const expected = (sumA * sumB) / pairs(t.n);
  const max = (sumA + sumB) / 2;
  // Both partitions trivial (all singletons or one cluster) and equal: scikit-learn's convention.
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}

function entropy(counts: Iterable<number>, n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/** Normalised mutual information (arithmetic mean of the entropies); 1 for identical partitions. */
export function normalizedMutualInfo(truth: Labels, predicted: Labels): number {
  const t = contingency(truth, predicted);
  if (t.n === 0) return 1;
  const ha = entropy(t.rows.values(), t.n);
  const hb = entropy(t.cols.values(), t.n);
  // One cluster on both sides: identical partitions (scikit-learn returns 1 here too).
  if (ha === 0 && hb === 0) return 1;
  let mi = 0;
  for (const { a, b, count } of t.cells.values()) mi += (count / t.n) * Math.log((t.n * count) / (t.rows.get(a)! * t.cols.get(b)!));
  const denom = (ha + hb) / 2;
  return denom > 0 ? Math.max(0, Math.min(1, mi / denom)) : 0;
}
