import { l2Normalize } from './vector';

/**
 * Query syntax: words describe what to find; a term after a minus sign, `-word` or
 * `-"two words"`, describes what to push away: "beach -people", "dog -"black dog"".
 */
export interface ParsedQuery {
  positive: string;
  negatives: string[];
}

export function parseQuery(text: string): ParsedQuery {
  const negatives: string[] = [];
  const positive = text
    .replace(/(^|\s)-"([^"]+)"/g, (_m, pre: string, term: string) => {
      negatives.push(term.trim());
      return pre;
    })
    .replace(/(^|\s)-([^\s"-][^\s"]*)/g, (_m, pre: string, term: string) => {
      negatives.push(term.trim());
      return pre;
    })
    .replace(/\s+/g, ' ')
    .trim();
  return { positive, negatives: negatives.filter(Boolean) };
}

/** How far a negative term pushes the query away; 1 would cancel a term as strong as the positive. */
export const NEGATIVE_WEIGHT = 0.5;

/**
 * q = normalize(p − w · mean(nᵢ)) over unit vectors: a linear step away from the negatives
 * in CLIP's joint space, which keeps the query inside the text cone for small w.
 */
export function combineQuery(positive: Float32Array, negatives: Float32Array[], weight = NEGATIVE_WEIGHT): Float32Array {
  if (negatives.length === 0) return positive;
  const out = new Float32Array(positive);
  const w = weight / negatives.length;
  for (const n of negatives) for (let i = 0; i < out.length; i++) out[i] -= w * n[i];
  return l2Normalize(out);
}

/** z of the relevance cut-off unless a search quality check measured one for the model. */
export const DEFAULT_RELEVANCE_Z = 3;

/**
 * Similarity below which a result is a "weaker match". Calibrated per query from the library
 * itself: the scores of a random sample are what an unrelated item scores, so a match must stand
 * `zScore` robust standard deviations (1.4826 · median absolute deviation) above their median.
 * Median and MAD ignore the few true matches that land in the sample of a small library, which
 * would inflate a mean and standard deviation. Works for any model without per-model constants
 * (for CLIP ViT-B/32 text→photo, unrelated photos sit near 0.19 ± 0.025 and matches at 0.26+).
 */
export function relevanceThreshold(sampleScores: readonly number[], zScore = DEFAULT_RELEVANCE_Z, floor = -1): number {
  const spread = sampleSpread(sampleScores);
  return spread ? cutoffAt(spread, zScore, floor) : floor;
}

/** Median and median absolute deviation of a sample's scores; null below 8 scores (too few to tell). */
export function sampleSpread(sampleScores: readonly number[]): { median: number; mad: number } | null {
  if (sampleScores.length < 8) return null;
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const med = median([...sampleScores]);
  return { median: med, mad: median(sampleScores.map((x) => Math.abs(x - med))) };
}

/** The cut-off of {@link relevanceThreshold} from a sample's spread: the same numbers, bit for bit. */
export function cutoffAt(spread: { median: number; mad: number }, zScore: number, floor = -1): number {
  return Math.max(floor, spread.median + zScore * 1.4826 * spread.mad);
}
